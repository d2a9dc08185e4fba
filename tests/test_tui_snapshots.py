"""Snapshots of the explorer at 80x24 and 120x40 (and once with NO_COLOR) on the seeds index.

Nothing path- or time-dependent is on screen; cursor blink is off and every worker has finished
before the picture is taken. Update with ``pytest tests/test_tui_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from casework.tui.app import CaseworkApp
from casework.tui.entities_pane import EntitiesPane
from casework.tui.search_pane import SearchBox


async def _settle(pilot) -> None:
    app = pilot.app
    for _ in range(3):
        await pilot.pause(0.1)
        await app.workers.wait_for_complete()
        await pilot.pause()


def _typing(query: str, *keys: str, entity: str | None = None):
    async def run_before(pilot) -> None:
        app = pilot.app
        app.query_one(SearchBox).cursor_blink = False
        await _settle(pilot)
        await pilot.press(*query)
        await _settle(pilot)
        await pilot.press(*keys)
        await _settle(pilot)
        if entity:
            entities = app.query_one(EntitiesPane)
            target = next(s for s in entities._summaries if s.name == entity)
            entities.focus()
            entities.highlighted = entities.get_option_index(f"ent:{target.entity_id}")
            await pilot.press("enter")
            await _settle(pilot)

    return run_before


def test_snapshot_results_80x24(snap_compare, seeds_index):
    assert snap_compare(CaseworkApp(seeds_index), terminal_size=(80, 24),
                        run_before=_typing("mencho"))


def test_snapshot_document_80x24(snap_compare, seeds_index):
    assert snap_compare(CaseworkApp(seeds_index), terminal_size=(80, 24),
                        run_before=_typing("harfuch", "enter", "enter", "n"))


def test_snapshot_xref_80x24(snap_compare, seeds_index):
    assert snap_compare(CaseworkApp(seeds_index), terminal_size=(80, 24),
                        run_before=_typing("harfuch", "enter", "enter", entity="Mexico"))


def test_snapshot_all_panes_120x40(snap_compare, seeds_index):
    assert snap_compare(CaseworkApp(seeds_index), terminal_size=(120, 40),
                        run_before=_typing("harfuch", "enter", "enter", entity="Mexico"))


def test_snapshot_all_panes_no_color_120x40(snap_compare, seeds_index, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")  # read by App.__init__
    app = CaseworkApp(seeds_index)
    assert app.no_color
    assert snap_compare(app, terminal_size=(120, 40),
                        run_before=_typing("harfuch", "enter", "enter", entity="Mexico"))


def test_snapshot_help_80x24(snap_compare, seeds_index):
    assert snap_compare(CaseworkApp(seeds_index), terminal_size=(80, 24),
                        run_before=_typing("", "escape", "question_mark"))
