"""SQLite side of the index: documents (with their text), mentions, entities, aliases.

The full-text index is derived from this catalog (see ``fulltext.sync``), so the catalog is the
source of truth and a half-written Whoosh index can always be brought back in line with it.

This package is the only code that writes SQL (tests/test_layers.py holds it to that): every
other module asks a named method, so the catalog can move to another database behind the same
names. Its parts: ``schema`` (tables, meta keys, connecting), ``documents``, ``entities``
(entity, alias and mention reads), ``resolution`` (what entity resolution and the recall
re-scan read and write), ``resolved`` (what resolution keeps between runs), ``watched`` (the watch list's scan and
watched entities), ``xref`` (co-occurrence and related documents), ``dated`` (dates
and money amounts) and
``annotations`` (the NER cache, a file of its own).
"""

from __future__ import annotations

from pathlib import Path

from casework.index.catalog.annotations import AnnotationCache
from casework.index.catalog.dated import Dated
from casework.index.catalog.documents import Documents
from casework.index.catalog.entities import Entities
from casework.index.catalog.resolution import Resolution
from casework.index.catalog.resolved import ResolvedState
from casework.index.catalog.schema import (
    ANNOTATION_SCHEMA,
    CLEAN,
    DOCUMENTS_KEY,
    GENERATION_KEY,
    LAST_RUN_KEY,
    MODEL_KEY,
    SCHEMA,
    STATE_KEY,
    UPDATING,
    connect,
    migrate,
)
from casework.index.catalog.watched import Watched
from casework.index.catalog.xref import Xref

__all__ = [
    "ANNOTATION_SCHEMA", "AnnotationCache", "CLEAN", "Catalog", "DOCUMENTS_KEY", "GENERATION_KEY",
    "LAST_RUN_KEY", "MODEL_KEY", "SCHEMA",
    "STATE_KEY", "UPDATING", "connect",
]


class Catalog(Documents, Entities, Resolution, ResolvedState, Watched, Xref, Dated):
    """Documents, mentions and entities in one SQLite file."""

    def __init__(self, path: Path, readonly: bool = False):
        self.path = path
        self.conn = connect(path, readonly=readonly)
        if not readonly:
            self.conn.executescript(SCHEMA)
            migrate(self.conn)

    def kept_key(self) -> str:
        """This catalog's file, however the path to it was written: the key of what a
        long-lived process keeps of it in memory (resolve, recall, hint_totals)."""
        return str(Path(self.path).resolve())

    def close(self) -> None:
        self.conn.close()
