"""Severity and rescue medication in the markdown export and in ``kapsession show``."""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.console import Console

from kapsession.model import Session
from kapsession.terminal import render_session

from .test_markdown import CET, norm, render, sections, structure

T0 = datetime(2026, 11, 3, 10, 0, tzinfo=CET)
HOSTILE = "*[x](javascript:1)* <b>|"


def session(drug: str = HOSTILE) -> Session:
    s = Session.create(id="b" * 32, now=T0, client="C-0042", session_no=1, route="im",
                       dose_mg=50)
    s.go_live(T0)
    s.mark_dose(T0 + timedelta(minutes=5))
    s.log_side_effect(T0 + timedelta(minutes=30), "nausea", severity="moderate")
    s.log_side_effect(T0 + timedelta(minutes=31), "headache")
    s.log_rescue(T0 + timedelta(minutes=40), "ondansetron", 4, "odt",
                 at=T0 + timedelta(minutes=32))
    s.log_rescue(T0 + timedelta(minutes=41), drug, 0.075, "po")
    return s


def test_markdown_shows_severity_and_each_rescue_with_the_time_given() -> None:
    md = render(session())
    got = sections(md)
    timeline = norm(got["Timeline"])
    assert "side effect — nausea (moderate)" in timeline
    assert "side effect — headache" in timeline and "headache (" not in timeline
    assert "rescue — ondansetron 4 mg ODT, given 10:32" in timeline
    table = norm(got["Side effects and ratings"])
    assert "nausea (moderate)" in table
    assert "rescue medication ondansetron 4 mg ODT, given 10:32" in table
    # The typed drug name reads as typed and makes no link, emphasis or HTML.
    assert f"{HOSTILE} 0.075 mg PO" in timeline and f"{HOSTILE} 0.075 mg PO" in table
    assert structure(md) == structure(render(session("hydroxyzine")))


def test_show_lists_severity_and_rescue_with_the_side_effects() -> None:
    console = Console(width=160, record=True, color_system=None)
    console.print(render_session(session()))
    text = console.export_text()
    assert "nausea (moderate)" in text
    assert "rescue medication  ondansetron 4 mg ODT, given 10:32" in text
    assert f"{HOSTILE} 0.075 mg PO" in text  # literal: no markup read from it
