"""The fast engine: everything that knows Whoosh's private internals, for speed.

- rank.py: top hits and the exact count in one pass, from Whoosh's posting blocks, and the
  expansion of wildcard and fuzzy terms, capped and kept per segment;
- postings_file.py: common words' postings as plain arrays beside each segment (``.cwp``);
- segment_writer.py: Whoosh's segment writer with postings pooled per term (same bytes);
- term_seek.py: memoised seeks in a segment's term index, for fuzzy expansion;
- stubs.py: Whoosh imported without three module trees a search never uses.

Written against whoosh-reloaded 2.7.5 and checked against its own answers (tests/test_rank.py,
test_postings_file.py, test_segment_writer.py). Importing this package on any other version
raises :class:`UnsupportedWhoosh` before any of it runs; the caller then uses the plain
engine (plain.py). The functions here are plain.py's, faster.
"""

from __future__ import annotations

import whoosh

SUPPORTED_WHOOSH = (2, 7, 5)


class UnsupportedWhoosh(ImportError):
    """The installed Whoosh is not the version this package was written for."""


if tuple(getattr(whoosh, "__version__", ())[:3]) != SUPPORTED_WHOOSH:
    raise UnsupportedWhoosh(
        f"Whoosh {whoosh.versionstring()} is installed; casework's fast full-text path "
        f"was written for {'.'.join(map(str, SUPPORTED_WHOOSH))}"
    )

from casework.index.fulltext._whoosh import stubs  # noqa: E402  (after the version check)

stubs.load()  # before the rest of Whoosh is imported: see stubs.py

from functools import partial  # noqa: E402

from casework.index.fulltext._whoosh import postings_file  # noqa: E402
from casework.index.fulltext._whoosh.expand import expand  # noqa: E402, F401
from casework.index.fulltext._whoosh.rank import top  # noqa: E402, F401
from casework.index.fulltext._whoosh.segment import read_postings  # noqa: E402, F401

NAME = "fast"
WRITER_MB = 128


def writer(ix, procs: int = 1):
    """Whoosh's writer with postings pooled and written per term, the same bytes as Whoosh's
    (segment_writer.py): 20,000 news articles' full-text write went from 143 to 75 s. With
    ``procs`` > 1, a segment per process (3,000 news articles: 19 s with two, 31 s with one).
    """
    # imported here: whoosh.multiproc brings multiprocessing, which searches never need
    from casework.index.fulltext._whoosh.segment_writer import FastMpWriter, FastSegmentWriter

    if procs > 1:
        return FastMpWriter(ix, procs=procs, limitmb=WRITER_MB, compound=False)
    return FastSegmentWriter(ix, limitmb=WRITER_MB, compound=False)


def upkeep(ix) -> int:
    """Write the common words' postings file of each segment that lacks one (segments of an
    index written before postings_file.py existed, or by the plain engine); new segments get
    theirs as they are written. Returns how many were written. Only speed depends on them: a
    failure to write one is left for the next run to try again."""
    try:
        return postings_file.ensure(ix, partial(read_postings, values=True))
    except Exception:  # the commit is done: a segment without the file is still searched
        return 0
