"""Top hits and the exact match count in one pass, for the query shapes people type.

Whoosh ranks through a tree of matcher objects, several Python calls per posting per node:
``presdent~`` (9,386 matches) took ~60 ms and ``immigra*`` ~80 ms at 20,000 articles, five
times that at 100,000, and Whoosh's fast top-N path cannot count what it skips. Here each
term's posting list is read a block at a time (ids and weights are arrays), scored with the
same BM25F as Whoosh's (query.py's B and K1), and the query tree becomes dict unions and
intersections. :func:`supported` says which trees it takes; :func:`top` gives the rest to
the plain engine. Decoded posting lists and field lengths are kept between queries (bounded
caches).
Common words are read from plain arrays beside the segment when it has them (postings_file.py):
their pickled blocks were most of a new query's time at 100,000 documents.
Wildcard, prefix, fuzzy and range terms are expanded here too (:func:`expand`), within
query.py's caps, each segment's words kept for the next query.

Scores follow Whoosh: BM25F per term (idf and average length from the whole index, the
field's stored weight, which already holds the schema's field boost), times the query boost;
Or and And sum their parts, a wildcard, prefix or fuzzy term sums its expansions, and a NOT
inside an AND adds its boost. Ties go to the lower docnum. One difference, on purpose: Whoosh
drops a wildcard or fuzzy term's boost when it expands to a single word; here a title match
counts double however many words the expansion finds. tests/test_rank.py checks the
order and scores against Whoosh's own.
"""

from __future__ import annotations

import heapq
import sys
import time
from array import array
from collections.abc import Iterable
from itertools import compress, repeat
from operator import add, le

from whoosh import query as wq
from whoosh.query.spans import SpanQuery

from casework.index.fulltext import plain, query
from casework.index.fulltext._whoosh.bm25 import _bm25, _boosted
from casework.index.fulltext._whoosh.expand import expand  # noqa: F401  (rank's door: top, expand)
from casework.index.fulltext._whoosh.phrases import _positional, phrase_within
from casework.index.fulltext._whoosh.segment import (  # noqa: F401  (read_postings and the
    _POSTINGS, _TERMS, _CODECS_ENCODE, Scores, Within, _block_data, _Cache, _Segment,  # caches:
    read_postings,  # tests/test_rank.py and test_postings_file.py reach them through here)
)


_POSITIONAL = (wq.Phrase, wq.Sequence, SpanQuery)


# a term is scored in ``within``'s documents only when it holds this many times as many
_WITHIN_SHARE = 2


def top(searcher, q, limit: int, deadline: float) -> tuple[int, list[tuple[int, float]]]:
    """plain.top, faster: :func:`rank` for the query shapes it takes; the rest as the plain
    engine runs them (its expansion too: Whoosh's own scores a wildcard of more than two words
    as a constant on indexes under 5,000 documents, where rank.py sums the words' scores)."""
    if supported(q):
        return rank(searcher, q, limit, deadline)
    return plain.top(searcher, plain.expand(searcher, q), limit, deadline)


def supported(q) -> bool:
    """Whether :func:`rank` can answer ``q`` without Whoosh's matchers."""
    if isinstance(q, (wq.Term, wq.MultiTerm, wq.Every)) or q is wq.NullQuery:
        return True
    if isinstance(q, _POSITIONAL):
        return True
    if isinstance(q, (wq.And, wq.Or, wq.DisjunctionMax)) and not isinstance(q, wq.Sequence):
        if getattr(q, "minmatch", 0) or getattr(q, "scale", None):
            return False
        # a NOT is taken inside an AND only ("a OR NOT b", as Whoosh's parser reads
        # "(a OR b) NOT c OR d", matches every document without c: Whoosh's matchers answer it)
        nots = isinstance(q, wq.And)
        return all(supported(s.query) if nots and isinstance(s, wq.Not) else supported(s)
                   for s in q.subqueries)
    if isinstance(q, (wq.AndNot, wq.AndMaybe, wq.Require)):
        return supported(q.a) and supported(q.b)
    return False


def rank(searcher, q, limit: int, deadline: float = float("inf")
         ) -> tuple[int, list[tuple[int, float]]]:
    """(number of matching documents, the top ``limit`` as (global docnum, score), best first).

    Call only when :func:`supported` says so. Past ``deadline`` (time.monotonic) wildcard and
    fuzzy terms stop adding expansions, so the answer is partial but still ranked.
    """
    total = 0
    best: list[tuple[float, int]] = []
    for sub, offset in searcher.leaf_searchers():
        scores = _scores(_Segment(sub, searcher, deadline), q)
        total += len(scores)
        best = heapq.nlargest(limit, best + _top(scores, limit, offset))
    return total, [(-negdoc, score) for score, negdoc in best]


def _top(scores: Scores, limit: int, offset: int) -> list[tuple[float, int]]:
    """The best ``limit`` of one segment's scores as (score, -global docnum), best first.

    Only the matches scoring at least the limit-th best become a tuple: a tuple per match took
    twice as long (24,000 matches: 4.6 against 2.1 ms; ``presdent~`` has 47,632 at 100,000).
    """
    items = scores.items()
    if len(scores) > limit > 0:
        cutoff = heapq.nlargest(limit, scores.values())[-1]
        items = compress(items, map(le, repeat(cutoff), scores.values()))
    return heapq.nlargest(limit, ((s, -d - offset) for d, s in items))


def _sum(parts: list[Scores]) -> Scores:
    """The sum of score dicts. Each part is a fresh dict: the largest is added to and returned,
    so only the smaller ones are walked in Python (a fuzzy term's commonest expansion, the body
    field's part of a word searched in title, body and entity names)."""
    parts = [p for p in parts if p]
    if not parts:
        return {}
    base = max(range(len(parts)), key=lambda i: len(parts[i]))
    out = parts[base]
    get = out.get
    for i, part in enumerate(parts):
        if i != base:  # out[d] = out.get(d, 0.0) + v for each (d, v), in map() (no frame per d)
            keys = part.keys()
            out.update(zip(keys, map(add, map(get, keys, repeat(0.0)), part.values())))
    return out


def _scores(seg: _Segment, q, within: Within = None) -> Scores:
    """Each matching document's score. With ``within``, only the scores of the documents it
    holds are needed (the caller keeps those): a big posting list may then be scored only
    there. Documents outside it may still come back."""
    if isinstance(q, (wq.CompoundQuery, wq.AndNot, wq.AndMaybe, wq.Require)):
        return _boosted(q, _compound(seg, q, within))
    return _leaf(seg, q, within)


def _leaf(seg: _Segment, q, within: Within = None) -> Scores:
    if isinstance(q, wq.Term):
        btext = _term_bytes(seg, q)
        return {} if btext is None else _term(seg, q.fieldname, btext, q.boost, within)
    if isinstance(q, wq.MultiTerm):  # the sum over its expansions, as Whoosh's Or of them
        if q.fieldname not in seg.reader.schema:
            return {}
        parts = []
        # each segment's own vocabulary (cached per segment): expanding over the whole index
        # reader walked every segment's terms again for each segment, 1 s a query at 2,000
        # documents in three segments
        to_bytes = seg.reader.schema[q.fieldname].to_bytes
        for btext in q._btexts(seg.reader):
            if time.monotonic() > seg.deadline:
                break
            if isinstance(btext, str):  # a fuzzy term's words come as text: keys hold bytes
                btext = to_bytes(btext)
            parts.append(_term(seg, q.fieldname, btext, q.boost, within))
        return _sum(parts)
    if isinstance(q, wq.Every):
        return {d: q.boost for d in seg.reader.all_doc_ids()}
    if q is wq.NullQuery:
        return {}
    if type(q) is wq.Phrase and q.slop == 1 and within is not None \
            and q.fieldname in seg.reader.schema:
        return phrase_within(seg, q, within)
    if isinstance(q, _POSITIONAL):
        return _positional(seg, q, None)
    raise TypeError(f"rank cannot score {type(q).__name__}")


def _compound(seg: _Segment, q, within: Within = None) -> Scores:
    if isinstance(q, wq.And):
        parts = [s for s in q.subqueries if not isinstance(s, (wq.Not, *_POSITIONAL))]
        if not parts:
            return _positional(seg, q, None)
        # the part in fewest documents first: the others are needed only in its documents
        # (typing "trump a", the word "a" was scored in all 100,000 articles, ~80 ms)
        parts.sort(key=lambda s: _estimate(seg, s))
        out = _scores(seg, parts[0], within)
        for part in parts[1:]:  # out[d] + other[d] where both hold d, in map()
            if not out:
                break
            other = _scores(seg, part, out)
            both = list(filter(other.__contains__, out))
            out = dict(zip(both, map(add, map(out.__getitem__, both), map(other.__getitem__, both))))
        for s in q.subqueries:
            if not out:
                break
            if isinstance(s, wq.Not):  # Whoosh scores a Not as its boost where it holds
                for d in _scores(seg, s.query, out):
                    out.pop(d, None)
                out = {d: v + s.boost for d, v in out.items()}
            elif isinstance(s, _POSITIONAL):
                out = _positional(seg, s, out)
        return out
    if isinstance(q, wq.DisjunctionMax):
        out = {}
        for s in q.subqueries:
            for d, v in _scores(seg, s, within).items():
                if v > out.get(d, float("-inf")):
                    out[d] = v
        return out
    if isinstance(q, wq.Or):
        key = _terms_key(seg, q.subqueries)
        if key is None or (within is not None
                           and (not seg.segment_id or _TERMS.get(key) is None)):
            # parts scored within other documents may hold only those: such a sum is not kept
            return _sum([_scores(seg, s, within) for s in q.subqueries])
        # a copy, as callers add to what they get
        return dict(seg._cached(_TERMS, key,
                                lambda: _sum([_scores(seg, s) for s in q.subqueries])))
    if isinstance(q, wq.AndNot):
        out = _scores(seg, q.a, within)
        for d in _scores(seg, q.b, out):
            out.pop(d, None)
        return out
    if isinstance(q, wq.AndMaybe):
        out = _scores(seg, q.a, within)
        for d, v in _scores(seg, q.b, out).items():
            if d in out:
                out[d] += v
        return out
    if isinstance(q, wq.Require):
        out = _scores(seg, q.a, within)
        b = _scores(seg, q.b, out)
        return {d: v for d, v in out.items() if d in b}
    if isinstance(q, _POSITIONAL):  # Sequence is a compound of positions
        return _positional(seg, q, None)
    raise TypeError(f"rank cannot score {type(q).__name__}")


def _terms_key(seg: _Segment, queries) -> tuple | None:
    """The key of an Or of terms' summed scores (a word searched in several fields), with what
    they depend on as _term's keys have it; None if any part is not a plain term."""
    key = [seg.state]
    for q in queries:
        btext = _term_bytes(seg, q) if isinstance(q, wq.Term) else None
        if btext is None:
            return None
        if (q.fieldname, btext) not in seg.reader:  # scores nothing here, whatever the idf
            key.append((q.fieldname, btext))
            continue
        key.append((q.fieldname, btext, q.boost, seg.top.idf(q.fieldname, btext),
                    seg.top.avg_field_length(q.fieldname), query.BM25_B, query.BM25_K1))
    return tuple(key)


def _term_bytes(seg: _Segment, q) -> bytes | None:
    """A term's text as its field indexes it; None for a field not in the schema or a value
    the field cannot hold (such a term matches nothing)."""
    if q.fieldname not in seg.reader.schema:
        return None
    try:
        return seg.reader.schema[q.fieldname].to_bytes(q.text)
    except ValueError:
        return None


def _estimate(seg: _Segment, q) -> int:
    """How many documents of the segment ``q`` may match, where that is cheap to know;
    wildcards, fuzzy terms and phrases count as many (they are scored after the others)."""
    if isinstance(q, wq.Term):
        try:
            return seg.reader.doc_frequency(q.fieldname, q.text)
        except Exception:  # a field not in the schema, a value the field cannot hold
            return 0
    if isinstance(q, (wq.Or, wq.DisjunctionMax)):
        return sum(_estimate(seg, s) for s in q.subqueries)
    if isinstance(q, wq.And):
        return min((_estimate(seg, s) for s in q.subqueries), default=0)
    return sys.maxsize


def _term(seg: _Segment, field: str, btext: bytes, boost: float, within: Within = None
          ) -> Scores:
    """A term's BM25F score in each live document holding it (see _scores for ``within``)."""
    postings = seg.postings(field, btext)
    if not postings[0]:  # and no idf of an empty index
        return {}
    idf = seg.top.idf(field, btext)
    avgfl = seg.top.avg_field_length(field) or 1
    # the segment's state and the whole index's statistics (any commit may change those);
    # a copy, as callers add to what they get
    key = (seg.state, field, btext, boost, idf, avgfl, query.BM25_B, query.BM25_K1)
    if within is not None and len(within) * _WITHIN_SHARE < len(postings[0]) \
            and (not seg.segment_id or _TERMS.get(key) is None):
        # a few of many documents, and no full score kept: finding them costs ~30 ns a
        # posting, scoring ~250
        ids, scores = _scored_within(seg, field, postings, idf, boost, avgfl, within)
        return _live(seg, dict(zip(ids, scores)))
    return dict(seg._cached(_TERMS, key, lambda: _term_scores(seg, field, postings, boost,
                                                              idf, avgfl)))


def _term_scores(seg: _Segment, field: str, postings: tuple[array, array], boost: float,
                 idf: float, avgfl: float) -> Scores:
    """Computed with map() over the posting arrays, so no Python frame runs per posting (a
    dict comprehension here cost ~0.2 us a posting: 40 ms of ``presdent~`` at 100,000)."""
    ids, weights = postings
    return _live(seg, dict(zip(ids, _bm25(seg, field, ids, weights, idf, boost, avgfl))))


def _scored_within(seg: _Segment, field: str, postings: tuple[array, array], idf: float,
                   boost: float, avgfl: float, within) -> tuple[list, Iterable]:
    """The documents of ``within`` among a term's postings, in docnum order, and their BM25F."""
    ids, weights = postings
    keep = list(map(within.__contains__, ids))
    ids = list(compress(ids, keep))
    if not ids:
        return ids, ()
    return ids, _bm25(seg, field, ids, list(compress(weights, keep)), idf, boost, avgfl)


def _live(seg: _Segment, scores: Scores) -> Scores:
    if not seg.deleted:
        return scores
    if len(seg.deleted) < len(scores):
        for d in seg.deleted:
            scores.pop(d, None)
        return scores
    return {d: v for d, v in scores.items() if d not in seg.deleted}
