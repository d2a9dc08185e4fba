"""The review queue (issue 20 point 7): likely-same entities that resolution left apart, each
with a reason and a score; accepted as a merge, or rejected for good (an ``apart`` judgement
that resolution honours and the queue never offers again). CLI in real subprocesses, the
explorer through Pilot."""

from __future__ import annotations

import json
from pathlib import Path

from casework.index.catalog import Catalog
from casework.index.indexer import build
from casework.index.store import IndexDir

from conftest import cli_json, run_cli
from test_entities_traps import ReplayAnnotator
from test_tui import opened, pilot_test, settle

DOCS = {
    "a": "Steve Bannon spoke in Washington on Monday. Steve Bannon said the plan was ready.",
    "b": "Stephen Bannon left the White House on Friday. Officials said Stephen Bannon would return.",
    "c": "Michael Flynn resigned on Monday. Officials said Mike Flynn had misled them.",
    "d": "Alice Walker wrote a novel. Alan Walker played in Oslo. Walker was praised.",
    "e": "Harald Nygaard arrived. Bannon was not there. Nygaard left early.",
}
TAGS = {name: "PERSON" for name in ("Steve Bannon", "Stephen Bannon", "Michael Flynn",
                                    "Mike Flynn", "Alice Walker", "Alan Walker", "Walker",
                                    "Harald Nygaard", "Nygaard", "Bannon")}
TAGS.update({"Washington": "GPE", "Oslo": "GPE", "White House": "ORG"})


def _index(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / f"{name}.txt").write_text(text + "\n", encoding="utf-8")
    index = tmp_path / "index"
    build(IndexDir(index), [folder], annotator=ReplayAnnotator(TAGS))
    return index


def _pairs(index: Path) -> dict[frozenset, dict]:
    listed, _ = cli_json("entity", "suggest", "--limit", "100", index=index)
    return {frozenset((s["keep"]["name"], s["other"]["name"])): s for s in listed["suggestions"]}


def test_suggest_lists_likely_same_pairs_with_reason_and_score(tmp_path):
    index = _index(tmp_path)
    pairs = _pairs(index)
    bannon = pairs[frozenset(("Steve Bannon", "Stephen Bannon"))]
    assert bannon["reason"] == "given name" and bannon["score"] == 0.9
    assert "Steve" in bannon["detail"] and "Stephen" in bannon["detail"]
    flynn = pairs[frozenset(("Michael Flynn", "Mike Flynn"))]
    assert flynn["reason"] == "given name"
    # "Walker" after two full names: a short form shared by both, half as likely each
    walker = [s for p, s in pairs.items() if "Walker" in p and s["reason"] == "short form"]
    assert {s["keep"]["name"] for s in walker} == {"Alice Walker", "Alan Walker"}
    assert all(s["score"] == 0.4 for s in walker)
    listed, _ = cli_json("entity", "suggest", index=index)
    scores = [s["score"] for s in listed["suggestions"]]
    assert scores == sorted(scores, reverse=True)
    proc = run_cli("entity", "suggest", index=index)
    assert proc.returncode == 0 and "given name" in proc.stdout and "Stephen Bannon" in proc.stdout


def test_rejected_pair_is_kept_apart_and_never_offered_again(tmp_path):
    index = _index(tmp_path)
    proc = run_cli("entity", "suggest", "--reject", "Steve Bannon", "Stephen Bannon", index=index)
    assert proc.returncode == 0, proc.stderr
    assert "apart" in proc.stdout
    lines = [json.loads(line) for line in (index / "curation.jsonl").read_text().splitlines()]
    assert [(j["op"], j["a"], j["b"]) for j in lines] == [("apart", "steve bannon", "stephen bannon")]
    pairs = _pairs(index)
    assert frozenset(("Steve Bannon", "Stephen Bannon")) not in pairs
    assert frozenset(("Michael Flynn", "Mike Flynn")) in pairs
    steve, _ = cli_json("entity", "Steve Bannon", index=index)
    stephen, _ = cli_json("entity", "Stephen Bannon", index=index)
    assert steve["entity_id"] != stephen["entity_id"]
    # one entity cannot be kept apart from itself: one line, exit 2
    proc = run_cli("entity", "suggest", "--reject", "Steve Bannon", "Steve Bannon", index=index)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1


def test_accepting_a_pair_merges_it(tmp_path):
    index = _index(tmp_path)
    done, proc = cli_json("entity", "suggest", "--accept", "Michael Flynn", "Mike Flynn",
                          index=index)
    assert proc.returncode == 0 and "merged" in done["done"]
    card, _ = cli_json("entity", "Mike Flynn", index=index)
    assert card["name"] == "Michael Flynn"
    assert frozenset(("Michael Flynn", "Mike Flynn")) not in _pairs(index)
    proc = run_cli("entity", "suggest", "--accept", "a", "b", "--reject", "c", "d", index=index)
    assert proc.returncode == 2


def test_resolution_never_joins_a_pair_kept_apart(tmp_path):
    """"Bannon" joins "Steve Bannon" by the partial-name rule, unless the reader said no."""
    from casework.index import resolve

    index = _index(tmp_path)
    catalog = Catalog(IndexDir(index).catalog)
    try:
        def entity_of(text: str) -> str:
            return next(r["entity_id"] for r in catalog.aliases_by_entity() if r["text"] == text)

        resolve.resolve(catalog, judgements=[])
        assert entity_of("Nygaard") == entity_of("Harald Nygaard")
        resolve.resolve(catalog, judgements=[{"op": "apart", "a": "nygaard", "b": "harald nygaard"}])
        assert entity_of("Nygaard") != entity_of("Harald Nygaard")
        # a merge the reader asks for later still wins
        resolve.resolve(catalog, judgements=[
            {"op": "apart", "a": "nygaard", "b": "harald nygaard"},
            {"op": "merge", "a": "harald nygaard", "b": "nygaard"}])
        assert entity_of("Nygaard") == entity_of("Harald Nygaard")
    finally:
        catalog.close()


@pilot_test
async def test_review_queue_in_the_explorer_merges_on_y_and_keeps_apart_on_n(tmp_path):
    from casework.tui.entities_pane import EntitiesPane
    from casework.tui.review_screen import ReviewScreen

    index = _index(tmp_path)
    async with opened(index) as (app, pilot):
        app.action_pane("entities")
        await pilot.pause()
        assert app.focused is app.query_one(EntitiesPane)
        await pilot.press("S")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        names = [{s.keep.name, s.other.name} for s in screen.suggestions]
        assert names[0] == {"Steve Bannon", "Stephen Bannon"}  # the best first
        flynn = names.index({"Michael Flynn", "Mike Flynn"})
        await pilot.press("n")  # Bannons: two people
        await settle(app, pilot)
        assert {"Steve Bannon", "Stephen Bannon"} not in [
            {s.keep.name, s.other.name} for s in screen.suggestions]
        screen.query_one("#review-list").highlighted = flynn - 1
        await pilot.press("y")  # Flynn: one
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, ReviewScreen)
        assert app.cw.entity("Mike Flynn").name == "Michael Flynn"
        assert app.cw.entity("Steve Bannon").entity_id != app.cw.entity("Stephen Bannon").entity_id
        assert "decided" in str(app.query_one("#message").render())
        offered = [{s.keep.name, s.other.name} for s in app.cw.merge_suggestions(100)]
        assert {"Steve Bannon", "Stephen Bannon"} not in offered
        assert {"Michael Flynn", "Mike Flynn"} not in offered
