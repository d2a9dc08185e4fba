"""SQLite side of the index: documents (with their text), mentions, entities, aliases.

The full-text index is derived from this catalog (see ``fulltext.sync``), so the catalog is the
source of truth and a half-written Whoosh index can always be brought back in line with it.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

from casework.index import models

if TYPE_CHECKING:  # records are made on first use (models.py): these only annotate
    from casework.index.models import SourceFile, Span

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    root TEXT NOT NULL,
    relpath TEXT NOT NULL,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime REAL NOT NULL,
    sha256 TEXT NOT NULL,
    encoding TEXT NOT NULL,
    words INTEGER NOT NULL,
    ft_hash TEXT  -- what the full-text index holds for this document; NULL = needs writing
);
CREATE INDEX IF NOT EXISTS documents_root ON documents(root);
CREATE TABLE IF NOT EXISTS mentions (
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
CREATE INDEX IF NOT EXISTS mentions_doc ON mentions(doc_id, start);
CREATE INDEX IF NOT EXISTS mentions_entity ON mentions(entity_id, doc_id);
CREATE TABLE IF NOT EXISTS entities (
    entity_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    label TEXT NOT NULL,
    key TEXT NOT NULL,
    documents INTEGER NOT NULL,
    mentions INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS entities_key ON entities(key);
CREATE INDEX IF NOT EXISTS entities_rank ON entities(mentions DESC);
-- the explorer's index-wide list: one label's most-mentioned, a page at a time
CREATE INDEX IF NOT EXISTS entities_label_rank ON entities(label, mentions DESC);
CREATE TABLE IF NOT EXISTS aliases (
    entity_id TEXT NOT NULL,
    text TEXT NOT NULL,
    key TEXT NOT NULL,
    count INTEGER NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS aliases_key ON aliases(key);
CREATE INDEX IF NOT EXISTS aliases_entity ON aliases(entity_id);
-- how each document writes the words of its mentions: in lower case, capitalised mid-sentence,
-- capitalised at a sentence start (entity resolution tells names from other words by them)
CREATE TABLE IF NOT EXISTS word_cases (
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    word TEXT NOT NULL,
    lower INTEGER NOT NULL,
    mid INTEGER NOT NULL,
    start INTEGER NOT NULL,
    other INTEGER NOT NULL  -- inside a date, time or number the model found
);
CREATE INDEX IF NOT EXISTS word_cases_doc ON word_cases(doc_id);
"""

ANNOTATION_SCHEMA = """
CREATE TABLE IF NOT EXISTS annotations (
    sha256 TEXT NOT NULL,
    annotator TEXT NOT NULL,
    spans TEXT NOT NULL,
    PRIMARY KEY (sha256, annotator)
);
"""


def connect(path: Path, readonly: bool = False) -> sqlite3.Connection:
    if readonly:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    else:
        conn = sqlite3.connect(path, check_same_thread=False)
        # WAL: readers (a search, the TUI) never wait for the indexer, and a killed writer
        # leaves the last committed state.
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=10000")
    return conn


class Catalog:
    """Documents, mentions and entities in one SQLite file."""

    def __init__(self, path: Path, readonly: bool = False):
        self.path = path
        self.conn = connect(path, readonly=readonly)
        if not readonly:
            self.conn.executescript(SCHEMA)

    def close(self) -> None:
        self.conn.close()

    # -- meta -----------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    # -- documents ------------------------------------------------------------------------
    def document_row(self, doc_id: str) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()

    def document_by_path(self, path: str) -> sqlite3.Row | None:
        return self.conn.execute(
            "SELECT doc_id, path, size, mtime, sha256 FROM documents WHERE path = ?", (path,)
        ).fetchone()

    def doc_id_taken(self, doc_id: str) -> bool:
        row = self.conn.execute("SELECT 1 FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return row is not None

    def touch(self, doc_id: str, mtime: float) -> None:
        self.conn.execute("UPDATE documents SET mtime = ? WHERE doc_id = ?", (mtime, doc_id))

    def roots(self) -> list[str]:
        """The folders (or files) the documents were indexed from."""
        rows = self.conn.execute("SELECT DISTINCT root FROM documents ORDER BY root")
        return [r[0] for r in rows]

    def paths_under(self, root: str) -> dict[str, str]:
        rows = self.conn.execute("SELECT path, doc_id FROM documents WHERE root = ?", (root,))
        return {r["path"]: r["doc_id"] for r in rows}

    def put_document(self, src: SourceFile, mentions: list[tuple[Span, str, str, str]]) -> None:
        """Insert or replace a document and its mentions: (span, text, label, entity_id)."""
        self.conn.execute("DELETE FROM mentions WHERE doc_id = ?", (src.doc_id,))
        self.conn.execute(
            """INSERT INTO documents(doc_id, path, root, relpath, title, text, size, mtime, sha256,
                                     encoding, words, ft_hash)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
               ON CONFLICT(doc_id) DO UPDATE SET
                 path=excluded.path, root=excluded.root, relpath=excluded.relpath,
                 title=excluded.title, text=excluded.text, size=excluded.size,
                 mtime=excluded.mtime, sha256=excluded.sha256, encoding=excluded.encoding,
                 words=excluded.words, ft_hash=NULL""",
            (
                src.doc_id, src.path, src.root, src.relpath, src.title, src.text, src.size,
                src.mtime, src.sha256, src.encoding, len(src.text.split()),
            ),
        )
        self.conn.executemany(
            """INSERT INTO mentions(doc_id, start, end, text, label, raw_label, entity_id,
                                    sent_start, sent_end, source)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                (src.doc_id, s.start, s.end, text, label, s.label, eid, s.sent_start,
                 s.sent_end, s.source)
                for s, text, label, eid in mentions
            ],
        )

    # -- what entity resolution reads and writes besides mentions ----------------------------
    def put_word_cases(self, doc_id: str, rows: list[tuple[str, int, int, int, int]]) -> None:
        """A document's (word, lower, mid, start, other) counts, replacing what it had."""
        self.conn.execute("DELETE FROM word_cases WHERE doc_id = ?", (doc_id,))
        self.conn.executemany(
            "INSERT INTO word_cases VALUES (?, ?, ?, ?, ?, ?)", [(doc_id, *r) for r in rows]
        )

    def word_case_totals(self) -> dict[str, tuple[int, int, int, int]]:
        """Per word, summed over documents: (lower case, capitalised mid-sentence, at a start,
        inside a date or number)."""
        rows = self.conn.execute(
            "SELECT word, SUM(lower), SUM(mid), SUM(start), SUM(other) FROM word_cases GROUP BY word"
        )
        return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}

    def map_mentions_in_documents(self, rows: list[tuple[str, str, str, str]]) -> None:
        """Give the mentions of a text in one document an entity: (doc_id, text, entity_id,
        label). Applied after the corpus-wide mapping, for names read from their document."""
        self.conn.execute(
            """CREATE TEMP TABLE IF NOT EXISTS doc_form_map
               (doc_id TEXT, text TEXT, entity_id TEXT, label TEXT, PRIMARY KEY (doc_id, text))"""
        )
        self.conn.execute("DELETE FROM doc_form_map")
        self.conn.executemany("INSERT OR REPLACE INTO doc_form_map VALUES (?, ?, ?, ?)", rows)
        self.conn.execute(
            """UPDATE mentions SET (entity_id, label) =
                   (SELECT f.entity_id, f.label FROM doc_form_map f
                    WHERE f.doc_id = mentions.doc_id AND f.text = mentions.text)
               WHERE EXISTS (SELECT 1 FROM doc_form_map f WHERE f.doc_id = mentions.doc_id
                             AND f.text = mentions.text)"""
        )

    def delete_documents(self, doc_ids: Iterable[str]) -> None:
        self.conn.executemany("DELETE FROM documents WHERE doc_id = ?", [(d,) for d in doc_ids])

    def document_count(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]

    def doc_ids(self) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT doc_id FROM documents")}

    def text_of(self, doc_id: str) -> str | None:
        row = self.conn.execute("SELECT text FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return row[0] if row else None

    def mentions_of(self, doc_id: str) -> list[sqlite3.Row]:
        return self.conn.execute(
            "SELECT * FROM mentions WHERE doc_id = ? ORDER BY start", (doc_id,)
        ).fetchall()

    def entity_counts(self, doc_ids: list[str]) -> dict[str, int]:
        """Distinct entities per document; hidden entities (empty id) do not count."""
        if not doc_ids:
            return {}
        marks = ",".join("?" * len(doc_ids))
        rows = self.conn.execute(
            f"""SELECT doc_id, COUNT(DISTINCT entity_id) FROM mentions
                WHERE doc_id IN ({marks}) AND entity_id != '' GROUP BY doc_id""",
            doc_ids,
        )
        return {r[0]: r[1] for r in rows}

    def stale_for_fulltext(self) -> Iterator[sqlite3.Row]:
        """Documents whose full-text entry may be out of date (new, changed, or renamed)."""
        return iter(
            self.conn.execute(
                "SELECT doc_id, path, title, sha256, ft_hash FROM documents"
            ).fetchall()
        )

    def set_ft_hash(self, doc_id: str, ft_hash: str) -> None:
        self.conn.execute("UPDATE documents SET ft_hash = ? WHERE doc_id = ?", (ft_hash, doc_id))

    def commit(self) -> None:
        self.conn.commit()


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

    def put(self, sha256: str, annotator: str, spans: list[Span]) -> None:
        payload = json.dumps(
            [[s.start, s.end, s.label, s.sent_start, s.sent_end, s.source] for s in spans],
            separators=(",", ":"),
        )
        self.conn.execute(
            "INSERT OR REPLACE INTO annotations(sha256, annotator, spans) VALUES (?, ?, ?)",
            (sha256, annotator, payload),
        )

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

    def commit(self) -> None:
        self.conn.commit()

    def close(self) -> None:
        self.conn.close()
