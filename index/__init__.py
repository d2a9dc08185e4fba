"""casework's engine: ingest, annotate, store, search and cross-reference a folder of documents.

The public API is :func:`open_index` and the :class:`~casework.index.api.Casework` it returns,
with the records in :mod:`casework.index.models`. Importing this package never imports spaCy,
click, rich, Textual or casework.tui: spaCy loads only when documents are annotated.
"""

from casework.index.errors import (
    BadIndexLocation,
    CaseworkError,
    IndexBusy,
    IndexMissing,
    NotFound,
    QueryError,
)
from casework.index.location import check_index_location, default_index_dir, resolve_index_dir

# The engine (api.py: Whoosh, the catalog, the records) loads when one of these is first
# asked for, not when any casework.index module is: the explorer imports models.py (and
# tui/render.py) to paint its first screen, and opens the index in a worker after it. Loading
# Whoosh and api.py first took ~55 ms of CPU from the explorer's start (importing its app:
# 0.57 -> 0.515 s, median of 8 interleaved, on a busy machine).
_API = ("Casework", "build_index", "build_seeds", "index_exists", "open_index", "watch_index",
        "term_spans")
# Likewise the text-safety pair (a regular expression compiled on import): a cold --json
# search never needs it.
_SAFE = ("printable", "printable_same_length")
# entity labels as people read them: the short tag of each, and the label a typed tag names
_LABELS = ("LABEL_TAGS", "label_of")


def __getattr__(name: str):
    if name in _API:
        from casework.index import api

        return getattr(api, name)
    if name in _SAFE:
        from casework.index import safe

        return getattr(safe, name)
    if name in _LABELS:
        from casework.index import entities

        return getattr(entities, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BadIndexLocation",
    "Casework",
    "build_index",
    "build_seeds",
    "check_index_location",
    "index_exists",
    "CaseworkError",
    "IndexBusy",
    "IndexMissing",
    "NotFound",
    "QueryError",
    "default_index_dir",
    "open_index",
    "LABEL_TAGS",
    "label_of",
    "printable",
    "printable_same_length",
    "resolve_index_dir",
    "watch_index",
    "term_spans",
]
