"""The Textual app: screens, global keys, the command palette and the theme."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rich.text import Text
from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen

from ..config import Config, ConfigError, save_setting
from ..model import Clock
from ..model.times import system_clock
from ..prompts import PromptLibrary, load_library
from ..store import Archive
from .bindings import named_bindings
from .screens.home import HomeScreen
from .themes import THEMES

IDLE_CHECK_S = 5.0
#: How often the sessions folder is looked at for sync conflict copies that arrived while the
#: app runs (one stat; a listing only when the folder changed).
SYNC_CHECK_S = 5.0


class KapsessionApp(App[None]):
    """The app on one archive. Tests build it with a temporary archive and a frozen clock."""

    TITLE = "kapsession"
    # The home screen's CSS with the app's: as the first screen's own CSS_PATH it made Textual
    # parse every stylesheet a second time at start-up (about 10 ms).
    CSS_PATH = ["app.tcss", "screens/home.tcss"]
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True, show=False,
                tooltip="Quit kapsession (a live session stays live and can be resumed)"),
        Binding("question_mark,f1", "help", "Keys", id="help",
                tooltip="Show the keys of this screen"),
        Binding("ctrl+y", "toggle_theme", "Theme", id="toggle_theme", show=False,
                tooltip="Switch between the low-light and the light theme"),
        # Priority, so focus moves in the order keys were typed: as plain bindings they ran
        # only once tab had bubbled up from the field, and "C-0042⇥AB" typed fast put "AB"
        # into the client code.
        Binding("tab", "focus_next", show=False, priority=True),
        Binding("shift+tab", "focus_previous", show=False, priority=True),
    ]

    def __init__(self, archive: Archive, *, config: Config | None = None,
                 clock: Clock = system_clock, demo: bool = False,
                 prompts: PromptLibrary | None = None,
                 check_passphrase: Callable[[str], bool] | None = None) -> None:
        super().__init__()
        self.archive = archive
        self.config = config or Config()
        self.clock = clock
        self.demo = demo
        self.prompts_problem: str | None = None
        if prompts is None:
            prompts, self.prompts_problem = load_library(
                self.config["prompts_file"] or None, self.config["prompts_mode"])
        self.prompts = prompts
        self.locked = False
        self._quit_armed = False
        self.last_input = clock()
        self._held_keys: list[events.Key] = []
        #: Dialogs dismissed whose result is not handled yet: keys wait for what comes next.
        self.dialogs_closing = 0
        #: Verifies the passphrase on the lock screen (set for an encrypted archive).
        self.check_passphrase = check_passphrase
        for theme in THEMES:
            self.register_theme(theme)
        self.theme = self.config["theme"]
        if self.config.keymap:
            self.set_keymap(self.config.keymap)

    # ---- idle lock ----------------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown)):
            self.last_input = self.clock()
        if isinstance(event, events.Key):
            if self._keys_wait():
                self._held_keys.append(event)  # until the dialog's field has focus
                return
            await self._release_keys()
        await super().on_event(event)

    async def on_dialog_ready(self) -> None:
        await self._release_keys()

    def _keys_wait(self) -> bool:
        """Keys wait while a dialog opens, from a dialog's choice until it is handled, and
        while a screen that is typed into at once (``ready`` False: the preparation screen)
        is not yet ready."""
        screen = self.screen
        return self.dialogs_closing > 0 or getattr(screen, "ready", True) is False

    async def _release_keys(self) -> None:
        """Route the keys held while a dialog opened, in the order they were typed; a key
        that closes the dialog (or opens another) makes the rest wait again."""
        while self._held_keys and not self._keys_wait():
            await super().on_event(self._held_keys.pop(0))

    def lock_if_idle(self) -> None:
        """Lock the screen once nothing was pressed for the configured idle time."""
        minutes = self.config["idle_lock_minutes"]
        if not minutes or self.locked:
            return
        if (self.clock() - self.last_input).total_seconds() >= minutes * 60:
            self.lock()

    def lock(self) -> None:
        from .screens.lock import LockScreen

        self.save_typing()
        from .screens.live import LiveScreen

        live = next((s.session_id for s in self.screen_stack if isinstance(s, LiveScreen)),
                    None)
        self.locked = True
        self.push_screen(LockScreen(live_session_id=live,
                                    check_passphrase=self.check_passphrase))

    def unlock(self) -> None:
        from .screens.lock import LockScreen

        if self.locked and isinstance(self.screen, LockScreen):
            self.locked = False
            self.last_input = self.clock()
            self.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.locked and action in ("command_palette", "help", "toggle_theme"):
            return False
        return True

    def on_mount(self) -> None:
        self.set_interval(IDLE_CHECK_S, self.lock_if_idle)
        self.set_interval(SYNC_CHECK_S, self.merge_arrived_copies)
        if self.demo:
            self.sub_title = "demo archive (thrown away on quit)"
        if self.prompts_problem:
            self.notify(self.prompts_problem, title="Your prompts file was not loaded",
                        severity="warning", timeout=15, markup=False)

    def get_default_screen(self) -> Screen[object]:
        # The archive list is the app's first screen: pushed over Textual's blank default
        # screen it drew an empty frame first and the list a frame later; as a mode's screen
        # it was laid out while the app was still mounting, and that frame was never written
        # (the next one held only what changed: the rows came ~25 ms later).
        return HomeScreen()

    def on_ready(self) -> None:
        if isinstance(self.screen, HomeScreen):
            self.screen.after_first_frame()

    # ---- sync -----------------------------------------------------------------------------

    def merge_arrived_copies(self) -> None:
        """Merge the sync conflict copies a sync tool brought while the app runs (issue 19),
        say so, and let every screen that shows a merged session show it again."""
        reports = self.archive.check_for_conflicts(before_merge=self.save_typing)
        if not reports:
            return
        n = len(reports)
        more = f"\n… and {n - 3} more (kapsession conflicts lists them)" if n > 3 else ""
        self.notify("\n".join(r.line for r in reports[:3]) + more, markup=False, timeout=15,
                    title=f"{n} sync conflict cop{'y' if n == 1 else 'ies'} from another device",
                    severity="warning" if any(r.needs_decision for r in reports)
                    else "information")
        changed = {r.session_id for r in reports if r.merged}
        if not changed:
            return
        for screen in self.screen_stack:
            shown = getattr(screen, "archive_changed", None)
            if shown is not None:
                shown(changed)

    def save_typing(self, session_ids: set[str] | None = None) -> bool:
        """Save what is typed but not yet saved on every screen (on lock and quit), or on
        the screens of ``session_ids`` only (before a merge). False when a save failed."""
        saved = True
        for screen in self.screen_stack:
            save_draft = getattr(screen, "save_draft", None)
            if save_draft is None or (session_ids is not None
                                      and getattr(screen, "session_id", None) not in session_ids):
                continue
            if save_draft() is False:
                saved = False
        return saved

    # ---- screens ------------------------------------------------------------------------

    def open_live(self, session_id: str) -> None:
        """The live screen of a session, over the archive (F2 steps back out of it)."""
        from .screens.live import LiveScreen

        # issue 19 (helper-g): live on another device: read here, or take it over after a yes.
        elsewhere = self.archive.live_elsewhere(session_id)
        if elsewhere is not None:
            from .screens.elsewhere import open_live_elsewhere

            open_live_elsewhere(self, session_id, elsewhere)
            return
        self.push_screen(LiveScreen(session_id))

    # ---- actions ------------------------------------------------------------------------

    #: The error that ended the app, when a bug did; kapsession.launch reports it.
    crash: BaseException | None = None

    def _handle_exception(self, error: Exception) -> None:
        # Textual's report of an unhandled error prints its message and every frame's local
        # variables: a note's text would reach the terminal and any pasted bug report. Keep
        # the error for report_bug (frames and type only) and let Textual stop as it does.
        self.crash = error
        super()._handle_exception(error)

    def _fatal_error(self) -> None:  # Textual's default also renders the locals: see above
        self.bell()
        self._close_messages_no_wait()

    def action_help(self) -> None:
        from .screens.help import HelpScreen  # loaded when first asked for, not at start-up

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_toggle_theme(self) -> None:
        self.theme = "kap-light" if self.theme == "kap-dark" else "kap-dark"
        if self.config.path is not None and not self.demo:
            try:
                save_setting(self.config.path, "theme", self.theme)
            except OSError as exc:
                self.notify(f"Theme not remembered: {exc.strerror}", severity="warning")
            except ConfigError as exc:
                self.notify(f"Theme not remembered: {exc}", severity="warning", markup=False)

    async def action_quit(self) -> None:
        unsaved = not self.save_typing()  # the unsent note could not be written (disk full …)
        if unsaved and not self._quit_armed:
            self._quit_armed = True
            self.notify("What you typed could not be saved to disk. Free some space and "
                        "try again, or press ctrl+q again to quit without it.",
                        severity="error", timeout=15)
            return
        live = self.archive.live_sessions()
        message = None
        if live and not self.archive.read_only and not self.demo:
            clients = ", ".join(f"{s.client} session {s.session_no}" for s in live)
            verb = "is" if len(live) == 1 else "are"
            message = Text(f"{clients} {verb} still live. Start kapsession again and press r "
                           "to resume; the clock keeps counting from the dose.")
        self.exit(message=message)

    # ---- command palette ----------------------------------------------------------------

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every action of the current screen by the name its key shows, plus the app's own."""
        for node, b in named_bindings([screen, self]):
            if b.action == "command_palette":
                continue
            if node is screen and screen.check_action(b.action, ()) is False:
                continue

            async def run(action: str = b.action, target: DOMNode = node) -> None:
                await target.run_action(action)

            names = getattr(node, "COMMAND_NAMES", {})
            yield SystemCommand(names.get(b.action, b.description), b.tooltip or b.description,
                                run)
