"""What the watch list's scan and resolution read and write (casework.index.recall's
find_watched, resolve): the scan's last pass, the model's mentions a watched name took the
place of, and which entities are watched."""

from __future__ import annotations

import sqlite3
from typing import Iterable

from casework.index.catalog.schema import Tables

WATCH_SCHEMA = """
CREATE TABLE IF NOT EXISTS watch_forms (form TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS watch_docs (
    doc_id TEXT PRIMARY KEY REFERENCES documents(doc_id) ON DELETE CASCADE,
    sha256 TEXT NOT NULL
);
-- mentions a longer watched name covers ("Bureau of Alcohol, Tobacco, Firearms" inside the
-- listed "Bureau of Alcohol, Tobacco, Firearms, and Explosives"): put back when it goes
CREATE TABLE IF NOT EXISTS watch_covered (
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    text TEXT NOT NULL,
    label TEXT NOT NULL,
    raw_label TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    sent_start INTEGER NOT NULL,
    sent_end INTEGER NOT NULL,
    source TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS watch_covered_doc ON watch_covered(doc_id);
CREATE TABLE IF NOT EXISTS watched_entities (
    entity_id TEXT NOT NULL,
    watch_id TEXT NOT NULL,
    name TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS watched_entities_entity ON watched_entities(entity_id);
"""

_COLUMNS = "doc_id, start, end, text, label, raw_label, entity_id, sent_start, sent_end, source"


class Watched(Tables):
    def ensure_watch_tables(self) -> None:
        self.conn.executescript(WATCH_SCHEMA)

    # -- the scan's bookkeeping -------------------------------------------------------------
    def watch_forms(self) -> set[str]:
        """The folded names the last watch scan looked for (none before the first)."""
        try:
            return {r[0] for r in self.conn.execute("SELECT form FROM watch_forms")}
        except sqlite3.OperationalError:  # no watch list was ever imported
            return set()

    def watch_scanned(self) -> dict[str, str]:
        """doc_id -> the content hash each document had when the watch scan last read it."""
        return {r[0]: r[1] for r in self.conn.execute("SELECT doc_id, sha256 FROM watch_docs")}

    def put_watch_pass(self, forms: Iterable[str], docs: list[sqlite3.Row]) -> None:
        conn = self.conn
        conn.execute("DELETE FROM watch_forms")
        conn.executemany("INSERT INTO watch_forms VALUES (?)", [(f,) for f in forms])
        conn.executemany("INSERT OR REPLACE INTO watch_docs VALUES (?, ?)",
                         [(r["doc_id"], r["sha256"]) for r in docs])

    def watch_mention_texts(self) -> list[sqlite3.Row]:
        """(doc_id, text) of every watch-list mention, one row per document and text."""
        return self.conn.execute(
            "SELECT DISTINCT doc_id, text FROM mentions WHERE source = 'watch'").fetchall()

    # -- one document's watched mentions -----------------------------------------------------
    def undo_watch_marks(self, doc_id: str) -> int:
        """Drop a document's watch-list mentions and put back the mentions they covered;
        returns how many watch mentions went."""
        conn = self.conn
        gone = conn.execute(
            "DELETE FROM mentions WHERE doc_id = ? AND source = 'watch'", (doc_id,)).rowcount
        conn.execute(f"INSERT INTO mentions({_COLUMNS}) SELECT {_COLUMNS} FROM watch_covered "
                     "WHERE doc_id = ?", (doc_id,))
        conn.execute("DELETE FROM watch_covered WHERE doc_id = ?", (doc_id,))
        return gone

    def forget_covered(self, doc_id: str) -> None:
        """A changed document's covered mentions are of its old text: they never come back."""
        self.conn.execute("DELETE FROM watch_covered WHERE doc_id = ?", (doc_id,))

    def cover_mentions(self, doc_id: str, spans: list[tuple[int, int]]) -> None:
        """Set aside the mentions these (start, end) spans held, for watched names over them."""
        conn = self.conn
        for start, end in spans:
            conn.execute(f"INSERT INTO watch_covered SELECT {_COLUMNS} FROM mentions "
                         "WHERE doc_id = ? AND start = ? AND end = ?", (doc_id, start, end))
            conn.execute("DELETE FROM mentions WHERE doc_id = ? AND start = ? AND end = ?",
                         (doc_id, start, end))

    def drop_rescan_of(self, doc_id: str) -> None:
        """Drop a document's re-scan finds and its re-scan record: the re-scan that follows
        reads it again around the watched names."""
        self.conn.execute("DELETE FROM mentions WHERE doc_id = ? AND source = 'rescan'", (doc_id,))
        try:
            self.conn.execute("DELETE FROM recall_docs WHERE doc_id = ?", (doc_id,))
        except sqlite3.OperationalError:  # no re-scan has run yet
            pass

    def mark_documents_stale(self, doc_ids: Iterable[str]) -> None:
        """Flag these documents for the full-text index (their entity fields changed)."""
        self.conn.executemany("UPDATE documents SET ft_hash = NULL WHERE doc_id = ?",
                              [(d,) for d in doc_ids])

    # -- which entities are watched ---------------------------------------------------------
    def replace_watched(self, rows: list[tuple[str, str, str]]) -> None:
        """(entity_id, watch-list id, listed name) of every watched entity, replacing all."""
        try:
            self.conn.execute("DELETE FROM watched_entities")
        except sqlite3.OperationalError:
            if not rows:
                return
            self.ensure_watch_tables()
        self.conn.executemany("INSERT INTO watched_entities VALUES (?, ?, ?)", rows)

    def watched_entity_ids(self) -> set[str]:
        try:
            return {r[0] for r in self.conn.execute("SELECT entity_id FROM watched_entities")}
        except sqlite3.OperationalError:  # an index no watch list was imported into
            return set()

    def watched_names_of(self, entity_id: str) -> list[str]:
        """The listed names an entity is watched as (none: not watched)."""
        try:
            return [r[0] for r in self.conn.execute(
                "SELECT name FROM watched_entities WHERE entity_id = ? ORDER BY name",
                (entity_id,))]
        except sqlite3.OperationalError:
            return []

    def watched_rows(self) -> list[sqlite3.Row]:
        """(entity_id, watch_id, name, documents, mentions) of every watched entity."""
        try:
            return self.conn.execute(
                """SELECT w.entity_id, w.watch_id, w.name, e.documents, e.mentions
                   FROM watched_entities w JOIN entities e ON e.entity_id = w.entity_id"""
            ).fetchall()
        except sqlite3.OperationalError:
            return []

    def documents_mentioning_any(self, entity_ids: Iterable[str]) -> set[str]:
        ids = list(entity_ids)
        found: set[str] = set()
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            found.update(r[0] for r in self.conn.execute(
                f"SELECT DISTINCT doc_id FROM mentions WHERE entity_id IN "
                f"({','.join('?' * len(chunk))})", chunk))
        return found
