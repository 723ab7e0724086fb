"""Record a rescue medication: drug, mg, route and the time it was given.

The dialog starts with what the clinic's list says for the drug (its dose and route) and the
time now, so a rescue charted as it is given is one enter. The time follows the clock while
the dialog is open (it is filled in while the drug is given, which takes minutes) and the
moment of saving is stored; a line under it says so. A past time may be typed (charted
afterwards) as long as it falls within the session, and a typed time is kept as typed, even
when it is the current minute. A bad value is marked beside its field and the dialog stays
open with everything typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static
from textual.widgets.input import Selection

from ...model import Clock, ValidationError
from ...model.rescue import (
    RESCUE_DRUG_MAX,
    RescueDrug,
    time_of_day,
    validate_drug,
    validate_given,
    validate_rescue_mg,
    validate_route,
)
from ...model.vocab import RESCUE_ROUTES
from .dialog import Dialog

FIELDS = ("drug", "mg", "route", "time")
#: How often the time field catches up with the clock (it shows minutes).
FOLLOW_EVERY_S = 1.0


@dataclass(frozen=True)
class Rescue:
    """What the dialog returns: checked values, ready for ``Archive.log_rescue``."""

    drug: str
    mg: float
    route: str
    at: datetime | None  # None: now


class RescueDialog(Dialog[Rescue | None]):
    CSS_PATH = "rescue_dialog.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="cancel_rescue"),
        Binding("ctrl+s", "save", "Save", id="save_rescue", priority=True),
        # As in the vitals dialog, enter moves to the next empty field in the order the keys
        # came; with none left it saves, once the keys typed before it are in.
        Binding("enter", "enter", show=False, priority=True),
    ]

    def __init__(self, drug: RescueDrug | None, *, clock: Clock,
                 started: datetime | None) -> None:
        super().__init__()
        self.drug = drug or RescueDrug("")
        self.clock = clock
        self.started = started
        self.shown_now = self._minute()  # what the time field shows while it follows
        self.time_typed = False  # the therapist typed a time: kept as typed

    def _minute(self) -> str:
        return self.clock().astimezone().strftime("%H:%M")

    def compose(self) -> ComposeResult:
        d = self.drug
        routes = " ".join(RESCUE_ROUTES.values())
        rows = (
            ("drug", "Drug", d.name, "", RESCUE_DRUG_MAX, None),
            ("mg", "Dose", f"{d.mg:g}" if d.mg is not None else "", "mg", 9, r"[0-9.,]*"),
            ("route", "Route", RESCUE_ROUTES[d.route] if d.route else "", routes, 3,
             r"[A-Za-z]*"),
            ("time", "Given at", self.shown_now, "HH:MM, within the session", 5, r"[0-9:]*"),
        )
        with Vertical(classes="dialog", id="rescue-dialog"):
            yield Static(Text("Rescue medication", style="bold"), classes="dialog-title")
            for key, label, value, unit, length, restrict in rows:
                with Horizontal(classes="field-row"):
                    yield Label(label, classes="field-label")
                    yield Input(value, id=key, max_length=length, restrict=restrict,
                                classes="drug" if key == "drug" else "short")
                    yield Label(unit, classes="field-unit")
                yield Static(id=f"{key}-error", classes="error-message field-error",
                             markup=False)
            yield Static(self._stored_text(), id="time-stored", markup=False)
            # enter saves once no field after the cursor is empty: the time is filled in (the
            # clock), so tab is how to change it (a walk-through typed it after enter saved).
            yield Static(Text("enter next empty field, else save · tab to change the time"),
                         classes="dialog-hint")

    def on_mount(self) -> None:
        first = self.query_one("#mg" if self.drug.name else "#drug", Input)
        # The list's dose is a suggestion: a number typed replaces it rather than joining it.
        first.selection = Selection(0, len(first.value))
        self.focus_first(first)
        self.set_interval(FOLLOW_EVERY_S, self.follow_clock)

    # ---- the time given: the clock's until one is typed ------------------------------------

    def _typed(self) -> bool:
        """Whether the time field holds a time the therapist typed. Its value is asked too: a
        change may not have been announced yet when enter comes right after it."""
        if not self.time_typed and self._field("time").value.strip() != self.shown_now:
            self.time_typed = True
        return self.time_typed

    def _stored_text(self) -> Text:
        if self.is_mounted and self._typed():
            try:
                at = time_of_day(self._field("time").value, self.clock())
            except ValidationError:
                return Text("Stored: the time typed, once it reads HH:MM")
            return Text(f"Stored: {at:%H:%M}, as typed")
        return Text(f"Stored: the moment you save (now {self.shown_now})")

    def follow_clock(self) -> None:
        """While no time was typed, the field shows the minute it is now."""
        minute = self._minute()
        if self._typed() or minute == self.shown_now:
            return
        self.shown_now = minute
        field = self._field("time")
        whole = field.selection == Selection(0, len(field.value))
        field.value = minute
        if whole:  # selected on focus: a time typed now still replaces it
            field.selection = Selection(0, len(minute))
        self.query_one("#time-stored", Static).update(self._stored_text())

    @on(Input.Changed, "#time")
    def _time_changed(self, event: Input.Changed) -> None:
        # The clock's own updates show ``shown_now``; any other value was typed (clearing the
        # field to type the same minute again passes through others, so it counts as typed).
        if event.value != self.shown_now:
            self.time_typed = True
        self.query_one("#time-stored", Static).update(self._stored_text())

    def _field(self, key: str) -> Input:
        return self.query_one(f"#{key}", Input)

    def _next_empty(self) -> Input | None:
        focused = self.focused
        if focused is None or focused.id not in FIELDS:
            return None
        for key in FIELDS[FIELDS.index(focused.id) + 1:]:
            if not self._field(key).value.strip():
                return self._field(key)
        return None

    def action_enter(self) -> None:
        following = self._next_empty()
        if following is not None:
            self.set_focus(following)  # now: Widget.focus() would wait for a later turn
        else:
            self.action_save()

    def _checked(self) -> Rescue:
        value = {key: self._field(key).value for key in FIELDS}
        drug = validate_drug(value["drug"])
        mg = validate_rescue_mg(value["mg"].replace(",", "."))
        route = validate_route(value["route"])
        if not self._typed():
            return Rescue(drug, mg, route, None)  # the clock's: the moment it is saved
        now = self.clock()
        at = validate_given(time_of_day(value["time"].strip(), now), now=now,
                            started=self.started)
        return Rescue(drug, mg, route, at)

    def action_save(self) -> None:
        self.after_typed_keys(self._save)

    def _save(self) -> None:
        if not self.is_attached:
            return
        for key in FIELDS:
            error = self.query_one(f"#{key}-error", Static)
            error.update("")
            error.remove_class("shown")
        try:
            rescue = self._checked()
        except ValidationError as exc:
            key = exc.field if exc.field in FIELDS else "drug"
            error = self.query_one(f"#{key}-error", Static)
            error.update(exc.problem)
            error.add_class("shown")
            self.set_focus(self._field(key))
            self.take_keys()
            return
        self.dismiss(rescue)

    def action_cancel(self) -> None:
        def cancel() -> None:
            if self.is_attached:
                self.dismiss(None)

        self.after_typed_keys(cancel)
