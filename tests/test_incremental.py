"""Incremental and resumable indexing: cached annotations survive an interrupted run, and
changing one file re-annotates exactly that file."""

from __future__ import annotations

from pathlib import Path

import pytest

from casework.index.indexer import build
from casework.index.location import seed_paths
from casework.index.store import IndexDir


class Counting:
    """The session's real annotator, counting what it is asked to annotate; optionally
    interrupted (as Ctrl-C would) after ``stop_after`` documents."""

    def __init__(self, inner, stop_after: int | None = None):
        self.inner, self.stop_after, self.keys = inner, stop_after, []

    @property
    def identity(self) -> str:
        return self.inner.identity

    def annotate(self, items):
        for key, spans in self.inner.annotate(items):
            if self.stop_after is not None and len(self.keys) >= self.stop_after:
                raise KeyboardInterrupt
            self.keys.append(key)
            yield key, spans


def index_with(make_index, folder: Path, annotator):
    return build(IndexDir(make_index.path), [folder], annotator=annotator)


@pytest.fixture
def folder(tmp_path) -> Path:
    """Eight small distinct documents cut from the seeds' paragraphs."""
    paragraphs = [p.strip() for path in seed_paths()
                  for p in path.read_text(encoding="utf-8").split("\n") if len(p.strip()) > 80]
    out = tmp_path / "docs"
    out.mkdir()
    for i in range(8):
        body = "\n\n".join(paragraphs[(i * 2 + k) % len(paragraphs)] for k in range(2))
        (out / f"doc_{i}.txt").write_text(f"Report {i}\n\n{body}\n", encoding="utf-8")
    return out


def test_interrupted_run_resumes_from_cached_annotations(folder, make_index, annotator):
    first = Counting(annotator, stop_after=3)
    with pytest.raises(KeyboardInterrupt):
        index_with(make_index, folder, first)
    assert len(first.keys) == 3

    second = Counting(annotator)
    report = index_with(make_index, folder, second)
    assert len(second.keys) == 8 - 3  # the three annotated before the interrupt are reused
    assert report.documents == 8 and report.added + report.unchanged == 8
    assert not set(first.keys) & set(second.keys)


def test_changing_one_file_reannotates_one_file(folder, make_index, annotator):
    make_index(folder)
    target = folder / "doc_5.txt"
    target.write_text(target.read_text(encoding="utf-8") + "\nMaria Costa wrote from Lisbon.\n",
                      encoding="utf-8")
    counting = Counting(annotator)
    report = index_with(make_index, folder, counting)
    assert len(counting.keys) == 1
    assert (report.updated, report.added, report.unchanged) == (1, 0, 7)


def test_unchanged_folder_annotates_nothing_and_rewrites_nothing(folder, make_index, annotator):
    make_index(folder)
    counting = Counting(annotator)
    report = index_with(make_index, folder, counting)
    assert counting.keys == []
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 0, 0, 8)


def test_a_killed_rebuilds_annotations_are_kept_for_the_next_run(make_index, seeds_copy, annotator):
    """A --rebuild builds in a hidden sibling; killed, it used to take its new NER results
    with it when the next run cleared the leftovers."""
    from casework.index import store
    from casework.index.catalog import AnnotationCache
    from casework.index.models import Span

    make_index(seeds_copy)
    live = IndexDir(make_index.path)
    dead = IndexDir(live.path.with_name(f".{live.path.name}.rebuild-99999"))
    from casework.index.fulltext import create_fulltext

    dead.create(create_fulltext)
    found = [Span(0, 4, "ORG", 0, 10)]
    cache = AnnotationCache(dead.annotations)
    cache.put("f" * 64, annotator.identity, found)
    cache.commit()
    cache.close()
    assert store.leftovers(live) == [dead.path]

    make_index(seeds_copy)  # the next run, whatever it is
    assert not dead.path.exists()
    cache = AnnotationCache(live.annotations)
    try:
        assert cache.get("f" * 64, annotator.identity) == found
    finally:
        cache.close()
