"""Integration: monitoring until discharge, discharge readiness, the integration checklist,
date, notes, scores, signing.

Finish ends the dosing phase, not the monitoring: until the client is discharged the live
keys still record vitals (`ctrl+r`), side effects and ratings (`ctrl+s`) and notes
(`ctrl+n`); `ctrl+l` records "ready to leave" and `ctrl+d` the discharge. Everything else
autosaves a moment after it changes (and on leaving). "Minimum observation time passed" is
computed from the last dose or booster, never ticked by hand.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Label, Static, TextArea

from ...model import ValidationError, checklist_from_texts, clock_state
from ...model.errors import SessionStateError
from ...model.outcomes import ITEM9_REMINDER, OUTCOME_LABELS, outcome_band
from ...model.rems import FIELD_KEYS, missing_fields, on_rems
from ...model.session import OUTCOME_LIMITS, ChecklistItem
from ...model.text import NOTE_MAX
from ...model.times import format_duration, format_t_plus, local
from ...store import ArchiveError
from ..flows.effects import EffectFlow
from ..flows.vitals import record_vitals
from ..widgets.checklist import Checklist
from ..widgets.confirm_dialog import ConfirmDialog
from ..widgets.footer import KapFooter
from ..widgets.form import Form
from ..widgets.rems_dialog import RemsDialog
from ..widgets.text_dialog import TextDialog

AUTOSAVE_DELAY_S = 1.5


class IntegrationScreen(Screen[None]):
    HELP_TITLE = "integration"
    CSS_PATH = "integration.tcss"
    # The monitoring keys are the live screen's: the same hands record vitals before and
    # after Finish. Saving needs no key: everything saves as it changes and on leaving.
    BINDINGS = [
        Binding("ctrl+r", "record_vitals", "Vitals", id="record_vitals", priority=True,
                tooltip="Record vitals (monitoring goes on until discharge)"),
        Binding("ctrl+s", "log_effect", "Effect", id="log_effect", priority=True,
                tooltip="Log side effect or rating (until discharge)"),
        Binding("ctrl+n", "add_note", "Note", id="add_note", priority=True, show=False,
                tooltip="Add a note to the timeline (until discharge)"),
        # ctrl+l ("leave"), not ctrl+y: that is the app's theme key, which a binding here hid.
        Binding("ctrl+l", "mark_ready", "Ready", id="mark_ready", priority=True,
                tooltip="Record that the client would be ready to leave"),
        Binding("ctrl+d", "discharge", "Discharge", id="discharge", priority=True,
                tooltip="Record the discharge: monitoring ends"),
        Binding("ctrl+e", "rems_form", "REMS", id="rems_form", priority=True,
                tooltip="Answer the REMS form's questions (REMS protocols)"),
        Binding("ctrl+k", "sign", "Sign and lock", id="sign_session", priority=True,
                tooltip="Sign and lock: read-only for ever; corrections become addenda"),
        Binding("f5", "save", "Save", id="save_integration", show=False,
                tooltip="Save now (everything also saves by itself as you go)"),
        # Left out of the footer so the monitoring keys fit 80 columns; escape is listed by ?.
        Binding("escape", "leave", "Back", id="back", show=False, tooltip="Save and go back"),
    ]

    def __init__(self, session_id: str) -> None:
        super().__init__()
        self.session_id = session_id
        self._autosave: Timer | None = None

    @property
    def archive(self):  # noqa: ANN201
        return self.app.archive  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        config = self.app.config  # type: ignore[attr-defined]
        s = self.archive.get(self.session_id)
        # Item texts are copied into the session so a later config change leaves it alone.
        self.discharge = s.discharge_checklist or checklist_from_texts(
            config["checklists.discharge"])
        self.integration = s.integration_checklist or checklist_from_texts(
            config["checklists.integration"])
        self.session = s
        yield Static(Text(f"Integration · {s.client} · session {s.session_no}", style="bold"),
                     id="integration-title")
        with Form(id="form"):
            yield Label("Monitoring until discharge", classes="section-label",
                        id="monitoring-label")
            yield Static(id="monitoring", markup=False)
            yield Static(id="next-check", markup=False)
            yield Static(id="moments", markup=False)
            yield Label("Discharge readiness (space ticks)", classes="section-label",
                        id="discharge-label")
            yield Static(id="observation", markup=False)
            yield Static(id="vitals-compare", markup=False)
            yield Checklist(*[(Text(c.text), i, c.done) for i, c in enumerate(self.discharge)],
                            id="discharge")
            yield Label("Integration", classes="section-label")
            yield Checklist(*[(Text(c.text), i, c.done) for i, c in enumerate(self.integration)],
                            id="integration")
            with Horizontal(classes="field-row"):
                yield Label("Integration on", classes="field-label")
                yield Input(s.integration_date.isoformat() if s.integration_date else "",
                            id="integration-date", placeholder="YYYY-MM-DD", max_length=10,
                            classes="date")
                yield Static(id="book-target", classes="field-unit", markup=False)
            yield Static(id="integration-date-error", classes="error-message field-error",
                         markup=False)
            yield Label("Integration notes: insights, themes, the client's own words",
                        classes="section-label")
            yield TextArea(s.integration_notes, id="notes", soft_wrap=True,
                           show_line_numbers=False)
            yield Label("Outcome scores (optional)", classes="section-label")
            for key, label in OUTCOME_LABELS.items():
                value = s.outcomes.get(key)
                with Horizontal(classes="field-row"):
                    yield Label(label, classes="field-label")
                    yield Input("" if value is None else str(value), id=key,
                                restrict=r"\d{0,2}", max_length=2, classes="short")
                    yield Static(id=f"{key}-band", classes="field-unit", markup=False)
            yield Static(id="item9", classes="flagged", markup=False)
            yield Static(id="outcome-error", classes="error-message", markup=False)
        yield Static(id="save-status", markup=False)
        yield KapFooter(compact=True)  # the monitoring keys must fit 80 columns

    def on_mount(self) -> None:
        self.set_interval(15, self._update_computed)  # the observation time keeps counting
        self._arrange()

    def _arrange(self) -> None:
        """What the form shows and where the cursor starts (on mount, and once it is built
        again from a merged record)."""
        self._update_computed()
        if self.session.is_visit:  # a visit has no dose: nothing to be discharged from
            for widget in self.query("#monitoring-label, #monitoring, #next-check, #moments, "
                                     "#discharge-label, #observation, #vitals-compare, "
                                     "#discharge"):
                widget.display = False
        self.query_one("#integration" if self.session.is_visit else "#discharge").focus()
        self.call_after_refresh(self.query_one("#form").scroll_home, animate=False)

    # ---- computed lines -----------------------------------------------------------------

    def _update_monitoring(self, state) -> None:  # noqa: ANN001
        s = self.session
        now = self.app.clock()  # type: ignore[attr-defined]
        protocol = s.protocol.label if s.protocol else "no protocol (the config's check-ins)"
        keys = ("ctrl+r vitals · ctrl+s effect or rating · ctrl+n note" if s.monitoring
                else "monitoring ended at the discharge")
        self.query_one("#monitoring", Static).update(Text(f"{protocol} · {keys}"))
        check = self.query_one("#next-check", Static)
        if state.next_checkin is None:
            check.update(Text("No vitals check due." if s.discharged or s.dosed is None
                              else "The protocol's checks are done; ctrl+r records more."))
            check.remove_class("overdue")
        else:
            which = "Discharge vitals" if state.checkin_label == "before discharge" \
                else "Vitals"
            left = state.next_checkin - now
            if state.checkin_overdue:
                check.update(Text(f"{which} overdue by {format_duration(-left, seconds=False)}"
                                  f" (due {format_t_plus(s.offset(state.next_checkin))})"))
            else:
                check.update(Text(f"{which} due in "
                                  f"{format_duration(left, seconds=False, until=True)} "
                                  f"({format_t_plus(s.offset(state.next_checkin))})"))
            check.set_class(state.checkin_overdue, "overdue")

        def moment(label: str, at, key: str) -> str:  # noqa: ANN001
            if at is None:
                return f"{label}: not yet ({key})"
            return f"{label}: {local(at):%H:%M} ({format_t_plus(s.offset(at))})"

        self.query_one("#moments", Static).update(Text(
            moment("Ready to leave", s.ready, "ctrl+l") + " · "
            + moment("Discharged", s.discharged, "ctrl+d")))

    def archive_changed(self, session_ids: set[str]) -> None:
        """A sync tool's conflict copy of this session was merged (KapsessionApp): show the
        merged record, fields included."""
        if self.session_id in session_ids:
            if self._autosave is not None:  # at once: the form on screen is the old record
                self._autosave.stop()
                self._autosave = None
            self.run_worker(self._show_merged(), exclusive=True, group="merged")

    async def _show_merged(self) -> None:
        # What was typed here was saved before the merge (KapsessionApp.save_typing); the
        # form is built again from the merged record, so the next autosave keeps both sides.
        await self.recompose()
        self._arrange()
        self.refresh_bindings()
        self.query_one("#save-status", Static).update(
            "Merged in what another device recorded in this session (a sync conflict copy; "
            "see kapsession conflicts).")

    def _update_computed(self) -> None:
        s = self.session
        config = self.app.config  # type: ignore[attr-defined]
        now = self.app.clock()  # type: ignore[attr-defined]
        state = clock_state(s, now, config.clock)
        self._update_monitoring(state)
        minimum = state.observation_min
        # This line is refreshed every 15 s, so it counts whole minutes, not seconds.
        if s.dosed is None:
            obs = "[ ] Minimum observation time: no dose was marked"
        elif state.observation_met:
            since = "the booster" if len(s.doses) > 1 else "the dose"
            until, when = (s.discharged, "discharged") if s.discharged else (now, "now")
            obs = (f"[x] Minimum observation time passed ({minimum} min; {when} "
                   f"{format_duration(until - s.observation(now).since, seconds=False)} "
                   f"after {since})")
        elif s.discharged is not None:
            obs = (f"[ ] Discharged before the minimum observation time: "
                   f"{format_duration(state.observation_left, seconds=False, until=True)} short "
                   f"of {minimum} min")
        else:
            obs = (f"[ ] Minimum observation time not yet passed: "
                   f"{format_duration(state.observation_left, seconds=False, until=True)} left "
                   f"of {minimum} min")
        self.query_one("#observation", Static).update(Text(obs))
        last = s.vitals_entries[-1].vitals if s.vitals_entries else None
        self.query_one("#vitals-compare", Static).update(Text(
            f"    Vitals — baseline: {s.baseline.short() if s.baseline else 'none'} · "
            f"last: {last.short() if last else 'none recorded'}"))
        days = config["integration.book_within_days"]
        base_day = (s.ended or now).astimezone().date()
        target = base_day + timedelta(days=days)
        self.query_one("#book-target", Static).update(f"book by {target.isoformat()} "
                                                      f"(within {days} days)")
        self._update_outcomes()

    def _update_outcomes(self) -> None:
        for key in OUTCOME_LABELS:
            raw = self.query_one(f"#{key}", Input).value.strip()
            band = ""
            if raw.isdigit() and int(raw) <= OUTCOME_LIMITS[key]:
                band = outcome_band(key, int(raw))
            elif raw:
                band = f"out of range: 0–{OUTCOME_LIMITS[key]}"
            self.query_one(f"#{key}-band", Static).update(band)
        item9 = self.query_one("#phq9_item9", Input).value.strip()
        self.query_one("#item9", Static).update(
            ITEM9_REMINDER if item9.isdigit() and int(item9) > 0 else "")

    # ---- saving -------------------------------------------------------------------------

    def _fields(self) -> dict[str, Any]:
        date_text = self.query_one("#integration-date", Input).value.strip()
        error = self.query_one("#integration-date-error", Static)
        integration_date: date | None | object = None
        if date_text:
            try:
                integration_date = date.fromisoformat(date_text)
            except ValueError:
                # Half typed: everything else is saved; the stored date stays until it parses.
                error.update("a date as YYYY-MM-DD (not saved yet)")
                error.add_class("shown")
                integration_date = ...
        if integration_date is not ...:
            error.update("")
            error.remove_class("shown")
        d_sel = set(self.query_one("#discharge", Checklist).selected)
        i_sel = set(self.query_one("#integration", Checklist).selected)
        outcomes = {k: self.query_one(f"#{k}", Input).value.strip() or None
                    for k in OUTCOME_LABELS}
        return {
            "discharge_checklist": [ChecklistItem(c.text, i in d_sel)
                                    for i, c in enumerate(self.discharge)],
            "integration_checklist": [ChecklistItem(c.text, i in i_sel)
                                      for i, c in enumerate(self.integration)],
            "integration_date": integration_date,
            "integration_notes": self.query_one("#notes", TextArea).text,
            "outcomes": outcomes,
        }

    def save(self) -> bool:
        if self.session.status != "ended" or self.archive.read_only:
            return True
        fields = self._fields()
        status = self.query_one("#save-status", Static)
        try:
            self.archive.update_integration(self.session_id, **fields)
        except ValidationError as exc:
            self.query_one("#outcome-error", Static).update(str(exc))
            return False
        except (ArchiveError, SessionStateError) as exc:
            status.update(Text(f"Not saved: {exc}"))
            status.add_class("error-message")
            return False
        self.query_one("#outcome-error", Static).update("")
        status.remove_class("error-message")
        status.update("Saved.")
        self.session = self.archive.get(self.session_id)
        return fields["integration_date"] is not ...

    def _schedule(self) -> None:
        if self._autosave is not None:
            self._autosave.stop()
        self._autosave = self.set_timer(AUTOSAVE_DELAY_S, self.save)

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Checklist.SelectedChanged)
    def _changed(self) -> None:
        self._update_outcomes()
        self._fields()  # shows or clears the date message at once
        self._schedule()

    def save_draft(self) -> bool:
        """Called when the app quits or locks: nothing typed here is lost."""
        self.save()
        return not self.query_one("#save-status", Static).has_class("error-message")

    # ---- actions ------------------------------------------------------------------------

    def action_save(self) -> None:
        self.save()

    def action_leave(self) -> None:
        if self.save():
            self.app.pop_screen()
            return
        # Everything else was saved; what keeps the screen open is a value not yet valid
        # (a half-typed date): say which, and where, rather than stay silently.
        date_field = self.query_one("#integration-date", Input)
        if self.query_one("#integration-date-error", Static).has_class("shown"):
            self.set_focus(date_field)
            self.notify(f"'Integration on' is not a date yet ({date_field.value!r}): type it as "
                        "YYYY-MM-DD, or clear it, to leave. Everything else is saved.",
                        severity="warning", markup=False)
        else:
            self.notify("Not everything could be saved: see the marked fields.",
                        severity="warning", markup=False)

    # ---- monitoring until discharge ------------------------------------------------------

    def _run(self, what: str, call) -> bool:  # noqa: ANN001
        """Call the archive; say what happened in the status line. True when it worked."""
        status = self.query_one("#save-status", Static)
        try:
            call()
        except (ValidationError, SessionStateError, ArchiveError) as exc:
            status.update(Text(f"{what} not saved: {exc}"))
            status.add_class("error-message")
            return False
        status.remove_class("error-message")
        self.session = self.archive.get(self.session_id)
        self._update_computed()
        self.refresh_bindings()
        return True

    def _said(self, message: str) -> None:
        status = self.query_one("#save-status", Static)
        status.remove_class("error-message")
        status.update(Text(message))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys for what is already done, or does not apply, leave the footer (it must fit
        80 columns)."""
        s = self.session
        if s.is_visit and action in ("record_vitals", "log_effect", "mark_ready", "discharge",
                                     "rems_form"):
            return False  # a visit has no dose, so nothing to monitor or discharge from
        if action == "mark_ready":
            return s.ready is None and s.discharged is None
        if action == "discharge":
            return s.discharged is None
        if action == "rems_form":
            return on_rems(s)
        return True

    def _monitoring_ended(self) -> bool:
        """After the discharge nothing more is charted: say so instead of opening a dialog."""
        if self.session.monitoring:
            return False
        status = self.query_one("#save-status", Static)
        status.update(Text("The client was discharged: monitoring has ended. Write in the "
                           "integration notes instead."))
        status.add_class("error-message")
        return True

    def action_record_vitals(self) -> None:
        if self._monitoring_ended():
            return
        record_vitals(self, open_dialog=self._push, run=self._run,
                      say=lambda message, _flagged: self._said(message))

    def action_log_effect(self) -> None:
        if self._monitoring_ended():
            return
        EffectFlow(self, open_dialog=self._push, run=self._run, say=self._said).start()

    def _push(self, dialog, done):  # noqa: ANN001, ANN202
        return self.app.push_screen(dialog, callback=done)

    def action_add_note(self) -> None:
        if self._monitoring_ended():
            return

        def done(text: str | None) -> None:
            if text and self._run("Note", lambda: self.archive.add_note(self.session_id,
                                                                        text)):
                self._said("Note saved in the timeline.")

        self.app.push_screen(TextDialog("Note", "Goes into the timeline with its time.",
                                        max_length=NOTE_MAX), callback=done)

    def _since_dose(self) -> str:
        s = self.session
        now = self.app.clock()  # type: ignore[attr-defined]
        return f"now {format_t_plus(s.offset(now))}" if s.dosed else "no dose was marked"

    def _not_yet(self) -> str:
        """What a therapist should see before recording ready or discharge: the minimum
        observation still to go, and vitals overdue (each recorded as it is, never a block)."""
        s = self.session
        config = self.app.config  # type: ignore[attr-defined]
        now = self.app.clock()  # type: ignore[attr-defined]
        warnings = []
        obs = s.observation(now, config["observation.min_minutes"])
        if obs.since is not None and not obs.passed:
            left = format_duration(obs.left, seconds=False, until=True)
            warnings.append(f"⚑ The minimum observation ({obs.minimum_minutes} min after the "
                            f"last dose or booster) has {left} to go.")
        state = clock_state(s, now, config.clock)
        if state.checkin_overdue and state.next_checkin is not None:
            late = format_duration(now - state.next_checkin, seconds=False)
            warnings.append(f"⚑ Vitals are overdue by {late}.")
        return " ".join(warnings) + ("\n\n" if warnings else "")

    def action_mark_ready(self) -> None:
        def confirmed(yes: bool | None) -> None:
            if yes and self._run("Ready to leave", lambda: self.archive.mark_ready(
                    self.session_id)):
                self._said("Ready to leave recorded.")

        self.app.push_screen(ConfirmDialog(
            "Record: ready to leave?",
            self._not_yet() + f"The client would be ready to leave ({self._since_dose()}). "
            "Monitoring goes on until the discharge; this is recorded as it is.",
            yes="Record"), callback=confirmed)

    def action_discharge(self) -> None:
        s = self.session
        detail = (self._not_yet() + f"Monitoring ends ({self._since_dose()}); after this "
                  "no more vitals or notes. It is recorded as it is.")
        if s.ready is None:
            detail += " Ready to leave was not recorded."

        def confirmed(yes: bool | None) -> None:
            if yes and self._run("Discharge", lambda: self.archive.discharge(self.session_id)):
                self._said("Discharged: monitoring has ended.")

        self.app.push_screen(ConfirmDialog("Record the discharge?", detail, yes="Discharge",
                                           irreversible=True), callback=confirmed)

    # ---- the REMS form ------------------------------------------------------------------

    def action_rems_form(self) -> None:
        if not on_rems(self.session):
            self._said("This session is not on a REMS protocol.")
            return

        def closed(_: None) -> None:
            self.session = self.archive.get(self.session_id)

        self.app.push_screen(RemsDialog(self.session_id), callback=closed)

    def action_sign(self) -> None:
        if not self.save():
            self.notify("Fix the marked fields first.", severity="warning")
            return
        s = self.session
        config = self.app.config  # type: ignore[attr-defined]
        state = clock_state(s, self.app.clock(), config.clock)  # type: ignore[attr-defined]
        discharge = [] if s.is_visit else s.discharge_checklist
        open_items = [c.text for c in discharge + s.integration_checklist if not c.done]
        if not state.observation_met and not s.is_visit:
            open_items.insert(0, "Minimum observation time passed")
        detail = ("Still unticked:\n" + "\n".join(f"  • {t}" for t in open_items) + "\n\n"
                  if open_items else "Everything is ticked.\n\n")
        if s.discharged is None:
            open_items.insert(0, "Discharge (not recorded: ctrl+d)")
        missing: list[str] = []
        if on_rems(s):
            missing = missing_fields(s, config.rems_provider, config.thresholds)
            if missing:
                detail += ("REMS fields missing (the record keeps this list):\n"
                           + "\n".join(f"  • {FIELD_KEYS[k].label}" for k in missing)
                           + "\n\n")
        if s.outcomes.get("phq9_item9"):
            detail = f"{ITEM9_REMINDER}\n\n" + detail
        if not (config["signer_initials"] or s.therapist):
            # Said, not required: the record then says "signed" and when, by no one.
            detail += ("No one is named as signing: neither signer_initials in the config nor "
                       "a therapist on this session.\n\n")
        detail += ("After signing nothing in this session can change; corrections are added "
                   "as dated addenda.")

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            try:
                config = self.app.config  # type: ignore[attr-defined]
                self.archive.sign(self.session_id, missing,
                                  by=config["signer_initials"] or s.therapist or None)
            except (ArchiveError, SessionStateError) as exc:
                self.notify(str(exc), severity="error", markup=False)
                return
            from .detail import DetailScreen

            self.notify("Signed and locked.")
            stack = self.app.screen_stack
            below = stack[-2] if len(stack) > 1 else None
            if isinstance(below, DetailScreen) and below.session_id == self.session_id:
                self.app.pop_screen()  # back to this session's detail, now read-only
            else:
                self.app.switch_screen(DetailScreen(self.session_id))

        self.app.push_screen(ConfirmDialog("Sign and lock this session?", detail,
                                           yes="Sign and lock", irreversible=True),
                             callback=confirmed)
