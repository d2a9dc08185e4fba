"""Reading one segment for rank.py: posting lists a block at a time, field lengths, positions,
and the common words' plain arrays (postings_file.py), each kept in a bounded process-wide
cache between queries."""

from __future__ import annotations

import pickle
import threading
import zlib
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable
from itertools import accumulate, chain, compress
from typing import NamedTuple

from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.matching.wrappers import FilterMatcher
from whoosh.util.numeric import byte_to_length

from casework.index.fulltext._whoosh import postings_file


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


# A term's scores in a segment and field, for the same reasons: each key typed in the search
# box runs the query again with the same words but the last (typing "trump AND russia", the
# "trump" part is scored again for each of the 13 keys after it, ~20 ms each at 100,000
# articles). Also a word's scores summed over the fields it is searched in: from its fields'
# kept scores, the copies and the sum were still ~8-15 ms a key for a common word at 100,000.
# Bounded by documents held (~100 bytes each): 400,000 = ~40 MB.
_TERMS = _Cache(400_000, lambda scores: len(scores) + 1)


Scores = dict  # docnum (within a segment) -> score


Within = Scores | set | None  # the documents whose scores a caller needs (None: all)


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
