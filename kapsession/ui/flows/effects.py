"""ctrl+s, on the live screen and, until discharge, on the integration screen: a rating, a
side effect with its severity, or a rescue medication — one flow, so both screens offer the
same choices and save them the same way.

The screen brings how it opens a dialog (the live screen hands keys typed ahead to it), how
it calls the archive (showing any error) and how it says what was saved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.screen import ModalScreen, Screen
from textual.widget import AwaitMount

from ...model.rescue import RescueDrug, rescue_values_text
from ...model.vocab import (
    DISSOCIATION_LEVELS,
    MOAAS_LEVELS,
    SEVERITIES,
    SIDE_EFFECTS,
    SIDE_EFFECTS_OFFERED,
)
from ..widgets.choice_dialog import ChoiceDialog
from ..widgets.rescue_dialog import Rescue, RescueDialog
from ..widgets.text_dialog import TextDialog

OpenDialog = Callable[[ModalScreen[Any], Callable[[Any], None]], AwaitMount | None]


class EffectFlow:
    def __init__(self, screen: Screen[Any], *, open_dialog: OpenDialog,
                 run: Callable[[str, Callable[[], object]], bool],
                 say: Callable[[str], None]) -> None:
        self.screen = screen
        self.open_dialog = open_dialog
        self.run = run
        self.say = say

    @property
    def _archive(self) -> Any:
        return self.screen.archive  # type: ignore[attr-defined]

    @property
    def _sid(self) -> str:
        return self.screen.session_id  # type: ignore[attr-defined]

    def start(self) -> AwaitMount | None:
        drugs = self.screen.app.config.rescue_drugs  # type: ignore[attr-defined]
        options = [("rating:moaas", "Sedation — MOAA/S 0–5"),
                   ("rating:dissociation", "Dissociation 0–4"),
                   *[(key, SIDE_EFFECTS[key]) for key in SIDE_EFFECTS_OFFERED],
                   *[(f"rescue:{i}", f"rescue: {d.label}") for i, d in enumerate(drugs)],
                   ("rescue:other", "rescue: other drug")]

        def chosen(key: str | None) -> None:
            if key is None:
                return
            if key.startswith("rescue:"):
                index = key.split(":", 1)[1]
                self._rescue(None if index == "other" else drugs[int(index)])
            elif key.startswith("rating:"):
                self._rating(key.split(":", 1)[1])
            else:
                self._side_effect(key)

        return self.open_dialog(ChoiceDialog("Side effect, rating or rescue medication",
                                             options), chosen)

    def _rating(self, scale: str) -> None:
        levels = MOAAS_LEVELS if scale == "moaas" else DISSOCIATION_LEVELS

        def rated(score: str | None) -> None:
            if score is not None and self.run("Rating", lambda: self._archive.log_rating(
                    self._sid, scale, int(score))):
                self.say(f"Rating {score} logged.")

        self.open_dialog(
            ChoiceDialog("Sedation (MOAA/S)" if scale == "moaas" else "Dissociation",
                         [(str(n), f"{n} — {text}") for n, text in levels.items()],
                         filterable=False), rated)

    def _side_effect(self, key: str) -> None:
        """The severity next (a digit), then for "other" what it was."""
        levels = [*[(str(n), label) for n, label in enumerate(SEVERITIES.values(), 1)],
                  ("0", "not rated")]

        def save(severity: str | None, detail: str = "") -> None:
            if self.run("Side effect", lambda: self._archive.log_side_effect(
                    self._sid, key, detail, severity=severity)):
                self.say(f"Side effect logged: {SIDE_EFFECTS[key]}"
                         + (f", {severity}." if severity else "."))

        def rated(level: str | None) -> None:
            if level is None:
                return
            severity = dict(levels)[level] if level != "0" else None
            if key != "other":
                save(severity)
                return
            self.open_dialog(TextDialog("Other side effect", "What was it?", max_length=200),
                             lambda detail: detail is not None and save(severity, detail))

        self.open_dialog(ChoiceDialog(
            f"{SIDE_EFFECTS[key].capitalize()}: how severe?",
            [(n, f"{n} — {label}") for n, label in levels], filterable=False), rated)

    def _rescue(self, drug: RescueDrug | None) -> None:
        def save(rescue: Rescue | None) -> None:
            if rescue is not None and self.run("Rescue medication", lambda: (
                    self._archive.log_rescue(self._sid, drug=rescue.drug, mg=rescue.mg,
                                             route=rescue.route, at=rescue.at))):
                entry = self._archive.get(self._sid).entries[-1]
                self.say(f"Rescue medication logged: {rescue_values_text(entry.values)}.")

        session = self._archive.get(self._sid)
        self.open_dialog(RescueDialog(drug, clock=self.screen.app.clock,  # type: ignore[attr-defined]
                                      started=session.started), save)
