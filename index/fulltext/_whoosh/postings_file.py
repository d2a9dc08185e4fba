"""Common words' postings and positions as plain arrays, in one file beside each segment.

Whoosh stores a posting list in pickled, compressed blocks of 128 postings with each
posting's positions inline, so reading the ids and weights of a common word unpickles its
positions too: a first search for "the" at 100,000 news articles (162,947 postings) spent
~250 ms reading them, and the explorer's slowest keys were such first reads ("trump a").
For every term with at least :data:`MIN_POSTINGS` postings in a segment, this file holds them
as plain little-endian arrays (id gaps; weights, which Whoosh stores as float32), read with
one ``read`` and ``frombytes`` each; and for phrases, each posting's count of positions
and the positions themselves.
A first search for "white house" at 100,000 spent ~150 ms unpickling its words' blocks and
~60 ms their positions.

Each position is held as a key, ``position * stride + docnum``, where the stride is the
segment's document count: a word's keys name its occurrences in the whole segment, so a
phrase's words are matched with one set intersection (key + stride is the next position
in the same document) instead of per document. Per document, a Python loop cost ~3 us a
document: "white house" at 100,000 articles, 7,300 documents of each of two segments' body
and entity names, ~75 ms; as keys, ~28 ms. Keys need 4 bytes where positions needed 2.

The file is named ``<segment id>.cwp`` (``MAIN_<id>.cwp``): Whoosh's clean-up deletes every
file named for a segment no longer in the index, so a merged-away segment's file goes with it.
A segment without one (an index written before this file existed, or a write that failed)
is read from Whoosh's blocks as before; :func:`ensure` writes the missing ones.

Layout: the arrays of each term one after the other, then a pickled directory
``(stride, {fieldname: ([term bytes], offsets, postings, positions, typecodes)})``, then its
offset (8 bytes) and ``CWP2``. A file of the first layout (``CWP1``: positions, not keys) is
not read, and is written again by :func:`ensure`. Per field and in lists, because a dict
keyed by (fieldname, term) tuples took ~2.6 ms to unpickle (3,437 terms in a segment of
50,000 articles), a cost every cold search paid per segment; this takes ~0.2 ms, plus ~0.4 ms
to index the terms of a field the first time it is searched.
"""

from __future__ import annotations

import pickle
import struct
import sys
import threading
from array import array
from collections import OrderedDict
from itertools import accumulate, chain, repeat
from operator import add, itemgetter, sub

from whoosh.formats import Positions
from whoosh.util import random_name

EXT = ".cwp"
# A term in fewer documents is read from Whoosh's blocks: up to 8 blocks, ~1.5 ms.
MIN_POSTINGS = 1024
_MAGIC = b"CWP2"
_TRAILER = struct.Struct("<Q4s")
_SWAP = sys.byteorder != "little"
# Each array is stored in the narrowest of these that holds it; a term's entry in the
# directory spells its four arrays' typecodes: id gaps, weights, counts, keys, where "="
# is counts equal to the weights (a field with no boost) and "-" is not held. Narrow arrays
# cut the file by more than half (a segment of 50,000 articles: 273 -> 102 MB; of 10,000:
# 25 -> 11 MB).
_NARROW = (("B", 256), ("H", 65536), ("I", 2**32), ("Q", 2**64))

Place = tuple[int, int, int, str]  # offset, postings, positions, typecodes


class Directory:
    """Where each term's arrays are, how many postings and positions, and their typecodes;
    ``stride``: the segment's document count, which its keys are made with."""

    def __init__(self, fields: dict[str, tuple[list[bytes], array, array, array, list[str]]],
                 stride: int):
        self.fields, self.stride = fields, stride
        self._index: dict[str, dict[bytes, int]] = {}

    def get(self, fieldname: str, btext: bytes) -> Place | None:
        index = self._index.get(fieldname)
        if index is None:
            if fieldname not in self.fields:
                return None
            terms = self.fields[fieldname][0]
            index = self._index[fieldname] = dict(zip(terms, range(len(terms))))
        i = index.get(btext)
        if i is None:
            return None
        _, offsets, counts, npositions, codes = self.fields[fieldname]
        return offsets[i], counts[i], npositions[i], codes[i]

    def keys(self) -> list[tuple[str, bytes]]:
        return [(f, t) for f, (terms, *_) in self.fields.items() for t in terms]


def file_name(segment_id: str) -> str:
    return segment_id + EXT


def _narrow(values) -> array:
    """``values`` (non-negative integers) in the narrowest array that holds them."""
    top = max(values, default=0)
    for code, bound in _NARROW:
        if top < bound:
            return array(code, values)
    raise OverflowError("a value past 32 bits")


class Writer:
    """Writes one segment's file: :meth:`add` each common term, then :meth:`close`.

    Written under a temporary name and renamed when complete, so a reader never sees half a
    file; :meth:`cancel` (or an exception inside ``with``) removes it.
    """

    def __init__(self, storage, segment_id: str, stride: int):
        self.storage, self.name = storage, file_name(segment_id)
        self.stride = stride  # the segment's document count: every docnum is below it
        # named for the segment, so Whoosh's clean-up removes it too if left behind
        self.temp = f"{self.name}.{random_name()}.tmp"
        self._file = storage.create_file(self.temp)
        self._offset = 0
        self.fields: dict[str, tuple[list[bytes], array, array, array, list[str]]] = {}

    def add(self, key: tuple[str, bytes], ids: array, weights, values: list[bytes] | None = None,
            fmt=None) -> None:
        """A term's postings; with ``values`` (each posting's, as ``fmt`` encoded them) its
        positions too, when ``fmt`` stores positions."""
        if len(ids) < MIN_POSTINGS:
            return
        weights = array("f", weights)  # float32 as in Whoosh's blocks
        parts = [_narrow(list(map(sub, ids, chain((0,), ids))))]  # ids as gaps
        codes = ["", "", "-", "-"]
        npositions = 0
        counts = held = None
        try:
            if values and isinstance(fmt, Positions) and len(values) == len(ids):
                deltas = decode_deltas(fmt, values)
                counts = list(map(len, deltas))
                held = _narrow(keys(ids, counts, deltas, self.stride))
        except Exception:  # a value not in Positions' layout (or a docnum past the stride):
            counts = held = None  # phrases read Whoosh's blocks
        if counts is not None and weights == array("f", counts):
            # a field with no boost: the weights are the counts, whole numbers (compared as
            # arrays, in C: testing each weight took ~150 ns a posting, ~0.2 s a segment of
            # 10,000 articles)
            parts.append(_narrow(counts))
            codes[2] = "="
        elif all(map(float.is_integer, weights)) and min(weights) >= 0:
            parts.append(_narrow(list(map(int, weights))))
        else:
            parts.append(weights)
        if counts is not None:
            if codes[2] != "=":
                parts.append(_narrow(counts))
                codes[2] = parts[-1].typecode
            parts.append(held)
            codes[3], npositions = held.typecode, len(held)
        codes[0], codes[1] = parts[0].typecode, parts[1].typecode
        for part in parts:
            if _SWAP:
                part.byteswap()
            self._file.write(part.tobytes())
        entry = self.fields.get(key[0])
        if entry is None:
            entry = self.fields[key[0]] = ([], array("Q"), array("I"), array("Q"), [])
        entry[0].append(key[1])
        entry[1].append(self._offset)
        entry[2].append(len(ids))
        entry[3].append(npositions)
        entry[4].append("".join(codes))
        self._offset += sum(len(part) * part.itemsize for part in parts)

    def close(self) -> None:
        self._file.write(pickle.dumps((self.stride, self.fields), pickle.HIGHEST_PROTOCOL))
        self._file.write(_TRAILER.pack(self._offset, _MAGIC))
        self._file.close()
        self.storage.rename_file(self.temp, self.name, safe=False)

    def cancel(self) -> None:
        try:
            self._file.close()
            self.storage.delete_file(self.temp)
        except OSError:
            pass

    def __enter__(self) -> "Writer":
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.close()
        else:
            self.cancel()


# directories of the segments read lately: a segment's file never changes while it lives
_DIRECTORIES: OrderedDict = OrderedDict()
_LOCK = threading.Lock()


def directory(storage, segment_id: str) -> Directory | None:
    """The segment's directory, or None when it has no readable file."""
    key = (getattr(storage, "folder", None), segment_id)  # segment ids are random
    with _LOCK:
        if key in _DIRECTORIES:
            _DIRECTORIES.move_to_end(key)
            return _DIRECTORIES[key]
    found = _read_directory(storage, file_name(segment_id))
    if found is not None:  # a missing file may be written later (ensure)
        with _LOCK:
            _DIRECTORIES[key] = found
            while len(_DIRECTORIES) > 64:
                _DIRECTORIES.popitem(last=False)
    return found


def _read_directory(storage, name: str) -> Directory | None:
    try:
        if not storage.file_exists(name):
            return None
        with storage.open_file(name) as f:
            size = storage.file_length(name)
            if size < _TRAILER.size:
                return None
            offset, magic = _TRAILER.unpack(f.get(size - _TRAILER.size, _TRAILER.size))
            if magic != _MAGIC or offset > size - _TRAILER.size:
                return None
            found = pickle.loads(f.get(offset, size - _TRAILER.size - offset))
    except Exception:  # unreadable: Whoosh's blocks still hold everything
        return None
    if not (isinstance(found, tuple) and len(found) == 2 and isinstance(found[1], dict)):
        return None
    return Directory(found[1], found[0])


def read(storage, segment_id: str, place: Place) -> tuple[array, array] | None:
    """(ids, weights) of the term at ``place`` (its directory entry), or None if unreadable.
    The weights are Whoosh's, as float32 or, when all are whole numbers, in a narrower array."""
    offset, count, _, codes = place
    found = _arrays(storage, segment_id, offset, [(codes[0], count), (codes[1], count)])
    return _ids_weights(*found) if found else None


def read_positions(storage, segment_id: str, place: Place
                   ) -> tuple[array, array, array, array] | None:
    """(ids, weights, each posting's count of positions, all positions as keys in posting
    order) of the term at ``place``, or None if the file holds no positions for it or cannot
    be read."""
    offset, count, npositions, codes = place
    if codes[3] == "-":
        return None
    shapes = [(codes[0], count), (codes[1], count), (codes[3], npositions)]
    if codes[2] != "=":
        shapes.insert(2, (codes[2], count))
    found = _arrays(storage, segment_id, offset, shapes)
    if not found:
        return None
    ids, weights = _ids_weights(found[0], found[1])
    counts = found[2] if codes[2] != "=" else weights  # "=": whole numbers, in a narrow array
    return ids, weights, counts, found[-1]


def _ids_weights(gaps: array, weights: array) -> tuple[array, array]:
    """Whole-number weights stay in their narrow array: they score as the same floats, and
    widening them took ~80 ns a posting (~13 ms for "the" in a segment of 50,000 articles)."""
    return array("I", accumulate(gaps)), weights


def _arrays(storage, segment_id: str, offset: int, shapes: list[tuple[str, int]]
            ) -> list[array] | None:
    """Arrays of the given (typecode, length) read one after another from ``offset``."""
    out = [array(code) for code, _ in shapes]
    size = sum(a.itemsize * n for a, (_, n) in zip(out, shapes))
    try:
        with storage.open_file(file_name(segment_id)) as f:
            raw = f.get(offset, size)
    except Exception:
        return None
    if len(raw) != size:
        return None
    start = 0
    for a, (_, n) in zip(out, shapes):
        a.frombytes(raw[start:start + a.itemsize * n])
        start += a.itemsize * n
        if _SWAP:
            a.byteswap()
    return out


# Whoosh's Positions format stores a posting's positions as a 4-byte count, then the pickled
# list of their deltas: b"\x80\x02" (protocol 2), the list's opcodes, and b"." (often cut off)
_BODY = itemgetter(slice(6, -1))
_LAST = itemgetter(-1)


def keys(ids, counts, deltas: list[list[int]], stride: int) -> list[int]:
    """Each position as ``position * stride + docnum``, in posting order, from each posting's
    docnum, count of positions and position deltas (as :func:`decode_deltas` gives them)."""
    if ids and max(ids) >= stride:
        raise ValueError(f"docnum {max(ids)} past the stride {stride}")
    positions = map(stride.__mul__, chain.from_iterable(map(accumulate, deltas)))
    return list(map(add, positions, chain.from_iterable(map(repeat, ids, counts))))


def decode_deltas(fmt, values: list[bytes]) -> list[list[int]]:
    """Each posting's position deltas, from its value as ``fmt`` (Positions) encoded it.

    Unpickling each posting's list cost ~2.5 us of the ~9 us a document of a phrase took; the
    lists are joined into one pickled list of lists and unpickled at once.
    """
    if isinstance(fmt, Positions):
        # every value's last byte a stop? (in one bytes object: 4x faster than endswith)
        if all(values) and bytes(map(_LAST, values)).count(b".") == len(values):
            bodies = map(_BODY, values)
        else:  # Whoosh leaves the stop out of some values
            bodies = (v[6:-1] if v.endswith(b".") else v[6:] for v in values)
        try:
            lists = pickle.loads(b"\x80\x02](" + b"".join(bodies) + b"e.")
        except Exception:  # not the layout above: decode them one by one
            lists = None
        if isinstance(lists, list) and len(lists) == len(values):
            return lists
    decode = fmt.decode_positions
    return [[b - a for a, b in zip([0, *ps], ps)] for ps in map(decode, values)]


def ensure(ix, read_postings) -> int:
    """Write the file of each segment of ``ix`` that has no readable one; returns how many were
    written.

    ``read_postings(segment_reader, fieldname, term bytes)`` gives a term's (ids, weights,
    values), as rank.read_postings does with ``values=True``.
    For indexes written before these files existed, or of their first layout: 100,000 news
    articles took 102 s.
    """
    from whoosh.reading import SegmentReader

    written = 0
    storage = ix.storage
    for segment in ix._segments():
        if storage.file_exists(file_name(segment.segment_id())) \
                and directory(storage, segment.segment_id()) is not None:
            continue  # missing, unreadable or of the first layout: written (again)
        reader = SegmentReader(storage, ix.schema, segment)
        try:
            with Writer(storage, segment.segment_id(), reader.doc_count_all()) as writer:
                for key, info in sorted(reader._terms.items()):
                    if info.doc_frequency() >= MIN_POSTINGS:
                        fmt = reader.schema[key[0]].format if key[0] in reader.schema else None
                        writer.add(key, *read_postings(reader, *key), fmt=fmt)
        finally:
            reader.close()
        written += 1
    return written
