"""Batch search in the explorer (issue 21, point 7): a file of queries loaded with B or
`casework --batch FILE`, listed with their counts (counted in a worker), Enter runs one, > and <
step through them in the results pane."""

from __future__ import annotations

from casework.index import open_index
from casework.tui import bindings
from casework.tui.app import CaseworkApp
from casework.tui.batch import BatchScreen
from casework.tui.help_screen import HelpScreen
from casework.tui.results import ResultsList
from casework.tui.search_pane import SearchBox

from conftest import run_cli
from test_tui import opened, pilot_test, ready, settle

QUERIES = ["Harfuch", "Sheinbaum", "zzzqqqxx"]


def _batch_file(tmp_path):
    path = tmp_path / "names.txt"
    path.write_text(f"{QUERIES[0]}\n\n  {QUERIES[1]}  \n{QUERIES[2]}\n", encoding="utf-8")
    return path


def _totals(index) -> list[int]:
    with open_index(index) as cw:
        return [cw.search(q, limit=1).total for q in QUERIES]


def _rows(screen: BatchScreen) -> list[str]:
    listing = screen.query_one("#batch-list")
    return [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]


async def _shown_query(app, pilot) -> tuple[str, str]:
    await settle(app, pilot, 0.2)
    return app.query_one(SearchBox).value, str(app.query_one(ResultsList).border_title)


@pilot_test
async def test_a_loaded_batch_lists_counts_and_steps_through_its_queries(seeds_index, tmp_path):
    totals = _totals(seeds_index)
    assert totals[0] > 0 and totals[1] > 0 and totals[2] == 0
    async with opened(seeds_index) as (app, pilot):
        await pilot.press("escape")  # out of the search box: B is a letter there
        await pilot.press("B")  # nothing loaded: asks for the file
        await settle(app, pilot)
        await pilot.press(*str(_batch_file(tmp_path)), "enter")
        await settle(app, pilot, 0.1)
        screen = app.screen
        assert isinstance(screen, BatchScreen)
        rows = _rows(screen)
        assert [r.split()[-1] for r in rows] == QUERIES
        assert [int(r.split()[0]) for r in rows] == totals
        assert "2 of 3 queries find documents" in str(
            screen.query_one("#batch-title").render())

        await pilot.press("enter")  # runs the first query
        box, title = await _shown_query(app, pilot)
        assert box == "Harfuch" and f"Results ({totals[0]})" in title and "batch 1/3" in title
        assert not isinstance(app.screen, BatchScreen)
        await pilot.press("greater_than_sign")
        box, title = await _shown_query(app, pilot)
        assert box == "Sheinbaum" and f"Results ({totals[1]})" in title and "batch 2/3" in title
        await pilot.press("greater_than_sign")
        box, title = await _shown_query(app, pilot)
        assert box == "zzzqqqxx" and "Results (0)" in title and "batch 3/3" in title
        await pilot.press("greater_than_sign")  # the end: stays, and says so
        box, _ = await _shown_query(app, pilot)
        assert box == "zzzqqqxx" and "last query of the batch" in str(
            app.query_one("#message").render())
        await pilot.press("less_than_sign")
        box, title = await _shown_query(app, pilot)
        assert box == "Sheinbaum" and "batch 2/3" in title

        await pilot.press("B")  # loaded: the list again, the current query marked
        await settle(app, pilot)
        assert isinstance(app.screen, BatchScreen)
        assert _rows(app.screen)[1].startswith("▶")
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, BatchScreen)


@pilot_test
async def test_the_explorer_opens_with_a_batch_file_and_shows_its_keys(seeds_index, tmp_path):
    app = CaseworkApp(seeds_index, batch=_batch_file(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app, pilot)
        await settle(app, pilot, 0.1)
        assert isinstance(app.screen, BatchScreen)
        assert [int(r.split()[0]) for r in _rows(app.screen)] == _totals(seeds_index)
        await pilot.press("down", "enter")
        box, title = await _shown_query(app, pilot)
        assert box == "Sheinbaum" and "batch 2/3" in title
        footer = {b.binding.key for b in app.active_bindings.values() if b.binding.show}
        assert {"greater_than_sign", "less_than_sign", "B"} <= footer  # in the results' footer
        app.push_screen(HelpScreen(bindings.HELP_SECTIONS))
        await settle(app, pilot)
        assert "Next batch query" in app.screen.table.plain


@pilot_test
async def test_a_batch_file_that_cannot_be_read_is_one_line(seeds_index, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n \n", encoding="utf-8")
    async with opened(seeds_index) as (app, pilot):
        app.load_batch(empty)
        await settle(app, pilot)
        assert "holds no queries" in str(app.query_one("#message").render())
        assert not isinstance(app.screen, BatchScreen) and not app.batch_queries
        await pilot.press("escape", "greater_than_sign")
        await settle(app, pilot)
        assert app.query_one(SearchBox).value == ""


def test_a_missing_batch_file_is_an_error_before_the_explorer(seeds_index, tmp_path):
    proc = run_cli("--batch", str(tmp_path / "nope.txt"), index=None)
    assert proc.returncode == 2 and "--batch" in proc.stderr and "Traceback" not in proc.stderr
