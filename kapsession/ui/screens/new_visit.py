"""The `v` key on the home screen: a preparation or integration visit for a client.

A visit has no medicine, route or clock: it is written during or after it (notes,
checklists, outcome scores, signing), so it opens on the integration screen at once.
"""

from __future__ import annotations

from textual.screen import Screen

from ...model.session import CLIENT_CODE_MAX
from ...store import ArchiveError
from ..widgets.choice_dialog import ChoiceDialog
from ..widgets.text_dialog import TextDialog

VISIT_CHOICES = [("integration", "Integration visit"), ("preparation", "Preparation visit")]


def start_new_visit(screen: Screen[object], client: str | None) -> None:
    """Ask for the client code (unless given), the kind and what the visit is for; then
    create it and open it for writing. Nothing typed is lost on a mistake: the dialog
    comes back with it."""
    app = screen.app

    def ask_client() -> None:
        app.push_screen(TextDialog("New visit: client code", "A pseudonym such as C-0042 "
                                   "(never a name).", max_length=CLIENT_CODE_MAX),
                        callback=lambda code: code and ask_kind(code))

    def ask_kind(code: str) -> None:
        app.push_screen(ChoiceDialog(f"New visit for {code}", VISIT_CHOICES,
                                     help_text="No medicine, route or clock: notes, "
                                     "checklists, outcome scores and signing."),
                        callback=lambda kind: kind and ask_intention(code, kind, ""))

    def ask_intention(code: str, kind: str, initial: str) -> None:
        def create(text: str | None) -> None:
            if not text:
                return
            try:
                visit = app.archive.new_session(  # type: ignore[attr-defined]
                    client=code, kind=kind, intention=text, live=True)
            except (ArchiveError, ValueError) as exc:
                screen.notify(str(exc), title="Visit not created", severity="error",
                              markup=False)
                ask_intention(code, kind, text)
                return
            from .integration import IntegrationScreen

            app.push_screen(IntegrationScreen(visit.id))

        app.push_screen(TextDialog("What this visit is for", "Its intention or purpose, in "
                                   "the client's words where you can.", initial=initial,
                                   multiline=True), callback=create)

    if client is None:
        ask_client()
    else:
        ask_kind(client)
