"""kill -9 during `casework index` and `--rebuild`: the index opens, search works, Whoosh and
SQLite agree, and re-running completes. A few kills here; bench/crash_trials.py runs 20+."""

from __future__ import annotations

import importlib.util
import shutil
import sqlite3
from pathlib import Path

import pytest

from casework.index import consistency
from casework.index.api import open_index
from casework.index.errors import IndexIncompatible
from tests.conftest import ROOT, run_cli

_spec = importlib.util.spec_from_file_location("crash_trials", ROOT / "bench" / "crash_trials.py")
crash_trials = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(crash_trials)

COPIES = 100


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return crash_trials.make_corpus(tmp_path_factory.mktemp("crash") / "corpus", COPIES)


# Killed while documents are being stored (the catalog has some, Whoosh none), once storing is
# done (resolution / the Whoosh write / the swap), and during a --rebuild.
@pytest.mark.parametrize(
    "mode,when_stored,after",
    [("update", 30, 60.0), ("update", COPIES + 2, 60.0), ("rebuild", 40, 60.0)],
)
def test_kill_9_leaves_an_index_that_opens_agrees_and_finishes(
    seeds_index, corpus, tmp_path, mode, when_stored, after
):
    work = tmp_path / "work"
    work.mkdir()
    result = crash_trials.trial(after, seeds_index, corpus, work, mode, COPIES, when_stored)
    assert result["killed"], "the run finished before the kill: the test proves nothing"
    assert result["ok"], result
    if mode == "update":
        assert result["state_after_kill"] == "updating"  # so the open had to repair


def test_interrupted_run_is_repaired_on_open(seeds_index, corpus, tmp_path):
    """A run killed after storing documents but before Whoosh: the next open finishes it."""
    index = tmp_path / "index"
    shutil.copytree(seeds_index, index)
    conn = sqlite3.connect(index / "catalog.sqlite")
    conn.execute("UPDATE documents SET ft_hash = NULL")  # as if Whoosh never got them
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('state', 'updating')")
    conn.commit()
    conn.close()
    shutil.rmtree(index / "fulltext")
    from casework.index.fulltext import create_fulltext

    create_fulltext(index / "fulltext")  # an empty Whoosh index: nothing searchable
    with open_index(index) as cw:
        assert cw.search("harfuch").total == 2
        assert consistency.check(cw.catalog, cw.fulltext, full=True).ok


def test_a_clean_index_whose_full_text_lost_a_document_is_repaired_on_open(seeds_index, tmp_path):
    """The check on open compares Whoosh's count with the catalog's, which a clean index keeps
    in meta (no COUNT(*) per open): a document gone from Whoosh alone is still noticed."""
    index = tmp_path / "index"
    shutil.copytree(seeds_index, index)
    with open_index(index) as cw:
        assert cw.catalog.get_meta(consistency.DOCUMENTS_KEY) == "2"
        doc_id = cw.search("harfuch").hits[0].doc_id
    from casework.index.fulltext import open_fulltext

    open_fulltext(index / "fulltext").delete([doc_id])
    with open_index(index) as cw:
        assert cw.search("harfuch").total == 2
        assert consistency.check(cw.catalog, cw.fulltext, full=True).ok


def test_mismatch_too_big_to_repair_on_open_is_reported_with_the_command(too_big_to_repair):
    index = too_big_to_repair
    with open_index(index) as cw:
        assert len(cw.notes) == 1
        assert f"casework index --index {index}" in cw.notes[0]
    proc = run_cli("search", "harfuch", index=index)  # the CLI repairs it (2 docs) silently
    assert proc.returncode == 0 and proc.stderr == ""


def test_leftovers_of_a_killed_rebuild_are_removed_but_foreign_siblings_are_not(
    seeds_index, tmp_path, make_index
):
    from casework.index.location import seed_paths

    live = make_index.path
    shutil.copytree(seeds_index, live)
    ours = live.with_name(f".{live.name}.rebuild-999999")
    shutil.copytree(seeds_index, ours)
    theirs = live.with_name(f".{live.name}.rebuild-888888")
    theirs.mkdir()
    (theirs / "notes.txt").write_text("someone's own file", encoding="utf-8")
    make_index(*seed_paths())
    assert not ours.exists()
    assert (theirs / "notes.txt").exists()


def test_damaged_catalog_is_one_error_with_the_rebuild_command(seeds_index, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(seeds_index, index)
    for p in index.glob("catalog.sqlite*"):
        p.unlink()
    (index / "catalog.sqlite").write_bytes(b"this is not a database" * 100)
    with pytest.raises(IndexIncompatible, match="damaged.*casework index --rebuild"):
        open_index(index)
    proc = run_cli("search", "harfuch", index=index)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "casework index --rebuild" in proc.stderr


def test_missing_fulltext_is_one_error_and_rebuild_fixes_it(seeds_index, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(seeds_index, index)
    shutil.rmtree(index / "fulltext")
    proc = run_cli("search", "harfuch", index=index)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "casework index --rebuild" in proc.stderr
    from casework.index.location import seed_paths

    proc = run_cli("index", "--rebuild", *[str(p) for p in seed_paths()], "-q", index=index)
    assert proc.returncode == 0, proc.stderr
    assert run_cli("search", "harfuch", index=index).returncode == 0


def _tree(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("rebuild", [False, True])
def test_foreign_directory_is_never_written_even_with_rebuild(tmp_path, rebuild):
    from casework.index.location import seed_paths

    foreign = tmp_path / "photos"
    (foreign / "2024").mkdir(parents=True)
    (foreign / "2024" / "a.jpg").write_bytes(b"\xff\xd8 not ours")
    (foreign / "catalog.sqlite").write_bytes(b"someone else's database")
    before = _tree(foreign)
    args = ["index", *[str(p) for p in seed_paths()], "-q"] + (["--rebuild"] if rebuild else [])
    proc = run_cli(*args, index=foreign)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "not a casework index" in proc.stderr
    assert _tree(foreign) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photos"]  # nothing built beside it
    for command in (("search", "x"), ("entities",)):
        proc = run_cli(*command, index=foreign)
        assert proc.returncode == 2 and "not a casework index" in proc.stderr
    assert _tree(foreign) == before


def test_marker_of_another_program_is_refused_and_kept_even_with_rebuild(tmp_path):
    from casework.index.location import seed_paths

    index = tmp_path / "index"
    index.mkdir()
    (index / "casework-index.json").write_text('{"format": "something-else"}', encoding="utf-8")
    (index / "data.bin").write_bytes(b"theirs")
    before = _tree(index)
    proc = run_cli("search", "x", index=index)
    assert proc.returncode == 2 and "foreign" in proc.stderr
    proc = run_cli("index", "--rebuild", str(seed_paths()[0]), "-q", index=index)
    assert proc.returncode == 2 and "will not replace it" in proc.stderr, proc.stderr
    assert _tree(index) == before


def test_rebuild_keeps_a_casework_index_with_someone_elses_file_inside(seeds_index, tmp_path):
    from casework.index.location import seed_paths

    index = tmp_path / "index"
    shutil.copytree(seeds_index, index)
    (index / "my-notes.txt").write_text("mine", encoding="utf-8")
    proc = run_cli("index", "--rebuild", str(seed_paths()[0]), "-q", index=index)
    assert proc.returncode == 2 and "my-notes.txt" in proc.stderr
    assert (index / "my-notes.txt").read_text(encoding="utf-8") == "mine"


def test_full_text_index_removed_under_an_open_session_is_a_clear_error(seeds_index, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(seeds_index, index)
    with open_index(index) as cw:
        assert cw.search("harfuch").total == 2
        shutil.rmtree(index / "fulltext")
        with pytest.raises(IndexIncompatible, match="casework index --rebuild"):
            cw.search("harfuch")


def test_session_opened_on_an_empty_index_sees_documents_indexed_later(tmp_path, seeds_index):
    from casework.index.fulltext import create_fulltext, open_fulltext
    from casework.index.location import seed_paths
    from casework.index.store import IndexDir

    index = tmp_path / "index"
    IndexDir(index).create(create_fulltext)
    from casework.index.catalog import Catalog

    Catalog(index / "catalog.sqlite").close()
    with open_index(index) as cw:
        assert cw.search("harfuch").total == 0
        shutil.copy(seeds_index / "annotations.sqlite", index / "annotations.sqlite")
        proc = run_cli("index", *[str(p) for p in seed_paths()], "-q", index=index)
        assert proc.returncode == 0, proc.stderr
        assert cw.search("harfuch").total == 2
    assert open_fulltext(index / "fulltext").doc_count() == 2


def test_first_run_killed_inside_create_leaves_a_dir_the_next_run_accepts(tmp_path, seeds_index):
    from casework.index.fulltext import create_fulltext
    from casework.index.location import seed_paths

    index = tmp_path / "index"
    index.mkdir()
    (index / "write.lock").write_text("", encoding="utf-8")
    create_fulltext(index / "fulltext")  # create() writes this before the marker
    proc = run_cli("index", *[str(p) for p in seed_paths()], "-q", index=index)
    assert proc.returncode == 0, proc.stderr
    # but a 'fulltext' folder holding anything else is someone else's
    other = tmp_path / "other"
    (other / "fulltext").mkdir(parents=True)
    (other / "fulltext" / "thesis.tex").write_text("mine", encoding="utf-8")
    proc = run_cli("index", *[str(p) for p in seed_paths()], "-q", index=other)
    assert proc.returncode == 2 and "not a casework index" in proc.stderr
    assert sorted(p.name for p in other.rglob("*")) == ["fulltext", "thesis.tex"]


def test_a_rerun_after_a_kill_before_resolution_resolves_even_with_nothing_new(
        seeds_index, tmp_path, annotator):
    """Killed after the catalog's last document commit but before entity resolution: the files
    are unchanged, so the next run finds nothing new, and must still finish resolving."""
    from casework.index.indexer import build
    from casework.index.location import seed_paths
    from casework.index.store import IndexDir

    index = tmp_path / "index"
    shutil.copytree(seeds_index, index)
    conn = sqlite3.connect(index / "catalog.sqlite")
    conn.execute("DELETE FROM aliases")
    conn.execute("DELETE FROM entities")
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('state', 'updating')")
    conn.commit()
    conn.close()
    report = build(IndexDir(index), seed_paths(), annotator=annotator)
    assert report.unchanged == 2 and report.added == report.updated == 0
    assert report.entities > 0
    with open_index(index) as cw:
        assert cw.entity("Harfuch").name
