"""The full-text package's promises beyond its answers: indexes written before it was a
package still open, the engine is chosen by CASEWORK_FULLTEXT, and the fast engine stands
aside (once said, never a crash) on a Whoosh it was not written for."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from casework.index.fulltext import FulltextEntry, create_fulltext, open_fulltext

# Written by casework at 4c978b4, when full text was the module casework/index/fulltext.py:
# three documents in two commits (d2 deleted by the second), two segments with their .cwp files.
OLD_INDEX = Path(__file__).parent / "data" / "fulltext-before-the-move"


def _pickled_module_names(folder: Path) -> set[bytes]:
    (toc,) = folder.glob("_MAIN_*.toc")
    return set(re.findall(rb"casework[\w.]*", toc.read_bytes()))


@pytest.mark.parametrize("engine", ["fast", "plain"])
def test_an_index_written_before_the_move_opens_searches_and_takes_writes(tmp_path, engine):
    folder = tmp_path / "fulltext"
    shutil.copytree(OLD_INDEX, folder)
    # its schema names the classes by their old path, the module casework.index.fulltext
    assert _pickled_module_names(folder) == {b"casework.index.fulltext"}
    ft = open_fulltext(folder, engine=engine)
    assert ft.engine == engine
    assert (ft.doc_count(), ft.doc_ids()) == (2, {"d1", "d3"})
    assert [h.doc_id for h in ft.search("cartel").hits] == ["d1", "d3"]
    assert [h.doc_id for h in ft.search('person:"el mencho"').hits] == ["d1"]
    assert ft.search('"jalisco new generation"').total == 1
    assert ft.search("ruben").total == 1  # accents folded as the old analyzer folded them
    assert ft.search("carte~").words == {"cartel"}
    assert ft.suggest("cartl") == "cartel"
    entry = FulltextEntry("d4", "/c/d4.txt", "Fourth", "The cartel again.",
                          {"person": ["El Mencho"]})
    assert ft.index([entry], ["d1"]) == 1
    assert ft.doc_ids() == {"d3", "d4"} and ft.search("cartel").total == 2
    ft.close()


def test_a_new_index_pickles_the_same_names_as_before_the_move(tmp_path):
    """So an index opens whichever side of the move wrote it."""
    create_fulltext(tmp_path / "ft").index(
        [FulltextEntry("d1", "/c/d1.txt", "A title", "Some text.", {"person": ["A Name"]})])
    toc = next((tmp_path / "ft").glob("_MAIN_*.toc")).read_bytes()
    assert _pickled_module_names(tmp_path / "ft") == {b"casework.index.fulltext"}
    assert all(name in toc for name in (b"TextPositions", b"NamePositions", b"NameListTokenizer"))
    assert toc.count(b"casework.index.fulltext.schema") == 0


def _run(code: str, engine: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CASEWORK_FULLTEXT"}
    if engine:
        env["CASEWORK_FULLTEXT"] = engine
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=120)


def test_plain_mode_never_loads_the_fast_engine(tmp_path):
    shutil.copytree(OLD_INDEX, tmp_path / "ft")
    code = (
        "import sys\n"
        "from casework.index.fulltext import open_fulltext\n"
        f"ft = open_fulltext({str(tmp_path / 'ft')!r})\n"
        "print(ft.engine, ft.search('cart*').total, ft.suggest('cartl'))\n"
        "print(sorted(m for m in sys.modules if '_whoosh' in m))\n"
    )
    out = _run(code, "plain")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["plain 2 cartel", "[]"]
    out = _run(code)
    assert out.stdout.splitlines()[0] == "fast 2 cartel"


def test_on_another_whoosh_the_fast_engine_stands_aside_and_says_so_once(tmp_path):
    shutil.copytree(OLD_INDEX, tmp_path / "ft")
    code = (
        "import whoosh\n"
        "whoosh.__version__ = (2, 7, 6)\n"
        "from casework.index.fulltext import open_fulltext\n"
        f"folder = {str(tmp_path / 'ft')!r}\n"
        "one, two = open_fulltext(folder), open_fulltext(folder)\n"
        "print(one.engine, two.engine, one.search('cart*').total, two.search('cartel').total)\n"
    )
    out = _run(code)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["plain", "plain", "2", "2"]
    assert out.stderr.count("fast full-text path was written for 2.7.5") == 1, out.stderr
    assert "Traceback" not in out.stderr


def test_an_unknown_engine_name_is_said_and_the_default_used(tmp_path):
    shutil.copytree(OLD_INDEX, tmp_path / "ft")
    code = ("from casework.index.fulltext import open_fulltext\n"
            f"print(open_fulltext({str(tmp_path / 'ft')!r}).engine)\n")
    out = _run(code, "turbo")
    assert out.returncode == 0 and out.stdout.split() == ["fast"]
    assert "CASEWORK_FULLTEXT='turbo'" in out.stderr


@pytest.mark.parametrize("engine", ["fast", "plain"])
def test_small_writes_update_the_spelling_vocabulary_as_a_full_write_would(tmp_path, engine,
                                                                         monkeypatch):
    from casework.index.fulltext import spelling

    ft = create_fulltext(tmp_path / "ft", engine=engine)
    words = "cartel harbour mayor river council budget tunnel ferry".split()
    ft.index([FulltextEntry(f"d{i}", f"/c/d{i}.txt", "", " ".join(words[i % 8 :] + words[: i % 8]),
                            {}) for i in range(20)], big=True)
    full_writes = []
    segments = set()
    for i in range(8):
        # a changed document (a word it lost, one it gained) and a new one, in one small
        # commit; Whoosh merges the small segments every few commits
        monkeypatch.setattr(spelling, "write", lambda *a: full_writes.append(a))
        ft.index([FulltextEntry("d3", "/c/d3.txt", "", f"cartel zeppelin{i}", {}),
                  FulltextEntry(f"n{i}", f"/c/n{i}.txt", "", f"quarry{i % 3} zeppelin{i}", {})])
        monkeypatch.undo()
        with ft.ix.reader() as reader:
            generation = reader.generation()
            segments.add(len(reader.leaf_readers()))
            updated = spelling.read(ft.path, generation)
            spelling.write(ft.path, reader, generation)
        assert updated == spelling.read(ft.path, generation), i
    assert not full_writes  # no write read every word of the index
    assert updated[f"zeppelin{i}"] == 2
    assert min(segments) < max(segments)  # small segments were merged on the way
    ft.close()


@pytest.mark.parametrize("engine", ["fast", "plain"])
def test_writes_left_unmerged_are_merged_later_as_a_commit_would_merge_them(tmp_path, engine,
                                                                          monkeypatch):
    """A watcher commits each change unmerged and merges while nothing changes: documents,
    answers and the spelling vocabulary end as merging commits leave them, without a full
    write of the vocabulary."""
    from casework.index.fulltext import spelling

    full_writes = []

    def write(root: Path, merge: bool):
        ft = create_fulltext(root, engine=engine)
        ft.index([FulltextEntry(f"d{i}", f"/c/d{i}.txt", "", f"cartel harbour{i}", {})
                  for i in range(20)], big=True)
        merged = []
        with monkeypatch.context() as m:
            m.setattr(spelling, "write", lambda *a: full_writes.append(a))
            for i in range(9):
                ft.index([FulltextEntry(f"n{i}", f"/c/n{i}.txt", "", f"quarry zeppelin{i}", {})],
                         merge=merge)
                if not merge:
                    merged.append(ft.merge_small())
        with ft.ix.reader() as reader:
            counts = sorted(leaf.doc_count_all() for leaf, _ in reader.leaf_readers())
            vocabulary = spelling.read(ft.path, reader.generation())
        hits = ft.search("zeppelin3 OR cartel").total
        ft.close()
        return counts, vocabulary, hits, merged

    merging = write(tmp_path / "merging", merge=True)
    later = write(tmp_path / "later", merge=False)
    # the same documents and words, in no more segments (a later merge takes in the last
    # commit's segment too)
    assert later[1:3] == merging[1:3] and later[2] == 21
    assert sum(later[0]) == sum(merging[0]) and len(later[0]) <= len(merging[0])
    assert later[1]["zeppelin8"] == 1  # the vocabulary is current
    assert any(later[3]) and not all(later[3])  # merged now and then, as commits merge
    assert not full_writes


def test_the_ids_kept_after_a_write_are_those_the_index_holds(tmp_path):
    """doc_ids is kept per generation by the process that wrote it; a commit by anyone else,
    or an index made again at the same path, is read afresh."""
    from whoosh import index as whoosh_index

    from casework.index import fulltext

    def entry(doc_id: str) -> FulltextEntry:
        return FulltextEntry(doc_id, f"/c/{doc_id}.txt", "", f"words of {doc_id}", {})

    def fresh(path: Path) -> set[str]:
        fulltext._DOC_IDS.clear()
        return open_fulltext(path).doc_ids()

    path = tmp_path / "ft"
    ft = create_fulltext(path)
    ft.index([entry(f"d{i}") for i in range(5)])
    assert ft.doc_ids() == {f"d{i}" for i in range(5)}
    ft.index([entry("d5"), entry("d1")], ["d2"], merge=False)
    ft.merge_small()
    kept = ft.doc_ids()
    assert kept == fresh(path) == {"d0", "d1", "d3", "d4", "d5"}
    ft.index([entry("d6")], ["d0"])
    assert ft.doc_ids() == {"d1", "d3", "d4", "d5", "d6"}
    writer = whoosh_index.open_dir(str(path)).writer()  # another writer
    writer.delete_by_term("doc_id", "d6")
    writer.commit()
    assert ft.doc_ids() == {"d1", "d3", "d4", "d5"}
    generation = ft.ix.latest_generation()
    ft.close()
    kept = dict(fulltext._DOC_IDS)
    shutil.rmtree(path)  # made again to the same generation, as by another process
    again = create_fulltext(path)
    while again.ix.latest_generation() < generation:
        again.index([entry("x")])
    assert again.ix.latest_generation() == generation
    fulltext._DOC_IDS.update(kept)
    assert again.doc_ids() == {"x"}
