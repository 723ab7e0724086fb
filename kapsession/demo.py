"""Synthetic but realistic sessions, for ``--demo``, ``demo-data`` and the benchmarks.

Every client code, note and number is made up. The sessions are built through the model's own
methods, so they obey every rule a real session does.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from .config import DISCHARGE_CHECKS, INTEGRATION_CHECKS, PREPARATION_CHECKS
from .model import Session, Vitals, VitalsThresholds, checklist_from_texts
from .model.clock import DEFAULT_PHASES

THRESHOLDS = VitalsThresholds()

ROUTE_DOSES = {  # route: (weight, typical doses in mg)
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

NOTES = {
    "affect": [
        "Tearful, softly crying; says it feels like relief.",
        "Laughing quietly, face relaxed.",
        "Brow furrowed, appears worried; breathing faster.",
        "Calm, still, slow breathing.",
        "Expresses sadness about the years lost.",
        "Frustration rising, then easing after a few breaths.",
    ],
    "somatic": [
        "Hands open on the couch, shoulders dropped.",
        "Reports heaviness in the legs, not unpleasant.",
        "Restless legs for a few minutes, then settled.",
        "Warmth in the chest, describes it as spreading.",
        "Jaw clenching; eased after the body-scan prompt.",
        "Shivering briefly; blanket added.",
    ],
    "quote": [
        "\"I'm not the one who has to hold it all.\"",
        "\"It's so big, and I'm so small, and that's fine.\"",
        "\"I can see my younger self and she's okay.\"",
        "\"Everything is made of music.\"",
        "\"I don't need to fix this right now.\"",
        "\"There is nothing to be afraid of here.\"",
    ],
    "insight": [
        "Names the link between the fear and the father's illness.",
        "Recognises the pattern of over-responsibility.",
        "Sees the anxiety as protective rather than an enemy.",
        "Connects the numbness with not wanting to burden others.",
    ],
    "intervention": [
        "Offered box breathing 4-4-4-4; followed along.",
        "Reassured: safe, I'm here, let it come and go.",
        "Adjusted the music volume down at the client's request.",
        "Asked consent for a hand on the shoulder; yes, calmer after.",
        "Offered water; sipped a little.",
    ],
    "behaviour": [
        "Removed eye mask briefly, then put it back on.",
        "Turned onto the side, curled up.",
        "Speaking in fragments, long pauses.",
        "Sitting up, looking around the room, oriented.",
        "Quiet for a long stretch, appears absorbed in the music.",
    ],
    "other": [
        "Noise from the corridor; client did not react.",
        "Room temperature raised slightly.",
        "Music playlist moved to the second part.",
    ],
}

PROMPTS = {
    "anxiety": "You are safe. I am right here with you. Let the breath be slow and easy.",
    "overwhelm": "You don't have to hold all of it. Let it move through you like weather.",
    "nausea": "Breathe in through your nose, slowly, and out through your mouth.",
    "disorientation": "You're in the room, on the couch, and I'm here. Take all the time you need.",
    "closing": "When you're ready, wiggle your fingers and toes. No need to talk yet.",
}

ADDENDA = [
    "Client called the next day: slept well, mild headache in the morning, resolved.",
    "Correction: baseline heart rate was taken after the walk in; repeat reading was 72.",
    "Integration session moved at the client's request.",
]


def _vitals(rng: random.Random, base: tuple[int, int, int], rise: float) -> Vitals:
    sys_, dia, hr = base
    return Vitals.create(
        systolic=int(sys_ + rise * rng.randint(5, 25) + rng.randint(-4, 4)),
        diastolic=int(dia + rise * rng.randint(3, 12) + rng.randint(-3, 3)),
        heart_rate=int(hr + rise * rng.randint(2, 15) + rng.randint(-4, 4)),
        spo2=rng.choice([95, 96, 97, 97, 98, 98, 99, 99, 100, 93]),
    )


def make_session(
    rng: random.Random,
    *,
    client: str,
    session_no: int,
    arrived: datetime,
    status: str,
    n_entries: int | None = None,
    session_id: str | None = None,
) -> Session:
    """One synthetic session that arrived at ``arrived`` and reached ``status``.

    For ``status="live"`` the session is left running (dosed, with a draft note)."""
    route = rng.choices(list(ROUTE_DOSES), weights=[w for w, _ in ROUTE_DOSES.values()])[0]
    dose = rng.choice(ROUTE_DOSES[route][1])
    medicine = "esketamine" if route == "intranasal" else "ketamine"
    base = (rng.randint(108, 138), rng.randint(66, 88), rng.randint(58, 84))
    prep = checklist_from_texts(PREPARATION_CHECKS)
    for item in prep:
        item.done = status != "planned" or rng.random() < 0.4
    s = Session.create(
        id=session_id or f"{rng.getrandbits(128):032x}",
        now=arrived - timedelta(days=rng.randint(0, 3)) if status == "signed" else arrived,
        client=client, session_no=session_no, route=route, medicine=medicine, dose_mg=dose,
        therapist=rng.choice(["AB", "JM", "RK", "SL"]), intention=rng.choice(INTENTIONS),
        prep_checklist=prep, baseline=Vitals.create(systolic=base[0], diastolic=base[1],
                                                    heart_rate=base[2], spo2=98),
    )
    if status == "planned":
        return s
    t = arrived
    s.go_live(t)
    t += timedelta(minutes=rng.randint(8, 20))
    s.mark_dose(t)
    dosed = t
    phases = DEFAULT_PHASES[route]
    total = n_entries if n_entries is not None else rng.randint(20, 120)
    span = timedelta(minutes=phases.end + rng.randint(0, 40))
    if status == "live":
        total = min(total, 14)
        span = timedelta(minutes=25)
    step = span / max(total, 1)
    next_vitals = dosed + timedelta(minutes=40)
    for _ in range(total - 1):
        t += step * rng.uniform(0.6, 1.4)
        if status == "live" and t > arrived + timedelta(minutes=45):
            break  # a live session's entries never run past the present
        minutes = (t - dosed).total_seconds() / 60
        if t >= next_vitals:
            rise = 1.0 if minutes < phases.return_ else 0.3
            v = _vitals(rng, base, rise)
            s.record_vitals(t, v, flagged=bool(THRESHOLDS.flags(v)))
            next_vitals = t + timedelta(minutes=15)
            continue
        roll = rng.random()
        if roll < 0.70:
            cat = rng.choice(list(NOTES))
            s.add_note(t, rng.choice(NOTES[cat]), category=cat, flagged=rng.random() < 0.08)
        elif roll < 0.80:
            situation = ("anxiety" if minutes < phases.peak else "overwhelm"
                         if minutes < phases.return_ else "disorientation")
            s.log_prompt(t, PROMPTS[situation], situation)
        elif roll < 0.88:
            s.log_rating(t, "dissociation", rng.randint(1, 4) if minutes < phases.return_
                         else rng.randint(0, 2))
        elif roll < 0.94:
            s.log_rating(t, "moaas", rng.choice([5, 5, 4, 4, 3]))
        elif roll < 0.97:
            s.log_side_effect(t, rng.choice(["nausea", "dizziness", "headache", "anxiety"]))
        elif roll < 0.985 and route in ("im", "sublingual") and len(s.doses) < 2:
            s.mark_dose(t, mg=round(dose * 0.5))
        else:
            s.add_note(t, "Sitting quietly; no change.")
    if status == "live":
        s.set_draft("Breathing slower now, hands")
        return s
    if rng.random() < 0.3:
        target = s.entries[rng.randrange(2, len(s.entries))]
        if target.kind == "note":
            s.edit_entry(t, target.id, target.text + " (clarified)")
    s.finish(max(t, dosed + timedelta(minutes=120)) + timedelta(minutes=rng.randint(1, 25)))
    s.discharge_checklist = checklist_from_texts(DISCHARGE_CHECKS)
    s.integration_checklist = checklist_from_texts(INTEGRATION_CHECKS)
    for item in s.discharge_checklist + s.integration_checklist:
        item.done = rng.random() < 0.9
    s.update_integration(
        integration_date=(arrived + timedelta(days=rng.randint(2, 10))).date(),
        integration_notes=rng.choice([
            "Themes: grief and permission to rest. Client wants to journal about the image of "
            "the younger self.",
            "Felt held and safe. Noticed how much effort goes into staying in control.",
            "Mostly music and colour; little content. Discussed that this is also valid.",
        ]),
        outcomes={"phq9_pre": rng.randint(8, 20), "gad7_pre": rng.randint(6, 16),
                  "phq9_item9": rng.choice([0, 0, 0, 0, 1])},
    )
    if status == "signed":
        s.sign(s.ended + timedelta(minutes=rng.randint(10, 90)))  # type: ignore[operator]
        if rng.random() < 0.15:
            s.add_addendum(s.signed + timedelta(days=1), rng.choice(ADDENDA))  # type: ignore[operator]
    return s


def demo_sessions(n: int, *, seed: int = 0, now: datetime | None = None,
                  live: bool = False) -> list[Session]:
    """``n`` sessions over the past years for about n/6 clients, oldest first.

    With ``live``, the newest is a live session that began 50 minutes before ``now``."""
    rng = random.Random(seed)
    now = now or datetime.now().astimezone()
    clients = [f"C-{i:04d}" for i in rng.sample(range(1, 10_000), max(1, n // 6 + 1))]
    span_days = max(30, n // 3)
    plan = []
    for i, arrived in enumerate(sorted(now - timedelta(days=rng.uniform(1, span_days))
                                       for _ in range(n))):
        arrived = arrived.replace(hour=rng.choice([9, 10, 13, 14, 15]), minute=rng.choice(
            [0, 15, 30, 45]), second=0, microsecond=0)
        age = (now - arrived).days
        if live and i == n - 1:
            status, arrived = "live", now - timedelta(minutes=50)
        elif age > 14:
            status = "signed"
        else:
            status = rng.choice(["signed", "signed", "ended", "planned"])
        if status == "planned":
            arrived = now - timedelta(hours=rng.randint(1, 72))
        plan.append((arrived, rng.choice(clients), status))
    plan.sort(key=lambda p: p[0])  # session numbers follow each client's dates
    counts: dict[str, int] = {}
    out = []
    for arrived, client, status in plan:
        counts[client] = counts.get(client, 0) + 1
        out.append(make_session(rng, client=client, session_no=counts[client], arrived=arrived,
                                status=status))
    return out
