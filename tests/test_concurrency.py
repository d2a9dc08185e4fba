"""Searches while `casework index` writes never fail; a second writer is told who holds the lock.

Real processes throughout: a writer subprocess, searches through the CLI and in-process.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from casework.index.api import open_index
from tests.conftest import run_cli
from tests.test_crash import crash_trials

COPIES = 120  # enough for the writer to outlast a few CLI searches


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return crash_trials.make_corpus(tmp_path_factory.mktemp("concurrency") / "corpus", COPIES)


def _start_writer(corpus: Path, index: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("CASEWORK_INDEX", None)
    return subprocess.Popen(
        [sys.executable, "-m", "casework.tui.cli", "index", str(corpus), *extra, "-q",
         "--index", str(index)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )


def _wait_until_writing(index: Path, writer: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and writer.poll() is None:
        lock = index / "write.lock"
        if lock.exists() and lock.read_text(encoding="utf-8").strip():
            return
        time.sleep(0.01)
    pytest.fail("the writer never took the lock")


@pytest.mark.parametrize("extra", [(), ("--rebuild",)])
def test_searches_during_indexing_never_fail(seeds_index, corpus, tmp_path, extra):
    index = tmp_path / "index"
    shutil.copytree(seeds_index, index)
    writer = _start_writer(corpus, index, *extra)
    _wait_until_writing(index, writer)
    held = open_index(index)  # the TUI's way: one Casework kept open while the index changes
    cli_runs = in_process = 0
    try:
        while writer.poll() is None:
            proc = run_cli("search", "harfuch", "--json", index=index)
            assert proc.returncode == 0, proc.stderr
            assert "warning" not in proc.stderr
            cli_runs += 1
            for _ in range(5):
                assert held.search("harfuch").total >= 2
                with open_index(index) as fresh:
                    assert fresh.search("sheinbaum").total >= 2
                in_process += 1
        assert writer.returncode == 0, writer.stderr.read()
    finally:
        held.close()
        if writer.poll() is None:
            writer.kill()
    assert cli_runs >= 2 and in_process >= 10  # the searches really overlapped the writer
    with open_index(index) as cw:
        assert cw.document_count() == COPIES + (0 if extra else 2)


def test_second_writer_is_told_which_process_holds_the_lock(seeds_index, corpus, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(seeds_index, index)
    writer = _start_writer(corpus, index)
    try:
        _wait_until_writing(index, writer)
        second = run_cli("index", str(corpus), index=index)
        assert writer.poll() is None, "the first writer finished too soon for this test"
    finally:
        writer.wait(timeout=120)
    assert second.returncode == 2
    assert second.stderr.count("\n") == 1
    assert f"process {writer.pid}" in second.stderr
    assert "LockError" not in second.stderr and "Traceback" not in second.stderr
    assert writer.returncode == 0


def test_explorer_searches_while_a_rebuild_swaps_the_index(seeds_index, corpus, tmp_path):
    """The TUI (Pilot) keeps answering while `casework index --rebuild` writes and swaps."""
    import asyncio

    from casework.tui.app import CaseworkApp
    from casework.tui.search_pane import SearchBox

    index = tmp_path / "index"
    shutil.copytree(seeds_index, index)

    async def scenario() -> int:
        app = CaseworkApp(index)
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(3):
                await app.workers.wait_for_complete()
                await pilot.pause()
            writer = _start_writer(corpus, index, "--rebuild")
            answered = during = 0
            try:
                _wait_until_writing(index, writer)
                words = ["harfuch", "sheinbaum", "mexico"]
                while writer.poll() is None or answered < 3:
                    during += writer.poll() is None
                    query = words[answered % len(words)]
                    app.query_one(SearchBox).value = query
                    await pilot.pause(0.15)
                    for _ in range(3):
                        await app.workers.wait_for_complete()
                        await pilot.pause()
                    message = str(app.query_one("#message").render())
                    assert "⚠" not in message, message
                    assert app.last_result is not None and app.last_result.query == query
                    assert app.last_result.total >= 2
                    answered += 1
            finally:
                writer.wait(timeout=120)
            assert writer.returncode == 0
            return during

    assert asyncio.run(scenario()) >= 3  # searches that started while the writer ran


def test_a_search_survives_the_index_directory_being_swapped_under_its_reader(
        seeds_index, tmp_path, annotator):
    """Whoosh opens a segment's stored-fields file by name on first use. A --rebuild swaps the
    full-text directory between a reader's opening and that first use (what CI once caught:
    "'NoneType' object is not subscriptable" from stored_fields); the search reads again."""
    from whoosh import index as whoosh_index

    from casework.index.indexer import build
    from casework.index.location import seed_paths
    from casework.index.store import IndexDir, swap_dirs

    live, other = tmp_path / "live", tmp_path / "other"
    shutil.copytree(seeds_index, live)
    shutil.copytree(seeds_index, other)
    build(IndexDir(other), seed_paths(), rebuild=True, annotator=annotator)  # new segment names
    with open_index(live) as cw:
        searcher = cw.fulltext._current()  # opened, stored fields not read yet
        swap_dirs(live / "fulltext", other / "fulltext")
        # the race is real: same generation (refresh keeps the reader), its files gone
        assert whoosh_index.open_dir(str(live / "fulltext")).latest_generation() \
            == searcher.reader().generation()
        with pytest.raises(TypeError):
            searcher.stored_fields(0)
        assert cw.search("harfuch").total >= 2
