"""The live session: clock, grounding prompts, timeline and the note box.

The note box has focus from the start and every live key works while typing. A note is
saved durably before the box clears; if the save fails the note stays in the box, an error
is shown, and it is retried. The unsent text is saved as the session's draft every few
seconds, so even a note never sent survives a crash.
"""

from __future__ import annotations

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import AwaitMount
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...model import Entry, ValidationError, parse_note
from ...model.clock import PHASE_SITUATION
from ...model.course import vitals_points
from ...model.errors import SessionStateError
from ...model.session import RATE_MAX, UNDO_WINDOW
from ...model.text import NOTE_MAX, visible
from ...model.times import format_duration
from ...model.vocab import (
    ENTRY_KINDS,
    INFUSION_EVENTS,
    PROMPT_SITUATIONS,
)
from ...store import ArchiveError, StorageError
from ...terminal import describe_entry, kind_label, local_time
from ..flows.effects import EffectFlow
from ..flows.vitals import record_vitals
from ..widgets.chart import VitalsChart
from ..widgets.choice_dialog import ChoiceDialog
from ..widgets.clock_panel import ClockPanel
from ..widgets.confirm_dialog import ConfirmDialog
from ..widgets.dialog import Dialog
from ..widgets.dose_dialog import Dose, DoseDialog
from ..widgets.footer import KapFooter
from ..widgets.note_input import NoteInput
from ..widgets.prompt_panel import PromptPanel
from ..widgets.text_dialog import TextDialog
from ..widgets.timeline import Timeline

DRAFT_EVERY_S = 3.0
RETRY_EVERY_S = 5.0
# Below this many rows the clock panel drops its label, bar and baseline line.
SHORT_BELOW = 30
# The keys the footer keeps when not all of them fit (80 columns): the chair-side ones. The
# prompt situation (ctrl+g) and F2 are on the help screen, which F1 opens.
FOOTER_NARROW = {
    "mark_dose": "Dose", "record_vitals": "Vitals", "log_effect": "Effect",
    "next_prompt": "Next", "log_prompt": "Log", "toggle_veil": "Veil",
    "finish_session": "Finish", "undo": "Undo", "help": "Keys",
}


class LiveScreen(Screen[None]):
    HELP_TITLE = "live session"
    CSS_PATH = "live.tcss"
    # Priority bindings: they must win over the note box's own keys (ctrl+f, ctrl+b …).
    BINDINGS = [
        Binding("ctrl+t", "mark_dose", "Dose", id="mark_dose", priority=True,
                tooltip="Mark dose (first press: the dose, T0; later: a booster, with its mg)"),
        Binding("ctrl+r", "record_vitals", "Vitals", id="record_vitals", priority=True,
                tooltip="Record vitals (BP, heart rate, SpO₂; optional respiratory rate)"),
        Binding("ctrl+s", "log_effect", "Effect", id="log_effect", priority=True,
                tooltip="Log side effect or rating (MOAA/S, dissociation, rescue medication)"),
        Binding("ctrl+n", "next_prompt", "Next", id="next_prompt", priority=True,
                tooltip="Next grounding prompt"),
        # Not ctrl+b: that is tmux's prefix key and never arrives inside tmux.
        Binding("ctrl+u", "previous_prompt", "Prev", id="previous_prompt", show=False,
                priority=True, tooltip="Previous grounding prompt"),
        Binding("ctrl+g", "choose_situation", "Situation", id="choose_situation",
                priority=True, tooltip="Choose prompt situation"),
        Binding("ctrl+l", "log_prompt", "Log", id="log_prompt", priority=True,
                tooltip="Log prompt used (the prompt goes into the timeline)"),
        Binding("ctrl+o", "toggle_veil", "Veil", id="toggle_veil", priority=True,
                tooltip="Privacy veil: hide all note text, keep the clock; again to show"),
        Binding("ctrl+f", "finish_session", "Finish", id="finish_session", priority=True,
                tooltip="Finish session (asks to confirm), then discharge and integration"),
        Binding("ctrl+z", "undo", "Undo", id="undo", priority=True,
                tooltip="Undo the last change to the record (for 2 minutes; it is recorded)"),
        Binding("f3", "toggle_chart", "Chart", id="toggle_chart", show=False,
                tooltip="Vitals chart beside the clock, in place of the prompt (F3 again: "
                        "the prompt)"),
        Binding("f2", "step_out", "Archive", id="step_out",
                tooltip="Back to the archive; the session stays live (r returns to it)"),
        Binding("escape", "timeline", "Timeline", id="timeline", show=False,
                tooltip="Select in the timeline: arrows move, enter acts on the entry; "
                        "typing returns to the note"),
        Binding("up", "select_entry(-1)", show=False),
        Binding("down", "select_entry(1)", show=False),
        Binding("pageup", "select_entry(-8)", show=False),
        Binding("pagedown", "select_entry(8)", show=False),
        Binding("enter", "save_note", "Save", id="save_note",
                tooltip="Save note (#tag sets the category, a leading ! flags it)"),
    ]

    # The command palette names each action as PRODUCT.md's key table does.
    COMMAND_NAMES = {
        "save_note": "Save note", "mark_dose": "Mark dose", "record_vitals": "Record vitals",
        "log_effect": "Log side effect or rating", "next_prompt": "Next grounding prompt",
        "previous_prompt": "Previous grounding prompt",
        "choose_situation": "Choose prompt situation", "log_prompt": "Log prompt used",
        "toggle_veil": "Privacy veil", "finish_session": "Finish session",
        "timeline": "Select in the timeline", "undo": "Undo the last change",
        "toggle_chart": "Vitals chart beside the clock",
        "step_out": "Back to the archive (the session stays live)",
    }

    def __init__(self, session_id: str) -> None:
        super().__init__()
        self.session_id = session_id
        self._draft_saved = ""
        self._retry: Timer | None = None
        self._storage_failed = False
        self.veiled = False
        self._acting_on: Entry | None = None  # the entry the action list is for
        self._actions: list[tuple[str, str]] = []

    # ---- layout -------------------------------------------------------------------------

    @property
    def archive(self):  # noqa: ANN201
        return self.app.archive  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        session = self.archive.get(self.session_id)
        self.session = session
        config = self.app.config  # type: ignore[attr-defined]
        settings = config.clock
        from ...model import clock_state

        situation = PHASE_SITUATION[clock_state(session, self.app.clock(), settings).phase]  # type: ignore[attr-defined]
        yield Static(id="live-title", markup=False)
        with Horizontal(id="top"):
            yield ClockPanel(session, clock=self.app.clock, settings=settings,  # type: ignore[attr-defined]
                             thresholds=config.thresholds, id="clock")
            yield PromptPanel(self.app.prompts, situation, id="prompt")  # type: ignore[attr-defined]
            # F3 shows this session's vitals against T+ here, in place of the prompt.
            chart = VitalsChart([], config.thresholds, id="live-chart")
            chart.display = False
            yield chart
        yield Timeline(config, id="timeline")
        yield Static("Veiled: note text is hidden. ctrl+o shows it again.", id="veil",
                     markup=False)
        with Vertical(id="entry-actions"):
            yield Static(id="entry-shown", markup=False)
            yield OptionList(id="action-list")
        yield NoteInput(placeholder="Type a note, enter saves · #tag sets the category · "
                        "! flags it", id="note", max_length=NOTE_MAX)
        yield Static(id="note-status", markup=False)
        yield KapFooter(compact=True, narrow=FOOTER_NARROW)

    def on_mount(self) -> None:
        self._title()
        self.query_one("#timeline", Timeline).show_session(self.session)
        note = self._note
        if self.session.draft:
            note.value = self.session.draft
            self._draft_saved = self.session.draft
            self._status("The unsent note from before was restored.")
        note.focus()
        self.set_interval(DRAFT_EVERY_S, self.save_draft)

    def on_resize(self, event: events.Resize) -> None:
        # A short terminal (80×24) gets a compact clock, so the timeline keeps 8 rows.
        self.set_class(event.size.height < SHORT_BELOW, "-short")

    def _title(self) -> None:
        s = self.session
        text = Text(f"{s.client} · session {s.session_no} · {s.medicine}")
        if s.intention:
            text.append(" · intention: ", style="dim")
            text.append(visible(s.intention).splitlines()[0][:80])
        self.query_one("#live-title", Static).update(text)

    def _status(self, message: str, *, error: bool = False) -> None:
        status = self.query_one("#note-status", Static)
        status.update(Text(message))
        status.set_class(error, "error-message")

    def archive_changed(self, session_ids: set[str]) -> None:
        """A sync tool's conflict copy of this session was merged (KapsessionApp): show the
        merged record, and say so."""
        if self.session_id in session_ids:
            self._refresh()
            self._status("Merged in what another device recorded in this session (a sync "
                         "conflict copy; see kapsession conflicts).")

    def _refresh(self) -> None:
        self.session = self.archive.get(self.session_id)
        self.query_one("#clock", ClockPanel).set_session(self.session)
        self.query_one("#timeline", Timeline).show_session(self.session)
        chart = self.query_one("#live-chart", VitalsChart)
        if chart.display:
            chart.show(vitals_points(self.session))

    def action_toggle_chart(self) -> None:
        chart = self.query_one("#live-chart", VitalsChart)
        chart.display = not chart.display
        self.query_one("#prompt", PromptPanel).display = not chart.display
        if chart.display:
            chart.show(vitals_points(self.session))

    def _run(self, what: str, call) -> bool:  # noqa: ANN001
        """Call the archive; show a clear message on failure. True when it worked."""
        self._storage_failed = False
        try:
            call()
        except (ValidationError, SessionStateError) as exc:
            self._status(str(exc), error=True)
            return False
        except (StorageError, ArchiveError) as exc:
            self._storage_failed = isinstance(exc, StorageError)
            self._status(f"{what} not saved: {exc}", error=True)
            self.notify(str(exc), title=f"{what} not saved", severity="error", markup=False)
            return False
        self._refresh()
        return True

    # ---- notes --------------------------------------------------------------------------

    def open_dialog(self, dialog, callback) -> AwaitMount:  # noqa: ANN001
        """Push a dialog. Keys the note box held since an action was chosen go to the
        dialog's field (or back into the note box, for a dialog with no field)."""
        note = self._note
        if note.mode == "handoff":
            if isinstance(dialog, Dialog):
                dialog.handoff = note.hand_off
            else:
                note.hand_off(None)
        # Returned, so that an action run by a key binding makes the app wait for the dialog
        # before it hands on the next key.
        return self.app.push_screen(dialog, callback=callback)

    @on(NoteInput.Submit)
    def _submitted(self, event: NoteInput.Submit) -> None:
        self.action_save_note(event.value)

    def action_save_note(self, raw: str | None = None) -> None:
        """Save ``raw`` (what enter sent from the box; by default the whole box)."""
        note = self._note
        if raw is None:
            raw = note.value
            note.sent = len(raw)
        if not raw.strip():
            return
        try:
            parsed = parse_note(raw)
        except ValidationError as exc:
            note.not_saved()
            self._status(exc.problem, error=True)
            return
        if not parsed.text.strip():
            note.not_saved()
            self._status("The note is empty after its #tag and !.", error=True)
            return

        def save() -> None:
            self.archive.add_note(self.session_id, parsed.text, category=parsed.category,
                                  flagged=parsed.flagged)

        if self._run("Note", save):
            note.saved(raw)  # on disk: only now does it leave the box
            self.save_draft()  # the stored draft follows the box
            tag = f" as {parsed.category}" if parsed.category else ""
            self._status(f"Saved{tag}{' and flagged' if parsed.flagged else ''}.")
            self._stop_retry()
        else:
            note.not_saved()
            if self._storage_failed:
                self._start_retry(raw)  # a full disk may clear; a refused note will not

    def _start_retry(self, raw: str) -> None:
        if self._retry is None and not isinstance(self.app.screen, ConfirmDialog):
            def retry() -> None:
                note = self._note
                if note.value == raw:
                    self.action_save_note()
                else:
                    self._stop_retry()
            self._retry = self.set_interval(RETRY_EVERY_S, retry)

    def _stop_retry(self) -> None:
        if self._retry is not None:
            self._retry.stop()
            self._retry = None

    def save_draft(self) -> bool:
        """Keep the unsent note on disk (every few seconds, only when it changed).

        Returns False when it could not be written (the text is still in the box and the next
        tick tries again)."""
        text = self._note.value
        if text == self._draft_saved or self.archive.read_only:
            return True
        try:
            self.archive.save_draft(self.session_id, text)
        except (ArchiveError, ValidationError, SessionStateError):
            return False
        self._draft_saved = text
        return True

    # ---- timeline -----------------------------------------------------------------------
    #
    # The note box keeps the focus: escape (or an arrow) only marks an entry as selected, and
    # the first key that changes the note box ends the selection. So a burst of typing after
    # escape lands in the note box in order, and no printable key ever acts on an entry.

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.veiled and action == "undo":
            return False  # the hidden timeline must not be reachable (its dialogs show text)
        return True

    @property
    def _note(self) -> NoteInput:
        return self.query_one("#note", NoteInput)

    def action_timeline(self) -> None:
        """escape from the palette: the same as escape in the note box."""
        if not self.veiled:
            self._note.set_mode("timeline" if self._note.mode == "note" else "note")

    @on(NoteInput.ModeChanged)
    def _mode_changed(self, event: NoteInput.ModeChanged) -> None:
        timeline = self.query_one("#timeline", Timeline)
        timeline.set_class(event.mode in ("timeline", "actions"), "selecting")
        panel = self.query_one("#entry-actions")
        if event.mode == "actions":
            entry = timeline.selected_entry
            if entry is None:
                self._note.set_mode("note")
                return
            self._show_actions(entry)
        panel.display = event.mode == "actions"
        self.set_class(event.mode == "actions", "-acting")
        self._status({
            "timeline": "Timeline: ↑↓ select · enter: what to do with it · ctrl+z undo · "
                        "typing returns to the note",
            "actions": "↑↓ choose · enter do it · escape back · typing returns to the note",
        }.get(event.mode, ""))

    def _show_actions(self, entry: Entry) -> None:
        actions: list[tuple[str, str]] = []
        if entry.kind == "note" and entry.struck is None:
            actions.append(("edit", "Edit the text (the earlier text is kept)"))
        if entry.struck is None and entry.kind != "system":
            actions.append(("strike", "Strike through, with a reason (it stays readable)"))
        if entry.struck is not None:
            actions.append(("restore", "Restore it (the strike stays in its history)"))
        actions.append(("back", "Back to the note"))
        self.query_one("#entry-shown", Static).update(self._describe(entry))
        self._actions = actions
        self._acting_on = entry
        options = self.query_one("#action-list", OptionList)
        options.clear_options()
        options.add_options([Option(self._action_prompt(label, i == 0), id=key)
                             for i, (key, label) in enumerate(actions)])
        options.highlighted = 0

    @staticmethod
    def _action_prompt(label: str, highlighted: bool) -> Text:
        """An action's line: the highlighted one carries a ▸ as well as the colour (a dim
        room, colour-blind readers)."""
        return Text(("▸ " if highlighted else "  ") + label)

    def _highlight_action(self, index: int) -> None:
        options = self.query_one("#action-list", OptionList)
        for i, (key, label) in enumerate(self._actions):
            options.replace_option_prompt(key, self._action_prompt(label, i == index))
        options.highlighted = index

    @on(NoteInput.Move)
    def _move(self, event: NoteInput.Move) -> None:
        if event.mode == "actions":
            options = self.query_one("#action-list", OptionList)
            last = options.option_count - 1
            self._highlight_action(max(0, min(last, (options.highlighted or 0) + event.delta)))
        else:
            self.query_one("#timeline", Timeline).move(event.delta)

    @on(NoteInput.Choose)
    def _choose(self) -> None:
        option = self.query_one("#action-list", OptionList).highlighted_option
        entry = self._acting_on
        action = option.id if option is not None and entry is not None else "back"
        self.query_one("#entry-actions").display = False
        if action == "edit":
            self._edit(entry)
        elif action == "strike":
            self._strike(entry)
        elif action == "restore":
            self._note.hand_off(None)
            self._restore(entry)
        else:
            self._note.hand_off(None)

    def _describe(self, entry: Entry) -> Text:
        return describe_entry(self.session, entry, self.app.config)  # type: ignore[attr-defined]

    def _edit(self, entry: Entry) -> None:
        def ask(initial: str) -> None:
            self.open_dialog(TextDialog("Edit entry", self._with_entry(
                entry, "The earlier text is kept in the entry's history."),
                initial=initial), callback=done)

        def done(text: str | None) -> None:
            if text is None:
                return
            if self._run("Edit", lambda: self.archive.edit_entry(self.session_id, entry.id,
                                                                 text)):
                self._status("Edited; the earlier text is kept in the entry's history. "
                             "ctrl+z undoes it.")
            else:
                ask(text)  # not saved: the dialog comes back with what was typed

        ask(entry.text)

    def _with_entry(self, entry: Entry, instruction: str) -> Text:
        text = self._describe(entry)
        text.append(f"\n\n{instruction}")
        return text

    def _dose_consequence(self, entry: Entry) -> str | None:
        """What striking (or restoring) a dose or booster does to the clock, in words;
        ``None`` for any other entry."""
        if entry.kind not in ("dose", "booster"):
            return None
        then = self.session.t0_if_toggled(entry.id)
        if then is None:
            return ("No dose will be left standing: the clock goes back to the time since "
                    "arrival until a dose is marked.")
        if then.at == self.session.dosed:
            return (f"T0 stays at {local_time(then.at)}; the total dose changes.")
        return (f"T0 moves to the {ENTRY_KINDS[then.kind]} at {local_time(then.at)}; the "
                "clock, the phases, the check-ins and the observation time follow.")

    def _strike(self, entry: Entry) -> None:
        consequence = self._dose_consequence(entry)

        def ask(initial: str) -> None:
            instruction = ("Why? (e.g. wrong client, typo). The entry stays, struck through, "
                           "and can be restored.")
            if consequence:
                instruction += f"\n{consequence}"
            self.open_dialog(TextDialog("Strike entry", self._with_entry(entry, instruction),
                                        initial=initial, max_length=500), callback=answered)

        def answered(reason: str | None) -> None:
            if reason is None:
                return
            if consequence is None:
                save(reason)
                return
            self.open_dialog(ConfirmDialog(
                f"Strike the {kind_label(entry)}?", self._with_entry(entry, consequence),
                yes="Strike it", irreversible=True),
                callback=lambda yes: save(reason) if yes else None)

        def save(reason: str) -> None:
            if self._run("Strike", lambda: self.archive.strike_entry(
                    self.session_id, entry.id, reason)):
                self._status("Struck through; the entry and the reason stay in the record. "
                             "ctrl+z undoes it.")
            else:
                ask(reason)

        ask("")

    def _restore(self, entry: Entry) -> None:
        detail = "It stands again; the strike stays in its history."
        consequence = self._dose_consequence(entry)
        if consequence:
            detail += f"\n{consequence}"

        def confirmed(yes: bool | None) -> None:
            if yes and self._run("Restore", lambda: self.archive.restore_entry(
                    self.session_id, entry.id)):
                self._status("Restored; the strike stays in the entry's history.")

        self.open_dialog(ConfirmDialog(f"Restore this {kind_label(entry)}?",
                                       self._with_entry(entry, detail), yes="Restore",
                                       irreversible=consequence is not None),
                         callback=confirmed)

    def action_undo(self) -> AwaitMount | None:
        # Asked of the archive, which also decides when undo_last refuses: one window, one
        # clock, so the offer and the undo cannot disagree.
        entry = self.archive.last_change(self.session_id)
        if entry is None:
            self._status("Nothing to undo: a change can be undone for "
                         f"{format_duration(UNDO_WINDOW, seconds=False)} after it"
                         + (" (real time; the practice clock runs faster)."
                            if self.archive.undo_window != UNDO_WINDOW else "."))
            return
        kind = self.session.undo_kind(entry)
        label = kind_label(entry)
        what = {"strike": f"strike the {label} just recorded",
                "restore": f"restore the {label} just struck",
                "revert": f"bring back the {label}'s earlier text"}[kind]
        if kind == "strike" and entry.history:
            what = f"strike the {label} just restored"
        consequence = self._dose_consequence(entry) if kind != "revert" else None

        def confirmed(yes: bool | None) -> None:
            if yes and self._run("Undo", lambda: self.archive.undo_last(self.session_id,
                                                                        entry.id)):
                self._status("Undone; both the change and its undo stay in the entry's "
                             "history.")

        return self.open_dialog(ConfirmDialog(f"Undo: {what}?", self._with_entry(
            entry, consequence or "The undo is recorded in the entry's history."),
            yes="Undo", irreversible=True), callback=confirmed)  # "y" only, as Finish

    def action_step_out(self) -> None:
        """Back to the archive; the session stays live and its clock keeps counting."""
        if not self.save_draft():
            self._status("The unsent note could not be saved; it stays here. Try again.",
                         error=True)
            return
        self.app.pop_screen()

    # ---- live actions -------------------------------------------------------------------

    def action_mark_dose(self) -> AwaitMount | None:
        s = self.session
        booster = s.dosed is not None

        def done(dose: Dose | None) -> None:
            if dose is not None and self._run("Dose", lambda: self.archive.mark_dose(
                    self.session_id, dose.mg, lot=dose.lot)):
                lot = f", lot {dose.lot}" if dose.lot else ""
                self._status(f"{'Booster' if booster else 'Dose'} {dose.mg:g} mg{lot} marked.")

        def dose_dialog() -> DoseDialog:
            return DoseDialog(booster=booster, planned_mg=s.planned_dose_mg)

        # Intranasal devices and IV infusions are charted step by step (issue #15): the
        # first choice is the usual next step, so ctrl+t enter charts it.
        options = self._dose_steps()
        if not options:
            return self.open_dialog(dose_dialog(), callback=done)

        def rate_then(event: str) -> None:
            def given(rate: str | None) -> None:
                if rate is not None and self._run("Infusion", lambda: self.archive.log_infusion(
                        self.session_id, event, rate)):
                    self._status(f"{INFUSION_EVENTS[event]} · {rate}.")
            self.app.push_screen(TextDialog(INFUSION_EVENTS[event], "Rate (e.g. 0.5 mg/kg "
                                            "over 40 min, 60 ml/h)", max_length=RATE_MAX),
                                 callback=given)

        def chosen(key: str | None) -> None:
            if key is None:
                return
            if key == "device":
                if self._run("Device", lambda: self.archive.mark_device(self.session_id)):
                    self._status(f"{self.session.entries[-1].text} marked.")
            elif key == "infusion:stop":
                if self._run("Infusion", lambda: self.archive.log_infusion(
                        self.session_id, "stop")):
                    self._status("Infusion stopped; the observation counts from now.")
            elif key.startswith("infusion:"):
                rate_then(key.split(":", 1)[1])
            else:
                self.app.push_screen(dose_dialog(), callback=done)

        return self.open_dialog(ChoiceDialog("Booster or next step" if booster else "Dose",
                                             options), callback=chosen)

    def _dose_steps(self) -> list[tuple[str, str]]:
        s = self.session
        planned = f" ({s.planned_dose_mg:g} mg)" if s.planned_dose_mg else ""
        if s.route == "intranasal":
            n = sum(1 for e in s.entries if e.kind == "device" and e.struck is None) + 1
            first = [("device", f"Device {n}" + (" — the dose, T0" + planned if s.dosed is None
                                                 else ""))]
            return first + [("dose" if s.dosed is None else "booster",
                             "Dose with another mg" if s.dosed is None else "Booster (mg)")]
        if s.route == "iv":
            if s.dosed is None:
                return [("infusion:start", f"Infusion start — T0{planned}; asks the rate"),
                        ("dose", "Dose (bolus)")]
            return [("infusion:rate", "Infusion rate change"), ("infusion:stop", "Infusion stop"),
                    ("booster", "Booster (mg)")]
        return []

    def action_record_vitals(self) -> AwaitMount | None:
        return record_vitals(self, open_dialog=self.open_dialog, run=self._run,
                             say=lambda message, flagged: self._status(message, error=flagged))

    def action_log_effect(self) -> AwaitMount | None:
        return EffectFlow(self, open_dialog=self.open_dialog, run=self._run,
                          say=self._status).start()

    def action_next_prompt(self) -> None:
        self.query_one("#prompt", PromptPanel).step(1)

    def action_previous_prompt(self) -> None:
        self.query_one("#prompt", PromptPanel).step(-1)

    def action_choose_situation(self) -> AwaitMount | None:
        panel = self.query_one("#prompt", PromptPanel)

        def chosen(key: str | None) -> None:
            if key is not None:
                panel.choose(key)

        options = [(k, PROMPT_SITUATIONS[k]) for k in panel.library.situations()]
        return self.open_dialog(ChoiceDialog("Prompt situation", options,
                                          selected=panel.situation), callback=chosen)

    def action_log_prompt(self) -> None:
        prompt = self.query_one("#prompt", PromptPanel).current
        if self._run("Prompt", lambda: self.archive.log_prompt(self.session_id, prompt.text,
                                                               prompt.situation)):
            self._status("Prompt logged in the timeline.")

    @on(ClockPanel.PhaseChanged)
    def _phase_changed(self, event: ClockPanel.PhaseChanged) -> None:
        self.query_one("#prompt", PromptPanel).suggest(event.situation, event.phase)

    @on(ClockPanel.CheckinDue)
    def _checkin_due(self) -> None:
        if self.app.config["bell"]:  # type: ignore[attr-defined]
            self.app.bell()

    def action_toggle_veil(self) -> None:
        self.veiled = not self.veiled
        self.set_class(self.veiled, "veiled")
        note = self._note
        note.note_only = self.veiled
        if self.veiled:
            note.set_mode("note")
        note.password = self.veiled
        if self.veiled:
            note.focus()
        self.refresh_bindings()

    def action_finish_session(self) -> AwaitMount | None:
        unsent = self._note.value.strip()

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            if unsent:
                self.action_save_note()
                if self._note.value.strip():
                    return  # the note could not be saved: stay, with the message shown
            if self._run("Finish", lambda: self.archive.end_session(self.session_id)):
                from .integration import IntegrationScreen

                self.app.switch_screen(IntegrationScreen(self.session_id))

        detail = ("This ends the dosing phase. Monitoring goes on until the discharge: the same "
                  "keys record vitals and side effects on the integration screen.")
        state = self.query_one("#clock", ClockPanel).state
        if state is not None and state.observation_left:
            left = format_duration(state.observation_left, until=True)
            detail += (f" The minimum observation time has {left} to go; it keeps counting on "
                       "the integration screen.")
        s = self.session
        if s.dosed is not None and not [e for e in s.vitals_entries if e.at >= s.dosed]:
            detail += " No vitals were recorded since the dose."
        if unsent:
            detail += " The text in the note box will be saved as a note first."
        # Only "y": enter is the note box's key, and a stray ctrl+f then enter ended the
        # dosing phase (found in a walk-through).
        return self.open_dialog(ConfirmDialog("Finish this session?", detail, yes="Finish",
                                              irreversible=True), callback=confirmed)
