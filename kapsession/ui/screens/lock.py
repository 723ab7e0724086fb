"""The idle lock: after a while without a key press the screen hides everything.

During a live session only the clock stays visible, so the timer keeps running in view but no
note text does. An encrypted archive asks for its passphrase; otherwise any key unlocks.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Input, Static

from ..widgets.clock_panel import ClockPanel


class LockScreen(Screen[None]):
    HELP_TITLE = "locked"
    CSS_PATH = "lock.tcss"

    def __init__(self, *, live_session_id: str | None,
                 check_passphrase: Callable[[str], bool] | None) -> None:
        super().__init__()
        self.live_session_id = live_session_id
        self.check_passphrase = check_passphrase

    def compose(self) -> ComposeResult:
        with Center():
            with Vertical(id="lock-box"):
                yield Static(Text("Locked", style="bold"), id="lock-title")
                if self.live_session_id is not None:
                    app = self.app
                    session = app.archive.get(self.live_session_id)  # type: ignore[attr-defined]
                    yield ClockPanel(session, clock=app.clock,  # type: ignore[attr-defined]
                                     settings=app.config.clock,  # type: ignore[attr-defined]
                                     thresholds=app.config.thresholds,  # type: ignore[attr-defined]
                                     id="lock-clock")
                if self.check_passphrase is not None:
                    yield Input(placeholder="passphrase, then enter", password=True,
                                id="passphrase", max_length=1024)
                    yield Static(id="lock-error", classes="error-message", markup=False)
                else:
                    yield Static("Press any key to unlock.", id="lock-hint", markup=False)

    def on_mount(self) -> None:
        if self.check_passphrase is not None:
            self.query_one("#passphrase", Input).focus()

    def on_key(self, event: events.Key) -> None:
        if self.check_passphrase is None:
            event.stop()
            event.prevent_default()
            self.app.unlock()  # type: ignore[attr-defined]

    @on(Input.Submitted, "#passphrase")
    def _try(self, event: Input.Submitted) -> None:
        self.query_one("#lock-error", Static).update("Checking…")
        self._check(event.value)

    @work(thread=True, exclusive=True)
    def _check(self, passphrase: str) -> None:
        # Deriving the key (scrypt) takes a moment: off the UI thread, so the clock keeps going.
        assert self.check_passphrase is not None
        ok = self.check_passphrase(passphrase)
        self.app.call_from_thread(self._checked, ok)

    def _checked(self, ok: bool) -> None:
        if ok:
            self.app.unlock()  # type: ignore[attr-defined]
            return
        self.query_one("#passphrase", Input).value = ""
        self.query_one("#lock-error", Static).update("That is not the passphrase.")
