"""Shared fixtures: the spaCy model is loaded once, and the seeds index built once, per session."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from casework.index.indexer import build
from casework.index.location import seed_paths
from casework.index.store import IndexDir

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def annotator():
    """The real spaCy NER annotator, model loaded once for the whole session."""
    from casework.index.nlp import SpacyAnnotator

    annotator = SpacyAnnotator()
    annotator.nlp  # load now, once
    return annotator


@pytest.fixture(scope="session")
def seeds_index(tmp_path_factory, annotator) -> Path:
    """A real index of the bundled seeds. Read-only: tests that write make their own."""
    path = tmp_path_factory.mktemp("seeds") / "index"
    build(IndexDir(path), seed_paths(), annotator=annotator)
    return path


@pytest.fixture(params=["fast", "plain"])
def fulltext_engine(request, monkeypatch) -> str:
    """Runs a test once with each full-text engine (CASEWORK_FULLTEXT: Whoosh's fast path, and
    Whoosh's public API alone), in this process and in the CLI processes it starts."""
    monkeypatch.setenv("CASEWORK_FULLTEXT", request.param)
    return request.param


@pytest.fixture
def make_index(tmp_path, annotator):
    """Build (or update) an index of given paths with the session's annotator."""
    path = tmp_path / "index"

    def _build(*paths: Path, **kwargs):
        return build(IndexDir(path), list(paths), annotator=annotator, **kwargs)

    _build.path = path
    return _build


def run_cli(*args: str, index: Path | None = None, env: dict | None = None, timeout: int = 120):
    """Run the real CLI in a subprocess, as a user would."""
    full_env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    full_env.pop("CASEWORK_INDEX", None)
    if env:
        full_env.update(env)
    cmd = [sys.executable, "-m", "casework.tui.cli", *args]
    if index is not None:
        cmd += ["--index", str(index)]
    return subprocess.run(cmd, capture_output=True, text=True, env=full_env, timeout=timeout)


def cli_json(*args: str, index: Path | None = None):
    proc = run_cli(*args, "--json", index=index)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout), proc


@pytest.fixture
def seeds_copy(tmp_path) -> Path:
    """A writable copy of the seed documents in a folder of their own."""
    folder = tmp_path / "docs"
    folder.mkdir()
    for p in seed_paths():
        shutil.copy(p, folder / p.name)
        (folder / p.name).chmod(0o644)
    return folder


@pytest.fixture
def too_big_to_repair(seeds_index, tmp_path, monkeypatch) -> Path:
    """A copy of the seeds index left as an interrupted run leaves it, with the repair-on-open
    threshold lowered so casework reports the fix instead of doing it."""
    import sqlite3

    from casework.index import consistency

    index = tmp_path / "interrupted-index"
    shutil.copytree(seeds_index, index)
    conn = sqlite3.connect(index / "catalog.sqlite")
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('state', 'updating')")
    conn.commit()
    conn.close()
    monkeypatch.setattr(consistency, "AUTO_REPAIR_DOCS", 1)
    return index

