"""The REMS form's questions, answered from the keyboard (issue #15).

Lists the fields the therapist answers or confirms — yes/no questions, the three events
proposed from the record, the lot, and which recorded BP fills each BP slot — each with its
current value; enter answers the highlighted one and the list shows the new value. The
fields themselves come from the one table, :data:`kapsession.model.rems.FIELDS`.
"""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...model.errors import SessionStateError, ValidationError
from ...model.rems import FIELD_KEYS, bp_choices, rems_values
from ...model.text import LOT_MAX
from ...store import ArchiveError
from .choice_dialog import ChoiceDialog
from .dialog import Dialog
from .text_dialog import TextDialog

MARKS = {"proposed": " (proposed: confirm)", "missing": " ⚑ missing"}


class RemsDialog(Dialog[None]):
    """Answers go to the archive as they are given; escape closes."""

    CSS_PATH = "rems_dialog.tcss"

    BINDINGS = [Binding("escape", "close", "Done", id="close_rems")]

    def __init__(self, session_id: str) -> None:
        super().__init__()
        self.session_id = session_id

    @property
    def archive(self):  # noqa: ANN201
        return self.app.archive  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text("REMS form: answer or confirm", style="bold"),
                         classes="dialog-title")
            yield OptionList(id="fields")
            yield Static(id="error", classes="error-message", markup=False)
            yield Static(Text("↑↓ choose · enter answer · escape done"), classes="dialog-hint")

    def on_mount(self) -> None:
        self._fill()
        self.focus_first(self.query_one("#fields", OptionList))

    def _fill(self) -> None:
        config = self.app.config  # type: ignore[attr-defined]
        self.session = self.archive.get(self.session_id)
        values = rems_values(self.session, config.rems_provider, config.thresholds)
        self.values = values
        options = self.query_one("#fields", OptionList)
        keep = options.highlighted or 0
        options.clear_options()
        for key, value in values.items():
            spec = FIELD_KEYS[key]
            if spec.source in ("clinic", "config"):
                continue  # not the therapist's to answer here
            if spec.kind == "text" and key != "lot":
                continue  # computed from the record (dose, minutes, date)
            shown = value.text or "—"
            if spec.kind == "bp" and value.note:
                shown += f" ({value.note})"
            options.add_option(Option(Text(f"{spec.label}: {shown}{MARKS.get(value.status, '')}"),
                                      id=key))
        options.highlighted = min(keep, options.option_count - 1)

    def _save(self, **answers: object) -> None:
        error = self.query_one("#error", Static)
        try:
            self.archive.set_rems(self.session_id, **answers)
        except (ValidationError, SessionStateError, ArchiveError) as exc:
            error.update(Text(f"Not saved: {exc}"))
            return
        error.update("")
        self._fill()

    def _recorded_lot(self) -> str:
        """The lot the form takes from the record (the dose's), as if no answer replaced
        it: asked of the form's own table, so the dialog never words it differently."""
        bare = replace(self.session, rems={k: v for k, v in self.session.rems.items()
                                           if k != "lot"})
        return rems_values(bare)["lot"].text

    def _save_lot(self, text: str) -> None:
        """The lot marked with the dose stays the one source: confirming it stores no copy
        (and typing it again drops an answer that replaced it)."""
        if text == self._recorded_lot():
            if "lot" in self.session.rems:
                self._save(lot=None)
            return
        self._save(lot=text)

    @on(OptionList.OptionSelected, "#fields")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        key = event.option.id or ""
        spec = FIELD_KEYS[key]
        if key == "lot":
            # One source: the field starts with what the form shows, the lot marked with the
            # dose unless an answer replaced it.
            self.app.push_screen(TextDialog(
                "Lot number", "As printed on the package. It starts with the lot marked with "
                "the dose; another one typed here replaces it on the form.",
                initial=self.values["lot"].text, max_length=LOT_MAX),
                callback=lambda text: text is not None and self._save_lot(text))
        elif spec.kind == "bp":
            choices = [*bp_choices(self.session), ("clear", "as chosen from the record")]
            self.app.push_screen(ChoiceDialog(spec.label, choices),
                                 callback=lambda ref: ref is not None and self._save(
                                     **{key: None if ref == "clear" else ref}))
        else:
            self.app.push_screen(ChoiceDialog(spec.label, [
                ("yes", "yes"), ("no", "no"), ("clear", "clear my answer")]),
                callback=lambda answer: answer is not None and self._save(
                    **{key: None if answer == "clear" else answer == "yes"}))

    def action_close(self) -> None:
        self.dismiss(None)
