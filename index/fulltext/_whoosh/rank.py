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

import functools
import heapq
import pickle
import sys
import threading
import time
import zlib
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable
from itertools import accumulate, chain, compress, repeat
from operator import add, le, mod, mul, not_, truediv
from typing import NamedTuple

from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.matching.wrappers import FilterMatcher
from whoosh.query.spans import SpanQuery
from whoosh.util.numeric import byte_to_length

from casework.index.fulltext import plain, query
from casework.index.fulltext._whoosh import postings_file, term_seek

_POSITIONAL = (wq.Phrase, wq.Sequence, SpanQuery)
_LENGTH_BYTES = [byte_to_length(b) if b else 1 for b in range(256)]



class _Cache:
    """A small thread-safe LRU bounded by the total weight of what it holds. Entries are keyed
    by segment id: a segment never changes, so they stay good while it is in use."""

    def __init__(self, max_weight: int, weigh):
        self.max_weight, self.weigh = max_weight, weigh
        self._items: OrderedDict = OrderedDict()
        self._weight = 0
        self._lock = threading.Lock()  # two open indexes may search from two threads

    def get(self, key):
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        weight = self.weigh(value)
        if weight > self.max_weight // 4:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = value
            self._weight += weight
            while self._weight > self.max_weight:
                _, old = self._items.popitem(last=False)
                self._weight -= self.weigh(old)


# The whole field-length column of a (segment, field), one read: ~100 KB at 100,000 docs.
_LENGTHS = _Cache(64 * 2**20, len)
# Decoded posting lists: Whoosh stores each block pickled and compressed, and decoding was
# ~40% of a query matching every document ("the": 20,000 postings at 20,000 articles).
# Refining a query ("senate" -> "senate vote") or paging reuses them. Bounded by postings
# held, 8 bytes each as arrays: 2M = 16 MB.
_POSTINGS = _Cache(2_000_000, lambda found: len(found[0]) + 1)  # + 1: misses are held too
# Encoded positions, for phrases: reading a term's blocks was most of a phrase's time ("white
# house" at 100,000 articles: ~35 of ~60 ms a segment and field), and a phrase being typed
# or refined repeats its words. Bounded by bytes held (about 110 per posting).
_POSITION_VALUES = _Cache(48 * 2**20, lambda found: found[2])
# A phrase's scores in a segment and field (before its boost), as a query cache of the kind
# Lucene keeps for filters: the words' positions cost ~20 ms a segment and field for "white
# house" at 100,000 articles (body and entity names, two segments: ~80 ms a query), and paging,
# refining ("white house" -> "white house" senate) and the explorer's re-runs repeat it.
# Bounded by documents held (~100 bytes each): 250,000 = ~25 MB.
_PHRASES = _Cache(250_000, lambda scores: len(scores) + 1)
# A term's scores in a segment and field, for the same reasons: each key typed in the search
# box runs the query again with the same words but the last (typing "trump AND russia", the
# "trump" part is scored again for each of the 13 keys after it, ~20 ms each at 100,000
# articles). Also a word's scores summed over the fields it is searched in: from its fields'
# kept scores, the copies and the sum were still ~8-15 ms a key for a common word at 100,000.
# Bounded by documents held (~100 bytes each): 400,000 = ~40 MB.
_TERMS = _Cache(400_000, lambda scores: len(scores) + 1)

Scores = dict  # docnum (within a segment) -> score
Within = Scores | set | None  # the documents whose scores a caller needs (None: all)
# a term is scored in ``within``'s documents only when it holds this many times as many
_WITHIN_SHARE = 2
# a phrase's words are matched over the whole segment at once when their keys are at most this
# many per document holding them all, else document by document: at 100,000 articles, the
# first cost ~0.2 us a key, the second ~3.5 us a document ("white house" in the body: 57,000
# keys, 7,700 documents, 20 vs 24 ms; in entity names, 26,000 and 7,400: 4 vs 13 ms; "of the"
# in the body: 2.5 million and 49,000, 500 vs 200 ms)
_KEYS_PER_DOCUMENT = 16


def top(searcher, q, limit: int, deadline: float) -> tuple[int, list[tuple[int, float]]]:
    """plain.top, faster: :func:`rank` for the query shapes it takes; the rest as the plain
    engine runs them (its expansion too: Whoosh's own scores a wildcard of more than two words
    as a constant on indexes under 5,000 documents, where rank.py sums the words' scores)."""
    if supported(q):
        return rank(searcher, q, limit, deadline)
    return plain.top(searcher, plain.expand(searcher, q), limit, deadline)


def expand(searcher, q):
    """``q`` with each wildcard, prefix, fuzzy and range term's expansion capped (query.py's
    caps) and kept per segment; the terms stay in the tree for rank.py to sum.

    Whoosh also expands each term again for every size estimate, so the first expansion is
    kept and reused.
    """
    deadline = query.expansion_deadline()
    budget = [query.MAX_TOTAL_EXPANSION]
    for leaf in query.expanding_leaves(q):
        leaf._btexts = _capped(leaf, deadline, budget)
    return q


# Expansions of a term over one segment's vocabulary, kept while the searcher stays open: a
# segment never changes, and Whoosh's fuzzy walk is pure Python (~60 ms a query over three
# fields at 2,000 news articles, the bulk of a warm fuzzy search). Keyed by segment id.
_EXPANSIONS: OrderedDict[tuple, list[bytes]] = OrderedDict()
_EXPANSIONS_MAX = 512


def _capped(leaf, deadline: float, budget: list[int]):
    btexts = leaf._btexts
    expanded: dict[int, list[bytes]] = {}
    # TermRange has start/end instead of text
    what = (type(leaf).__name__, leaf.fieldname, getattr(leaf, "text", None),
            getattr(leaf, "start", None), getattr(leaf, "end", None),
            getattr(leaf, "startexcl", None), getattr(leaf, "endexcl", None),
            getattr(leaf, "maxdist", None), getattr(leaf, "prefixlength", None))

    def first_terms(ixreader):
        key = id(ixreader)
        if key not in expanded:
            segment = getattr(ixreader, "segment", None)
            segment = segment() if callable(segment) else None  # a MultiReader's is None
            cache_key = (segment.segment_id(), *what) if segment is not None else None
            terms = _EXPANSIONS.get(cache_key) if cache_key else None
            if terms is None:
                terms = []
                complete = True
                if time.monotonic() < deadline:
                    term_seek.speed_up(ixreader)
                    for btext in btexts(ixreader):
                        if len(terms) >= min(query.MAX_EXPANSION, budget[0]) \
                                or time.monotonic() > deadline:
                            complete = len(terms) >= query.MAX_EXPANSION
                            break
                        terms.append(btext)
                else:
                    complete = False
                if cache_key and complete:  # a cut made by this query's budget is not reused
                    _EXPANSIONS[cache_key] = terms
                    if len(_EXPANSIONS) > _EXPANSIONS_MAX:
                        _EXPANSIONS.popitem(last=False)
            else:
                _EXPANSIONS.move_to_end(cache_key)
                terms = terms[: max(0, budget[0])]
            budget[0] -= len(terms)
            expanded[key] = terms
        return iter(expanded[key])

    return first_terms


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


class _Occurrences(NamedTuple):
    """A word's occurrences in a segment and field, each position as a key (postings_file.keys).
    """

    ids: array  # the documents holding it, in docnum order
    count: int  # how many keys ``every`` gives (for words read from Whoosh's blocks: at least)
    every: Callable[[], Iterable[int]]  # all its keys
    select: Callable[[set], list]  # each wanted document's keys (a subset of ids), in order


class _Segment:
    """One segment's reader, with statistics taken from the whole index (as Whoosh does)."""

    def __init__(self, searcher, top, deadline: float):
        self.searcher = searcher
        self.deadline = deadline
        self.reader = searcher.reader()
        self.top = top
        self.deleted = self.reader.deleted_docs_set if self.reader.has_deletions() else ()
        segment = getattr(self.reader, "segment", None)
        segment = segment() if callable(segment) else None
        self.segment_id = segment.segment_id() if segment is not None else None
        # what cached scores depend on in the segment besides its postings: its deletions,
        # which only grow while it lives, so their count tells its states apart
        self.state = (self.segment_id, len(self.deleted))
        # common words' postings and positions as plain arrays, when the segment has that file
        self.storage = getattr(self.reader, "_storage", None)
        self.common = postings_file.directory(self.storage, self.segment_id) \
            if self.segment_id and self.storage is not None else None
        # positions are compared as keys, position * stride + docnum (postings_file.keys)
        self.stride = self.reader.doc_count_all()
        if self.common is not None and self.common.stride != self.stride:
            self.common = None  # not this segment's file: its keys would not match

    def _cached(self, cache: _Cache, key: tuple, read):
        """``cache``'s entry for ``key``, read and kept if missing (a reader with no segment
        id, which could be reused for another segment's data, is never cached)."""
        found = cache.get(key) if self.segment_id else None
        if found is None:
            found = read()
            if self.segment_id:
                cache.put(key, found)
        return found

    def lengths(self, field: str) -> bytes:
        # where Whoosh's own doc_field_length reads them
        return self._cached(_LENGTHS, (self.segment_id, field), lambda: _column_bytes(
            self.reader._perdoc._cached_reader(f"_{field}_len", LENGTHS_COLUMN)))

    def postings(self, field: str, btext: bytes) -> tuple[array, array]:
        """(ids, weights) arrays of a term in this segment, deleted documents included."""
        return self._cached(_POSTINGS, (self.segment_id, field, btext),
                            lambda: self._read_common(field, btext)
                            or read_postings(self.reader, field, btext)[:2])

    def _place(self, field: str, btext: bytes) -> postings_file.Place | None:
        """Where the common words' file holds the term, if it does."""
        return self.common.get(field, btext) if self.common else None

    def _read_common(self, field: str, btext: bytes) -> tuple[array, array] | None:
        place = self._place(field, btext)
        return postings_file.read(self.storage, self.segment_id, place) if place else None

    def _keep_postings(self, field: str, btext: bytes, ids: array, weights: array) -> None:
        """Cache the ids and weights read along with positions: a phrase scores its words
        after matching them, and reading them again cost as much as the first time."""
        key = (self.segment_id, field, btext)
        if self.segment_id and _POSTINGS.get(key) is None:
            _POSTINGS.put(key, (ids, weights))

    def positions(self, field: str, btext: bytes) -> _Occurrences:
        """A term's positions in this segment as keys, deleted documents included: from the
        common words' file if it holds them, else from Whoosh's blocks."""
        place = self._place(field, btext)
        held = postings_file.read_positions(self.storage, self.segment_id, place) \
            if place else None
        if held is not None:
            ids, weights, counts, flat = held
            self._keep_postings(field, btext, ids, weights)

            def select(wanted: set) -> list:
                keep = list(map(wanted.__contains__, ids))
                ends = list(accumulate(counts))
                starts = compress(chain((0,), ends), keep)
                return list(map(flat.__getitem__, map(slice, starts, compress(ends, keep))))

            return _Occurrences(ids, len(flat), lambda: flat, select)
        ids, values = self._position_values(field, btext)
        fmt, stride = self.reader.schema[field].format, self.stride

        def keys(docs, kept: list[bytes]) -> list[list[int]]:
            return [[p * stride + d for p in accumulate(ds)]
                    for d, ds in zip(docs, postings_file.decode_deltas(fmt, kept))]

        def select(wanted: set) -> list:
            keep = list(map(wanted.__contains__, ids))
            return keys(compress(ids, keep), list(compress(values, keep)))

        # a word read from Whoosh's blocks is in few documents (or the segment has no file):
        # its postings stand in for its count of positions
        return _Occurrences(ids, len(ids), lambda: chain.from_iterable(keys(ids, values)),
                            select)

    def _position_values(self, field: str, btext: bytes) -> tuple[array, list[bytes]]:
        """(ids, encoded positions) of a term in Whoosh's blocks."""

        def read():
            ids, weights, values = read_postings(self.reader, field, btext, values=True)
            self._keep_postings(field, btext, ids, weights)
            # a bytes object costs 33 bytes besides its contents, a list slot 8, an id 4
            return ids, values, sum(map(len, values)) + 45 * len(values)

        found = self._cached(_POSITION_VALUES, (self.segment_id, field, btext), read)
        return found[0], found[1]


def read_postings(reader, field: str, btext: bytes, values: bool = False
                  ) -> tuple[array, array, list]:
    """(ids, weights, and with ``values`` the encoded positions) of a term in a segment's
    ``reader``, from Whoosh's blocks, deleted documents included."""
    ids, weights, vals = array("I"), array("f"), []
    if (field, btext) not in reader:
        return ids, weights, vals
    m = reader.postings(field, btext)
    if isinstance(m, FilterMatcher):
        m = m.child
    # block by block when the ids are numbers (delta-coded); term vectors' are bytes
    if hasattr(m, "_read_data") and hasattr(m, "_read_weights") \
            and not getattr(m, "_byteids", True):
        while m.is_active():  # Whoosh 3 blocks: one pickled (id deltas, weights, values)
            m._data = _block_data(m)
            ids.extend(accumulate(m._data[0]))  # what _read_ids does, without a generator
            m._read_weights()
            weights.extend(m._weights)
            if values:
                m._read_values()
                vals.extend(m._values)
            m._next_block()
    else:
        while m.is_active():
            ids.append(m.id())
            weights.append(m.weight())
            if values:
                vals.append(m.value())
            m.next()
    return ids, weights, vals


# Whoosh pickles a block with protocol 2, where each bytes value (a posting's positions) is
# a call of codecs.encode(text, "latin1"), which looks the codec up by name each time. Calling
# bytes(text, "latin1") instead gives the same bytes at less than half the cost (a block of
# 128 postings: ~105 -> ~55 us; reading blocks was most of a new query's time at 100,000).
_CODECS_ENCODE = b"c_codecs\nencode\n"  # the GLOBAL opcode, once a block (then memoised)
_BYTES = b"cbuiltins\nbytes\n"


def _block_data(m) -> tuple:
    """What Whoosh's W3LeafMatcher._read_data loads for the block ``m`` is at."""
    raw = m._postfile.get(m._dataoffset, m._nextoffset - m._dataoffset)
    if m._compression:
        raw = zlib.decompress(raw)
    # the first bytes value comes after the ids and weights, whose opcodes cannot spell this
    return pickle.loads(raw.replace(_CODECS_ENCODE, _BYTES, 1))


def _column_bytes(column) -> bytes:
    if column is None:
        return b""
    dbfile = getattr(column, "_dbfile", None)
    if dbfile is not None and getattr(column, "_fixedlen", None) == 1:
        return bytes(dbfile.get(column._basepos, column._count))
    return bytes(b & 0xFF for b in column)


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


def _bm25(seg: _Segment, field: str, ids, weights, idf: float, boost: float, avgfl: float
          ) -> Iterable:
    """Each posting's BM25F, idf * (tf * (K1 + 1) / (tf + norm[length byte])) * boost:
    Whoosh's operations in Whoosh's order, over the sorted ``ids`` (not empty) and their
    ``weights``."""
    return _bm25_of(weights, _length_norms(seg, field, ids, avgfl), idf, boost)


def _length_norms(seg: _Segment, field: str, ids, avgfl: float) -> Iterable[float]:
    """BM25F's length normalisation of each of the sorted ``ids`` (not empty) in ``field``."""
    lengths = seg.lengths(field)
    if ids[-1] >= len(lengths):  # no stored length: byte 0, as Whoosh reads it
        lengths = lengths + bytes(ids[-1] + 1 - len(lengths))
    norms = _norms(avgfl, query.BM25_B, query.BM25_K1)
    return map(norms.__getitem__, map(lengths.__getitem__, ids))


def _bm25_of(weights, norms: Iterable[float], idf: float, boost: float = 1.0
             ) -> Iterable[float]:
    """idf * (tf * (K1 + 1) / (tf + norm)) * boost for each posting's weight (tf) and length
    norm, in Whoosh's order of operations (scoring.bm25, then the term's boost): folding idf,
    K1 + 1 and the boost into one factor first changed the last bit of some scores, which
    broke ties between equal documents the other way."""
    scores = map(mul, repeat(idf), map(truediv, map(mul, weights, repeat(query.BM25_K1 + 1)),
                                       map(add, weights, norms)))
    return map(mul, scores, repeat(boost)) if boost != 1.0 else scores


@functools.lru_cache(maxsize=64)
def _norms(avgfl: float, B: float, K1: float) -> list[float]:
    """BM25F's length normalisation for each of the 256 stored length bytes. Computed once for
    a field's average length: per term, it was most of the time of a wildcard expanding to
    thousands of rare words (``t*`` at 100,000 articles)."""
    return [K1 * ((1 - B) + B * fl / avgfl) for fl in _LENGTH_BYTES]


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


def _phrase(seg: _Segment, q) -> Scores:
    """An exact phrase: its words' BM25F summed, times the boost, as Whoosh scores it."""
    field = seg.reader.schema[q.fieldname]
    try:
        words = tuple(field.to_bytes(w) for w in q.words)
    except ValueError:
        return {}
    if not words or any((q.fieldname, w) not in seg.reader for w in words):
        return {}
    # as for a term's: the segment's state and the whole index's statistics
    stats = (seg.top.avg_field_length(q.fieldname), query.BM25_B, query.BM25_K1,
             *(seg.top.idf(q.fieldname, w) for w in words))
    key = (seg.state, q.fieldname, words, stats)
    scores = seg._cached(_PHRASES, key, lambda: _phrase_scores(seg, q.fieldname, words))
    return _boosted(q, scores) if q.boost != 1.0 else dict(scores)  # the caller's to change


def _phrase_scores(seg: _Segment, fieldname: str, words: tuple[bytes, ...]) -> Scores:
    """The documents holding the phrase, each with the sum of its words' BM25F.

    Whoosh's phrase matcher cost ~70 us for each document holding every word ("white house":
    290 ms at 20,000 articles, ~600 ms at 100,000). Here each word's positions are read as
    arrays of keys from the common words' file, or else unpickled in one call, and compared
    as sets (:func:`_phrase_documents`); only the documents that hold the phrase are scored.
    """
    # read once per word: a term too big for the cache would otherwise be read twice
    found = [seg.positions(fieldname, w) for w in words]
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
    out = set()
    for d, keys, *others in zip(docs, first, *rest):
        starts = set(keys)
        for i, later in enumerate(others, 1):
            # word i's keys i positions back: the phrase starts it allows
            starts.intersection_update(map((-i * stride).__add__, later))
            if not starts:
                break
        else:
            out.add(d)
    return out


def _live(seg: _Segment, scores: Scores) -> Scores:
    if not seg.deleted:
        return scores
    if len(seg.deleted) < len(scores):
        for d in seg.deleted:
            scores.pop(d, None)
        return scores
    return {d: v for d, v in scores.items() if d not in seg.deleted}


def _boosted(q, scores: Scores) -> Scores:
    if q.boost != 1.0:
        return {d: v * q.boost for d, v in scores.items()}
    return scores
