"""casework's Whoosh segment writer (postings pooled per term) writes Whoosh's own bytes."""

from __future__ import annotations

import gc
import hashlib
import random
import weakref

import pytest
from whoosh import index
from whoosh.writing import SegmentWriter

from casework.index.fulltext import make_schema, whoosh_fields
from casework.index.fulltext._whoosh.segment_writer import FastSegmentWriter, TermPool
from test_rank import _entries, _sentences


def _build(folder, writer_class, limitmb):
    """Three commits: 300 documents; 100 more with 40 replaced (a second segment, deletions);
    then a merge of everything into one segment. Returns each commit's files by content, and
    what a reader reads from them."""
    rng = random.Random(12)
    sentences = _sentences()
    batches = [_entries(rng, sentences, range(300)),
               _entries(rng, sentences, [*range(300, 400), *range(0, 400, 10)]),
               _entries(rng, sentences, range(400, 420))]
    folder.mkdir()
    ix = index.create_in(str(folder), make_schema())
    states = []
    for i, batch in enumerate(batches):
        writer = writer_class(ix, limitmb=limitmb, compound=False)
        for entry in batch:
            writer.update_document(**whoosh_fields(entry))
        writer.commit(optimize=i == 2)
        # segment names are random: compare the files' contents per kind of file
        files = {}
        for f in folder.iterdir():
            if f.suffix in (".pst", ".trm", ".col"):
                files.setdefault(f.suffix, []).append(hashlib.sha1(f.read_bytes()).hexdigest())
        states.append(({k: sorted(v) for k, v in files.items()}, _read_back(ix)))
    return states


def _read_back(ix) -> dict:
    """Every term's postings (segment, docnum, weight, value) and every field length."""
    out = {}
    with ix.reader() as reader:
        for fieldname, tbytes in reader.all_terms():
            m, postings = reader.postings(fieldname, tbytes), []
            while m.is_active():
                postings.append((m.id(), m.weight(), m.value()))
                m.next()
            out[(fieldname, tbytes)] = postings
        for fieldname in ("title", "body", "entity", "person"):
            out[fieldname] = [reader.doc_field_length(d, fieldname)
                              for d in range(reader.doc_count_all())]
    return out


# 0.05 MB makes both pools spill a sorted run every few hundred postings and merge them back
@pytest.mark.parametrize("limitmb", [128, 0.05])
def test_pooling_by_term_writes_the_bytes_whoosh_writes(tmp_path, limitmb):
    ours = _build(tmp_path / "ours", FastSegmentWriter, limitmb)
    theirs = _build(tmp_path / "whoosh", SegmentWriter, limitmb)
    assert [len(files[".pst"]) for files, _ in ours] == [1, 2, 1]
    assert [read for _, read in ours] == [read for _, read in theirs]
    if limitmb == 128:
        assert [files for files, _ in ours] == [files for files, _ in theirs]
    # Spilled, the bytes may differ and the postings may not: a word found once in a document
    # has one bytes object for its position (fulltext/schema.py's _ONE_POSITION), which a
    # block's pickle writes once and then refers back to; Whoosh's pool pickles each posting on its own, so
    # its spilled values come back as separate objects, written out in full each time.


def test_spilled_runs_join_each_terms_postings_in_order(tmp_path):
    from whoosh.filedb.filestore import FileStorage

    pool = TermPool(FileStorage(str(tmp_path)), limitmb=0.2)  # spills every ~1,500 postings
    expected: dict[tuple[str, bytes], list[int]] = {}
    for docnum in range(3000):
        for word in (b"a", b"w%d" % (docnum % 500), b"z%d" % (docnum % 37)):
            pool.add(("body", word, docnum, 1.5, b"v%d" % docnum))
            expected.setdefault(("body", word), []).append(docnum)
    assert len(pool.runs) >= 5
    runs = len(pool.runs)
    got, read, kept = {}, [], []
    for key, docs, weights, _ in pool.iter_terms():
        got[key] = list(docs)
        read.append(weakref.ref(weights))
        if len(read) == len(expected) // 2:
            # what was read and used is let go: the merge holds an item per run, no more (a
            # reused Unpickler's memo kept every run's contents to the end)
            gc.collect()
            kept = [r for r in read[: -runs - 1] if r() is not None]
    assert list(got) == sorted(expected)
    assert got == expected
    assert len(read) > 2 * runs and not kept
    assert not list(tmp_path.glob("*.run")), "runs are removed once read"
