"""The session clock: T+ since the dose, phase, course bar, next check-in, observation time.

It ticks once a second and updates a child only when its text changes, so an idle live
session redraws a few cells a second and nothing else.
"""

from __future__ import annotations

from datetime import timedelta

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Digits, Static

from ...model import Clock, ClockSettings, ClockState, Session, VitalsThresholds, clock_state
from ...model.times import format_clock, format_duration, format_t_plus
from ...model.vocab import route_label

BAR_WIDTH = 20


def course_bar(progress: float, width: int = BAR_WIDTH) -> str:
    filled = round(progress * width)
    return "█" * filled + "░" * (width - filled)


class ClockPanel(Vertical):
    """Shows the clock for one session; the screen hands it a fresh session after each change."""

    class PhaseChanged(Message):
        def __init__(self, phase: str, situation: str) -> None:
            super().__init__()
            self.phase = phase
            self.situation = situation

    class CheckinDue(Message):
        """A check-in has just fallen due (posted once per due time)."""

    def __init__(self, session: Session, *, clock: Clock, settings: ClockSettings,
                 thresholds: VitalsThresholds | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.thresholds = thresholds or VitalsThresholds()
        self.session = session
        self.clock = clock
        self.settings = settings
        self._shown: dict[str, str] = {}
        self._phase: str | None = None
        self._announced_due: object = None
        self.state: ClockState | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="clock-label", markup=False)
        yield Digits("00:00:00", id="elapsed")
        yield Static(id="phase", markup=False)
        yield Static(id="bar", markup=False)
        yield Static(id="checkin", markup=False)
        yield Static(id="last-vitals", markup=False)
        yield Static(id="observation", markup=False)

    def on_mount(self) -> None:
        self.tick()
        self.set_interval(1.0, self.tick)

    def set_session(self, session: Session) -> None:
        self.session = session
        self.tick()

    def _show(self, widget_id: str, text: str, *, classes: str = "") -> None:
        key = f"{text}\x00{classes}"
        if self._shown.get(widget_id) == key:
            return
        before = self._shown.get(widget_id)
        self._shown[widget_id] = key
        widget = self.query_one(f"#{widget_id}")
        if isinstance(widget, Digits):
            widget.update(text)
        else:
            # Most ticks change a digit or two: a text of the same width needs no new layout
            # (which, once a second, was most of what an idle live screen cost).
            same_width = before is not None and cell_len(before) == cell_len(key)
            widget.update(Text(text), layout=not same_width)  # type: ignore[attr-defined]
        widget.set_class(classes == "overdue", "overdue")
        widget.set_class(classes == "met", "met")

    def tick(self) -> None:
        s = self.session
        state = clock_state(s, self.clock(), self.settings)
        self.state = state
        if state.since_dose is not None:
            self._show("clock-label", "T+ since the dose")
            self._show("elapsed", format_clock(state.since_dose))
        elif state.since_arrival is not None:
            self._show("clock-label", "Since arrival · ctrl+t marks the dose")
            self._show("elapsed", format_clock(state.since_arrival))
        else:
            self._show("clock-label", "Not started")
            self._show("elapsed", "00:00:00")
        dose = f" · {s.total_dose_mg:g} mg" if s.total_dose_mg else ""
        self._show("phase", f"{state.phase.upper()} · {route_label(s.route)}{dose}")
        if state.course_end is not None:
            self._show("bar", f"{course_bar(state.progress)} {int(state.progress * 100)}%")
        else:
            self._show("bar", course_bar(0.0) + " from the dose")
        # The next check comes from the session's protocol (its schedule, or the settings');
        # "Discharge vitals" is the one more a protocol without repeats asks before discharge.
        which = "Discharge vitals" if state.checkin_label == "before discharge" \
            else "Vitals"
        if s.status != "live":
            self._show("checkin", f"Session {s.status}")
        elif state.next_checkin is None:
            first = s.protocol.first_check_min if s.protocol else self.settings.first_checkin_min
            self._show("checkin", "Vitals: first at " + format_t_plus(timedelta(minutes=first)))
        else:
            left = state.next_checkin - self.clock()
            if state.checkin_overdue:
                self._show("checkin", f"{which} overdue by {format_duration(-left)}",
                           classes="overdue")
                if self._announced_due != state.next_checkin:
                    self._announced_due = state.next_checkin
                    self.post_message(self.CheckinDue())
            else:
                self._show("checkin", f"{which} due in {format_duration(left, until=True)}")
        last = s.vitals_entries[-1].vitals if s.vitals_entries else s.baseline
        if last is None:
            self._show("last-vitals", "Last vitals: none yet")
        else:
            flags = self.thresholds.flags(last)
            label = "Last vitals" if s.vitals_entries else "Baseline"
            self._show("last-vitals", f"{label}: {last.short()}" + (" ⚑" if flags else ""),
                       classes="overdue" if flags else "")
        if state.observation_left is None:
            self._show("observation", f"Observation: at least {state.observation_min} min")
        elif state.observation_met:
            self._show("observation", "Minimum observation time passed", classes="met")
        else:
            self._show("observation",
                       f"Observation: {format_duration(state.observation_left, until=True)}"
                       " to go")
        if state.phase != self._phase:
            first = self._phase is None
            self._phase = state.phase
            if not first:
                self.post_message(self.PhaseChanged(state.phase, state.suggested_situation))
