"""Synthetic but believable sessions, for ``--demo``, ``demo-data`` and the benchmarks.

Every client code, note and number is made up. The sessions are built through the model's own
methods, so they obey every rule a real session does. What makes them believable (each point
is checked by ``tests/test_demo.py``):

- A client comes at most every other day, always on a weekday between 09:00 and 16:00 local
  time, and keeps one route, therapist and (mostly) one intention through the course.
- Past sessions are ended or signed; the coming week's are planned, dated when they will take
  place. With ``live``, the newest session is live now and its note box holds an unsent draft.
- Notes follow the course of the dose (onset, peak, return, recovery). Within a session no
  note text comes twice until the notes for its phase are used up, and no entry repeats the
  one before it.
- Flags mark what a clinician would flag: vitals out of range, distress, a key quote or
  insight; never trivia.

Deterministic for a seed and ``now``; about as fast as the model's own methods allow (the
benchmarks build 10,000 sessions with it).
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Generic, TypeVar

from .config import DISCHARGE_CHECKS, INTEGRATION_CHECKS, PREPARATION_CHECKS
from .model import Session, Vitals, VitalsThresholds, checklist_from_texts
from .model.clock import DEFAULT_PHASES, RoutePhases
from .model.protocols import DEFAULT_PROTOCOLS, pick_protocol
from .model.session import new_entry_id
from .prompts import builtin_library

THRESHOLDS = VitalsThresholds()
T = TypeVar("T")

#: Appointments: weekdays, arriving on the quarter hour from 09:00 to 16:00 (local time).
CLINIC_ARRIVALS = [time(h, m) for h in range(9, 16) for m in (0, 15, 30, 45)] + [time(16, 0)]
#: Planned sessions are booked up to this many days ahead.
DAYS_AHEAD = 7
ONE_DAY = timedelta(days=1)
#: Sessions in the last two weeks may still wait for their signature.
UNSIGNED_DAYS = 14

ROUTE_DOSES = {  # route: (weight, typical doses in mg, lowest first)
    "im": (3, [35, 50, 60, 75, 90]),
    "sublingual": (4, [100, 150, 200, 250, 300]),
    "iv": (2, [30, 35, 40, 50]),
    "intranasal": (2, [56, 84]),
    "oral": (1, [150, 200, 300]),
}

INTENTIONS = [
    "To meet the grief about my father with less fear.",
    "Understand where the tightness in my chest comes from.",
    "Be kinder to myself when I fail.",
    "Let go of the need to control everything at work.",
    "Feel connected to my body again.",
    "Look at the pattern of shutting down in arguments.",
    "Find some rest from the constant worry.",
    "Stay open to whatever comes, even if it is uncomfortable.",
    "Reconnect with what matters to me beyond the job.",
    "Explore the numbness since the accident, gently.",
]

# A note is (category, text, flag). Flags follow what a clinician marks for the record:
NEVER, SOMETIMES, ALWAYS = 0, 1, 2  # ... a key quote or insight SOMETIMES, distress ALWAYS.

PRE_DOSE_NOTES = [
    ("behaviour", "Arrived on time; settled on the couch and read the intention aloud.", NEVER),
    ("affect", "A little nervous before the dose; talked through what to expect.", NEVER),
    ("intervention", "Went over the plan and the stop signal (a raised hand).", NEVER),
    ("other", "Eye mask and headphones on; music started.", NEVER),
    ("affect", "Slept badly last night; otherwise feels ready.", NEVER),
    ("affect", "Says the week was calmer since the last session.", NEVER),
]

PHASE_NOTES: dict[str, list[tuple[str, str, int]]] = {
    "onset": [
        ("somatic", "Reports tingling in the hands and feet.", NEVER),
        ("somatic", "Says the body feels light and the room far away.", NEVER),
        ("somatic", "Breathing deepened; shoulders dropped.", NEVER),
        ("intervention", "Some apprehension as the effects begin; reminded to let them come "
         "and go.", NEVER),
        ("behaviour", "Fingers fidgeting with the blanket, then still.", NEVER),
        ("somatic", "Mild dizziness when turning the head; advised to keep still.", NEVER),
        ("affect", "Smiling slightly; says the music sounds very wide.", NEVER),
        ("intervention", "Asks whether this is normal; reassured that it is.", NEVER),
        ("somatic", "Heaviness in the arms, described as pleasant.", NEVER),
        ("behaviour", "Speech slowing, words spaced out.", NEVER),
        ("affect", "Brief wave of fear, breathing faster; settled with slow breathing.", NEVER),
        ("quote", "\"It's starting, I can feel it in my hands.\"", NEVER),
        ("somatic", "Lips tingling; no discomfort.", NEVER),
        ("intervention", "Adjusted the headphones at the client's request.", NEVER),
        ("behaviour", "Lying still, hands on the belly.", NEVER),
        ("behaviour", "Nodded to the check-in question, no words.", NEVER),
        ("somatic", "Reports a metallic taste.", NEVER),
        ("intervention", "Jaw tight; invited to let the mouth soften, eased.", NEVER),
    ],
    "peak": [
        ("behaviour", "Very still, breathing slow and even.", NEVER),
        ("affect", "Tearful, softly crying; says it feels like relief.", NEVER),
        ("affect", "Laughing quietly, face relaxed.", NEVER),
        ("behaviour", "Speaking in fragments, long pauses.", NEVER),
        ("behaviour", "Absorbed in the music; no answer to a soft check-in, breathing "
         "regular.", NEVER),
        ("quote", "\"Everything is made of music.\"", NEVER),
        ("quote", "\"It's so big, and I'm so small, and that's fine.\"", SOMETIMES),
        ("quote", "\"There is nothing to be afraid of here.\"", SOMETIMES),
        ("quote", "\"I can see myself as a child, and the child is okay.\"", SOMETIMES),
        ("affect", "Brow furrowed, appears worried; breathing faster.", NEVER),
        ("somatic", "Warmth in the chest, described as spreading.", NEVER),
        ("somatic", "Hands open on the couch, shoulders dropped.", NEVER),
        ("intervention", "Reassured: safe, I'm here, let it come and go.", NEVER),
        ("intervention", "Asked consent for a hand on the shoulder; yes, calmer after.", NEVER),
        ("behaviour", "Turned onto the side, curled up.", NEVER),
        ("behaviour", "Deep sigh, then a long silence.", NEVER),
        ("somatic", "Reports floating above the body; not frightened.", NEVER),
        ("behaviour", "Murmurs about a hospital room from childhood.", NEVER),
        ("quote", "\"I don't need to fix this right now.\"", SOMETIMES),
        ("quote", "\"The fear is just a colour now.\"", SOMETIMES),
        ("intervention", "Fists clenched; offered slow breathing, the hands opened.", NEVER),
        ("somatic", "Grimaced briefly; asked, says there is no pain.", NEVER),
        ("intervention", "Music turned down at the client's request.", NEVER),
    ],
    "return": [
        ("behaviour", "Beginning to move the fingers and toes.", NEVER),
        ("behaviour", "Asks what time it is; oriented to time and place.", NEVER),
        ("behaviour", "Took off the eye mask, looking around the room.", NEVER),
        ("affect", "Says the images are fading.", NEVER),
        ("behaviour", "Talking more, in full sentences again.", NEVER),
        ("insight", "Names the link between the fear and the father's illness.", SOMETIMES),
        ("insight", "Recognises the pattern of over-responsibility.", SOMETIMES),
        ("insight", "Sees the anxiety as protective rather than an enemy.", SOMETIMES),
        ("insight", "Connects the numbness with not wanting to burden others.", SOMETIMES),
        ("quote", "\"I'm not the one who has to hold it all.\"", SOMETIMES),
        ("quote", "\"I've been carrying this for so long.\"", NEVER),
        ("behaviour", "Slightly disoriented, asked where the bathroom is; reoriented.", NEVER),
        ("affect", "Tearful again, quieter; calls them good tears.", NEVER),
        ("somatic", "Sipped water and kept it down.", NEVER),
        ("behaviour", "Sitting up slowly with support.", NEVER),
        ("quote", "\"The intention came in sideways.\"", NEVER),
        ("affect", "Frustration rising, then easing after a few breaths.", NEVER),
        ("somatic", "Shivering briefly; blanket added.", NEVER),
        ("other", "Asks to keep the lights low a little longer.", NEVER),
        ("somatic", "Describes a sense of space in the chest.", NEVER),
        ("somatic", "Yawning, heavy-eyed.", NEVER),
        ("intervention", "Wants to talk about what came up; invited to rest first and keep it "
         "for integration.", NEVER),
        ("quote", "\"My body feels back, but new.\"", NEVER),
        ("behaviour", "Eyes open, following the light on the ceiling.", NEVER),
        ("affect", "Quietly moved; hand on the heart.", NEVER),
        ("somatic", "Says the legs feel heavy again; rested them on a cushion.", NEVER),
        ("behaviour", "Asks for the music to stay on a while.", NEVER),
        ("affect", "Relieved that it is passing; a little sad it is over.", NEVER),
        ("behaviour", "Describing colours and shapes, slowly.", NEVER),
    ],
    "recovery": [
        ("behaviour", "Sitting up, oriented, talking clearly.", NEVER),
        ("behaviour", "Walked to the bathroom with support; steady.", NEVER),
        ("somatic", "Ate a few crackers; no nausea.", NEVER),
        ("quote", "\"That was gentle and strange.\"", NEVER),
        ("behaviour", "Wrote a few lines in the journal.", NEVER),
        ("intervention", "Went over the after-care sheet and the plan for the evening.", NEVER),
        ("other", "Escort arrived; knows not to drive until tomorrow.", NEVER),
        ("affect", "Calm, smiling, tired.", NEVER),
        ("behaviour", "Gait steady walking across the room.", NEVER),
        ("affect", "Speaks about the grief with less tension in the voice.", NEVER),
        ("insight", "Notices how much effort goes into staying in control.", SOMETIMES),
        ("quote", "Three words for the session: \"held, sad, free\".", NEVER),
        ("affect", "Shoulders relaxed, voice softer than on arrival.", NEVER),
        ("other", "Agreed the date of the integration session.", NEVER),
        ("somatic", "Slight dizziness on standing; sat five more minutes, resolved.", NEVER),
        ("other", "Drank a cup of tea.", NEVER),
        ("affect", "Emotional for a moment; thanked the team for the space.", NEVER),
    ],
}

# Fit any time after the dose; used once a phase's own notes run out.
ANYTIME_NOTES = [
    ("affect", "Calm, still, slow breathing.", NEVER),
    ("other", "Noise from the corridor; no reaction.", NEVER),
    ("other", "Room temperature raised slightly.", NEVER),
    ("other", "Music playlist moved to the second part.", NEVER),
    ("intervention", "Blanket adjusted.", NEVER),
    ("somatic", "Swallowed a few times; no nausea reported.", NEVER),
    ("somatic", "Breathing regular, about 12 a minute.", NEVER),
    ("behaviour", "Hands resting on the chest.", NEVER),
    ("affect", "Expression soft, a slight smile.", NEVER),
    ("somatic", "Restless legs for a minute, then settled.", NEVER),
    ("behaviour", "Check-in: thumbs up.", NEVER),
    ("behaviour", "Quiet; eyes moving under the mask.", NEVER),
    ("behaviour", "Sighing now and then.", NEVER),
    ("somatic", "Jaw clenching; eased after the body-scan prompt.", NEVER),
    ("intervention", "Headphones slipped; put back.", NEVER),
    ("behaviour", "Tapping a finger in time with the music.", NEVER),
    ("somatic", "Face flushed, warm; window opened a little.", NEVER),
    ("intervention", "Asked for water; sipped a little.", NEVER),
    ("behaviour", "Stretched the arms above the head.", NEVER),
    ("somatic", "Pins and needles in the feet, fading.", NEVER),
    ("affect", "Cheeks wet, no sound.", NEVER),
    ("behaviour", "Answered the check-in with a soft \"okay\".", NEVER),
    ("behaviour", "Turned onto the back again.", NEVER),
    ("somatic", "Breath caught, then released with a long exhale.", NEVER),
    ("behaviour", "Holding own hands.", NEVER),
    ("intervention", "Shifting position often; offered a pillow, accepted.", NEVER),
    ("affect", "Peaceful expression.", NEVER),
    ("behaviour", "Rubbing the thumb over the fingertips.", NEVER),
    ("somatic", "Skin pink, warm; no sweating.", NEVER),
    ("behaviour", "Lifted a hand to signal all is well.", NEVER),
    ("affect", "Humming along softly.", NEVER),
    ("intervention", "Checked in quietly; nods, wants to carry on.", NEVER),
    ("somatic", "Yawned twice.", NEVER),
    ("behaviour", "Pulled the blanket up to the chin.", NEVER),
    ("affect", "Brief frown, then the face smooths out.", NEVER),
    ("other", "Phone in the next room rang; no reaction.", NEVER),
    ("somatic", "Long, slow exhales.", NEVER),
]

# Distress happens in some sessions, not all (see DISTRESS_CHANCE), and is always flagged.
DISTRESS_NOTES = {
    "peak": [
        ("affect", "Distressed: crying hard, says \"make it stop\". Sat closer and reassured; "
         "settled within a few minutes.", ALWAYS),
        ("behaviour", "Agitated, tried to pull off the eye mask and sit up; guided back gently, "
         "calmer after three minutes.", ALWAYS),
    ],
    "return": [
        ("affect", "Brief panic on coming back, \"where am I?\"; reoriented, settled.", ALWAYS),
        ("somatic", "Says \"I can't breathe\"; SpO2 on the monitor 97%. Reassured, slow "
         "breathing, settled within two minutes.", ALWAYS),
    ],
}
DISTRESS_CHANCE = 0.25

# Side effects by the phase they belong to, with what was done; each at most once a session.
SIDE_EFFECTS = {
    "onset": [("dizziness", "mild; eyes closed, passed")],
    "peak": [("nausea", "mild; slow breathing, bowl at hand"),
             ("anxiety", "brief; reassured, settled")],
    "return": [("nausea", "on sitting up; lay back, settled"),
               ("dizziness", "on sitting up; lay back for ten minutes")],
    "recovery": [("headache", "mild; water given"), ("dizziness", "on standing; resolved")],
}

ADDENDA = [
    "Client called the next day: slept well, mild headache in the morning, resolved.",
    "Correction: baseline heart rate was taken after the walk in; repeat reading was 72.",
    "Integration session moved at the client's request.",
]

INTEGRATION_NOTES = [
    "Themes: grief and permission to rest. Client wants to journal about the image of the "
    "younger self.",
    "Felt held and safe. Noticed how much effort goes into staying in control.",
    "Mostly music and colour; little content. Discussed that this is also valid.",
    "Fear came and passed; the client was surprised it could be watched without acting on it.",
    "Spoke about the father for the first time without stopping; wants to visit the grave.",
]

# The prompt situation each phase calls for (the clock suggests the same ones).
PHASE_SITUATION = {"onset": "anxiety", "peak": "overwhelm", "return": "disorientation",
                   "recovery": "closing"}


class _Deck(Generic[T]):
    """Cards drawn without replacement; once used up, dealt again (never the last card first)."""

    __slots__ = ("cards", "left", "last", "rng")

    def __init__(self, rng: random.Random, cards: list[T]) -> None:
        self.rng, self.cards, self.left = rng, cards, list(cards)
        self.last: T | None = None

    def draw(self) -> T:
        if not self.left:
            self.left = [c for c in self.cards if c is not self.last]
        i = int(self.rng.random() * len(self.left))
        card = self.left[i]
        self.left[i] = self.left[-1]
        self.left.pop()
        self.last = card
        return card


class ClientProfile:
    """What stays the same through one client's course: route, therapist, baseline, dose."""

    __slots__ = ("base", "dose_step", "intention", "route", "therapist")

    def __init__(self, rng: random.Random) -> None:
        self.route = rng.choices(list(ROUTE_DOSES),
                                 weights=[w for w, _ in ROUTE_DOSES.values()])[0]
        self.dose_step = rng.randrange(len(ROUTE_DOSES[self.route][1]))
        self.therapist = rng.choice(["AB", "JM", "RK", "SL"])
        self.intention = rng.choice(INTENTIONS)
        self.base = (rng.randint(106, 132), rng.randint(64, 82), rng.randint(58, 84))


# One reading in twenty dips below the default 94% threshold.
SPO2_READINGS = (93, 95, 96, 96, 97, 97, 97, 97, 98, 98, 98, 98, 98, 99, 99, 99, 99, 100, 100, 100)


def _vitals(rng: random.Random, base: tuple[int, int, int], rise: float) -> Vitals:
    sys_, dia, hr = base
    return Vitals.create(
        systolic=int(sys_ + rise * rng.randint(5, 25) + rng.randint(-4, 4)),
        diastolic=int(dia + rise * rng.randint(3, 12) + rng.randint(-3, 3)),
        heart_rate=int(hr + rise * rng.randint(2, 15) + rng.randint(-4, 4)),
        spo2=rng.choice(SPO2_READINGS),
    )


def _phase(minutes: float, phases: RoutePhases) -> str:
    if minutes < phases.peak:
        return "onset"
    if minutes < phases.return_:
        return "peak"
    return "return" if minutes < phases.end else "recovery"


_PROMPTS: dict[str, list[str]] = {}


def _prompt_texts(situation: str) -> list[str]:
    texts = _PROMPTS.get(situation)
    if texts is None:
        texts = _PROMPTS[situation] = [p.text for p in
                                       builtin_library().for_situation(situation)]
    return texts


def make_session(
    rng: random.Random,
    *,
    client: str,
    session_no: int,
    arrived: datetime,
    status: str,
    n_entries: int | None = None,
    session_id: str | None = None,
    profile: ClientProfile | None = None,
) -> Session:
    """One synthetic session that arrived at ``arrived`` and reached ``status``.

    A ``planned`` session is dated ``arrived`` (its appointment). For ``status="live"`` the
    session is left running (dosed, with a draft note)."""
    profile = profile or ClientProfile(rng)
    route = profile.route
    doses = ROUTE_DOSES[route][1]
    dose = doses[min(len(doses) - 1, profile.dose_step + (session_no - 1) // 3)]
    medicine = "esketamine" if route == "intranasal" else "ketamine"
    base = tuple(b + rng.randint(-3, 3) for b in profile.base)
    prep = checklist_from_texts(PREPARATION_CHECKS)
    for i, item in enumerate(prep):
        # A planned session: consent and intention may be done already, nothing of the day.
        item.done = status != "planned" or (i < 2 and rng.random() < 0.7)
    intention = profile.intention
    if session_no > 1 and rng.random() < 0.25:
        intention = profile.intention = rng.choice(INTENTIONS)
    s = Session.create(
        id=session_id or f"{rng.getrandbits(128):032x}",
        now=arrived - timedelta(days=rng.randint(0, 3)) if status == "signed" else arrived,
        client=client, session_no=session_no, route=route, medicine=medicine, dose_mg=dose,
        therapist=profile.therapist, intention=intention, prep_checklist=prep,
        baseline=None if status == "planned" else Vitals.create(
            systolic=base[0], diastolic=base[1], heart_rate=base[2], spo2=98),
        # Esketamine sessions run under the REMS protocol, so the REMS form and `rems
        # --pending` have something to show; no random draw, so a seed repeats exactly.
        protocol=pick_protocol(DEFAULT_PROTOCOLS, medicine, route)
        if medicine == "esketamine" else None,
    )
    if status == "planned":
        return s
    t = arrived
    s.go_live(t)
    total = n_entries if n_entries is not None else rng.randint(20, 120)
    if rng.random() < 0.8:
        category, text, _ = rng.choice(PRE_DOSE_NOTES)
        s.add_note(t + timedelta(minutes=rng.randint(2, 6)), text, category=category)
        total -= 1
    t += timedelta(minutes=rng.randint(8, 20))
    s.mark_dose(t)
    dosed = t
    phases = DEFAULT_PHASES[route]
    span = timedelta(minutes=phases.end + rng.randint(0, 40))
    if status == "live":
        total = min(total, 14)
        span = timedelta(minutes=25)
    step = span / max(total, 1)
    next_vitals = dosed + timedelta(minutes=40)
    decks = {phase: _Deck(rng, notes) for phase, notes in PHASE_NOTES.items()}
    if rng.random() < DISTRESS_CHANCE:
        phase = rng.choice(list(DISTRESS_NOTES))
        decks[phase].left.append(rng.choice(DISTRESS_NOTES[phase]))
    anytime = _Deck(rng, ANYTIME_NOTES)
    prompts: dict[str, _Deck] = {}
    side_effects_logged: set[str] = set()
    follow_up: str | None = None  # a prompt the last entry called for
    last_kind = "dose"

    def note(phase: str) -> None:
        deck = decks[phase]
        if not deck.left and anytime.left:
            deck = anytime  # this phase's notes are used up: a note that fits any time
        category, text, flag = deck.draw()
        flagged = flag == ALWAYS or (flag == SOMETIMES and rng.random() < 0.4)
        s.add_note(t, text, category=category, flagged=flagged)

    for _ in range(total - 1):
        t += step * rng.uniform(0.6, 1.4)
        if status == "live" and t > arrived + timedelta(minutes=45):
            break  # a live session's entries never run past the present
        minutes = (t - dosed).total_seconds() / 60
        phase = _phase(minutes, phases)
        kind = "note"
        if t >= next_vitals:
            rise = 1.0 if minutes < phases.return_ else 0.3
            v = _vitals(rng, base, rise)  # type: ignore[arg-type]
            s.record_vitals(t, v, flagged=bool(THRESHOLDS.flags(v)))
            next_vitals = t + timedelta(minutes=15)
            last_kind = "vitals"
            continue
        roll = rng.random()
        if follow_up is not None:
            kind, roll = "prompt", 1.0
        elif roll < 0.64:
            kind = "note"
        elif roll < 0.72:
            kind = "prompt"
        elif roll < 0.82:
            kind = "dissociation"
        elif roll < 0.90:
            kind = "moaas"
        elif roll < 0.95:
            kind = "side_effect"
        elif roll < 0.965 and route in ("im", "sublingual") and len(s.doses) < 2 \
                and phase == "peak":
            kind = "booster"
        if kind == last_kind and kind != "note":
            kind = "note"  # two prompts, ratings or side effects in a row read as a stutter
        if kind == "note":
            note(phase)
        elif kind == "prompt":
            situation = follow_up or PHASE_SITUATION[phase]
            follow_up = None
            deck = prompts.get(situation)
            if deck is None:
                deck = prompts[situation] = _Deck(rng, _prompt_texts(situation))
            s.log_prompt(t, deck.draw(), situation)
        elif kind == "dissociation":
            score = {"onset": (1, 2), "peak": (2, 4), "return": (1, 2),
                     "recovery": (0, 1)}[phase]
            s.log_rating(t, "dissociation", rng.randint(*score))
        elif kind == "moaas":
            s.log_rating(t, "moaas", rng.choice([5, 5, 4, 4, 3] if phase == "peak" else
                                                [5, 5, 5, 4]))
        elif kind == "side_effect":
            effect, detail = rng.choice(SIDE_EFFECTS[phase])
            if effect in side_effects_logged:
                note(phase)
                kind = "note"
            else:
                side_effects_logged.add(effect)
                s.log_side_effect(t, effect, detail)
                if effect in ("nausea", "anxiety"):
                    follow_up = "nausea" if effect == "nausea" else "anxiety"
        else:
            s.mark_dose(t, mg=round(dose * 0.5))
        last_kind = kind
    if status == "live":
        s.set_draft("Breathing slower now, hands")
        return s
    notes = [e for e in s.entries if e.kind == "note"]
    if notes and rng.random() < 0.3:
        target = rng.choice(notes)
        s.edit_entry(t, target.id, target.text + " (added later: lasted about two minutes)")
    s.finish(max(t, dosed + timedelta(minutes=120)) + timedelta(minutes=rng.randint(1, 25)))
    # Monitoring ends at the discharge, a little after Finish (no random draw here, so the
    # rest of the demo stays as it was for a seed).
    s.mark_ready(s.ended + timedelta(minutes=2))  # type: ignore[operator]
    s.discharge(s.ended + timedelta(minutes=9))  # type: ignore[operator]
    s.discharge_checklist = checklist_from_texts(DISCHARGE_CHECKS)
    s.integration_checklist = checklist_from_texts(INTEGRATION_CHECKS)
    for item in s.discharge_checklist + s.integration_checklist:
        item.done = rng.random() < 0.9
    s.update_integration(
        integration_date=(arrived + timedelta(days=rng.randint(2, 10))).date(),
        integration_notes=rng.choice(INTEGRATION_NOTES),
        outcomes={"phq9_pre": rng.randint(8, 20), "gad7_pre": rng.randint(6, 16),
                  "phq9_item9": rng.choice([0, 0, 0, 0, 1])},
    )
    if status == "signed":
        s.sign(s.ended + timedelta(minutes=rng.randint(10, 90)))  # type: ignore[operator]
        if rng.random() < 0.15:
            s.add_addendum(s.signed + timedelta(days=1), rng.choice(ADDENDA))  # type: ignore[operator]
    return s


def _weekday(day: date, *, forward: bool) -> date:
    """``day``, or the nearest weekday in the given direction if it falls on a weekend."""
    while day.weekday() >= 5:
        day += timedelta(days=1 if forward else -1)
    return day


def demo_sessions(n: int, *, seed: int = 0, now: datetime | None = None,
                  live: bool = False) -> list[Session]:
    """``n`` sessions over the past years (and the coming week) for about n/6 clients, oldest
    first; times are local.

    With ``live``, the newest is a live session that began 50 minutes before ``now``."""
    rng = random.Random(seed)
    now = now or datetime.now().astimezone()
    clients = [f"C-{i:04d}" for i in rng.sample(range(1, 10_000), max(1, n // 6 + 1))]
    today = now.astimezone().date()
    span_days = max(30, n // 3)
    booked: dict[date, set[str]] = {}  # the clients who come on each day
    plan: list[tuple[datetime, str, str]] = []
    if live:
        client = rng.choice(clients)
        booked[today] = {client}
        plan.append((now - timedelta(minutes=50), client, "live"))
    for _ in range(n - len(plan)):
        day = today
        while day == today or day.weekday() >= 5:  # a weekday, never today (the live one's)
            day = today + timedelta(days=int(rng.random() * (span_days + DAYS_AHEAD + 1))
                                    - span_days)
        ahead = day > today
        while True:
            # Not the day before or after either: a course is at most every other day.
            taken = booked.get(day, set()) | booked.get(day - ONE_DAY, set()) | \
                booked.get(day + ONE_DAY, set())
            client = rng.choice(clients)
            if client in taken:
                free = [c for c in clients if c not in taken]
                client = rng.choice(free) if free else ""
            if client:
                break
            day = _weekday(day + (ONE_DAY if ahead else -ONE_DAY), forward=ahead)
        booked.setdefault(day, set()).add(client)
        arrived = datetime.combine(day, rng.choice(CLINIC_ARRIVALS)).astimezone()
        if ahead:
            status = "planned"
        elif (today - day).days > UNSIGNED_DAYS:
            status = "signed"
        else:
            status = rng.choice(["signed", "signed", "ended"])
        plan.append((arrived, client, status))
    plan.sort(key=lambda p: p[0])  # session numbers follow each client's dates
    counts: dict[str, int] = {}
    profiles: dict[str, ClientProfile] = {}
    out = []
    for arrived, client, status in plan:
        counts[client] = counts.get(client, 0) + 1
        profile = profiles.get(client)
        if profile is None:
            profile = profiles[client] = ClientProfile(rng)
        out.append(make_session(rng, client=client, session_no=counts[client], arrived=arrived,
                                status=status, profile=profile))
    # Entry ids are random (schema 5): drawn again from the seed, so a seed repeats exactly.
    for s in out:
        taken: set[str] = set()
        for e in s.entries:
            e.id = new_entry_id(taken, rng)
            taken.add(e.id)
    return out
