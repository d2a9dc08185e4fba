"""``casework import ftm FILE``: a watch list's names become entities with every mention
marked, resolved with the model's entities, flagged as watched, and kept by later runs and
``--rebuild``. Through the real CLI in subprocesses, on real seeds indexes."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from conftest import cli_json, run_cli
from test_tui import opened, pilot_test, settle, type_query

from casework.index.location import seed_paths
from casework.tui.document_view import DocumentView
from casework.tui.entities_pane import EntitiesPane

PERSON = "Nemesio Oseguera Cervantes"
BUREAU = "Bureau of Alcohol, Tobacco, Firearms, and Explosives"
# the seeds write "(ATF)" once and "think-tank The Dialogue" once; the model finds neither
WATCH_LIST = [
    {"id": "p1", "schema": "Person", "properties": {"name": [PERSON], "alias": ["El Mencho"]}},
    {"id": "c1", "schema": "Company", "properties": {"name": ["The Dialogue"],
                                                     "alias": ["Inter-American Dialogue"]}},
    {"id": "o1", "schema": "Organization", "properties": {"name": [BUREAU], "alias": ["ATF"]}},
    {"id": "v1", "schema": "Vessel", "properties": {"name": ["Boaty"]}},
]
# the seeds' first lines, as their documents' titles begin
CARTEL_RAID = "Violence erupted"
KILLING = "The Mexican gove"


@pytest.fixture
def case(seeds_index, tmp_path) -> Path:
    """A writable copy of the seeds index."""
    path = tmp_path / "case"
    shutil.copytree(seeds_index, path)
    return path


def write_list(path: Path, entities: list[dict]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in entities))
    return path


def card(index: Path, name: str) -> dict:
    proc = run_cli("entity", name, "--json", index=index)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def mentions(c: dict) -> dict[str, set[str]]:
    """A title's first 16 characters -> the texts of the entity's mentions in that document."""
    return {d["title"][:16]: {m["text"] for m in d["mentions"]} for d in c["documents"]}


def no_entity(index: Path, name: str) -> bool:
    proc = run_cli("entity", name, index=index)
    return proc.returncode != 0 and "no entity named" in proc.stderr


def counts(index: Path) -> tuple[int, int]:
    status, _ = cli_json("status", index=index)
    return status["entities"], status["mentions"]


def test_imported_names_become_watched_entities_with_every_mention(case, tmp_path):
    for missed in ("ATF", "The Dialogue"):
        assert no_entity(case, missed), "the model finds it now: choose another name"
    report, proc = cli_json("import", "ftm", str(write_list(tmp_path / "w.json", WATCH_LIST)),
                            index=case)
    assert proc.returncode == 0, proc.stderr
    assert report["entities"] == 3 and report["documents"] == 2

    # a name the model found, and its alias: one entity, the model's, under the listed name
    mencho = card(case, "El Mencho")
    assert mencho["name"] == PERSON and mencho["label"] == "PERSON"
    assert mencho["watched"] == [PERSON]
    assert card(case, "Nemesio Rubén Oseguera Cervantes")["entity_id"] == mencho["entity_id"]
    found = mentions(mencho)
    assert set(found) == {CARTEL_RAID, KILLING}
    assert {"El Mencho", "Nemesio Oseguera Cervantes"} <= found[KILLING]

    # names the model missed: entities of their own, every occurrence a mention, the listed
    # name (which covers the model's shorter "Bureau of Alcohol, Tobacco, Firearms") and its
    # alias one entity, labelled by the FtM schema
    atf = card(case, "ATF")
    assert atf["name"] == BUREAU and atf["label"] == "ORG" and atf["watched"] == [BUREAU]
    assert mentions(atf) == {CARTEL_RAID: {BUREAU, "ATF"}}
    assert no_entity(case, "Bureau of Alcohol, Tobacco, Firearms")
    dialogue = card(case, "the dialogue")
    assert dialogue["label"] == "ORG" and dialogue["watched"] == ["The Dialogue"]
    assert mentions(dialogue) == {KILLING: {"The Dialogue"}}

    listed, _ = cli_json("entities", "--limit", "200", index=case)
    watched = {e["name"] for e in listed["entities"] if e["watched"]}
    assert watched == {PERSON, BUREAU, "The Dialogue"}
    # the full-text index knows them: label filters and watched: find their documents
    assert cli_json("search", "org:ATF", index=case)[0]["total"] == 1
    assert cli_json("search", 'org:"The Dialogue"', index=case)[0]["total"] == 1
    assert cli_json("search", "watched:", index=case)[0]["total"] == 2
    assert cli_json("search", "watched:bureau", index=case)[0]["total"] == 1
    human = run_cli("entity", "ATF", index=case)
    assert "watched" in human.stdout and "Traceback" not in human.stderr


def test_reimport_is_idempotent_and_a_name_leaving_the_list_gives_back_what_it_covered(
        case, tmp_path):
    wl = write_list(tmp_path / "w.json", WATCH_LIST)
    first, _ = cli_json("import", "ftm", str(wl), index=case)
    before = counts(case), card(case, "ATF"), card(case, "El Mencho")
    catalog = (case / "catalog.sqlite").stat().st_mtime_ns
    again, proc = cli_json("import", "ftm", str(wl), index=case)
    assert proc.returncode == 0 and again == first
    assert (counts(case), card(case, "ATF"), card(case, "El Mencho")) == before
    assert len((case / "watchlist.jsonl").read_text().splitlines()) == 3
    assert (case / "catalog.sqlite").stat().st_mtime_ns == catalog, "nothing was rewritten"

    # the same entry (by FtM id) without the long name: the model's mention comes back
    write_list(wl, [{"id": "o1", "schema": "Organization", "properties": {"name": ["ATF"]}}])
    cli_json("import", "ftm", str(wl), index=case)
    atf = card(case, "ATF")
    assert atf["name"] == "ATF" and mentions(atf) == {CARTEL_RAID: {"ATF"}}
    assert card(case, "Bureau of Alcohol, Tobacco, Firearms")["label"] == "ORG"
    assert no_entity(case, BUREAU)


def test_watched_names_are_marked_by_later_runs_and_survive_rebuild(seeds_copy, tmp_path):
    index = tmp_path / "index"
    built = run_cli("index", str(seeds_copy), "--json", index=index)
    assert built.returncode == 0, built.stderr
    cli_json("import", "ftm", str(write_list(tmp_path / "w.json", WATCH_LIST)), index=index)
    (seeds_copy / "memo.txt").write_text(
        "Internal memo.\n\nThe ATF traced the rifles. Analysts at The Dialogue were not told.\n")
    again = run_cli("index", str(seeds_copy), "--json", index=index)
    assert again.returncode == 0, again.stderr
    memo = "Internal memo."[:16]
    assert mentions(card(index, "ATF"))[memo] == {"ATF"}
    assert mentions(card(index, "The Dialogue"))[memo] == {"The Dialogue"}
    before = counts(index), mentions(card(index, "ATF")), mentions(card(index, "El Mencho"))

    rebuilt = run_cli("index", str(seeds_copy), "--rebuild", "--json", index=index)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert (index / "watchlist.jsonl").is_file()
    atf = card(index, "ATF")
    assert atf["watched"] == [BUREAU]
    assert (counts(index), mentions(atf), mentions(card(index, "El Mencho"))) == before


def test_every_mark_is_the_text_it_names(case, tmp_path):
    """A mark's offsets are those of the text (names are matched case folded, word by word)."""
    cli_json("import", "ftm", str(write_list(tmp_path / "w.json", WATCH_LIST)), index=case)
    conn = sqlite3.connect(case / "catalog.sqlite")
    rows = conn.execute("SELECT d.text, m.start, m.end, m.text FROM mentions m JOIN documents d "
                        "ON d.doc_id = m.doc_id WHERE m.source = 'watch'").fetchall()
    conn.close()
    assert rows and all(text[a:b] == found for text, a, b, found in rows)


@pytest.mark.parametrize("content", [
    "not json\n", '{"schema": "Vessel"}\n', "", "[1, 2]", '[{"schema": "Person"', "\x00\xff",
])
def test_a_malformed_watch_list_is_one_line_and_changes_nothing(case, tmp_path, content):
    bad = tmp_path / "bad.json"
    bad.write_bytes(content.encode("latin-1"))
    before = counts(case)
    proc = run_cli("import", "ftm", str(bad), index=case)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (case / "watchlist.jsonl").exists() and counts(case) == before


def test_import_reads_no_model(case, tmp_path):
    """Marking names is string work: spaCy stays unloaded (its import is ~1.6 s)."""
    import subprocess
    import sys

    wl = write_list(tmp_path / "w.json", WATCH_LIST)
    code = ("import sys; from casework.index import open_index; "
            f"open_index({str(case)!r}).import_watchlist({str(wl)!r}); "
            "print(any(m == 'spacy' or m.startswith('spacy.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_seeds_are_what_the_tests_expect():
    texts = "".join(p.read_text(encoding="utf-8") for p in seed_paths())
    for name in ("(ATF)", "think-tank The Dialogue", BUREAU, "El Mencho"):
        assert name in texts


@pilot_test
async def test_the_explorer_marks_watched_names_in_the_document_and_the_entities_pane(
        case, tmp_path):
    cli_json("import", "ftm", str(write_list(tmp_path / "w.json", WATCH_LIST)), index=case)
    async with opened(case, (120, 40)) as (app, pilot):
        await type_query(app, pilot, "think-tank")
        await pilot.press("enter", "enter")  # to the results, then open the first hit
        await settle(app, pilot, 0.3)
        view = app.query_one(DocumentView)
        assert view.doc is not None and view.doc.title.startswith(KILLING)
        dialogue = [m for m in view.doc.entities if m.text == "The Dialogue"]
        assert dialogue and dialogue[0].label == "ORG", "the name is an entity in the text"
        entities = app.query_one(EntitiesPane)
        rows = {entities.get_option_at_index(i).id: str(entities.get_option_at_index(i).prompt)
                for i in range(entities.option_count)}
        watched = {rows[f"ent:{s.entity_id}"] for s in entities._summaries if s.watched}
        assert watched and all("⚑" in row for row in watched)
        assert any("The Dialogue" in row for row in watched)
        assert not any("⚑" in row for key, row in rows.items()
                       if key.startswith("ent:") and row not in watched)
