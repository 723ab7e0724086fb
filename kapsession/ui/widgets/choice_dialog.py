"""Pick one item from a list with the arrows and enter (or its number key)."""

from __future__ import annotations

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from .dialog import Dialog


class ChoiceDialog(Dialog[str | None]):
    """Returns the id of the chosen option, or ``None`` on escape."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel_choice")]

    def __init__(self, title: str, options: list[tuple[str, str]], *,
                 selected: str | None = None, help_text: str | Text = "",
                 hint: str = "↑↓ choose · enter select · escape cancel") -> None:
        super().__init__()
        self.title_text = title
        self.options = options
        self.selected = selected
        self.help_text = help_text
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.title_text, style="bold"), classes="dialog-title")
            if self.help_text:
                help_text = self.help_text
                yield Static(help_text if isinstance(help_text, Text) else Text(help_text),
                             classes="dialog-help")
            yield OptionList(*[Option(Text(label), id=key) for key, label in self.options],
                             id="choices")
            yield Static(Text(self.hint), classes="dialog-hint")

    def on_mount(self) -> None:
        choices = self.query_one("#choices", OptionList)
        if self.selected is not None:
            try:
                choices.highlighted = choices.get_option_index(self.selected)
            except Exception:  # noqa: BLE001 - an unknown preselection just starts at the top
                pass
        self.focus_first(choices)

    def on_key(self, event: events.Key) -> None:
        # Scores are picked by their number: "3" chooses MOAA/S 3.
        if event.character and event.character.isdigit():
            if any(key == event.character for key, _ in self.options):
                event.stop()
                self.dismiss(event.character)

    @on(OptionList.OptionSelected, "#choices")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
