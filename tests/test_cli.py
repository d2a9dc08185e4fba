"""The CLI contract on the real seeds index: JSON shapes, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from conftest import ROOT, cli_json, run_cli


def test_search_harfuch_finds_both_documents(seeds_index):
    data, proc = cli_json("search", "Harfuch", index=seeds_index)
    assert proc.returncode == 0
    assert data["query"] == "Harfuch"
    assert data["total"] == 2
    assert data["suggestion"] is None
    for hit in data["hits"]:
        assert set(hit) >= {"doc_id", "title", "path", "score", "snippet", "highlights"}
        assert hit["highlights"], "the matched term is marked in the snippet"
        for start, end in hit["highlights"]:
            assert hit["snippet"][start:end].lower() == "harfuch"


def test_search_boolean_and_finds_both(seeds_index):
    data, _ = cli_json("search", "Harfuch AND cartel", index=seeds_index)
    assert data["total"] == 2


def test_search_corrects_a_misspelt_word_and_says_so(seeds_index):
    data, proc = cli_json("search", "Sheinbam", index=seeds_index)
    assert proc.returncode == 0 and data["total"] > 0
    assert data["corrections"] == [["sheinbam", "sheinbaum"]]
    assert data["corrected"] == "Sheinbaum" and data["as_typed"] == '"Sheinbam"'
    assert "sheinbaum" in data["terms"]


def test_search_nothing_found_exits_1_with_suggestion(seeds_index):
    data, proc = cli_json("search", '"Sheinbam"', index=seeds_index)
    assert proc.returncode == 1
    assert data["total"] == 0 and data["hits"] == []
    assert data["suggestion"] == '"sheinbaum"'


def test_show_offsets_slice_to_mention_text(seeds_index):
    hits, _ = cli_json("search", "Sheinbaum", index=seeds_index)
    for hit in hits["hits"]:
        doc, proc = cli_json("show", hit["doc_id"], index=seeds_index)
        assert proc.returncode == 0
        assert set(doc) >= {"doc_id", "title", "path", "text", "entities"}
        assert len(doc["entities"]) > 10
        for m in doc["entities"]:
            assert doc["text"][m["start"] : m["end"]] == m["text"]
            assert set(m) >= {"start", "end", "text", "label", "entity_id"}


def test_entity_mexico_lists_both_documents_with_contexts(seeds_index):
    card, proc = cli_json("entity", "mexico", index=seeds_index)
    assert proc.returncode == 0
    assert card["name"] == "Mexico" and card["label"] == "GPE"
    assert len(card["documents"]) == 2
    for doc in card["documents"]:
        assert doc["mentions"]
        for m in doc["mentions"]:
            assert "Mexico" in m["context"]
            assert set(m) >= {"start", "end", "text", "context"}
    assert card["cooccurring"] and set(card["cooccurring"][0]) >= {"entity_id", "name", "label", "count"}
    assert isinstance(card["aliases"], list)


def test_entity_lookup_by_id_matches_lookup_by_name(seeds_index):
    by_name, _ = cli_json("entity", "Mexico", index=seeds_index)
    by_id, _ = cli_json("entity", by_name["entity_id"], index=seeds_index)
    assert by_id["entity_id"] == by_name["entity_id"]


def test_entities_are_most_mentioned_first_and_filter_by_label(seeds_index):
    data, _ = cli_json("entities", index=seeds_index)
    counts = [e["mentions"] for e in data["entities"]]
    assert counts == sorted(counts, reverse=True)
    assert set(data["entities"][0]) >= {"entity_id", "name", "label", "documents", "mentions"}
    people, _ = cli_json("entities", "--label", "PERSON", index=seeds_index)
    assert people["entities"] and all(e["label"] == "PERSON" for e in people["entities"])


def test_entities_of_one_document(seeds_index):
    hits, _ = cli_json("search", "Harfuch", index=seeds_index)
    doc_id = hits["hits"][0]["doc_id"]
    data, _ = cli_json("entities", "--doc", doc_id, index=seeds_index)
    doc, _ = cli_json("show", doc_id, index=seeds_index)
    assert {e["entity_id"] for e in data["entities"]} <= {m["entity_id"] for m in doc["entities"]}


def test_related_finds_the_other_seed(seeds_index):
    hits, _ = cli_json("search", "Harfuch", index=seeds_index)
    a, b = (h["doc_id"] for h in hits["hits"])
    data, proc = cli_json("related", a, index=seeds_index)
    assert proc.returncode == 0
    assert data["doc_id"] == a
    assert [r["doc_id"] for r in data["related"]] == [b]
    assert "Mexico" in data["related"][0]["shared"]
    assert len(set(data["related"][0]["shared"])) == len(data["related"][0]["shared"])


@pytest.mark.parametrize(
    "args",
    [
        ["show", "deadbeef"],
        ["related", "deadbeef"],
        ["entity", "No Such Person Anywhere"],
        ["entities", "--doc", "deadbeef"],
        ["search", "x" * 5000],
        ["search", "   "],
        ["search", "--limit", "zero", "x"],
        ["frobnicate"],
    ],
)
def test_error_paths_exit_2_with_one_line(seeds_index, args):
    proc = run_cli(*args, index=seeds_index)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("casework: error:")
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


@pytest.mark.parametrize("command", [["search", "x"], ["show", "abc"], ["entities"], ["entity", "x"]])
def test_no_index_yet_is_one_clear_line(tmp_path, command):
    proc = run_cli(*command, index=tmp_path / "nothing-here")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"casework: error: no index at {tmp_path / 'nothing-here'} yet; build one with: casework index FOLDER"
    ]


@pytest.mark.parametrize("command", ["index", "watch"])
def test_index_missing_path_exits_2(tmp_path, command):
    proc = run_cli(command, str(tmp_path / "missing"), index=tmp_path / "ix")
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "no such file or folder" in proc.stderr
    assert not (tmp_path / "ix").exists()


def test_index_command_end_to_end_json(tmp_path, seeds_copy):
    (seeds_copy / ".hidden").mkdir()
    (seeds_copy / ".hidden" / "secret.txt").write_text("hidden")
    (seeds_copy / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)))
    (seeds_copy / "blob.txt").write_bytes(b"\x00\x01\x02binary\x00" * 10)
    proc = run_cli("index", str(seeds_copy), "--json", index=tmp_path / "ix", timeout=300)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert set(report) >= {"documents", "added", "updated", "unchanged", "removed", "skipped",
                           "failed", "entities", "mentions", "seconds"}
    assert report["documents"] == 2 and report["added"] == 2
    reasons = {s["path"].rsplit("/", 1)[-1]: s["reason"] for s in report["skipped"]}
    assert "hidden" in reasons[".hidden"]
    assert "photo.jpg" in reasons and "blob.txt" in reasons
    assert report["entities"] > 20 and report["mentions"] > report["entities"]
    assert proc.stderr == "", "no progress bar when stderr is not a terminal"
    # the same run again: nothing to do, and spaCy is not even loaded
    again = run_cli("index", str(seeds_copy), "--json", index=tmp_path / "ix")
    report2 = json.loads(again.stdout)
    assert (report2["added"], report2["updated"], report2["unchanged"]) == (0, 0, 2)


def test_index_quiet_prints_only_the_summary(tmp_path, seeds_copy):
    proc = run_cli("index", str(seeds_copy), "--quiet", index=tmp_path / "ix", timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("\n") <= 3 and "2 documents in the index" in proc.stdout


def test_human_search_output_marks_matches_and_is_plain_with_no_color(seeds_index):
    proc = run_cli("search", "Harfuch", index=seeds_index)
    assert proc.returncode == 0
    assert "2 documents match" in proc.stdout
    assert "\x1b[" not in proc.stdout  # NO_COLOR and not a terminal: no escapes at all
    one = run_cli("search", "title:violence", index=seeds_index)
    assert one.returncode == 0 and "1 document matches;" in one.stdout


def test_casework_command_is_installed_and_has_a_version():
    exe = Path(sysconfig.get_path("scripts")) / "casework"
    assert exe.exists() or shutil.which("casework"), "pip installed the casework console script"
    exe = str(exe) if exe.exists() else shutil.which("casework")
    proc = subprocess.run([exe, "--version"], capture_output=True, text=True)
    assert proc.returncode == 0
    assert proc.stdout.startswith("casework, version ")


def test_index_location_flag_beats_environment_beats_default(seeds_index, tmp_path):
    from_env = run_cli("search", "Harfuch", "--json", env={"CASEWORK_INDEX": str(seeds_index)})
    assert from_env.returncode == 0 and json.loads(from_env.stdout)["total"] == 2
    flag_wins = run_cli("search", "Harfuch", index=tmp_path / "elsewhere",
                        env={"CASEWORK_INDEX": str(seeds_index)})
    assert flag_wins.returncode == 2 and "elsewhere" in flag_wins.stderr
    default = run_cli("search", "Harfuch", env={"XDG_DATA_HOME": str(tmp_path / "xdg")})
    assert default.returncode == 2
    assert str(tmp_path / "xdg" / "casework" / "cases" / "default") in default.stderr


@pytest.mark.parametrize("args, code, message", [
    (["search", "Harfuch"], 0, ""),  # rich's table
    (["search", "Harfuch", "--json"], 0, ""),
    (["show", "--help"], 0, ""),
    (["entities", "--limit", "3"], 0, ""),
    (["search", "zzzzqqq"], 1, "No documents match zzzzqqq\n"),  # nothing found is still 1
    (["index", "--help"], 0, ""),  # not a reading command: Python's own exit flushes
])
@pytest.mark.parametrize("unbuffered", [False, True])  # each write fails, or the last flush
def test_a_reader_that_goes_away_is_not_an_error_nor_nothing_found(seeds_index, args, code,
                                                                   message, unbuffered):
    """`casework search x | head`: the pipe's reader is gone before casework writes. Click and
    rich turn that into exit 1, which here means "nothing found"; it is 0 (or what the command
    found), with nothing on stderr."""
    read, write = os.pipe()
    os.close(read)  # no reader at all: the first write fails with EPIPE
    full = [*args, "--index", str(seeds_index)] if args[0] != "index" else args
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    env.pop("PYTHONUNBUFFERED", None)
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    try:
        proc = subprocess.run([sys.executable, "-m", "casework.tui.cli", *full], stdout=write,
                              stderr=subprocess.PIPE, text=True, env=env, timeout=120)
    finally:
        os.close(write)
    assert (proc.returncode, proc.stderr) == (code, message)


@pytest.mark.parametrize("args, ends_at_once", [
    (["search", "Harfuch", "--json"], True),
    (["search", "zzzzqqq"], True),  # nothing found: 1, still at once
    (["show", "nosuchdoc"], True),  # an error: 2, its line on stderr first
    (["entities", "--limit", "3"], True),
    (["index", "--help"], False),  # not a command that only reads: Python's own exit
])
def test_reading_commands_end_without_pythons_clean_up_and_lose_no_output(seeds_index, args,
                                                                          ends_at_once):
    """cli.run ends a command that only reads with os._exit (Python's clean-up cost 20-35 ms
    of a cold search at 100,000 documents): its output and exit code are still all there."""
    def through(entry: str) -> subprocess.CompletedProcess:
        code = ("import atexit, sys\n"
                "atexit.register(lambda: sys.stderr.write('clean-up ran\\n'))\n"
                f"from casework.tui.cli import {entry}\n"
                "sys.argv = ['casework', *sys.argv[1:]]\n"
                f"{entry}()\n")
        env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
        env.pop("PYTHONUNBUFFERED", None)  # buffered, as usual: what run() must flush
        return subprocess.run([sys.executable, "-c", code, *full], capture_output=True,
                              text=True, env=env)

    full = [*args, "--index", str(seeds_index)] if args[0] != "index" else args
    fast, usual = through("run"), through("main")  # main: Python's own exit, clean-up and all
    assert "clean-up ran" in usual.stderr
    assert ("clean-up ran" not in fast.stderr) == ends_at_once, fast.stderr
    assert (fast.returncode, fast.stdout) == (usual.returncode, usual.stdout)
    assert fast.stderr.replace("clean-up ran\n", "") == usual.stderr.replace("clean-up ran\n", "")
    if args[:2] == ["search", "Harfuch"]:
        assert json.loads(fast.stdout)["total"] == 2


def _bad_index(tmp_path: Path, case: str) -> Path:
    """An --index that cannot hold an index, made afresh for each case."""
    if case == "a file":
        (tmp_path / "notes.txt").write_text("not an index")
        return tmp_path / "notes.txt"
    if case == "under a file":
        (tmp_path / "notes.txt").write_text("not an index")
        return tmp_path / "notes.txt" / "sub"
    if case == "someone else's folder":
        (tmp_path / "photos").mkdir()
        (tmp_path / "photos" / "holiday.jpg").write_bytes(b"\xff\xd8")
        return tmp_path / "photos"
    if case == "a folder that refuses new entries":  # sysfs refuses them even to root
        return Path("/sys/casework-index")
    if case == "a read-only mount":  # stops root too; see run_on_read_only_mount
        (tmp_path / "mounted").mkdir()
        return tmp_path / "mounted" / "index"
    if case == "a read-only folder":  # chmod stops every user but root
        (tmp_path / "locked").mkdir()
        (tmp_path / "locked").chmod(0o555)
        return tmp_path / "locked" / "index"
    raise ValueError(case)


BAD_INDEX_MESSAGES = {
    # for the commands that would write (index, tui, bare casework) / those that only read
    "a file": ("is a file, not a folder", "is a file, not a folder"),
    "under a file": ("notes.txt is a file, not a folder", "notes.txt is a file, not a folder"),
    "someone else's folder": ("is not a casework index", "is not a casework index"),
    "a folder that refuses new entries": ("cannot write to /sys",
                                          "no index at /sys/casework-index yet"),
    "a read-only mount": ("Read-only file system", "no index at"),
    "a read-only folder": ("cannot write to", "no index at"),
}


def _can_mount_read_only() -> bool:
    try:
        return subprocess.run(["unshare", "--mount", "true"], capture_output=True,
                              timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


CAN_MOUNT = _can_mount_read_only()


def run_on_read_only_mount(folder: Path, *args: str, index: Path) -> subprocess.CompletedProcess:
    """The CLI in a mount namespace of its own where ``folder`` is bound read-only: writes
    there fail with EROFS, for root as well."""
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    env.pop("CASEWORK_INDEX", None)
    script = 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" && exec "$@"'
    return subprocess.run(
        ["unshare", "--mount", "sh", "-c", script, str(folder), sys.executable, "-m",
         "casework.tui.cli", *args, "--index", str(index)],
        capture_output=True, text=True, env=env, timeout=60,
    )


@pytest.mark.parametrize("case", [
    "a file",
    "under a file",
    "someone else's folder",
    pytest.param("a folder that refuses new entries", marks=pytest.mark.skipif(
        not os.path.isdir("/sys/kernel"), reason="no sysfs here")),
    pytest.param("a read-only mount", marks=pytest.mark.skipif(
        not CAN_MOUNT, reason="cannot make a mount namespace here")),
    pytest.param("a read-only folder", marks=pytest.mark.skipif(
        os.geteuid() == 0, reason="root writes into a chmod 555 folder")),
])
@pytest.mark.parametrize("command", [["index", "{docs}"], ["search", "x"], ["show", "abc"],
                                     ["entities"], ["tui"], []])
def test_a_bad_index_location_is_one_line_and_exit_2(tmp_path, case, command):
    """Never "internal error: FileExistsError", never the explorer opening on nothing."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Maria Lopez met John Smith in Paris.")
    index = _bad_index(tmp_path, case)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    args = [a.replace("{docs}", str(docs)) for a in command]
    if case == "a read-only mount":
        proc = run_on_read_only_mount(index.parent, *args, index=index)
    else:
        proc = run_cli(*args, index=index, timeout=60)
    writes = not command or command[0] in ("index", "tui")
    assert (proc.returncode, proc.stdout) == (2, ""), proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("casework: error: "), proc.stderr
    assert "internal error" not in lines[0]
    assert BAD_INDEX_MESSAGES[case][0 if writes else 1] in lines[0]
    assert sorted(p.name for p in tmp_path.rglob("*")) == before, "nothing made, nothing left"


@pytest.mark.skipif(not CAN_MOUNT, reason="cannot make a mount namespace here")
@pytest.mark.parametrize("command", [["search", "Harfuch"], ["show", "abc"], ["entities"],
                                     ["index", "{docs}"], ["tui"], []])
def test_an_index_on_a_read_only_mount_is_one_line_and_exit_2(seeds_index, tmp_path, command):
    """SQLite writes beside the catalog even to read it: not "the index is damaged; rebuild
    it", nor an internal error."""
    shutil.copytree(seeds_index, tmp_path / "mounted" / "index")
    args = [a.replace("{docs}", str(tmp_path / "mounted")) for a in command]
    proc = run_on_read_only_mount(tmp_path / "mounted", *args, index=tmp_path / "mounted" / "index")
    assert (proc.returncode, proc.stdout) == (2, ""), proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("casework: error: cannot write to "), lines


def test_the_cli_reaches_the_engine_only_through_its_public_api():
    """tui/cli/ imports casework.index, its models, errors and location, and touches neither
    an open index's catalog nor its full-text index nor any private name."""
    import ast

    allowed = {"casework.index", "casework.index.models", "casework.index.errors",
               "casework.index.location"}
    for source in sorted((ROOT / "tui" / "cli").glob("*.py")):
        tree = ast.parse(source.read_text(), str(source))
        for node in ast.walk(tree):
            module = getattr(node, "module", None) or ""
            if isinstance(node, ast.ImportFrom) and module.startswith("casework.index"):
                assert node.module in allowed, f"{source.name}: from {node.module} import ..."
                names = {alias.name for alias in node.names}
                assert not {n for n in names if n.startswith("_")}, f"{source.name}: {names}"
                assert not names & {"api", "catalog", "fulltext", "export", "safe", "store"}, (
                    f"{source.name}: {names}")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("casework.index"):
                        assert alias.name in allowed, f"{source.name}: import {alias.name}"
            elif isinstance(node, ast.Attribute):
                assert node.attr not in ("catalog", "fulltext", "index_dir", "_searcher"), (
                    f"{source.name}:{node.lineno} .{node.attr}")
