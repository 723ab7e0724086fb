"""Pick one item from a list: type to narrow it, arrows to move, enter to pick.

Typed letters only narrow the list (they never pick or change anything); each item shows the
letters that bring it to the top, so a therapist learns them. A list of scores has no filter:
there, a digit picks its score ("3" chooses MOAA/S 3).

Keys are handled in the order they were typed: enter, the arrows and escape act as they reach
the app (priority bindings), but do their work in the field's own queue, after the letters
typed before them; keys typed after enter wait until whatever the choice opens is ready
(see :mod:`.dialog`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from .dialog import Dialog

#: A shortcut is at most this many letters (with the key that opens the list and enter, a
#: choice of any of the lists is then at most four keys away).
SHORTCUT_MAX = 2
FILTER_MAX = 40


def _word_starts(label: str) -> list[int]:
    return [m.start() for m in re.finditer(r"[^\W_]+", label)]


def rank(query: str, labels: Sequence[str]) -> list[int]:
    """The indexes of the labels ``query`` matches, best first: the label begins with it,
    then a word of it does, then (from two letters on) its letters appear in order; ties
    keep the list's order. One letter anywhere would match nearly every label."""
    q = query.strip().lower()
    if not q:
        return list(range(len(labels)))
    scored = []
    for i, label in enumerate(labels):
        low = label.lower()
        if low.startswith(q):
            score = 0
        elif any(low.startswith(q, start) for start in _word_starts(low)):
            score = 1
        else:
            rest = iter(low)
            if len(q) < 2 or not all(ch in rest for ch in q):  # "dz" finds "dizziness"
                continue
            score = 2
        scored.append((score, i))
    return [i for _, i in sorted(scored)]


def shortcut(index: int, labels: Sequence[str], longest: int = SHORTCUT_MAX) -> str | None:
    """The fewest letters that bring ``labels[index]`` to the top of the list: the start of
    one of its words when that is enough, else letters of it in order."""
    low = labels[index].lower()
    letters = [c for c in low if c.isalpha()]
    words = [low[start:] for start in _word_starts(low)]
    for n in range(1, longest + 1):
        tries = [w[:n] for w in words if len(w) >= n and w[:n].isalpha()]
        tries += ["".join(c) for c in itertools.combinations(letters, n)]
        for query in tries:
            top = rank(query, labels)
            if top and top[0] == index:
                return query
    return None


class ChoiceDialog(Dialog[str | None]):
    """Returns the id of the chosen option, or ``None`` on escape."""

    CSS_PATH = "choice_dialog.tcss"
    # Below 30 rows the dialog drops its blank rows and the list's border (-short).
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="cancel_choice", priority=True),
        Binding("enter", "choose", show=False, priority=True),
        Binding("up", "move(-1)", show=False, priority=True),
        Binding("down", "move(1)", show=False, priority=True),
        Binding("pageup", "move(-8)", show=False, priority=True),
        Binding("pagedown", "move(8)", show=False, priority=True),
        *[Binding(str(n), f"digit('{n}')", show=False, priority=True) for n in range(10)],
    ]

    def __init__(self, title: str, options: list[tuple[str, str]], *,
                 selected: str | None = None, help_text: str | Text = "",
                 hint: str | None = None, filterable: bool = True) -> None:
        super().__init__()
        self.title_text = title
        self.options = options
        self.selected = selected
        self.help_text = help_text
        self.filterable = filterable
        self.hint = hint or ("type to narrow · ↑↓ choose · enter select · escape cancel"
                             if filterable else "↑↓ or a number · enter select · escape cancel")
        labels = [label for _, label in options]
        self.shortcuts = [shortcut(i, labels) for i in range(len(options))] if filterable \
            else [None] * len(options)
        self._shown_for: str | None = None  # the filter text the list was last built for
        self._shown: list[int] = []  # indexes into ``options``, in the order shown

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog choice-dialog"):
            yield Static(Text(self.title_text, style="bold"), classes="dialog-title")
            if self.help_text:
                help_text = self.help_text
                yield Static(help_text if isinstance(help_text, Text) else Text(help_text),
                             classes="dialog-help")
            if self.filterable:
                yield Input(id="filter", placeholder="type to narrow the list",
                            max_length=FILTER_MAX, select_on_focus=False)
            yield OptionList(id="choices")
            yield Static(Text(self.hint), id="choice-hint", classes="dialog-hint")

    def on_mount(self) -> None:
        self._show("")
        choices = self.query_one("#choices", OptionList)
        if self.selected is not None:
            keys = [key for key, _ in self.options]
            if self.selected in keys:  # an unknown preselection just starts at the top
                choices.highlighted = keys.index(self.selected)
        self.focus_first(self.query_one("#filter", Input) if self.filterable else choices)

    # ---- the list -------------------------------------------------------------------------

    def _prompt(self, index: int) -> Table | Text:
        label = Text(self.options[index][1])
        keys = self.shortcuts[index]
        if keys is None:
            return label
        row = Table.grid(expand=True, padding=(0, 1))
        row.add_column(ratio=1)
        row.add_column(justify="right", no_wrap=True)
        row.add_row(label, Text(keys, style="dim"))
        return row

    def _show(self, query: str) -> None:
        """Build the list for ``query`` (no-op when it is already shown), the best at top."""
        if query == self._shown_for:
            return
        self._shown_for = query
        self._shown = rank(query, [label for _, label in self.options])
        choices = self.query_one("#choices", OptionList)
        choices.set_options([Option(self._prompt(i), id=self.options[i][0])
                             for i in self._shown])
        if self._shown:
            choices.highlighted = 0
        hint = Text(self.hint)
        if not self._shown:
            hint = Text("Nothing matches: backspace to widen · escape cancel")
        self.query_one("#choice-hint", Static).update(hint)

    def _query(self) -> str:
        return self.query_one("#filter", Input).value if self.filterable else ""

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._show(event.value)

    # ---- keys, in the order typed ---------------------------------------------------------

    def _finish(self, result: str | None) -> None:
        """Close with ``result``. The keys typed from now on wait for what comes next."""
        def close() -> None:
            if self.is_attached:
                self.dismiss(result)

        self.after_typed_keys(close)

    def action_move(self, delta: int) -> None:
        def move() -> None:
            self._show(self._query())
            choices = self.query_one("#choices", OptionList)
            if choices.option_count:
                current = choices.highlighted or 0
                choices.highlighted = max(0, min(choices.option_count - 1, current + delta))

        (self.focused or self).call_later(move)  # after the letters typed before it

    def action_choose(self) -> None:
        def choose() -> None:
            if not self.is_attached:
                return
            self._show(self._query())
            option = self.query_one("#choices", OptionList).highlighted_option
            if option is None:  # nothing matches: stay
                self.take_keys()
                return
            self.dismiss(option.id)

        self.after_typed_keys(choose)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "digit":
            # Only a list of scores picks by digit; in a list with a filter a digit is typed.
            return not self.filterable and any(key == parameters[0] for key, _ in self.options)
        return True

    def action_digit(self, key: str) -> None:
        self._finish(key)

    @on(OptionList.OptionSelected, "#choices")
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        if self.ready:
            self._finish(event.option.id)

    def action_cancel(self) -> None:
        self._finish(None)
