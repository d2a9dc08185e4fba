"""Cases, the reader's marks, saved searches, watch, and FollowTheMoney in and out: through
the real CLI in subprocesses, and the explorer's keys with the Textual Pilot."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, cli_json, run_cli
from test_tui import opened, pilot_test, settle, type_query

from casework.tui.document_view import DocumentView
from casework.tui.prompt_screen import PromptScreen
from casework.tui.results import ResultsList
from casework.tui.search_pane import SearchBox


@pytest.fixture
def case(seeds_index, tmp_path) -> Path:
    """A writable copy of the seeds index."""
    path = tmp_path / "case"
    shutil.copytree(seeds_index, path)
    return path


def first_doc(index: Path, query: str = "Harfuch") -> str:
    found, _ = cli_json("search", query, index=index)
    return found["hits"][0]["doc_id"]


# -- cases ----------------------------------------------------------------------------------
def test_first_index_starts_the_default_case_and_the_demo_stays_apart(seeds_copy, tmp_path):
    env = {"XDG_DATA_HOME": str(tmp_path / "xdg")}
    cases = tmp_path / "xdg" / "casework" / "cases"
    none = run_cli("cases", env=env)
    assert none.returncode == 1 and "no cases yet" in none.stderr
    one = seeds_copy / "000_231154ca175f1f22.txt"
    built = run_cli("index", str(one), env=env)
    assert built.returncode == 0, built.stderr
    assert "starting your default case" in built.stderr
    assert (cases / "default" / "casework-index.json").is_file()
    assert not (cases / "demo").exists(), "the demo is never mixed into the reader's case"
    other = run_cli("--case", "second", "index", str(seeds_copy), "--json", env=env)
    assert other.returncode == 0, other.stderr
    listed = json.loads(run_cli("cases", "--json", env=env).stdout)
    assert [c["name"] for c in listed["cases"]] == ["default", "second"]
    assert [c["documents"] for c in listed["cases"]] == [1, 2]
    status = json.loads(run_cli("status", "--json", "--case", "second", env=env).stdout)
    assert status["case"] == "second" and status["documents"] == 2
    assert status["folders"] == [str(seeds_copy)]
    assert status["entities"] > 0 and status["mentions"] > 0 and status["model"]
    assert status["last_run"]["did"] == "index" and status["last_run"]["added"] == 2
    human = run_cli("status", env=env)
    assert human.returncode == 0 and str(cases / "default") in human.stdout
    assert "1 documents" in human.stdout and "last" in human.stdout


def test_index_flag_and_environment_still_choose_the_index(case, tmp_path):
    env = {"XDG_DATA_HOME": str(tmp_path / "xdg"), "CASEWORK_INDEX": str(case)}
    status = json.loads(run_cli("status", "--json", env=env).stdout)
    assert status["path"] == str(case) and status["case"] == ""
    flagged = run_cli("status", "--case", "nothing-here", env=env)
    assert flagged.returncode == 2 and "cases/nothing-here" in flagged.stderr


@pytest.mark.parametrize("name", ["../x", ".hidden", "a/b", ""])
def test_a_bad_case_name_is_one_line_and_exit_2(name, tmp_path):
    proc = run_cli("status", "--case", name, env={"XDG_DATA_HOME": str(tmp_path)})
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_forget_removes_a_files_documents_and_resyncs(case, seeds_copy):
    before, _ = cli_json("status", index=case)
    doc = first_doc(case)
    path = json.loads(run_cli("show", doc, "--json", index=case).stdout)["path"]
    gone = run_cli("forget", path, "--json", index=case)
    assert gone.returncode == 0, gone.stderr
    report = json.loads(gone.stdout)
    assert report["removed"] == 1 and report["documents"] == before["documents"] - 1
    assert report["entities"] < before["entities"]
    assert run_cli("show", doc, index=case).returncode == 2
    after, _ = cli_json("search", "Harfuch", index=case)
    assert doc not in [h["doc_id"] for h in after["hits"]], "the full-text index followed"
    again = run_cli("forget", path, index=case)
    assert again.returncode == 1 and "no document" in again.stderr
    assert cli_json("status", index=case)[0]["last_run"]["did"].startswith("forgot ")


# -- marks ----------------------------------------------------------------------------------
def test_tags_stars_and_notes_from_the_cli_and_in_queries(case):
    doc = first_doc(case)
    tagged, _ = cli_json("tag", doc, "+lead", "+noise", index=case)
    assert tagged["tags"] == ["lead", "noise"]
    untagged, _ = cli_json("tag", doc, "-noise", index=case)
    assert untagged["tags"] == ["lead"]
    assert cli_json("star", doc, index=case)[0]["starred"] is True
    noted, _ = cli_json("note", doc, "called", "the source", index=case)
    assert [n["text"] for n in noted["notes"]] == ["called the source"]
    tags, _ = cli_json("tags", index=case)
    assert tags == {"tags": [{"tag": "lead", "documents": 1}], "starred": 1}
    notes, _ = cli_json("notes", doc, index=case)
    assert notes["documents"][0]["notes"][0]["text"] == "called the source"
    lead, _ = cli_json("search", "tag:lead", index=case)
    assert [h["doc_id"] for h in lead["hits"]] == [doc] and lead["total"] == 1
    both, _ = cli_json("search", "Harfuch tag:lead starred:", index=case)
    assert [h["doc_id"] for h in both["hits"]] == [doc]
    none = run_cli("search", "tag:nothing", index=case)
    assert none.returncode == 1
    assert cli_json("unstar", doc, index=case)[0]["starred"] is False
    assert run_cli("search", "starred:", index=case).returncode == 1


def test_marks_errors_are_one_line(case):
    doc = first_doc(case)
    for args, code in ((["tag", "no-such-doc", "+x"], 2), (["tag", doc, "+bad tag"], 2),
                       (["note", doc], 2), (["note", doc, "--remove", "3"], 2)):
        proc = run_cli(*args, index=case)
        assert proc.returncode == code, (args, proc.stderr)
        assert proc.stderr.startswith("casework: error: ") and proc.stderr.count("\n") == 1


def test_marks_survive_rebuild_and_are_exported(case, seeds_copy):
    # the copied index points at the seeds where the package has them; index the copy instead
    assert run_cli("index", str(seeds_copy), index=case).returncode == 0
    doc = first_doc(case)
    run_cli("tag", doc, "+lead", index=case)
    run_cli("note", doc, "=cmd|' /C calc'!A0", index=case)  # a formula in a note stays text
    run_cli("saved", "add", "leads", "tag:lead", index=case)
    rebuilt = run_cli("index", "--rebuild", str(seeds_copy), index=case)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert cli_json("search", "tag:lead", index=case)[0]["total"] == 1
    assert cli_json("saved", "list", index=case)[0]["saved"][0]["count"] == 1
    tags = run_cli("export", "tags", index=case)
    assert tags.returncode == 0
    assert tags.stdout.splitlines()[0] == "doc_id,path,sha256,title,starred,tags"
    assert tags.stdout.splitlines()[1].endswith(",False,lead")
    notes = run_cli("export", "notes", "--format", "jsonl", index=case)
    row = json.loads(notes.stdout.splitlines()[0])
    # the tagged document's own file left the index: its marks followed its content
    assert row["note"].startswith("=cmd") and row["path"].startswith(str(seeds_copy))
    csv_notes = run_cli("export", "notes", index=case).stdout
    assert ",'=cmd" in csv_notes, "a spreadsheet never runs a note as a formula"


# -- saved searches -------------------------------------------------------------------------
def test_saved_searches_add_list_run_rm(case):
    added, _ = cli_json("saved", "add", "harfuch", "Harfuch", index=case)
    assert added == {"name": "harfuch", "query": "Harfuch", "count": 2}
    listed, _ = cli_json("saved", "list", index=case)
    assert listed["saved"] == [added]
    ran, _ = cli_json("saved", "run", "harfuch", index=case)
    assert ran["total"] == 2
    assert run_cli("saved", "rm", "harfuch", index=case).returncode == 0
    assert run_cli("saved", "list", index=case).returncode == 1
    missing = run_cli("saved", "run", "harfuch", index=case)
    assert missing.returncode == 2 and "no saved search" in missing.stderr


# -- watch ----------------------------------------------------------------------------------
def test_watch_reindexes_a_new_file_and_stops_cleanly_on_ctrl_c(seeds_copy, tmp_path):
    index = tmp_path / "watched"
    cmd = [sys.executable, "-m", "casework.tui.cli", "watch", str(seeds_copy), "--json",
           "--index", str(index)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**__import__("os").environ, "NO_COLOR": "1"})
    try:
        first = json.loads(proc.stdout.readline())
        assert first["documents"] == 2 and first["changed"] == []
        time.sleep(0.5)  # the watcher starts after the first run's line
        (seeds_copy / "new.txt").write_text("Angela Merkel met Emmanuel Macron in Berlin.\n")
        second = json.loads(proc.stdout.readline())
        assert second["added"] == 1 and second["documents"] == 3
        assert second["changed"] == [str(seeds_copy / "new.txt")]
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "stopped watching" in err


def test_watch_of_a_missing_folder_is_one_line(tmp_path):
    proc = run_cli("watch", str(tmp_path / "nope"), index=tmp_path / "i")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1


# -- FollowTheMoney -------------------------------------------------------------------------
FTM_SCHEMATA = {"PlainText", "Person", "Organization", "Address", "Event", "Mention"}


def test_export_ftm_writes_documents_entities_and_mentions(case):
    proc = run_cli("export", "ftm", index=case)
    assert proc.returncode == 0, proc.stderr
    entities = [json.loads(line) for line in proc.stdout.splitlines()]
    schemata = {e["schema"] for e in entities}
    assert schemata <= FTM_SCHEMATA and {"PlainText", "Person", "Mention"} <= schemata
    ids = {e["id"] for e in entities}
    assert len(ids) == len(entities)
    docs = [e for e in entities if e["schema"] == "PlainText"]
    assert len(docs) == cli_json("status", index=case)[0]["documents"]
    assert all(d["properties"]["bodyText"][0] and d["properties"]["title"] for d in docs)
    assert any("Omar Hamid García Harfuch" in d["properties"].get("peopleMentioned", [])
               for d in docs)
    for m in (e for e in entities if e["schema"] == "Mention"):
        assert m["properties"]["document"][0] in ids
        assert all(r in ids for r in m["properties"].get("resolved", []))
    _valid_for_followthemoney(entities)


def _valid_for_followthemoney(entities) -> None:
    """When the followthemoney library is importable, every entity must load in its model."""
    try:
        from followthemoney import model
    except ImportError:
        return
    for e in entities:
        proxy = model.get_proxy(e, cleaned=False)
        assert proxy.schema.name == e["schema"]


def test_import_ftm_watch_list_marks_the_documents_naming_it(case, tmp_path):
    wl = tmp_path / "watch.ftm.json"
    wl.write_text("\n".join(json.dumps(e) for e in [
        {"id": "p1", "schema": "Person", "properties": {"name": ["Nemesio Oseguera"],
                                                        "alias": ["El Mencho"]}},
        {"id": "c1", "schema": "Company", "properties": {"name": ["Acme Shell Ltd"]}},
        {"id": "v1", "schema": "Vessel", "properties": {"name": ["Boaty"]}},
    ]) + "\n")
    report, proc = cli_json("import", "ftm", str(wl), index=case)
    assert proc.returncode == 0
    assert report["entities"] == 2 and report["names"] == 3 and report["documents"] >= 1
    mencho = next(m for m in report["matches"] if m["id"] == "p1")
    assert mencho["documents"] >= 1 and mencho["mentions"] >= 1
    watched, _ = cli_json("search", "watched:", index=case)
    assert watched["total"] == report["documents"]
    assert run_cli("search", "watched:acme", index=case).returncode == 1
    assert (case / "watchlist.jsonl").is_file()


@pytest.mark.parametrize("content", ["not json\n", '{"schema": "Vessel"}\n', ""])
def test_import_ftm_bad_file_is_one_line(case, tmp_path, content):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    proc = run_cli("import", "ftm", str(bad), index=case)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert "Traceback" not in proc.stderr


# -- the explorer ---------------------------------------------------------------------------
@pilot_test
async def test_explorer_keys_star_tag_and_note_the_open_document(case):
    async with opened(case, (100, 30)) as (app, pilot):
        await type_query(app, pilot, "Harfuch")
        await pilot.press("enter", "enter")  # to the results, then open the first hit
        await settle(app, pilot, 0.3)
        view = app.query_one(DocumentView)
        assert view.doc is not None
        doc_id = view.doc.doc_id
        await pilot.press("asterisk")
        await settle(app, pilot)
        assert "★" in view.border_title
        await pilot.press("plus")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*"+lead", "enter")
        await settle(app, pilot)
        await pilot.press("semicolon")
        await pilot.pause()
        await pilot.press(*"called the source", "enter")
        await settle(app, pilot)
        assert "#lead" in view.border_title and "1 note" in view.border_title
        marks = app.cw.marks(doc_id)
        assert marks.starred and marks.tags == ["lead"]
        assert marks.notes[0]["text"] == "called the source"


@pilot_test
async def test_typing_star_plus_semicolon_in_the_search_box_is_text(case):
    async with opened(case, (100, 30)) as (app, pilot):
        await type_query(app, pilot, "a*+;")
        assert app.query_one(SearchBox).value == "a*+;"
        assert not isinstance(app.screen, PromptScreen)


@pilot_test
async def test_up_and_down_recall_earlier_queries_persisted_per_case(case):
    async with opened(case, (100, 30)) as (app, pilot):
        for query in ("Harfuch", "cartel"):
            await type_query(app, pilot, query)
            await pilot.press("enter")
            await settle(app, pilot)
    assert json.loads((case / "history.json").read_text()) == ["Harfuch", "cartel"]
    async with opened(case, (100, 30)) as (app, pilot):
        box = app.query_one(SearchBox)
        box.focus()
        await pilot.press("up")
        assert box.value == "cartel"
        await pilot.press("up")
        assert box.value == "Harfuch"
        await pilot.press("down")
        assert box.value == "cartel"
        await pilot.press("down")
        assert box.value == "" and box.has_focus
        await pilot.press("down")
        await pilot.pause()
        assert isinstance(app.focused, ResultsList), "Down past the newest goes to the results"


@pilot_test
async def test_open_explorer_picks_up_a_commit_by_another_process(case, seeds_copy):
    async with opened(case, (100, 30)) as (app, pilot):
        before = app.last_result.total
        (seeds_copy / "extra.txt").write_text("Angela Merkel spoke in Berlin.\n")
        done = run_cli("index", str(seeds_copy), index=case)
        assert done.returncode == 0, done.stderr
        app.check_index()
        await settle(app, pilot, 0.2)
        app.check_index()  # a generation seen is compared with the next
        await settle(app, pilot, 0.2)
        assert app.last_result.total > before
        assert "index updated" in str(app.query_one("#message").render())


@pilot_test
async def test_palette_lists_saved_searches_with_counts(case):
    run_cli("saved", "add", "harfuch", "Harfuch", index=case)
    async with opened(case, (100, 30)) as (app, pilot):
        from casework.tui.commands import CaseworkCommands

        provider = CaseworkCommands(app.screen)
        await provider.startup()
        titles = [t for t, _, _ in provider._static()]
        assert "Saved search: harfuch (2)" in titles


def test_explorer_opens_the_demo_case_until_the_default_case_exists(tmp_path, monkeypatch):
    from casework.index import location

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.delenv("CASEWORK_INDEX", raising=False)
    cases = tmp_path / "casework" / "cases"
    assert location.explorer_index_dir() == cases / "demo"
    (cases / "default").mkdir(parents=True)
    (cases / "default" / "casework-index.json").write_text("{}")
    assert location.explorer_index_dir() == cases / "default"
    assert location.explorer_index_dir(case="x") == cases / "x"
    assert location.resolve_index_dir("/elsewhere", case="x") == Path("/elsewhere")


def test_explorer_on_a_case_that_does_not_exist_is_one_line(tmp_path):
    proc = run_cli("--case", "nothing", env={"XDG_DATA_HOME": str(tmp_path)})
    assert proc.returncode == 2 and "casework --case nothing index FOLDER" in proc.stderr


def test_a_tag_starting_with_h_is_removed_not_help(case):
    doc = first_doc(case)
    run_cli("tag", doc, "+hot", index=case)
    removed, _ = cli_json("tag", doc, "-hot", index=case)
    assert removed["tags"] == []


def test_read_commands_read_the_demo_until_a_case_of_ones_own_exists(seeds_index, tmp_path):
    """A newcomer runs `casework` (which builds the demo), then the tour's `casework search`:
    it reads the demo, as the explorer does, and says so on stderr; once `casework index`
    has built the default case, that is what it reads."""
    import shutil

    from conftest import run_cli

    data = tmp_path / "data"
    shutil.copytree(seeds_index, data / "casework" / "cases" / "demo")
    env = {"XDG_DATA_HOME": str(data), "HOME": str(tmp_path)}
    proc = run_cli("search", "harfuch", "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    assert "demo case" in proc.stderr and json.loads(proc.stdout)["total"] == 2
    shutil.copytree(seeds_index, data / "casework" / "cases" / "default")
    proc = run_cli("search", "harfuch", "--json", env=env)
    assert proc.returncode == 0 and "demo case" not in proc.stderr
