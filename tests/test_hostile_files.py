"""Broken, odd and hostile files: each one is indexed or reported, and the run goes on.

Every input is made here in a temp dir; nothing binary is checked in. Tests run as root in CI,
where file modes do not stop a read, so the unreadable file is checked by a real
`casework index` run with root's read override dropped (setpriv --bounding-set).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from casework.index import ingest
from casework.index.api import open_index
from casework.index.models import Progress
from casework.index.nlp import _chunks
from tests.conftest import run_cli

SEED_TEXT = "Claudia Sheinbaum met officials in Mexico City on Tuesday.\n"

# name -> (bytes, expected outcome: 'indexed' | 'skipped' | 'failed', expected text or None)
FILES: dict[str, tuple[bytes, str, str | None]] = {
    "empty.txt": (b"", "skipped", None),
    "whitespace.txt": (b"  \n\t\n   \r\n", "skipped", None),
    "invalid-utf8.txt": (b"Caf\xc3 in M\xe9xico \xff\xfe\xfd ends", "indexed", None),
    "utf16-le.txt": ("\ufeffMéxico in UTF-16 LE".encode("utf-16-le"), "indexed", "México in UTF-16 LE"),
    "utf16-be.txt": ("\ufeffMéxico in UTF-16 BE".encode("utf-16-be"), "indexed", "México in UTF-16 BE"),
    "latin1.txt": ("Le président à México, déjà.".encode("latin-1"), "indexed", "Le président à México, déjà."),
    "nul.txt": (b"text\x00with\x00nuls", "skipped", None),
    "binary.txt": (bytes(range(256)) * 64, "skipped", None),
    "ok.txt": (SEED_TEXT.encode(), "indexed", SEED_TEXT),
    "with space.txt": (b"spaces in the name", "indexed", None),
    "new\nline.txt": (b"newline in the name", "indexed", None),
    "esc\x1b[31mred\x07.txt": (b"escape in the name", "indexed", None),
    "[bold]markup[@click=app.quit].txt": (b"markup in the name", "indexed", None),
}


def _make_hostile_folder(root: Path) -> dict[str, str]:
    """Write every hostile case under ``root``; returns display path -> expected outcome."""
    root.mkdir()
    expected: dict[str, str] = {}
    for name, (data, outcome, _) in FILES.items():
        (root / name).write_bytes(data)
        expected[ingest.display_path(root / name)] = outcome
    raw = os.fsencode(root) + b"/non-utf8-\xff\xfe.txt"
    with open(raw, "wb") as fh:
        fh.write(b"a file whose name is not UTF-8")
    expected[ingest.display_path(raw)] = "indexed"
    # one line of 5 MB (a base64-like blob) and a multi-chunk text, both chunked for spaCy.
    # The 20 MB case is checked on the chunker below and measured through the CLI in the
    # issue note (~20 s of spaCy, too slow for the suite); 3 MB here is 30 chunks.
    (root / "one-line-5mb.txt").write_bytes(b"QUJD" * (5 * 1024 * 1024 // 4))
    expected[ingest.display_path(root / "one-line-5mb.txt")] = "indexed"
    line = b"Z" * 999 + b"\n"
    (root / "three-mb.txt").write_bytes(line * (3 * 1024 * 1024 // len(line)))
    expected[ingest.display_path(root / "three-mb.txt")] = "indexed"
    deep = root
    for i in range(100):
        deep = deep / f"d{i}"
    deep.mkdir(parents=True)
    (deep / "deep.txt").write_text("at the bottom of a deep tree", encoding="utf-8")
    expected[ingest.display_path(deep / "deep.txt")] = "indexed"
    (root / "dir-loop").symlink_to(root, target_is_directory=True)
    expected[ingest.display_path(root / "dir-loop")] = "skipped"
    os.symlink("loop-b.txt", root / "loop-a.txt")
    os.symlink("loop-a.txt", root / "loop-b.txt")
    expected[ingest.display_path(root / "loop-a.txt")] = "failed"
    expected[ingest.display_path(root / "loop-b.txt")] = "failed"
    os.symlink("nowhere.txt", root / "dangling.txt")
    expected[ingest.display_path(root / "dangling.txt")] = "failed"
    os.mkfifo(root / "pipe.txt")  # opening it would block forever
    expected[ingest.display_path(root / "pipe.txt")] = "skipped"
    (root / "folder.txt").mkdir()
    (root / "folder.txt" / "inside.txt").write_text("a file in a folder named .txt", encoding="utf-8")
    expected[ingest.display_path(root / "folder.txt" / "inside.txt")] = "indexed"
    # 'zz-' sorts last: deleted / changed by the progress callback while the run goes on
    (root / "zz-deleted.txt").write_text("deleted while indexing", encoding="utf-8")
    expected[ingest.display_path(root / "zz-deleted.txt")] = "failed"
    (root / "zz-changed.txt").write_text("changed while indexing, before", encoding="utf-8")
    expected[ingest.display_path(root / "zz-changed.txt")] = "indexed"
    return expected


def _outcomes(report) -> dict[str, str]:
    got = {}
    for s in report.skipped:
        got[s["path"]] = "skipped"
    for f in report.failed:
        got[f["path"]] = "failed"
    return got


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, annotator):
    """Index the hostile folder once (the slow part: 8 MB of text through the real model)."""
    from casework.index.indexer import build
    from casework.index.store import IndexDir

    base = tmp_path_factory.mktemp("hostile")
    folder = base / "docs"
    expected = _make_hostile_folder(folder)
    mutated = []

    def on_progress(p: Progress) -> None:
        # After the first document is stored, delete one file and rewrite another that the
        # run has already scanned but not yet read.
        if p.stage == "annotate" and not mutated:
            (folder / "zz-deleted.txt").unlink()
            (folder / "zz-changed.txt").write_text("changed while indexing, after", encoding="utf-8")
            mutated.append(p.path)

    index = base / "index"
    report = build(IndexDir(index), [folder], annotator=annotator, progress=on_progress)
    assert mutated, "the progress callback never ran"
    return folder, index, expected, report


def test_every_hostile_file_is_indexed_or_reported_with_a_reason(hostile):
    folder, index, expected, report = hostile
    got = _outcomes(report)
    with open_index(index) as cw:
        stored = {r[0] for r in cw.catalog.conn.execute("SELECT path FROM documents")}
    for path in stored:
        got.setdefault(path, "indexed")
    assert {p: got.get(p) for p in expected} == expected
    assert all(s["reason"].strip() for s in report.skipped)
    assert all(f["error"].strip() for f in report.failed)
    assert report.documents == len(stored) == sum(v == "indexed" for v in expected.values())


def test_decoded_text_is_right_for_each_encoding(hostile):
    folder, index, _, _ = hostile
    with open_index(index) as cw:
        for name, (_, outcome, text) in FILES.items():
            if outcome != "indexed":
                continue
            row = cw.catalog.document_by_path(ingest.display_path(folder / name))
            doc = cw.document(row["doc_id"])
            if text is not None:
                assert doc.text == text
            assert "\ufffd" not in doc.text or name == "invalid-utf8.txt"
        changed = cw.catalog.document_by_path(ingest.display_path(folder / "zz-changed.txt"))
        assert "after" in cw.document(changed["doc_id"]).text


def test_big_files_are_stored_whole_and_searchable(hostile):
    folder, index, _, _ = hostile
    with open_index(index) as cw:
        for name, size in (("one-line-5mb.txt", 5 * 1024 * 1024), ("three-mb.txt", 3 * 1024 * 1024)):
            row = cw.catalog.document_by_path(ingest.display_path(folder / name))
            assert row is not None and abs(row["size"] - size) < 1000
            assert len(cw.catalog.text_of(row["doc_id"])) == row["size"]
        assert cw.search("sheinbaum").total == 1
        assert cw.search("bottom deep").total == 1


def test_reindexing_the_hostile_folder_changes_nothing_and_fails_the_same(hostile, annotator):
    from casework.index.indexer import build
    from casework.index.store import IndexDir

    folder, index, expected, first = hostile
    again = build(IndexDir(index), [folder], annotator=annotator)
    assert again.added == again.updated == 0
    # the deleted file is gone now: removed from the failures, not counted as removed (never stored)
    assert {f["path"] for f in again.failed} == {
        p for p, o in expected.items() if o == "failed" and "zz-deleted" not in p
    }
    assert again.documents == first.documents


def test_twenty_mb_text_is_chunked_with_offsets_that_add_up():
    text = ("Mexico City, Tuesday. " * 40 + "\n\n") * 24_000  # ~21 MB
    assert len(text) > 20_000_000
    total = 0
    biggest = 0
    for offset, chunk, last in _chunks(text):
        assert offset == total and text.startswith(chunk, offset)
        total += len(chunk)
        biggest = max(biggest, len(chunk))
    assert total == len(text) and biggest <= 100_000


def test_cli_index_of_hostile_folder_exits_0_without_traceback(tmp_path, hostile):
    folder, index, expected, _ = hostile
    copy = tmp_path / "index"
    shutil.copytree(index, copy)
    proc = run_cli("index", str(folder), index=copy)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "\x1b" not in proc.stderr + proc.stdout
    assert "failed: " in proc.stderr
    proc = run_cli("index", str(folder), "--json", index=copy)
    report = json.loads(proc.stdout)
    assert len(report["failed"]) == sum(
        o == "failed" and "zz-deleted" not in p for p, o in expected.items()
    )


def test_a_path_that_is_neither_file_nor_folder_is_reported(tmp_path, make_index):
    os.mkfifo(tmp_path / "given.txt")
    report = make_index(tmp_path / "given.txt")
    assert [s["path"] for s in report.skipped] == [str(tmp_path / "given.txt")]


def _can_drop_read_override() -> bool:
    """Root ignores file modes; without CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH it does not."""
    if os.geteuid() != 0:
        return True
    if shutil.which("setpriv") is None:
        return False
    probe = subprocess.run(
        ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "true"],
        capture_output=True,
    )
    return probe.returncode == 0


@pytest.mark.skipif(not _can_drop_read_override(), reason="cannot drop root's read override")
def test_unreadable_file_fails_with_a_reason_and_the_run_goes_on(tmp_path, seeds_index):
    """The run is made without root's override of file modes, so mode 000 really bites."""
    index = tmp_path / "index"
    shutil.copytree(seeds_index, index)  # annotations cached: no spaCy needed for readable.txt
    folder = tmp_path / "docs"
    folder.mkdir()
    from casework.index.location import seed_paths

    (folder / "locked").mkdir()
    shutil.copy(seed_paths()[1], folder / "locked" / "inside.txt")
    assert run_cli("index", str(folder), "-q", index=index).returncode == 0  # indexed while open
    shutil.copy(seed_paths()[0], folder / "readable.txt")
    (folder / "secret.txt").write_text("no one may read this", encoding="utf-8")
    (folder / "secret.txt").chmod(0)
    (folder / "locked").chmod(0)
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("CASEWORK_INDEX", None)
    drop = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
    proc = subprocess.run(
        [*drop, sys.executable, "-m", "casework.tui.cli", "index", str(folder), "--json",
         "--index", str(index)],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert sorted(report["failed"], key=lambda f: f["path"]) == [
        {"path": str(folder / "locked"), "error": "Permission denied"},
        {"path": str(folder / "secret.txt"), "error": "Permission denied"},
    ]
    # readable.txt is a seed's text, which the index holds already: it is kept as a copy
    assert report["added"] + report["copies"] == 1
    assert report["removed"] == 0  # the document in the folder that cannot be listed is kept
