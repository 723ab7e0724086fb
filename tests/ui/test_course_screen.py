"""The course screen (c on home), its chart, the due screen (d), a new visit (v) and the
vitals chart in the detail screen: Pilot stories and snapshots at 80×24 and 120×36."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from kapsession import Archive
from kapsession.config import Config
from kapsession.course_view import due_text
from kapsession.ui.app import KapsessionApp
from kapsession.ui.screens.course import CourseScreen
from kapsession.ui.screens.detail import DetailScreen
from kapsession.ui.screens.due import DueScreen
from kapsession.ui.screens.integration import IntegrationScreen
from kapsession.ui.widgets.chart import CourseChart, VitalsChart
from kapsession.ui.widgets.course_list import CourseList
from kapsession.ui.widgets.session_table import SessionTable

from .helpers import screen_text, visible_text

SIZES = [(120, 36), (80, 24)]
LONG = ("To meet the grief for my father without closing down, and to stay with the body "
        "when it tightens instead of leaving it; [bold red]as typed[/] — the end of it.")
# (PHQ-9, GAD-7) before each dosing session: a course that responds, then remits.
SCORES = [(17, 13), (12, 10), (8, 7), (4, 5)]
VITALS = [(10, 132, 84, 78, 98), (40, 148, 94, 92, 96), (70, 138, 88, 84, 93),
          (110, 128, 82, 74, 97)]


def build_course(a: Archive, clock) -> dict[str, str]:  # noqa: ANN001
    """C-0042's course: a preparation visit, four dosing sessions with vitals and scores,
    integration visits between them; the last session ended but is not signed."""
    ids = {}
    prep = a.new_session(client="C-0042", kind="preparation", live=True,
                         intention="Feel safe with the room and the plan first.")
    a.update_integration(prep.id, outcomes={"phq9_pre": 19, "gad7_pre": 14})
    a.sign(prep.id)
    ids["prep"] = prep.id
    for n, (phq, gad) in enumerate(SCORES, 1):
        clock.advance(days=4)
        s = a.new_session(client="C-0042", route="im", dose_mg=50 + 10 * n, live=True,
                          intention=LONG if n == 1 else f"Session {n}: what wants attention.")
        clock.advance(minutes=10)
        a.record_vitals(s.id, systolic=126, diastolic=80, heart_rate=72, spo2=99)
        clock.advance(minutes=5)
        a.mark_dose(s.id)
        dosed = clock()
        for minutes, sys_, dia, hr, spo2 in VITALS:
            clock.now = dosed + timedelta(minutes=minutes)
            a.record_vitals(s.id, systolic=sys_, diastolic=dia, heart_rate=hr, spo2=spo2)
        clock.advance(minutes=10)
        a.end_session(s.id)
        a.update_integration(s.id, outcomes={"phq9_pre": phq, "gad7_pre": gad,
                                             "phq9_item9": 1 if n == 1 else 0})
        if n < len(SCORES):
            a.sign(s.id)
            clock.advance(days=2)
            v = a.new_session(client="C-0042", kind="integration", live=True,
                              intention="What stayed since the session.")
            a.sign(v.id)
        ids[f"dosing{n}"] = s.id
    a.new_session(client="C-0099", route="iv", dose_mg=35, intention="Another client")
    clock.advance(days=2, hours=3)  # now: two days after the last session
    return ids


@pytest.fixture
def course_app(tmp_path: Path, clock, monkeypatch):  # noqa: ANN001, ANN201
    # Session ids are random; the detail screen shows them, so snapshots need fixed ones.
    # Only the session ids (16 bytes): the secrets module is shared, and temp file names
    # drawn from it too made the ids depend on how many files the store wrote before.
    import secrets

    made = iter(range(1, 1000))
    token_hex = secrets.token_hex
    monkeypatch.setattr(secrets, "token_hex",
                        lambda n: f"{next(made):0{2 * n}x}" if n == 16 else token_hex(n))
    archive = Archive.open(tmp_path / "course", clock=clock)
    ids = build_course(archive, clock)
    app = KapsessionApp(archive, config=Config(), clock=clock)
    app.ids = ids  # type: ignore[attr-defined]
    yield app
    archive.close()


async def settle(pilot) -> None:  # noqa: ANN001
    """The course is read in a worker: wait for it, then for the screen to show it."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def select_client(pilot, app: KapsessionApp, client: str) -> None:  # noqa: ANN001
    table = app.screen.query_one("#sessions", SessionTable)
    row = next(r for r in range(table.row_count)
               if app.archive.summary(table.row_key(r)).client == client)
    table.move_cursor(row)
    await pilot.pause()


async def test_c_opens_the_course_in_order_with_the_intention_whole(course_app) -> None:  # noqa: ANN001
    app = course_app
    async with app.run_test(size=(80, 40)) as pilot:
        await select_client(pilot, app, "C-0042")
        await pilot.press("c")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CourseScreen)
        cards = screen.query_one(CourseList)
        assert [i.kind for i in cards.items] == ["preparation", "dosing", "integration",
                                              "dosing", "integration", "dosing",
                                              "integration", "dosing"]
        title = visible_text(screen.query_one("#course-title"))
        assert "Course of C-0042 · 4 dosing sessions, 4 visits · PHQ-9 19 → 4" in title
        assert "response" in title and "remission" in title
        first = " ".join(cards.card_text(1).split())
        assert " ".join(LONG.split()) in first  # wrapped over lines, never cut
        assert "dosing session 1 · IM 60 mg · signed" in first
        assert "! PHQ-9 item 9 above 0: follow up (scored 1)" in first
        last = " ".join(cards.card_text(7).split())
        assert "PHQ-9 before 4 minimal (−15 from first) · response · remission" in last
        assert "C-0099" not in screen_text(screen)
        # The newest is selected and in view; enter opens it, escape comes back.
        assert "dosing session 4 · IM 90 mg · ended" in visible_text(cards)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.session_id == app.ids["dosing4"]
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("up", "up", "enter")  # two up: the third dosing session
        await pilot.pause()
        assert app.screen.session_id == app.ids["dosing3"]
        await pilot.press("escape")
        await pilot.pause()
        # The list takes no focus; the screen's keys move its cursor.
        assert app.focused is None
        await pilot.press("home")
        assert cards.index == 0 and "preparation visit" in visible_text(cards)
        await pilot.press("end", "up")
        assert cards.index == len(cards.items) - 2
        chart = screen.query_one(CourseChart)
        assert chart.display and "● PHQ-9" in visible_text(chart)
        await pilot.press("g")
        assert not chart.display
        await pilot.press("g")
        assert chart.display


async def test_the_chart_marks_dosing_sessions_and_item_9(course_app) -> None:  # noqa: ANN001
    app = course_app
    async with app.run_test(size=(100, 40)) as pilot:
        await select_client(pilot, app, "C-0042")
        await pilot.press("c")
        await settle(pilot)
        text = visible_text(app.screen.query_one(CourseChart)).splitlines()
        assert sum(line.count("▲") for line in text[1:]) == 4  # four dosing sessions
        assert sum(line.count("!") for line in text[1:]) == 1  # item 9, once
        assert sum(line.count("●") for line in text[1:]) == 5  # five PHQ-9 scores
        assert any(line.startswith("10 ▁▁") for line in text)  # a cut-off drawn


async def test_d_lists_what_is_due(course_app) -> None:  # noqa: ANN001
    app = course_app
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, DueScreen)
        text = " ".join(screen_text(app.screen).split())
        last = app.archive.summary(app.ids["dosing4"]).session_no
        assert f"sign session #{last}" in text
        assert f"book the integration visit after session #{last}" in text
        assert f"24 h check-in after session #{last}" in text
        assert text.index("book the") < text.index("24 h check-in") < text.index("sign")


async def test_v_creates_a_visit_for_the_selected_client_and_opens_it(course_app) -> None:  # noqa: ANN001
    app = course_app
    async with app.run_test(size=(100, 36)) as pilot:
        await select_client(pilot, app, "C-0099")
        await pilot.press("v")
        await pilot.pause()
        await pilot.press("down", "enter")  # preparation
        await pilot.pause()
        for key in "[red]consent":
            await pilot.press(key)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, IntegrationScreen)
        visit = app.archive.get(app.screen.session_id)
        assert (visit.client, visit.kind, visit.status, visit.intention) == (
            "C-0099", "preparation", "ended", "[red]consent")
        assert visit.route is None and visit.dosed is None
        # Nothing to discharge from after a visit: that part of the screen is not shown.
        assert not app.screen.query_one("#discharge").display
        assert app.screen.query_one("#integration").has_focus
        # ...nor offered by a key: no vitals, ready to leave or discharge for a visit.
        for key in ("ctrl+r", "ctrl+l", "ctrl+d"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, IntegrationScreen), key
        visit = app.archive.get(visit.id)
        assert visit.ready is None and visit.discharged is None and not visit.vitals_entries


async def test_home_says_what_is_due_and_d_lists_it(course_app) -> None:  # noqa: ANN001
    app = course_app
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        line = visible_text(app.screen.query_one("#due-line"))
        assert line.startswith("Due (press d): 3 things; oldest: C-0042 · book the "
                               "integration visit after session #")


async def test_the_detail_screen_draws_the_vitals_against_t_plus(course_app) -> None:  # noqa: ANN001
    app = course_app
    async with app.run_test(size=(120, 40)) as pilot:
        await app.push_screen(DetailScreen(app.ids["dosing2"]))
        await pilot.pause()
        chart = app.screen.query_one(VitalsChart)
        text = visible_text(chart)
        assert chart.display and "S systolic" in text and "T+0" in text
        assert text.count("S") >= 6  # five readings and the legend
        assert "93" in text and "140▁▁" in text  # SpO₂ values; the systolic flag line
        await app.push_screen(DetailScreen(app.ids["prep"]))  # a visit: no vitals, no chart
        await pilot.pause()
        assert not app.screen.query_one(VitalsChart).display


@pytest.mark.parametrize("size", SIZES)
def test_course_screen_snapshot(snap_compare, course_app, size) -> None:  # noqa: ANN001
    async def open_course(pilot) -> None:  # noqa: ANN001
        await course_app.push_screen(CourseScreen("C-0042"))
        await settle(pilot)

    assert snap_compare(course_app, terminal_size=size, run_before=open_course)


@pytest.mark.parametrize("size", SIZES)
def test_due_screen_snapshot(snap_compare, course_app, size) -> None:  # noqa: ANN001
    assert snap_compare(course_app, terminal_size=size, press=["d"])


@pytest.mark.parametrize("size", SIZES)
def test_vitals_chart_snapshot(snap_compare, course_app, size) -> None:  # noqa: ANN001
    async def open_detail(pilot) -> None:  # noqa: ANN001
        await course_app.push_screen(DetailScreen(course_app.ids["dosing2"]))
        await pilot.pause()

    assert snap_compare(course_app, terminal_size=size, run_before=open_detail)


async def test_the_due_list_opens_the_session_an_item_is_about(course_app) -> None:  # noqa: ANN001
    """What is due is acted on from the list: enter opens the session (to sign it), `c` the
    client's course; back from signing, the list no longer asks for it."""
    app = course_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("d")
        await pilot.pause()
        due = app.screen
        assert isinstance(due, DueScreen) and len(due.items) >= 3
        sign = next(i for i, d in enumerate(due.items) if d.what == "sign")
        for _ in range(sign):
            await pilot.press("down")
        item = due.selected
        assert item is not None and item.what == "sign"
        assert due_text(item) in screen_text(due)  # said whole under the list
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.session_id == item.session_id
        app.archive.sign(item.session_id)  # as the integration screen's ctrl+k does
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is due
        assert not any(d.what == "sign" and d.session_id == item.session_id for d in due.items)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CourseScreen) and app.screen.client == due.selected.client
