"""Record vitals: systolic, diastolic, heart rate, SpO₂ and (optional) respiratory rate.

A bad value is marked beside its field and the dialog stays open with everything typed.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from ...model import ValidationError, Vitals, VitalsThresholds
from .dialog import Dialog

FIELDS = (
    ("systolic", "Systolic BP", "mmHg"),
    ("diastolic", "Diastolic BP", "mmHg"),
    ("heart_rate", "Heart rate", "bpm"),
    ("spo2", "SpO₂", "%"),
    ("resp_rate", "Resp. rate", "/min, optional"),
)


class VitalsDialog(Dialog[Vitals | None]):
    """Returns validated :class:`Vitals`, or ``None`` when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="cancel_vitals"),
        Binding("ctrl+s", "save", "Save", id="save_vitals", priority=True),
        # enter moves to the next field in the app's own order of keys, so "120⏎80⏎" typed
        # fast puts 80 in the diastolic field; where there is no empty field next it saves,
        # once the digits typed before it are in, and holds what is typed after it for the
        # note box (a note typed at once after the last enter went to the last field, which
        # takes only digits, and was lost).
        Binding("enter", "next_field", show=False, priority=True),
    ]

    def __init__(self, thresholds: VitalsThresholds | None = None) -> None:
        super().__init__()
        self.thresholds = thresholds or VitalsThresholds()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="vitals-dialog"):
            yield Static(Text("Record vitals", style="bold"), classes="dialog-title")
            for key, label, unit in FIELDS:
                with Horizontal(classes="field-row"):
                    yield Label(label, classes="field-label")
                    yield Input(id=key, restrict=r"\d{0,3}", max_length=3, classes="short")
                    yield Label(unit, classes="field-unit")
                yield Static(id=f"{key}-error", classes="error-message field-error",
                             markup=False)
            yield Static(id="flags", classes="flagged", markup=False)
            # The rescue dialog's words for the same rule: enter saves once no empty field
            # follows the cursor.
            yield Static(Text("enter next empty field, else save · ctrl+s save · esc cancel"),
                         classes="dialog-hint")

    def on_mount(self) -> None:
        self.focus_first(self.query_one("#systolic", Input))

    def _values(self) -> dict[str, str]:
        return {key: self.query_one(f"#{key}", Input).value for key, _, _ in FIELDS}

    def _next_empty(self) -> Input | None:
        """The field enter moves to from the focused one: the next, while it is empty. The
        optional respiratory rate too: it is on screen, and a rate typed after an enter that
        had already saved went into the note box as a note."""
        keys = [k for k, _, _ in FIELDS]
        focused = self.focused
        if focused is None or focused.id not in keys:
            return None
        index = keys.index(focused.id)
        if index == len(keys) - 1:
            return None
        following = self.query_one(f"#{keys[index + 1]}", Input)
        return None if following.value else following

    def action_next_field(self) -> None:
        following = self._next_empty()
        if following is not None:
            self.set_focus(following)  # now: Widget.focus() would wait for a later turn
        else:
            self.action_save()

    def action_save(self) -> None:
        # ctrl+s is a priority key: it is read before the digits typed ahead of it reach
        # their field ("133⏎83⏎83⏎97 ctrl+s" said the systolic BP was missing).
        self.after_typed_keys(self._save)

    def _save(self) -> None:
        if not self.is_attached:
            return
        for key, _, _ in FIELDS:
            self.query_one(f"#{key}-error", Static).update("")
            self.query_one(f"#{key}-error", Static).remove_class("shown")
        try:
            vitals = Vitals.create(**self._values())
        except ValidationError as exc:
            field = exc.field if exc.field in dict((k, 1) for k, _, _ in FIELDS) else "systolic"
            self.query_one(f"#{field}-error", Static).update(exc.problem)
            self.query_one(f"#{field}-error", Static).add_class("shown")
            self.set_focus(self.query_one(f"#{field}", Input))
            self.take_keys()  # the dialog stays: what was typed after goes to the field
            return
        self.dismiss(vitals)

    def action_cancel(self) -> None:
        def cancel() -> None:
            if self.is_attached:
                self.dismiss(None)

        self.after_typed_keys(cancel)
