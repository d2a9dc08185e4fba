"""The NER cache: annotations by content hash and annotator, in a file of their own."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from casework.index import models
from casework.index.catalog.schema import ANNOTATION_SCHEMA, connect

if TYPE_CHECKING:  # records are made on first use (models.py): these only annotate
    from casework.index.models import Span


class AnnotationCache:
    """Annotations by content hash and annotator identity, in their own file.

    Kept apart from the catalog so a ``--rebuild`` (or a run killed half-way) does not throw
    away hours of NER: the next run picks up every document already annotated.
    """

    def __init__(self, path: Path):
        self.conn = connect(path)
        self.conn.executescript(ANNOTATION_SCHEMA)

    def get(self, sha256: str, annotator: str) -> list[Span] | None:
        row = self.conn.execute(
            "SELECT spans FROM annotations WHERE sha256 = ? AND annotator = ?", (sha256, annotator)
        ).fetchone()
        if row is None:
            return None
        return [models.Span(*s) for s in json.loads(row[0])]

    def has(self, sha256: str, annotator: str) -> bool:
        """Whether ``get`` would answer, without reading the spans."""
        return self.conn.execute(
            "SELECT 1 FROM annotations WHERE sha256 = ? AND annotator = ?", (sha256, annotator)
        ).fetchone() is not None

    def put(self, sha256: str, annotator: str, spans: list[Span]) -> None:
        payload = json.dumps(
            [[s.start, s.end, s.label, s.sent_start, s.sent_end, s.source] for s in spans],
            separators=(",", ":"),
        )
        self.conn.execute(
            "INSERT OR REPLACE INTO annotations(sha256, annotator, spans) VALUES (?, ?, ?)",
            (sha256, annotator, payload),
        )

    def forget(self, sha256s: list[str]) -> None:
        """Drop entries (a long document's per-chunk answers once the whole is cached)."""
        self.conn.executemany("DELETE FROM annotations WHERE sha256 = ?", [(k,) for k in sha256s])

    def absorb(self, other: Path) -> int:
        """Add the annotations of another cache file (one a killed run left); returns how many
        were new. A damaged file is skipped: it is only a cache."""
        before = self.conn.total_changes
        try:
            self.conn.execute("ATTACH DATABASE ? AS other", (str(other),))
            try:
                self.conn.execute(
                    "INSERT OR IGNORE INTO annotations SELECT sha256, annotator, spans "
                    "FROM other.annotations"
                )
                self.conn.commit()
            finally:
                self.conn.execute("DETACH DATABASE other")
        except sqlite3.DatabaseError:
            self.conn.rollback()
            return 0
        return self.conn.total_changes - before

    @staticmethod
    def copy_file(src: Path, dst: Path) -> bool:
        """Copy a cache file to ``dst``; False (and ``dst`` perhaps half-made) if it is damaged."""
        try:
            source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
            try:
                target = sqlite3.connect(dst)
                source.backup(target)  # consistent even if the file has a -wal beside it
                target.close()
            finally:
                source.close()
        except sqlite3.DatabaseError:
            return False
        return True

    def commit(self) -> None:
        self.conn.commit()

    def close(self) -> None:
        self.conn.close()
