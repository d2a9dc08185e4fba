"""A long document's spans held as columns of machine integers, not as Span objects.

A slotted Span with its four offsets as int objects is ~200 bytes; a 50 MB text has ~1 M
spans and the 200 MB extraction cap ~4 M, so a list of them (the NER answer, then each
repaired list made from it) was several hundred MB of the store step's peak. Here a span is
18 bytes (four 32-bit offsets, a label and a source by number), and a Span is made only when
one is read (iteration, indexing). Texts past 2**31 characters get 64-bit offsets.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from typing import TYPE_CHECKING, Iterable, Iterator, Sequence

from casework.index import models

if TYPE_CHECKING:
    from casework.index.models import Span


class SpanArray(Sequence):
    """A Sequence of Span, appended to one at a time or a chunk at a time (rebased)."""

    def __init__(self, spans: Iterable[Span] = (), *, long_text: bool = False):
        code = "q" if long_text else "i"
        self.starts, self.ends = array(code), array(code)
        self.sent_starts, self.sent_ends = array(code), array(code)
        self.labels, self.sources = array("B"), array("B")
        self._names: list[str] = []  # labels and sources by number (a few dozen at most)
        self._number: dict[str, int] = {}
        self.extend(spans)

    @classmethod
    def like(cls, other: SpanArray) -> SpanArray:
        return cls(long_text=other.starts.typecode == "q")

    def _code(self, name: str) -> int:
        n = self._number.get(name)
        if n is None:
            n = self._number[name] = len(self._names)
            self._names.append(name)
        return n

    def append(self, span: Span, offset: int = 0) -> None:
        self.starts.append(span.start + offset)
        self.ends.append(span.end + offset)
        self.sent_starts.append(span.sent_start + offset)
        self.sent_ends.append(span.sent_end + offset)
        self.labels.append(self._code(span.label))
        self.sources.append(self._code(span.source))

    def extend(self, spans: Iterable[Span], offset: int = 0) -> None:
        for span in spans:
            self.append(span, offset)

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, i):
        if isinstance(i, slice):
            out = SpanArray.like(self)
            out.extend(self[j] for j in range(*i.indices(len(self))))
            return out
        names = self._names
        return models.Span(self.starts[i], self.ends[i], names[self.labels[i]],
                           self.sent_starts[i], self.sent_ends[i], names[self.sources[i]])

    def __iter__(self) -> Iterator[Span]:
        names, make = self._names, models.Span
        for start, end, label, sent_start, sent_end, source in zip(
                self.starts, self.ends, self.labels, self.sent_starts, self.sent_ends,
                self.sources):
            yield make(start, end, names[label], sent_start, sent_end, names[source])

    def label_at(self, i: int) -> str:
        return self._names[self.labels[i]]

    def between(self, lo: int, hi: int) -> tuple[int, int]:
        """The index range of the spans starting in [lo, hi) (the spans sorted by start)."""
        return bisect_left(self.starts, lo), bisect_left(self.starts, hi)

    def is_sorted(self) -> bool:
        starts = self.starts
        return all(starts[i] <= starts[i + 1] for i in range(len(starts) - 1))

    def sorted(self) -> SpanArray:
        """Sorted by start, ties in their order (as ``sorted(spans, key=start)``)."""
        if self.is_sorted():
            return self
        out = SpanArray.like(self)
        out.extend(self[i] for i in sorted(range(len(self)), key=self.starts.__getitem__))
        return out


def as_sorted(spans: Sequence[Span]) -> Sequence[Span]:
    """``sorted(spans, key=start)`` that keeps a SpanArray compact."""
    if isinstance(spans, SpanArray):
        return spans.sorted()
    return sorted(spans, key=lambda s: s.start)


class Sentences:
    """Distinct (start, end) sentence bounds, sorted, as two arrays: ``starts`` and ``ends``.

    Made from pairs in about the order of the spans they come from, so repeats are mostly in a
    row and dropped as they come; a set of (start, end) tuples was ~120 bytes a sentence. Each
    pair is one number while sorted (texts under 2**32 characters)."""

    def __init__(self, pairs: Iterable[tuple[int, int]]):
        keys = array("q")
        last, ordered = -1, True
        for start, end in pairs:
            key = start << 32 | end
            if key != last:
                ordered = ordered and key > last
                keys.append(key)
                last = key
        if not ordered:
            keys = array("q", sorted(set(keys)))
        self.starts = array("q", (k >> 32 for k in keys))
        self.ends = array("q", (k & 0xFFFFFFFF for k in keys))

    def __len__(self) -> int:
        return len(self.starts)
