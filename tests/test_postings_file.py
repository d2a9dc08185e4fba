"""Common words' postings as plain arrays beside each segment (postings_file.py): the file
holds what Whoosh's blocks hold, rank.py answers from it as Whoosh answers, and it lives and
dies with its segment.

The threshold is lowered to 20 postings, so that an index of a few hundred documents has
common words (at the real 1,024 it would have none and every read would take the old path).
"""

from __future__ import annotations

import random
from array import array

import pytest
from whoosh import index
from whoosh.writing import SegmentWriter

from casework.index.fulltext import create_fulltext, make_schema, open_fulltext, whoosh_fields
from casework.index.fulltext._whoosh import phrases, postings_file, rank
import test_rank
from test_rank import COUNT_ONLY, QUERIES, _entries, _parsed, _sentences

LOW = 20
REAL = postings_file.MIN_POSTINGS


@pytest.fixture(scope="module")
def low_threshold():
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(postings_file, "MIN_POSTINGS", LOW)
        yield


@pytest.fixture(scope="module")
def two_segments(tmp_path_factory, low_threshold):
    """test_rank's index (two commits, the second replacing some documents), its common
    words in the file."""
    ft = test_rank.two_commits(tmp_path_factory.mktemp("common") / "fulltext")
    yield ft, ft, ft._current()
    ft.close()


def _common_files(folder) -> list:
    return sorted(p.name for p in folder.iterdir() if p.suffix == postings_file.EXT)


def _segment_terms(sub):
    reader = sub.reader()
    return reader, reader._terms.items()


def test_each_segment_has_its_file_holding_whooshs_postings(two_segments):
    ft, _, ws = two_segments
    segments = [sub.reader().segment().segment_id() for sub, _ in ws.leaf_searchers()]
    assert _common_files(ft.path) == sorted(postings_file.file_name(s) for s in segments)
    held = with_positions = 0
    for sub, _ in ws.leaf_searchers():
        reader, terms = _segment_terms(sub)
        storage, segment_id = reader._storage, reader.segment().segment_id()
        directory = postings_file.directory(storage, segment_id)
        for key, info in terms:
            if info.doc_frequency() < LOW:
                assert directory.get(*key) is None, key
                continue
            ids, weights = postings_file.read(storage, segment_id, directory.get(*key))
            whooshs = rank.read_postings(reader, *key, values=True)
            assert (ids, weights) == whooshs[:2], key
            assert ids.typecode == "I"
            held += 1
            if not reader.schema[key[0]].format.supports("positions"):  # the stem field
                assert postings_file.read_positions(
                    storage, segment_id, directory.get(*key)) is None, key
                continue
            same_ids, same_weights, counts, flat = postings_file.read_positions(
                storage, segment_id, directory.get(*key))
            decode = reader.schema[key[0]].format.decode_positions
            expected = [list(decode(v)) for v in whooshs[2]]
            assert (same_ids, same_weights) == (ids, weights), key
            assert list(counts) == [len(p) for p in expected], key
            # each position as a key: position * the segment's document count + docnum
            stride = reader.doc_count_all()
            assert directory.stride == stride
            assert list(flat) == [p * stride + d for d, ps in zip(ids, expected) for p in ps], key
            with_positions += 1
    assert held > 100 and with_positions > 100  # guard: the comparisons were not vacuous
    # and rank.py's segments read from the file (without it they would read the blocks)
    for sub, _ in ws.leaf_searchers():
        seg = rank._Segment(sub, ws, float("inf"))
        assert seg.common.keys() and seg._read_common("body", b"cartel") is not None
        # a phrase's word read with its positions leaves its ids and weights for scoring
        key = (seg.segment_id, "body", b"cartel")
        assert rank._POSTINGS.get(key) is None
        ids = seg.positions("body", b"cartel").ids
        assert rank._POSTINGS.get(key)[0] == ids


# test_rank's comparisons with Whoosh, on an index whose common words are in the file
@pytest.mark.parametrize("text", QUERIES)
def test_rank_from_the_file_gives_whooshs_answers(two_segments, text):
    _, s, ws = two_segments
    test_rank.test_rank_gives_whooshs_count_order_and_scores((s, ws), text)


@pytest.mark.parametrize("text", COUNT_ONLY)
def test_rank_from_the_file_counts_what_whoosh_counts(two_segments, text):
    _, s, ws = two_segments
    test_rank.test_rank_counts_what_whoosh_counts((s, ws), text)


# 0: document by document; a billion: the whole segment at once (the words' keys intersected)
@pytest.mark.parametrize("keys_per_document", [0, 10**9])
@pytest.mark.parametrize("text", [t for t in QUERIES if '"' in t])
def test_phrases_match_as_whoosh_matches_them_either_way(two_segments, monkeypatch, text,
                                                          keys_per_document):
    monkeypatch.setattr(phrases, "_KEYS_PER_DOCUMENT", keys_per_document)
    monkeypatch.setattr(phrases, "_PHRASES", rank._Cache(250_000, len))  # none kept from before
    _, s, ws = two_segments
    test_rank.test_rank_gives_whooshs_count_order_and_scores((s, ws), text)


def test_the_file_goes_with_its_segment_when_segments_merge(tmp_path, low_threshold):
    rng = random.Random(4)
    sentences = _sentences()
    ft = create_fulltext(tmp_path / "ft", engine="fast")
    ft.index(_entries(rng, sentences, range(150)), [])
    ft.index(_entries(rng, sentences, range(150, 300)), [])
    before = _common_files(ft.path)
    assert len(before) == 2
    ft.index(_entries(rng, sentences, range(300, 310)), [], big=True)  # merged into one
    after = _common_files(ft.path)
    assert len(after) == 1 and not set(after) & set(before)
    assert not [p for p in ft.path.iterdir() if p.name.endswith(".tmp")]
    with ft.ix.reader() as reader:
        (segment,) = [r.segment() for r, _ in reader.leaf_readers()]
        assert after == [postings_file.file_name(segment.segment_id())]


def test_an_index_written_without_files_gets_them_and_answers_the_same(tmp_path, low_threshold):
    """An index written before postings_file.py existed (Whoosh's own writer, no files) is
    searched from Whoosh's blocks; the next write adds the missing files, and the answers do
    not change. A damaged file is passed over."""
    rng = random.Random(8)
    folder = tmp_path / "ft"
    folder.mkdir()
    ix = index.create_in(str(folder), make_schema())
    writer = SegmentWriter(ix, compound=False)
    for entry in _entries(rng, _sentences(), range(250)):
        writer.update_document(**whoosh_fields(entry))
    writer.commit()
    ft = open_fulltext(folder, engine="fast")
    assert _common_files(folder) == []

    def answers():
        ft.reopen()
        ws = ft._current()
        found = [rank.rank(ws, _parsed(ft, text), 30) for text in ("the cartel", "cart*", "the")]
        ft.close()
        return found

    before = answers()
    assert ft.upkeep() == 1
    assert ft.upkeep() == 0  # each segment once
    (name,) = _common_files(folder)
    segment_id = name[: -len(postings_file.EXT)]
    directory = postings_file.directory(ix.storage, segment_id)
    assert directory.keys()  # terms are held, with their positions
    assert postings_file.read_positions(ix.storage, segment_id, directory.get("body", b"the"))
    assert answers() == before
    assert before[2][0] > 0
    # cut short: the trailer is gone, so the file is not read (and not cached: a new name)
    damaged = folder / name
    damaged.write_bytes(damaged.read_bytes()[:-5])
    postings_file._DIRECTORIES.clear()
    assert postings_file.directory(ix.storage, segment_id) is None
    assert answers() == before


def test_a_file_of_the_first_layout_is_passed_over_and_written_again(tmp_path, low_threshold):
    """Its positions are not keys: read as keys, a phrase would match the wrong documents."""
    ft = create_fulltext(tmp_path / "ft", engine="fast")
    ft.index(_entries(random.Random(3), _sentences(), range(120)), [])
    (name,) = _common_files(ft.path)
    segment_id = name[: -len(postings_file.EXT)]
    path = ft.path / name
    path.write_bytes(path.read_bytes()[:-4] + b"CWP1")
    postings_file._DIRECTORIES.clear()
    assert postings_file.directory(ft.ix.storage, segment_id) is None
    assert ft.upkeep() == 1
    assert postings_file.directory(ft.ix.storage, segment_id).keys()
    assert ft.upkeep() == 0


def test_rare_words_are_left_to_whooshs_blocks(tmp_path, monkeypatch):
    """At the real threshold a small index holds no term in the file: it is a marker only."""
    monkeypatch.setattr(postings_file, "MIN_POSTINGS", REAL)
    ft = create_fulltext(tmp_path / "ft", engine="fast")
    ft.index(_entries(random.Random(2), _sentences(), range(60)), [])
    (name,) = _common_files(ft.path)
    assert postings_file.directory(ft.ix.storage, name[: -len(postings_file.EXT)]).keys() == []


def test_writer_keeps_weights_as_whoosh_rounds_them_and_wide_positions(tmp_path, monkeypatch):
    from whoosh.filedb.filestore import FileStorage
    from whoosh.formats import Positions

    monkeypatch.setattr(postings_file, "MIN_POSTINGS", REAL)
    fmt = Positions()

    storage = FileStorage(str(tmp_path))
    stride = 600_000  # the documents' count in the segment: above every docnum below
    with postings_file.Writer(storage, "MAIN_x", stride) as w:
        w.add(("body", b"a"), array("I", range(2000)), array("d", [0.1] * 2000))
        w.add(("body", b"b"), array("I", range(5)), array("d", [1.0] * 5))  # too rare
        # keys past 32 bits (a long document) are held as uint64
        w.add(("body", b"c"), array("I", range(2000)), array("d", [2.0] * 2000),
              [fmt.encode([3, 70000])] * 2000, fmt)
        # gaps past 255, weights that are not the counts (a boosted field)
        w.add(("title", b"d"), array("I", range(0, 600_000, 300)), array("d", [3.0] * 2000),
              [fmt.encode([1, 2])] * 2000, fmt)
        # a value that is not in Positions' layout: the term is held without positions
        w.add(("body", b"e"), array("I", range(2000)), array("d", [1.0] * 2000),
              [fmt.encode([1])] * 1999 + [b""], fmt)
    directory = postings_file.directory(storage, "MAIN_x")
    assert directory.keys() == [("body", b"a"), ("body", b"c"), ("body", b"e"), ("title", b"d")]
    assert [directory.get(*key)[3] for key in directory.keys()] == \
        ["Bf--", "BB=Q", "BB--", "HBBI"]
    ids, _, counts, flat = postings_file.read_positions(storage, "MAIN_x",
                                                        directory.get("title", b"d"))
    assert list(ids) == list(range(0, 600_000, 300)) and list(counts) == [2] * 2000
    assert list(flat) == [k for d in ids for k in (stride + d, 2 * stride + d)]
    weights = postings_file.read(storage, "MAIN_x", directory.get("title", b"d"))[1]
    assert weights.typecode == "B" and list(weights) == [3] * 2000
    ids, weights = postings_file.read(storage, "MAIN_x", directory.get("body", b"a"))
    assert list(ids) == list(range(2000)) and weights == array("f", [0.1] * 2000)
    assert postings_file.read_positions(storage, "MAIN_x", directory.get("body", b"a")) is None
    ids, _, counts, flat = postings_file.read_positions(storage, "MAIN_x",
                                                        directory.get("body", b"c"))
    assert list(ids) == list(range(2000)) and list(counts) == [2] * 2000
    assert flat.typecode == "Q"
    assert list(flat) == [k for d in ids for k in (3 * stride + d, 70000 * stride + d)]
