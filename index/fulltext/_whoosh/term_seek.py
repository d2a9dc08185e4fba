"""Faster seeks in a segment's term index, for fuzzy expansion.

Whoosh expands a fuzzy term by walking a Levenshtein automaton over the sorted vocabulary:
each step seeks the first term >= some key, a binary search of the on-disk term index whose
every probe is three small file reads. ``presdent~`` at 100,000 news articles made ~540 seeks
and ~10,000 probes, ~130 ms of its ~180 ms first search. The seeks come in increasing order
and close together, so they share most of their probes: here each probe's key is kept per
reader (bounded; the files of a segment never change), and probes read the term file through
a memory map: a slice, where Whoosh's file reads are a seek and a read each (~10 us; a cold
``presdent~`` at 100,000 made ~5,000 of them, ~55 ms).
"""

from __future__ import annotations

import mmap
import struct

# probes kept per term index: ~50 bytes each, so at most ~3 MB a segment
MAX_PROBES = 65_536
# an entry starts with whoosh.filedb.filetables._lengths (key length, value length), then the key
_LENGTHS = struct.Struct("!ii")
_READ_AHEAD = 64  # most terms are shorter: their length and bytes come in one read


def speed_up(ixreader) -> None:
    """Give a segment reader's term index the memoised seek (once; other readers unchanged)."""
    tindex = getattr(getattr(ixreader, "_terms", None), "_tindex", None)
    if tindex is None or "closest_key_pos" in vars(tindex):
        return
    needed = ("indexbase", "indexlen", "indexsize", "_get_pos", "dbfile")
    if not all(hasattr(tindex, name) for name in needed):
        return  # not the index layout this was written for: keep Whoosh's own
    tindex.closest_key_pos = _Seek(tindex)


class _Seek:
    """OrderedHashReader.closest_key_pos with its probes remembered."""

    def __init__(self, tindex):
        self.tindex = tindex
        self.probes: dict[int, tuple[bytes, int]] = {}
        # the file in memory and the index array's entries as Whoosh's StructFile reads them
        # (network order); both or, through Whoosh's file object, neither
        indextype = getattr(tindex, "extras", {}).get("indextype")
        self.view = _mapped(tindex.dbfile) if indextype else None
        self.position = struct.Struct("!" + indextype) if self.view is not None else None

    def _get(self, pos: int, length: int) -> bytes:
        if self.view is not None:
            return self.view[pos : pos + length]
        return self.tindex.dbfile.get(pos, length)

    def _probe(self, i: int) -> tuple[bytes, int]:
        found = self.probes.get(i)
        if found is None:
            t = self.tindex
            at = t.indexbase + i * t.indexsize
            if self.view is not None:
                pos = self.position.unpack_from(self.view, at)[0]
            else:
                pos = t._get_pos(at)
            head = self._get(pos, _LENGTHS.size + _READ_AHEAD)
            length = _LENGTHS.unpack_from(head)[0]
            if length <= len(head) - _LENGTHS.size:
                key = head[_LENGTHS.size : _LENGTHS.size + length]
            else:
                key = self._get(pos + _LENGTHS.size, length)
            found = (key, pos)
            if len(self.probes) < MAX_PROBES:
                self.probes[i] = found
        return found

    def __call__(self, key: bytes):
        if not isinstance(key, bytes):
            raise TypeError(f"Key {key!r} should be bytes")
        lo, hi = 0, self.tindex.indexlen
        while lo < hi:
            mid = (lo + hi) // 2
            if self._probe(mid)[0] < key:
                lo = mid + 1
            else:
                hi = mid
        if lo == self.tindex.indexlen:
            return None
        return self._probe(lo)[1]


def _mapped(dbfile) -> mmap.mmap | None:
    """The whole file read-only in memory, or None (a file in a compound segment, or one that
    cannot be mapped): the probes then read through Whoosh's file object."""
    try:
        return mmap.mmap(dbfile.file.fileno(), 0, access=mmap.ACCESS_READ)
    except (AttributeError, OSError, ValueError):
        return None
