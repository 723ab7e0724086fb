"""Record a rescue medication: drug, mg, route and the time it was given.

The dialog starts with what the clinic's list says for the drug (its dose and route) and the
time now, so a rescue charted as it is given is one enter. A past time may be typed (charted
afterwards) as long as it falls within the session; a bad value is marked beside its field
and the dialog stays open with everything typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
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
        self.opened_at = clock().astimezone().strftime("%H:%M")

    def compose(self) -> ComposeResult:
        d = self.drug
        routes = " ".join(RESCUE_ROUTES.values())
        rows = (
            ("drug", "Drug", d.name, "", RESCUE_DRUG_MAX, None),
            ("mg", "Dose", f"{d.mg:g}" if d.mg is not None else "", "mg", 9, r"[0-9.,]*"),
            ("route", "Route", RESCUE_ROUTES[d.route] if d.route else "", routes, 3,
             r"[A-Za-z]*"),
            ("time", "Given at", self.opened_at, "HH:MM, within the session", 5, r"[0-9:]*"),
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
            yield Static(Text("enter next field / save · ctrl+s save · escape cancel"),
                         classes="dialog-hint")

    def on_mount(self) -> None:
        first = self.query_one("#mg" if self.drug.name else "#drug", Input)
        # The list's dose is a suggestion: a number typed replaces it rather than joining it.
        first.selection = Selection(0, len(first.value))
        self.focus_first(first)

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
        now = self.clock()
        typed = value["time"].strip()
        if typed == self.opened_at:
            return Rescue(drug, mg, route, None)  # as it was when the dialog opened: now
        at = validate_given(time_of_day(typed, now), now=now, started=self.started)
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
