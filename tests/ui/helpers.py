"""Reading what a widget shows, as plain text."""

from __future__ import annotations

from textual.widget import Widget

from kapsession import Archive
from kapsession.ui.app import KapsessionApp
from kapsession.ui.screens.live import LiveScreen


def visible_text(widget: Widget) -> str:
    lines = []
    for y in range(widget.size.height):
        strip = widget.render_line(y)
        lines.append("".join(segment.text for segment in strip).rstrip())
    return "\n".join(lines)


def screen_text(screen: Widget) -> str:
    """The text of every displayed leaf widget on ``screen`` (hidden ones left out), or of
    ``screen`` itself when it is a leaf."""
    parts = []
    for widget in screen.walk_children(with_self=True):
        if widget.children:
            continue
        chain = [n for n in widget.ancestors_with_self if isinstance(n, Widget)]
        if not all(n.display for n in chain):
            continue
        parts.append(visible_text(widget))
    return "\n".join(parts)


def burst_events(keys: str | list[str]) -> list[object]:
    """Key events for ``keys`` (a string types its characters; a list names keys such as
    ``"escape"``), as the terminal driver makes them."""
    from textual import events
    from textual.keys import _character_to_key, key_to_character

    out = []
    for key in keys:
        if len(key) == 1:
            out.append(events.Key(key if key.isalnum() else _character_to_key(key), key))
        else:
            out.append(events.Key(key, key_to_character(key)))
    return out


async def burst(pilot, *parts: str | list[str]) -> None:  # noqa: ANN001
    """Type as fast as a terminal delivers a burst: every key is queued before the app has
    handled the first (Pilot.press waits for the app between keys; a person does not)."""
    app = pilot.app
    for event in [e for part in parts for e in burst_events(part)]:
        app.post_message(event)
    for _ in range(len(parts) + 3):  # each hop of a message up the tree is one more turn
        await pilot.pause()


def record(archive: Archive, sid: str) -> list[dict]:
    """Every entry as stored: what a test compares to prove nothing changed."""
    return [e.to_dict() for e in archive.get(sid).entries]


async def resume(app: KapsessionApp, pilot) -> LiveScreen:  # noqa: ANN001
    """Back into the live session from the home screen, as `r` does."""
    await pilot.press("r")
    await pilot.pause()
    assert isinstance(app.screen, LiveScreen)
    return app.screen


async def open_rems_dialog(app, pilot, sid: str):  # noqa: ANN001, ANN201
    """The integration screen of session ``sid`` with its REMS form (ctrl+e) open: the
    form's list of fields, and their keys in order."""
    from textual.widgets import OptionList

    from kapsession.ui.screens.integration import IntegrationScreen
    from kapsession.ui.widgets.rems_dialog import RemsDialog

    await app.push_screen(IntegrationScreen(sid))
    await pilot.pause()
    await pilot.press("ctrl+e")
    await pilot.pause()
    assert isinstance(app.screen, RemsDialog)
    fields = app.screen.query_one("#fields", OptionList)
    return fields, [fields.get_option_at_index(i).id for i in range(fields.option_count)]
