"""BM25F as Whoosh computes it, in its order of operations (the last bit of a score depends on
it), over arrays of posting weights and field lengths."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from itertools import repeat
from operator import add, mul, truediv

from casework.index.fulltext import query
from casework.index.fulltext._whoosh.segment import Scores, _LENGTH_BYTES, _Segment


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


def _boosted(q, scores: Scores) -> Scores:
    if q.boost != 1.0:
        return {d: v * q.boost for d, v in scores.items()}
    return scores
