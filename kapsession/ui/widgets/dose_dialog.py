"""Mark the dose (T0) or a booster, with its mg and, optionally, the package's lot number.

The lot is asked here, when the package is in hand, and stored with the dose; the REMS form
reads it from there (its own lot field starts with it).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from ...model import ValidationError, validate_dose
from ...model.text import validate_lot
from .dialog import Dialog


@dataclass(frozen=True)
class Dose:
    """What the dialog returns: checked values, ready for ``Archive.mark_dose``."""

    mg: float
    lot: str | None = None  # None: no lot typed


def check_lot(raw: str) -> str | None:
    """The lot as typed, or ``None`` when left empty; refused as the model refuses it
    (:func:`~kapsession.model.text.validate_lot`: too long, or a character that does not
    print), with a message that says why."""
    lot = raw.strip()
    return validate_lot("lot", lot) if lot else None


class DoseDialog(Dialog[Dose | None]):
    """Returns the dose, or ``None`` when cancelled. The first dose starts the T+ clock."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel_dose")]

    def __init__(self, *, booster: bool, planned_mg: float | None) -> None:
        super().__init__()
        self.booster = booster
        self.planned_mg = planned_mg

    def compose(self) -> ComposeResult:
        title = "Booster" if self.booster else "Mark the dose (T0: the clock starts now)"
        initial = "" if self.booster or self.planned_mg is None else f"{self.planned_mg:g}"
        with Vertical(classes="dialog"):
            yield Static(Text(title, style="bold"), classes="dialog-title")
            with Horizontal(classes="field-row"):
                yield Label("Dose", classes="field-label")
                yield Input(initial, id="mg", restrict=r"[0-9.]{0,7}", classes="short")
                yield Label("mg", classes="field-unit")
            with Horizontal(classes="field-row"):
                yield Label("Lot (optional)", classes="field-label")
                # No max_length: a paste too long would be cut silently and the wrong lot
                # stored; the limit is checked on enter and named instead.
                yield Input(id="lot", classes="lot", placeholder="as on the package")
            yield Static(id="error", classes="error-message", markup=False)
            yield Static(Text("enter confirm · tab lot number · escape cancel"),
                         classes="dialog-hint")

    def on_mount(self) -> None:
        self.focus_first(self.query_one("#mg", Input))

    @on(Input.Submitted)
    def _submit(self) -> None:
        error = self.query_one("#error", Static)
        try:
            mg = validate_dose("booster_mg" if self.booster else "dose_mg",
                               self.query_one("#mg", Input).value, required=True)
        except ValidationError as exc:
            error.update(exc.problem)
            self.set_focus(self.query_one("#mg", Input))
            return
        lot_field = self.query_one("#lot", Input)
        try:
            lot = check_lot(lot_field.value)
        except ValidationError as exc:
            error.update(f"Lot number {exc.problem}.")
            self.set_focus(lot_field)
            return
        self.dismiss(Dose(mg, lot))

    def action_cancel(self) -> None:
        self.dismiss(None)
