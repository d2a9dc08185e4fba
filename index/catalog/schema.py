"""The catalog's tables, its meta keys, and how a connection to it is opened."""

from __future__ import annotations

import sqlite3
from pathlib import Path

# meta keys: whether the full-text index is in line with this catalog (sync.py marks it
# "updating" before a run writes, "clean" after), and the document count when it was marked clean
STATE_KEY = "state"
UPDATING, CLEAN = "updating", "clean"
DOCUMENTS_KEY = "documents"
# raised each time the index is marked clean, so an open explorer sees a new commit cheaply
GENERATION_KEY = "generation"
# what the last run did (JSON: at, did, ...) and the annotator identity it used
LAST_RUN_KEY = "last_run"
MODEL_KEY = "model"

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
    ft_hash TEXT,  -- what the full-text index holds for this document; NULL = needs writing
    -- what ingest found inside a file (an attachment, an archive member): see DOCUMENT_COLUMNS
    parent_id TEXT NOT NULL DEFAULT '',
    container TEXT NOT NULL DEFAULT '',
    depth INTEGER NOT NULL DEFAULT 0,
    ipath TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL DEFAULT '',
    metadata TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS documents_root ON documents(root);
-- each stored file asks whether its content is stored already (a copy): without it a scan
-- per file, quadratic (a 100,000-document build slowed from 17 to 60 s per 1,000 by 36,000)
CREATE INDEX IF NOT EXISTS documents_sha256 ON documents(sha256);
-- identical content under other paths: the document is stored once, at documents.path
CREATE TABLE IF NOT EXISTS copies (
    path TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    root TEXT NOT NULL,
    relpath TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS copies_doc ON copies(doc_id);
CREATE INDEX IF NOT EXISTS copies_root ON copies(root);
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
-- with the sentence, so counting each entity's sentences reads the index alone, in order (a
-- full count at 20,000 documents: 2.2 -> 0.55 s); it replaces mentions_entity(entity_id, doc_id)
DROP INDEX IF EXISTS mentions_entity;
CREATE INDEX IF NOT EXISTS mentions_entity_sentence ON mentions(entity_id, doc_id, sent_start);
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
-- dates and money amounts found in the text at index time (index/dates.py)
CREATE TABLE IF NOT EXISTS dates (
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    sent_start INTEGER NOT NULL,
    sent_end INTEGER NOT NULL,
    sentence TEXT NOT NULL,
    iso_start TEXT NOT NULL,
    iso_end TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS dates_doc ON dates(doc_id, start);
CREATE INDEX IF NOT EXISTS dates_day ON dates(iso_start, iso_end);
CREATE TABLE IF NOT EXISTS money (
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    sent_start INTEGER NOT NULL,
    sent_end INTEGER NOT NULL,
    sentence TEXT NOT NULL,
    amount REAL NOT NULL,
    currency TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS money_doc ON money(doc_id, start);
"""

# Columns added to documents after catalogs were already in use: a catalog opened for writing
# gets each one it lacks (ALTER TABLE ... ADD COLUMN), so no --rebuild is needed.
#   parent_id     the document this one was found in ("" for a file on disk, or when the parent
#                 gave no text of its own, e.g. a ZIP)
#   container     the file on disk it came out of ("" for that file itself): the root document
#   depth         0 on disk, 1 inside it, 2 inside that ...
#   ipath         its name inside its parent (an attachment's file name, a member's path)
#   content_type  MIME type, when a format's parser read it
#   metadata      JSON: author, created, modified, extractor, format extras, "email" headers
DOCUMENT_COLUMNS = (
    ("parent_id", "TEXT NOT NULL DEFAULT ''"),
    ("container", "TEXT NOT NULL DEFAULT ''"),
    ("depth", "INTEGER NOT NULL DEFAULT 0"),
    ("ipath", "TEXT NOT NULL DEFAULT ''"),
    ("content_type", "TEXT NOT NULL DEFAULT ''"),
    ("metadata", "TEXT NOT NULL DEFAULT '{}'"),
)
SCHEMA_AFTER_COLUMNS = """
CREATE INDEX IF NOT EXISTS documents_parent ON documents(parent_id);
CREATE INDEX IF NOT EXISTS documents_container ON documents(container);
"""


def migrate(conn: sqlite3.Connection) -> list[str]:
    """Add the documents columns an older catalog lacks; returns their names."""
    have = {r[1] for r in conn.execute("PRAGMA table_info(documents)")}
    added = []
    for name, decl in DOCUMENT_COLUMNS:
        if name not in have:
            conn.execute(f"ALTER TABLE documents ADD COLUMN {name} {decl}")
            added.append(name)
    conn.executescript(SCHEMA_AFTER_COLUMNS)
    return added


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


class Tables:
    """What every part of the catalog shares: the connection, the meta table, the commit."""

    conn: sqlite3.Connection

    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def commit(self) -> None:
        self.conn.commit()

    def plain(self, sql: str, params=()) -> sqlite3.Cursor:
        """``sql`` run with rows as plain tuples (sqlite3.Row costs a Python call per row, and
        a watcher reads tens of thousands of rows per change)."""
        cursor = self.conn.cursor()
        cursor.row_factory = None
        return cursor.execute(sql, params)
