"""The home list's table, on its own: what it shows, where the cursor goes, what it says."""

from __future__ import annotations

from textual.app import App, ComposeResult

from kapsession.ui.widgets.session_table import Column, SessionTable

from .helpers import visible_text

COLUMNS = (Column("date"), Column("client"), Column("n", right=True))


def rows(n: int, start: int = 0) -> list[tuple[str, tuple[str, ...]]]:
    return [(f"id{i}", (f"2026-11-{1 + i % 28:02d}", f"C-{i:04d}", str(i)))
            for i in range(start, start + n)]


class TableApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.highlighted: list[str] = []
        self.selected: list[str] = []

    def compose(self) -> ComposeResult:
        yield SessionTable(COLUMNS, id="t")

    def on_session_table_highlighted(self, event: SessionTable.Highlighted) -> None:
        self.highlighted.append(event.key)

    def on_session_table_selected(self, event: SessionTable.Selected) -> None:
        self.selected.append(event.key)


async def test_header_rows_and_widths_as_the_cells_need() -> None:
    app = TableApp()
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(SessionTable)
        table.add_rows(rows(3, start=8))
        await pilot.pause()
        lines = visible_text(table).splitlines()
        assert lines[0] == " date        client   n"
        assert lines[1] == " 2026-11-09  C-0008   8"  # numbers set right under their heading
        assert lines[3] == " 2026-11-11  C-0010  10"
        table.add_rows([("long", ("2026-12-01", "C-LONGER-CODE", "1234"))])
        await pilot.pause()
        assert visible_text(table).splitlines()[1] == " 2026-11-09  C-0008            8"


async def test_keys_move_the_cursor_and_keep_it_in_view_under_the_header() -> None:
    app = TableApp()
    async with app.run_test(size=(60, 10)) as pilot:  # 9 rows visible under the header
        table = app.query_one(SessionTable)
        table.add_rows(rows(50))
        table.focus()
        await pilot.pause()
        await pilot.press("down", "down")
        assert table.cursor_key == "id2" and app.highlighted == ["id1", "id2"]
        await pilot.press("pagedown")
        await pilot.pause()
        assert table.cursor_row == 2 + 8
        text = visible_text(table).splitlines()
        assert text[0].startswith(" date")  # the header stays
        assert "C-0010" in text[-1]  # the cursor's row is the last one in view
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_key == "id49" and "C-0049" in visible_text(table).splitlines()[-1]
        await pilot.press("home")
        await pilot.pause()
        assert table.cursor_row == 0 and "C-0000" in visible_text(table).splitlines()[1]
        await pilot.press("up")  # nothing above the first row
        assert table.cursor_row == 0 and app.highlighted[-1] == "id0"
        await pilot.press("enter")
        assert app.selected == ["id0"]


async def test_a_click_moves_the_cursor_and_a_second_click_selects() -> None:
    app = TableApp()
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(SessionTable)
        table.add_rows(rows(5))
        await pilot.pause()
        await pilot.click(SessionTable, offset=(3, 3))  # the third row
        assert table.cursor_key == "id2" and app.selected == []
        await pilot.click(SessionTable, offset=(3, 3))
        assert app.selected == ["id2"]
        await pilot.click(SessionTable, offset=(3, 0))  # the header selects nothing
        await pilot.click(SessionTable, offset=(3, 8))  # below the last row: nothing
        assert table.cursor_key == "id2" and app.selected == ["id2"]


async def test_text_is_shown_as_it_is_and_control_characters_never_reach_the_terminal() -> None:
    app = TableApp()
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(SessionTable)
        table.add_rows([("a", ("[bold red]x[/]", "C-\x1b[2J01", ("live", "bold")))])
        await pilot.pause()
        line = visible_text(table).splitlines()[1]
        assert "[bold red]x[/]" in line
        assert "\x1b" not in line and "C-" in line
        assert table.row_cells(0)[2] == "live"


async def test_cleared_and_filled_again_the_cursor_is_on_the_first_row_in_view() -> None:
    app = TableApp()
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(SessionTable)
        table.add_rows(rows(50))
        table.focus()
        await pilot.press("end")
        table.clear()
        assert table.row_count == 0 and table.cursor_key is None
        table.add_rows(rows(3, start=100))
        await pilot.pause()
        assert table.cursor_key == "id100" and table.scroll_offset.y == 0
        assert "C-0100" in visible_text(table).splitlines()[1]
        assert table.row_index("id102") == 2 and table.row_index("id1") is None
