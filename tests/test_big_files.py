"""Issue 22 point 7: one long document. NER goes in chunks (each cached, so a killed run resumes
from the last), progress counts words while NER runs, and a run killed in any step (NER, the
store, resolution, the re-scan, the full-text write) is finished by the next run or open.

bench/big_file.py runs the index in a child process with a rule-based stand-in for spaCy (the
steps after NER are what grow with the text) and ``--kill-at STAGE:N`` to kill -9 itself."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from casework.index import consistency
from casework.index.api import open_index
from casework.index.catalog import STATE_KEY
from casework.index.location import seed_paths
from tests.conftest import ROOT

BENCH = ROOT / "bench" / "big_file.py"


def _long_text(megabytes: float) -> str:
    seeds = [p.read_text(encoding="utf-8") for p in seed_paths()]
    parts, size, i = [], 0, 0
    while size < megabytes * 1_000_000:
        piece = f"Part {i}. Call +52 55 1234 {i % 10000:04d}.\n\n{seeds[i % len(seeds)]}\n\n"
        parts.append(piece)
        size += len(piece)
        i += 1
    return "".join(parts)


@pytest.fixture(scope="module")
def big_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("big") / "docs"
    folder.mkdir()
    # 0.8 MB is ~120,000 words in ~8 NER chunks: enough to kill mid-NER and to see progress move,
    # small enough that the ten runs below take a minute, not ten (bench/big_file.py goes to 50 MB)
    (folder / "big.txt").write_text(_long_text(0.8), encoding="utf-8")
    return folder


def _run(folder: Path, index: Path, kill_at: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(BENCH), "--child", "--file", str(folder), "--index", str(index),
         "--jobs", "1", "--ner", "rule", "--kill-at", kill_at],
        capture_output=True, text=True, timeout=600)


def _facts(index: Path) -> dict:
    with open_index(index) as cw:
        assert consistency.check(cw.catalog, cw.fulltext, full=True).ok
        assert cw.catalog.get_meta(STATE_KEY) == "clean"
        facts = {
            "documents": cw.document_count(),
            "entities_mentions": cw.catalog.entity_and_mention_counts(),
            "hits": cw.search("Harfuch").total,
        }
    conn = sqlite3.connect(index / "catalog.sqlite")
    facts["rescanned"] = conn.execute("SELECT COUNT(*) FROM recall_docs").fetchone()[0]
    facts["rescan_mentions"] = conn.execute(
        "SELECT COUNT(*) FROM mentions WHERE source = 'rescan'").fetchone()[0]
    conn.close()
    return facts


@pytest.fixture(scope="module")
def reference(big_folder, tmp_path_factory) -> dict:
    index = tmp_path_factory.mktemp("ref") / "index"
    done = _run(big_folder, index)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    # progress moved while the one document was in NER, chunk by chunk, in words
    assert out["annotate_progress_events"] > 10
    assert out["words_reported"] > 100_000
    return _facts(index)


@pytest.mark.parametrize("kill_at", ["annotate:5", "resolve", "rescan", "store"])
def test_a_run_killed_in_any_step_is_finished_by_the_next(big_folder, reference, tmp_path,
                                                          kill_at):
    index = tmp_path / "index"
    killed = _run(big_folder, index, kill_at)
    assert killed.returncode == -9, killed.stderr
    if kill_at.startswith("annotate"):
        cache = sqlite3.connect(index / "annotations.sqlite")
        assert cache.execute("SELECT COUNT(*) FROM annotations").fetchone()[0] >= 5  # chunks kept
        cache.close()
    again = _run(big_folder, index)
    assert again.returncode == 0, again.stderr
    assert _facts(index) == reference
    # the chunks' entries stay the document's answer: one entry for the whole was all its spans
    # as one JSON value, held at once (span_array.py); none is written for it
    sha = hashlib.sha256((big_folder / "big.txt").read_bytes()).hexdigest()
    cache = sqlite3.connect(index / "annotations.sqlite")
    assert cache.execute("SELECT COUNT(*) FROM annotations").fetchone()[0] >= 5
    assert cache.execute("SELECT COUNT(*) FROM annotations WHERE sha256 = ?",
                         (sha,)).fetchone()[0] == 0
    cache.close()


def test_a_run_killed_in_the_rescan_is_finished_by_the_next_open(big_folder, reference,
                                                                 tmp_path):
    index = tmp_path / "index"
    assert _run(big_folder, index, "rescan").returncode == -9
    assert _facts(index) == reference  # opening repaired it, re-scan included


def _catalog_rows(index: Path) -> dict[str, list]:
    conn = sqlite3.connect(index / "catalog.sqlite")
    rows = {table: sorted(map(repr, conn.execute(f"SELECT * FROM {table}")))
            for table in ("mentions", "entities", "aliases", "entity_hints", "word_cases",
                          "dates", "money")}
    rows["order"] = [repr(r) for r in conn.execute(
        "SELECT start, end, text, source FROM mentions ORDER BY start, rowid")]
    conn.close()
    return rows


def test_a_long_document_stored_and_rescanned_window_by_window_gives_the_rows_of_one_pass(
        tmp_path, monkeypatch):
    """The store step makes a long text's mentions a window of lines at a time and the
    re-scan matches and stores its finds a window at a time, so neither holds every mention
    at once; with windows of 5,000 characters (~60 here) the catalog's rows are those of one
    window over the whole text."""
    import importlib.util

    from casework.index import entities, recall
    from casework.index.indexer import build
    from casework.index.store import IndexDir

    spec = importlib.util.spec_from_file_location("big_file", BENCH)
    big_file = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(big_file)
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "big.txt").write_text(_long_text(0.3), encoding="utf-8")

    class Forgetful(big_file.RuleAnnotator):
        """Misses a name now and then, as a model does: the re-scan has something to find."""

        identity = "rule-bench-forgetful:1"

        def annotate(self, items):
            for key, spans in super().annotate(items):
                yield key, [s for s in spans if s.start % 4]

    def indexed(name: str) -> dict[str, list]:
        index = tmp_path / name
        build(IndexDir(index), [folder], annotator=Forgetful())
        return _catalog_rows(index)

    whole = indexed("whole")
    monkeypatch.setattr(entities, "WINDOW_CHARS", 5_000)
    monkeypatch.setattr(recall, "WINDOW_CHARS", 5_000)
    assert indexed("windows") == whole
    assert sum("'rescan'" in row for row in whole["mentions"]) > 100


def test_a_long_text_written_and_read_back_in_pieces_gives_the_rows_and_terms_of_whole(
        tmp_path, monkeypatch):
    """A long text's row is written through SQLite's blob handle a piece at a time, and the
    full-text write reads it back a piece at a time (schema.LongText), so neither holds the
    whole text twice; with pieces of ~1,000 characters (~300 here, a 4-byte character among
    them) the catalog's rows, the stored text and the full-text index's postings are those
    of the whole text written and read at once."""
    import importlib.util

    from whoosh.index import open_dir

    from casework.index import sync
    from casework.index.catalog import documents
    from casework.index.fulltext import schema
    from casework.index.indexer import build
    from casework.index.store import IndexDir

    spec = importlib.util.spec_from_file_location("big_file", BENCH)
    big_file = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(big_file)
    folder = tmp_path / "docs"
    folder.mkdir()
    text = _long_text(0.3)
    cut = text.index("\n", len(text) // 3)
    (folder / "big.txt").write_text(text[:cut] + " Zoë \U0001F600 Ünal 12 000 000" + text[cut:],
                                    encoding="utf-8")

    def indexed(name: str) -> tuple[dict, list, list]:
        index = tmp_path / name
        build(IndexDir(index), [folder], annotator=big_file.RuleAnnotator())
        conn = sqlite3.connect(index / "catalog.sqlite")
        stored = conn.execute("SELECT typeof(text), length(text), text, words FROM documents"
                              ).fetchall()
        conn.close()
        ix = open_dir(str(index / "fulltext"))
        with ix.reader() as reader:
            postings = sorted(reader.iter_postings())
        return _catalog_rows(index), stored, postings

    whole = indexed("whole")
    assert whole[1][0][0] == "text" and len(whole[2]) > 1_000
    monkeypatch.setattr(documents, "_TEXT_PIECE", 997)
    monkeypatch.setattr(sync, "LONG_BODY_BYTES", 4_000)
    assert indexed("pieces") == whole
    monkeypatch.setattr(schema, "PIECE_CHARS", 1_000)  # cut into pieces for Whoosh as well
    cut_whole = indexed("cut-whole")
    monkeypatch.setattr(sync, "LONG_BODY_BYTES", 1 << 40)
    assert indexed("cut-pieces") == cut_whole
