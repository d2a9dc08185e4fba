"""Common words' document ids and weights as plain arrays, in one file beside each segment.

Whoosh stores a posting list in pickled, compressed blocks of 128 postings with each
posting's positions inline, so reading the ids and weights of a common word unpickles its
positions too: a first search for "the" at 100,000 news articles (162,947 postings) spent
~250 ms reading them, and the explorer's slowest keys were such first reads ("trump a").
For every term with at least :data:`MIN_POSTINGS` postings in a segment, this file holds them
as raw little-endian arrays (ids uint32, weights float32 as Whoosh stores them), read with
one ``read`` and ``frombytes`` each. Positions still come from Whoosh's blocks (phrases).

The file is named ``<segment id>.cwp`` (``MAIN_<id>.cwp``): Whoosh's clean-up deletes every
file named for a segment no longer in the index, so a merged-away segment's file goes with it.
A segment without one (an index written before this file existed, or a write that failed)
is read from Whoosh's blocks as before; :func:`ensure` writes the missing ones.

Layout: the arrays of each term one after the other, then a pickled directory
``{fieldname: ([term bytes], offsets, counts)}``, then its offset (8 bytes) and ``CWP1``. Per
field and in lists, because a dict keyed by (fieldname, term) tuples took ~2.6 ms to unpickle
(3,437 terms in a segment of 50,000 articles), a cost every cold search paid per segment; this
takes ~0.2 ms, plus ~0.4 ms to index the terms of a field the first time it is searched.
"""

from __future__ import annotations

import pickle
import struct
import sys
import threading
from array import array
from collections import OrderedDict
from typing import Iterable

from whoosh.util import random_name

EXT = ".cwp"
# A term in fewer documents is read from Whoosh's blocks: up to 8 blocks, ~1.5 ms. At 1,024
# the file adds ~13% to the full-text index (20,000 articles: ~1.4M of ~10M postings a
# segment of 10,000); at 512 it would be ~19%.
MIN_POSTINGS = 1024
_MAGIC = b"CWP1"
_TRAILER = struct.Struct("<Q4s")
_SWAP = sys.byteorder != "little"



class Directory:
    """Where each term's arrays are: its offset in the file and its count of postings."""

    def __init__(self, fields: dict[str, tuple[list[bytes], array, array]]):
        self.fields = fields
        self._index: dict[str, dict[bytes, int]] = {}

    def get(self, fieldname: str, btext: bytes) -> tuple[int, int] | None:
        index = self._index.get(fieldname)
        if index is None:
            if fieldname not in self.fields:
                return None
            terms = self.fields[fieldname][0]
            index = self._index[fieldname] = dict(zip(terms, range(len(terms))))
        i = index.get(btext)
        if i is None:
            return None
        _, offsets, counts = self.fields[fieldname]
        return offsets[i], counts[i]

    def keys(self) -> list[tuple[str, bytes]]:
        return [(f, t) for f, (terms, _, _) in self.fields.items() for t in terms]


def file_name(segment_id: str) -> str:
    return segment_id + EXT


class Writer:
    """Writes one segment's file: :meth:`add` each common term, then :meth:`close`.

    Written under a temporary name and renamed when complete, so a reader never sees half a
    file; :meth:`cancel` (or an exception inside ``with``) removes it.
    """

    def __init__(self, storage, segment_id: str):
        self.storage, self.name = storage, file_name(segment_id)
        # named for the segment, so Whoosh's clean-up removes it too if left behind
        self.temp = f"{self.name}.{random_name()}.tmp"
        self._file = storage.create_file(self.temp)
        self._offset = 0
        self.fields: dict[str, tuple[list[bytes], array, array]] = {}

    def add(self, key: tuple[str, bytes], ids: array, weights) -> None:
        if len(ids) < MIN_POSTINGS:
            return
        ids = array("I", ids) if ids.typecode != "I" else ids
        weights = array("f", weights)  # Whoosh's blocks hold float32: the same rounding
        if _SWAP:
            ids, weights = array("I", ids), array("f", weights)
            ids.byteswap()
            weights.byteswap()
        self._file.write(ids.tobytes())
        self._file.write(weights.tobytes())
        terms, offsets, counts = self.fields.setdefault(key[0], ([], array("Q"), array("I")))
        terms.append(key[1])
        offsets.append(self._offset)
        counts.append(len(ids))
        self._offset += 8 * len(ids)

    def close(self) -> None:
        self._file.write(pickle.dumps(self.fields, pickle.HIGHEST_PROTOCOL))
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
    return Directory(found) if isinstance(found, dict) else None


def read(storage, segment_id: str, place: tuple[int, int]) -> tuple[array, array] | None:
    """(ids, weights) of the term at ``place`` (its directory entry), or None if unreadable."""
    offset, count = place
    try:
        with storage.open_file(file_name(segment_id)) as f:
            raw = f.get(offset, 8 * count)
    except Exception:
        return None
    if len(raw) != 8 * count:
        return None
    ids, weights = array("I"), array("f")
    ids.frombytes(raw[:4 * count])
    weights.frombytes(raw[4 * count:])
    if _SWAP:
        ids.byteswap()
        weights.byteswap()
    return ids, weights


def ensure(ix, read_postings) -> int:
    """Write the file of each segment of ``ix`` that has none; returns how many were written.

    ``read_postings(segment_reader, fieldname, term bytes)`` gives a term's (ids, weights).
    For indexes written before these files existed: ~0.4 s per 1,000 documents.
    """
    from whoosh.reading import SegmentReader

    written = 0
    storage = ix.storage
    for segment in ix._segments():
        if storage.file_exists(file_name(segment.segment_id())):
            continue
        reader = SegmentReader(storage, ix.schema, segment)
        try:
            with Writer(storage, segment.segment_id()) as writer:
                for key, info in sorted(_term_infos(reader)):
                    if info.doc_frequency() >= MIN_POSTINGS:
                        writer.add(key, *read_postings(reader, *key))
        finally:
            reader.close()
        written += 1
    return written


def _term_infos(reader) -> Iterable:
    return reader._terms.items()
