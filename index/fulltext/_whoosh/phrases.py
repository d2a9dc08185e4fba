"""Phrases and other positional queries for rank.py: candidates from the terms' postings, then
positions checked over the whole segment at once (as keys in the common words' file)."""

from __future__ import annotations

from itertools import compress, repeat
from operator import add, mod, not_

from whoosh import query as wq

from casework.index.fulltext import query
from casework.index.fulltext._whoosh.bm25 import _bm25_of, _boosted, _length_norms
from casework.index.fulltext._whoosh.segment import Scores, _Cache, _Occurrences, _Segment


# A phrase's scores in a segment and field (before its boost), as a query cache of the kind
# Lucene keeps for filters: the words' positions cost ~20 ms a segment and field for "white
# house" at 100,000 articles (body and entity names, two segments: ~80 ms a query), and paging,
# refining ("white house" -> "white house" senate) and the explorer's re-runs repeat it.
# Bounded by documents held (~100 bytes each): 250,000 = ~25 MB.
_PHRASES = _Cache(250_000, lambda scores: len(scores) + 1)

# a phrase's words are matched over the whole segment at once when their keys are at most this
# many per document holding them all, else document by document: at 100,000 articles, the
# first cost ~0.2 us a key, the second ~3.5 us a document ("white house" in the body: 57,000
# keys, 7,700 documents, 20 vs 24 ms; in entity names, 26,000 and 7,400: 4 vs 13 ms; "of the"
# in the body: 2.5 million and 49,000, 500 vs 200 ms)
_KEYS_PER_DOCUMENT = 16


def _positional(seg: _Segment, q, candidates: Scores | None) -> Scores:
    """Phrases and their kin, checked by Whoosh's matcher (only on ``candidates`` if given)."""
    if isinstance(q, wq.Phrase) and q.slop == 1 and q.fieldname in seg.reader.schema:
        found = _phrase(seg, q)
        if candidates is None:
            return found
        return {d: v + found[d] for d, v in candidates.items() if d in found}
    m = q.matcher(seg.searcher)
    out: Scores = {}
    if candidates is None:
        while m.is_active():
            out[m.id()] = m.score()
            m.next()
        return out
    for d in sorted(candidates):
        if not m.is_active():
            break
        if m.id() < d:
            m.skip_to(d)
            if not m.is_active():
                break
        if m.id() == d:
            out[d] = candidates[d] + m.score()
    return out


def phrase_within(seg: _Segment, q, within) -> Scores:
    """An exact phrase's scores in the documents of ``within`` (at least; as _phrase's).

    A name typed as a name adds its pairs of words as phrases to an AND of its words
    (query.py), which needs them only in the AND's documents, usually few: only those
    documents' positions are read (a common name's, "donald trump" in the entity names,
    held by thousands of documents, were read whole for a query matching tens). Not kept:
    the scores depend on ``within``; a phrase kept whole already is used as it is."""
    found = _words_and_key(seg, q)
    if found is None:
        return {}
    words, key = found
    kept = _PHRASES.get(key) if seg.segment_id else None
    if kept is None:
        # the words' documents first (their postings are the AND's, read already): positions
        # are read only where the words meet
        wanted = set(within).intersection(*(seg.postings(q.fieldname, w)[0] for w in words))
        if not wanted:
            return {}
        kept = _phrase_scores(seg, q.fieldname, words, wanted)
    return _boosted(q, kept) if q.boost != 1.0 else dict(kept)


def _words_and_key(seg: _Segment, q):
    """A phrase's words as its field stores them, and its cache key: as for a term's, the
    segment's state and the whole index's statistics. None where a word is not in the segment."""
    field = seg.reader.schema[q.fieldname]
    try:
        words = tuple(field.to_bytes(w) for w in q.words)
    except ValueError:
        return None
    if not words or any((q.fieldname, w) not in seg.reader for w in words):
        return None
    stats = (seg.top.avg_field_length(q.fieldname), query.BM25_B, query.BM25_K1,
             *(seg.top.idf(q.fieldname, w) for w in words))
    return words, (seg.state, q.fieldname, words, stats)


def _phrase(seg: _Segment, q) -> Scores:
    """An exact phrase: its words' BM25F summed, times the boost, as Whoosh scores it."""
    found = _words_and_key(seg, q)
    if found is None:
        return {}
    words, key = found
    scores = seg._cached(_PHRASES, key, lambda: _phrase_scores(seg, q.fieldname, words))
    return _boosted(q, scores) if q.boost != 1.0 else dict(scores)  # the caller's to change


def _phrase_scores(seg: _Segment, fieldname: str, words: tuple[bytes, ...],
                   within: set | None = None) -> Scores:
    """The documents holding the phrase, each with the sum of its words' BM25F.

    Whoosh's phrase matcher cost ~70 us for each document holding every word ("white house":
    290 ms at 20,000 articles, ~600 ms at 100,000). Here each word's positions are read as
    arrays of keys from the common words' file, or else unpickled in one call, and compared
    as sets (:func:`_phrase_documents`); only the documents that hold the phrase are scored.
    """
    # read once per word: a term too big for the cache would otherwise be read twice
    found = [seg.positions(fieldname, w) for w in words]
    if within is not None:  # only these documents' positions (phrase_within)
        common = _phrase_documents_within(found, seg.stride, within)
    else:
        common = _phrase_documents(found, seg.stride) if len(words) > 1 else set(found[0].ids)
    if seg.deleted:
        common.difference_update(seg.deleted)
    if not common:
        return {}
    # each word's postings kept to the phrase's documents are the same documents, in docnum
    # order, so the words' scores are summed as lists, in word order as Whoosh sums them (as
    # dicts, one per word, this was ~30% of "white house" at 100,000 articles)
    avgfl = seg.top.avg_field_length(fieldname) or 1
    docs = sorted(common)
    # a document's length norm is the same for every word: looked up once (per word, with the
    # postings kept to the phrase's documents, it was ~40% of the scoring)
    norms = list(_length_norms(seg, fieldname, docs, avgfl))
    total = None
    for w in words:
        ids, weights = seg.postings(fieldname, w)
        tf = list(compress(weights, map(common.__contains__, ids)))
        scores = _bm25_of(tf, norms, seg.top.idf(fieldname, w))
        total = list(scores) if total is None else list(map(add, total, scores))
    return dict(zip(docs, total))


def _phrase_documents_within(found: list[_Occurrences], stride: int, within: set) -> set:
    """The documents of ``within`` holding the words in a row, checked one by one."""
    common = within.intersection(*(word.ids for word in found))
    if not common or len(found) == 1:
        return common
    return _in_a_row(sorted(common), [word.select(common) for word in found], stride)


def _in_a_row(docs: list, keys_by_word: list, stride: int) -> set:
    """Of ``docs``, those where each word's keys (one row per document) hold the first word's
    plus ``i * stride``: the words in a row, checked one document at a time."""
    out = set()
    for d, keys, *others in zip(docs, *keys_by_word):
        starts = set(keys)
        for i, later in enumerate(others, 1):
            # word i's keys i positions back: the phrase starts it allows
            starts.intersection_update(map((-i * stride).__add__, later))
            if not starts:
                break
        else:
            out.add(d)
    return out


def _phrase_documents(found: list[_Occurrences], stride: int) -> set:
    """The documents holding the words in a row (deleted ones included): where word i has a
    key of the first word's plus ``i * stride`` (i positions later)."""
    # the rarest word's documents stand in for those holding every word: counting those
    # took as long as matching the keys ("white house": 10,000 and 13,000 ids, ~3 ms)
    fewest = min(len(word.ids) for word in found)
    if sum(word.count for word in found) <= _KEYS_PER_DOCUMENT * fewest:
        starts = set(found[0].every())
        for i, word in enumerate(found[1:], 1):
            starts.intersection_update(map((-i * stride).__add__, word.every()))
            if not starts:
                return starts
        return set(map(mod, starts, repeat(stride)))
    ids = sorted((word.ids for word in found), key=len)
    common = set(ids[0]).intersection(*ids[1:])
    if not common:
        return common
    docs = sorted(common)
    first, *rest = [word.select(common) for word in found]
    if len(rest) == 1:  # two words, the usual phrase: does a second word follow a first?
        # map() all the way, so no Python frame runs per document (that cost ~40%)
        after_first = map(set, map(map, repeat(stride.__add__), first))  # positions + 1
        apart = map(set.isdisjoint, after_first, rest[0])
        return set(compress(docs, map(not_, apart)))
    return _in_a_row(docs, [first, *rest], stride)
