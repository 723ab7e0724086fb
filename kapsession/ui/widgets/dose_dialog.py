"""Mark the dose (T0) or a booster, with its mg."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from ...model import ValidationError, validate_dose
from .dialog import Dialog


class DoseDialog(Dialog[float | None]):
    """Returns the mg, or ``None`` when cancelled. The first dose starts the T+ clock."""

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
            yield Static(id="error", classes="error-message", markup=False)
            yield Static(Text("enter confirm · escape cancel"), classes="dialog-hint")

    def on_mount(self) -> None:
        self.focus_first(self.query_one("#mg", Input))

    @on(Input.Submitted, "#mg")
    def _submit(self) -> None:
        try:
            mg = validate_dose("booster_mg" if self.booster else "dose_mg",
                               self.query_one("#mg", Input).value, required=True)
        except ValidationError as exc:
            self.query_one("#error", Static).update(exc.problem)
            return
        self.dismiss(mg)

    def action_cancel(self) -> None:
        self.dismiss(None)
