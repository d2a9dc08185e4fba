"""A run told which files changed (``casework watch``: watchfiles names them) looks at those
only, and leaves the index exactly as a run that scans every folder leaves it (issue 20,
point 8: listing 20,000 files again was ~0.4 s of every change)."""

from __future__ import annotations

import contextlib
import queue
import shutil
import threading
import time
from pathlib import Path

import pytest

from casework.index.catalog import Catalog
from casework.index.errors import IndexBusy
from casework.index.indexer import build
from casework.index.location import seed_paths
from casework.index.store import IndexDir, WriteLock
from casework.index.watch import watch
from tests.format_samples import make_zip


@pytest.fixture
def folder(tmp_path) -> Path:
    """Six small distinct documents cut from the seeds' paragraphs, two in a subfolder."""
    paragraphs = [p.strip() for path in seed_paths()
                  for p in path.read_text(encoding="utf-8").split("\n") if len(p.strip()) > 80]
    out = tmp_path / "docs"
    (out / "sub").mkdir(parents=True)
    for i in range(6):
        body = "\n\n".join(paragraphs[(i * 2 + k) % len(paragraphs)] for k in range(2))
        where = out / "sub" if i >= 4 else out
        (where / f"doc_{i}.txt").write_text(f"Report {i}\n\n{body}\n", encoding="utf-8")
    return out


def _tables(index: Path) -> dict[str, list]:
    catalog = Catalog(IndexDir(index).catalog, readonly=True)
    try:
        conn = catalog.conn
        return {
            "documents": conn.execute(
                "SELECT doc_id, path, root, relpath, sha256, size, mtime FROM documents "
                "ORDER BY path").fetchall(),
            "copies": conn.execute("SELECT * FROM copies ORDER BY path").fetchall(),
            "mentions": conn.execute(
                "SELECT doc_id, start, end, text, entity_id, source FROM mentions "
                "ORDER BY doc_id, start, end, source").fetchall(),
            "entities": conn.execute("SELECT * FROM entities ORDER BY entity_id").fetchall(),
        }
    finally:
        catalog.close()


@contextlib.contextmanager
def _lock_when_free(index: IndexDir):
    """The index's write lock, as another process takes it: once the watcher has let it go
    (after each reported run it merges and writes the spelling vocabulary under it)."""
    deadline, lock = time.monotonic() + 30, WriteLock(index)
    while True:
        try:
            lock.__enter__()
            break
        except IndexBusy:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)
    try:
        yield lock
    finally:
        lock.__exit__(None, None, None)


def test_a_run_told_what_changed_leaves_what_a_full_scan_leaves(folder, tmp_path, annotator):
    told, scanned = IndexDir(tmp_path / "told"), IndexDir(tmp_path / "scanned")
    exclude = ["*.skip"]
    build(told, [folder], annotator=annotator, exclude=exclude)
    shutil.copytree(told.path, scanned.path)

    def both(step: str, changed: list[Path], looked_at: int):
        report = build(told, [folder], annotator=annotator, exclude=exclude, changed=changed)
        full = build(scanned, [folder], annotator=annotator, exclude=exclude)
        assert _tables(told.path) == _tables(scanned.path), step
        # only the files named were looked at (a full scan stats every one)
        assert report.unchanged + report.updated + report.added + report.copies == looked_at, \
            step
        assert (report.added, report.updated, report.removed) == (
            full.added, full.updated, full.removed), step
        return report

    edited = folder / "doc_1.txt"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nMaria Costa met Harald Nygaard "
                      "in Lisbon.\n", encoding="utf-8")
    assert both("a file edited", [edited], 1).updated == 1
    (folder / "new").mkdir()
    made = folder / "new" / "deep.txt"
    made.write_text("Harald Nygaard of Meridian Advisory Ltd flew to Oslo.\n", encoding="utf-8")
    assert both("a new file in a new folder, the file named", [made], 1).added == 1
    (folder / "sub" / "doc_5.txt").unlink()
    assert both("a file deleted", [folder / "sub" / "doc_5.txt"], 0).removed == 1
    (folder / "doc_2.txt").rename(folder / "renamed.txt")
    both("a file renamed", [folder / "doc_2.txt", folder / "renamed.txt"], 1)
    # the walk never goes into a hidden or an excluded file: neither does a named change
    (folder / ".hidden").mkdir()
    (folder / ".hidden" / "x.txt").write_text("Maria Costa in Porto.\n", encoding="utf-8")
    (folder / "notes.skip").write_text("Maria Costa in Porto.\n", encoding="utf-8")
    both("a hidden and an excluded file", [folder / ".hidden" / "x.txt",
                                          folder / "notes.skip"], 0)
    # a file holding documents: its members follow it
    bundle = folder / "bundle.zip"
    bundle.write_bytes(make_zip({"a.txt": b"Memo about Dos Bocas and Pemex.",
                                 "b.txt": b"Octavio Romero visited Dos Bocas."}))
    assert both("an archive added", [bundle], 3).added == 3
    bundle.write_bytes(make_zip({"a.txt": b"Memo about Dos Bocas and Pemex."}))
    assert both("an archive loses a member", [bundle], 2).removed == 1
    # copies: the same content at another path; the stored path goes, then the copy
    copy = folder / "copy.txt"
    shutil.copy2(folder / "doc_3.txt", copy)
    assert both("a copy made", [copy], 1).copies == 1
    (folder / "doc_3.txt").unlink()
    both("a copied file deleted", [folder / "doc_3.txt"], 0)
    copy.unlink()
    assert both("its copy deleted", [copy], 0).removed == 1
    shutil.rmtree(folder / "sub")
    assert both("a folder deleted", [folder / "sub"], 0).removed == 1
    # a folder that exists among the changes (made, moved in) is a full scan
    (folder / "moved").mkdir()
    (folder / "moved" / "in.txt").write_text("Omar Garcia Harfuch spoke.\n", encoding="utf-8")
    report = both("a folder moved in", [folder / "moved"], 6)
    assert report.added == 1 and report.unchanged == 5


def test_the_watcher_indexes_the_files_it_is_told_of(folder, tmp_path, annotator):
    index = IndexDir(tmp_path / "index")
    reports: queue.Queue = queue.Queue()
    busy: queue.Queue = queue.Queue()
    stop = threading.Event()
    thread = threading.Thread(target=watch, args=(index, [folder]), kwargs=dict(
        annotator=annotator, stop_event=stop, on_busy=busy.put,
        on_report=lambda report, changed: reports.put((report, changed))))
    thread.start()

    def next_report():
        return reports.get(timeout=60)

    try:
        first, _ = next_report()
        assert first.added == 6
        time.sleep(1)  # the watcher starts after the first run's report
        (folder / "doc_0.txt").write_text("Maria Costa left Porto.\n", encoding="utf-8")
        report, changed = next_report()  # only the file it was told of is looked at
        assert (report.updated, report.unchanged, report.documents) == (1, 0, 6)
        assert changed == [str(folder / "doc_0.txt")]

        # what a walk skips is never a run: a hidden file, anything in a hidden folder
        (folder / ".notes.txt").write_text("Maria Costa left Faro.\n", encoding="utf-8")
        (folder / ".git").mkdir()
        (folder / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
        # ... but a name a full scan indexes is (watchfiles' own filter dropped it)
        (folder / "backup.txt~").write_text("Harald Nygaard left Bergen.\n", encoding="utf-8")
        report, changed = next_report()
        assert changed == [str(folder / "backup.txt~")]
        assert (report.added, report.documents) == (1, 7)
        (folder / "backup.txt~").unlink()
        report, _ = next_report()
        assert (report.removed, report.documents) == (1, 6)

        edited = folder / "doc_1.txt"
        edited.write_text(edited.read_text(encoding="utf-8") + "\nHarald Nygaard agreed.\n",
                          encoding="utf-8")
        report, _ = next_report()
        assert (report.updated, report.unchanged, report.documents) == (1, 0, 6)

        (folder / "new" / "deeper").mkdir(parents=True)
        (folder / "new" / "deeper" / "x.txt").write_text(
            "Harald Nygaard of Meridian Advisory Ltd flew to Oslo.\n", encoding="utf-8")
        report, _ = next_report()
        assert (report.added, report.documents) == (1, 7)

        (folder / "sub" / "doc_4.txt").unlink()
        report, _ = next_report()
        assert (report.removed, report.unchanged, report.documents) == (1, 0, 6)

        # a change made while another process writes is indexed with the next one
        with _lock_when_free(index):
            (folder / "doc_2.txt").write_text("Maria Costa left Lisbon.\n", encoding="utf-8")
            busy.get(timeout=60)
        (folder / "doc_3.txt").write_text("Harald Nygaard left Oslo.\n", encoding="utf-8")
        report, changed = next_report()
        assert (report.updated, report.unchanged) == (2, 0)
        assert changed == [str(folder / "doc_3.txt")]
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
    catalog = Catalog(index.catalog, readonly=True)
    try:
        paths = {r[0] for r in catalog.conn.execute("SELECT relpath FROM documents")}
    finally:
        catalog.close()
    assert "docs/new/deeper/x.txt" in paths and "docs/sub/doc_4.txt" not in paths


def test_a_file_made_while_the_first_run_goes_on_is_indexed_with_the_first_burst(
        folder, tmp_path, annotator):
    """The watch starts before the first run: a file made after that run's scan is announced,
    and the run told of it looks at it alone."""
    index = IndexDir(tmp_path / "index")
    reports: queue.Queue = queue.Queue()
    stop = threading.Event()
    late = folder / "late.txt"

    def progress(p) -> None:
        if p.stage == "resolve" and not late.exists():
            late.write_text("Harald Nygaard of Meridian Advisory Ltd flew to Oslo.\n",
                            encoding="utf-8")

    thread = threading.Thread(target=watch, args=(index, [folder]), kwargs=dict(
        annotator=annotator, stop_event=stop, progress=progress,
        on_report=lambda report, changed: reports.put((report, changed))))
    thread.start()
    try:
        first, _ = reports.get(timeout=60)
        assert (first.added, first.documents) == (6, 6)  # made after its scan
        report, changed = reports.get(timeout=60)
        assert changed == [str(late)]
        assert (report.added, report.unchanged, report.documents) == (1, 0, 7)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()


def test_a_watch_stopped_right_after_a_change_leaves_the_spelling_vocabulary_written(
        folder, tmp_path, annotator):
    """Each change is committed with its spelling vocabulary left due, written once the run is
    reported; a Ctrl+C between the two still leaves it written, so the next run that writes
    does not write it whole (8 s at 20,000 documents)."""
    from casework.index.fulltext import open_fulltext, spelling

    index = IndexDir(tmp_path / "index")
    seen = []

    def on_report(report, changed) -> None:
        seen.append(changed)
        if not changed:
            (folder / "doc_0.txt").write_text("Report 0\n\nQuixotic zeppelins over Oslo.\n",
                                              encoding="utf-8")
        else:
            raise KeyboardInterrupt  # Ctrl+C, just as the change is reported

    with pytest.raises(KeyboardInterrupt):
        watch(index, [folder], annotator=annotator, on_report=on_report)
    assert len(seen) == 2
    ft = open_fulltext(index.fulltext)
    try:
        with ft.ix.reader() as reader:
            vocabulary = spelling.read(ft.path, reader.generation())
    finally:
        ft.close()
    assert vocabulary is not None and vocabulary.get("zeppelins") == 1
