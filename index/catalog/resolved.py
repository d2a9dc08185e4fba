"""What entity resolution keeps between runs so one changed file costs what it changes
(casework.index.resolve, recall): the mapping of texts to entities it last wrote, running totals
of what it reads (mentions by text and label, word cases), and what changed since it last
counted (documents, entities and texts whose mentions moved).

Totals and change marks are kept by triggers on mentions and word_cases, so every path that
writes them (a document stored or forgotten, the re-scan, the watch list's marks) is followed
without the caller saying so. The triggers are made after the first full resolution: a first
build stores its mentions without paying for them.
"""

from __future__ import annotations

import sqlite3
import uuid
from typing import Iterable

from casework.index.catalog.schema import Tables

# The version of what this module keeps; a catalog without it is resolved in full once.
RESOLVED_KEY = "resolve_state"
STATE_VERSION = "1"
# Set when a full resolution left the counts to the next recount: that one counts everything.
RECOUNT_ALL_KEY = "recount_all"
# A new random value with every resolution written: a process that keeps what it wrote in
# memory (a watcher) reads it from there only while the catalog still holds this value.
WRITTEN_KEY = "resolve_written"

# Mentions by text, with the model's label and the source: totals by text read the index
# alone, in order (a full resolution's read at 20,000 documents: 1.95 -> 0.2 s); it replaces
# mentions_text(text)
TEXT_INDEX = """
CREATE INDEX IF NOT EXISTS mentions_text_source ON mentions(text, raw_label, source);
"""

STATE_SCHEMA = """
CREATE TABLE IF NOT EXISTS resolved_texts (
    text TEXT PRIMARY KEY, entity_id TEXT NOT NULL, label TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS resolved_in_document (
    doc_id TEXT NOT NULL, text TEXT NOT NULL, entity_id TEXT NOT NULL, label TEXT NOT NULL,
    PRIMARY KEY (doc_id, text)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS form_tally (
    text TEXT NOT NULL, raw_label TEXT NOT NULL, source TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (text, raw_label, source)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS word_case_sums (
    word TEXT PRIMARY KEY, lower INTEGER NOT NULL, mid INTEGER NOT NULL,
    start INTEGER NOT NULL, other INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS doc_entity_sentences (doc_id TEXT PRIMARY KEY, n INTEGER NOT NULL)
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dirty_docs (doc_id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS unmapped_docs (doc_id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dirty_entities (entity_id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dirty_texts (text TEXT PRIMARY KEY) WITHOUT ROWID;
DROP INDEX IF EXISTS mentions_text;
""" + TEXT_INDEX

TRIGGERS = """
CREATE TRIGGER IF NOT EXISTS mentions_added AFTER INSERT ON mentions BEGIN
    INSERT INTO form_tally VALUES (new.text, new.raw_label, new.source, 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT OR IGNORE INTO dirty_docs VALUES (new.doc_id);
    INSERT OR IGNORE INTO unmapped_docs VALUES (new.doc_id);
    INSERT OR IGNORE INTO dirty_entities VALUES (new.entity_id);
    INSERT OR IGNORE INTO dirty_texts VALUES (new.text);
END;
CREATE TRIGGER IF NOT EXISTS mentions_removed AFTER DELETE ON mentions BEGIN
    UPDATE form_tally SET n = n - 1 WHERE text = old.text AND raw_label = old.raw_label
        AND source = old.source;
    INSERT OR IGNORE INTO dirty_docs VALUES (old.doc_id);
    INSERT OR IGNORE INTO dirty_entities VALUES (old.entity_id);
    INSERT OR IGNORE INTO dirty_texts VALUES (old.text);
END;
CREATE TRIGGER IF NOT EXISTS mentions_moved AFTER UPDATE OF entity_id ON mentions
    WHEN old.entity_id != new.entity_id BEGIN
    INSERT OR IGNORE INTO dirty_docs VALUES (new.doc_id);
    INSERT OR IGNORE INTO dirty_entities VALUES (old.entity_id);
    INSERT OR IGNORE INTO dirty_entities VALUES (new.entity_id);
END;
CREATE TRIGGER IF NOT EXISTS mentions_rewritten AFTER UPDATE OF text, raw_label, source, doc_id
    ON mentions BEGIN
    UPDATE form_tally SET n = n - 1 WHERE text = old.text AND raw_label = old.raw_label
        AND source = old.source;
    INSERT INTO form_tally VALUES (new.text, new.raw_label, new.source, 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT OR IGNORE INTO dirty_docs VALUES (old.doc_id);
    INSERT OR IGNORE INTO dirty_docs VALUES (new.doc_id);
    INSERT OR IGNORE INTO unmapped_docs VALUES (new.doc_id);
    INSERT OR IGNORE INTO dirty_entities VALUES (old.entity_id);
    INSERT OR IGNORE INTO dirty_entities VALUES (new.entity_id);
    INSERT OR IGNORE INTO dirty_texts VALUES (old.text);
    INSERT OR IGNORE INTO dirty_texts VALUES (new.text);
END;
CREATE TRIGGER IF NOT EXISTS word_cases_added AFTER INSERT ON word_cases BEGIN
    INSERT INTO word_case_sums VALUES (new.word, new.lower, new.mid, new.start, new.other)
        ON CONFLICT DO UPDATE SET lower = lower + excluded.lower, mid = mid + excluded.mid,
            start = start + excluded.start, other = other + excluded.other;
END;
CREATE TRIGGER IF NOT EXISTS word_cases_removed AFTER DELETE ON word_cases BEGIN
    UPDATE word_case_sums SET lower = lower - old.lower, mid = mid - old.mid,
        start = start - old.start, other = other - old.other WHERE word = old.word;
END;
"""

_TRIGGER_NAMES = ("mentions_added", "mentions_removed", "mentions_moved", "mentions_rewritten",
                  "word_cases_added", "word_cases_removed")

_DOC_SENTENCES = """SELECT doc_id, COUNT(*) FROM (SELECT DISTINCT doc_id, sent_start FROM mentions
                    WHERE entity_id != '' {where}) GROUP BY doc_id"""


class ResolvedState(Tables):
    # -- whether there is a state to go on from ---------------------------------------------
    def has_resolved_state(self) -> bool:
        """True when the last resolution left its state (and the triggers keep it)."""
        return self.get_meta(RESOLVED_KEY) == STATE_VERSION

    def drop_resolved_state(self) -> None:
        """Forget the kept state: the next resolution is a full one (and keeps it again)."""
        for name in _TRIGGER_NAMES:
            self.conn.execute(f"DROP TRIGGER IF EXISTS {name}")
        self.conn.execute("DELETE FROM meta WHERE key = ?", (RESOLVED_KEY,))

    def keep_resolved_state(self, mapping: dict[str, tuple[str, str]],
                            in_document: dict[tuple[str, str], tuple[str, str]],
                            by_source: list[tuple[str, str, str, int]],
                            cases: dict[str, tuple[int, int, int, int]],
                            recount_all: bool = False) -> None:
        """After a full resolution: keep what it wrote and the totals it read (``by_source``:
        mention_texts_by_source as read before it mapped, ``cases``: word_case_totals), and
        make the triggers that keep them from now on. With ``recount_all`` the counts were
        left undone: the next recount counts everything."""
        conn = self.conn
        for statement in STATE_SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)
        for table in ("resolved_texts", "resolved_in_document", "form_tally", "word_case_sums",
                      "doc_entity_sentences", "dirty_docs", "unmapped_docs", "dirty_entities",
                      "dirty_texts"):
            conn.execute(f"DELETE FROM {table}")
        conn.executemany("INSERT INTO resolved_texts VALUES (?, ?, ?)",
                         [(t, e, lab) for t, (e, lab) in mapping.items()])
        conn.executemany("INSERT INTO resolved_in_document VALUES (?, ?, ?, ?)",
                         [(d, t, e, lab) for (d, t), (e, lab) in in_document.items()])
        # the mapping dropped the re-scan's finds of texts it no longer maps (map_mentions_by_text)
        conn.executemany("INSERT INTO form_tally VALUES (?, ?, ?, ?)",
                         [r for r in by_source if r[2] != "rescan" or r[0] in mapping])
        conn.executemany("INSERT INTO word_case_sums VALUES (?, ?, ?, ?, ?)",
                         [(w, *c) for w, c in cases.items()])
        conn.execute("INSERT INTO doc_entity_sentences " + _DOC_SENTENCES.format(where=""))
        for name in _TRIGGER_NAMES:
            conn.execute(f"DROP TRIGGER IF EXISTS {name}")
        for statement in TRIGGERS.split("END;"):
            if statement.strip():
                conn.execute(statement + "END;")
        self.set_meta(RESOLVED_KEY, STATE_VERSION)
        if recount_all:
            self.set_meta(RECOUNT_ALL_KEY, "1")

    def recount_all_pending(self) -> bool:
        """True when a full resolution left every count to the next recount."""
        return self.get_meta(RECOUNT_ALL_KEY) == "1"

    def counted_all(self) -> None:
        """After every count was made anew: the per-document sentence totals too, and nothing
        is marked as moved."""
        if not self.has_resolved_state():
            return
        self.conn.execute("DELETE FROM doc_entity_sentences")
        self.conn.execute("INSERT INTO doc_entity_sentences " + _DOC_SENTENCES.format(where=""))
        self.clear_dirty()
        self.conn.execute("DELETE FROM meta WHERE key = ?", (RECOUNT_ALL_KEY,))

    def resolution_written(self) -> str | None:
        """The value the last resolution written left (see stamp_resolution)."""
        return self.get_meta(WRITTEN_KEY)

    def stamp_resolution(self) -> str:
        """Mark the resolution just written with a new value, committed with it, and return
        it: a copy of what was written held in memory is what the catalog holds as long as
        the catalog holds this value (only resolution writes entities, aliases and the
        mapping; a write rolled back takes its value with it)."""
        value = uuid.uuid4().hex
        self.set_meta(WRITTEN_KEY, value)
        return value

    # -- what resolution reads, from the totals -------------------------------------------
    def form_tally_by_source(self) -> list[tuple[str, str, str, int]]:
        """(text, raw_label, source, n) as mention_texts_by_source gives them, from the running
        totals, in the same order (the table's own: no sort)."""
        return self.plain(
            "SELECT text, raw_label, source, n FROM form_tally WHERE n > 0 "
            "ORDER BY text, raw_label, source").fetchall()

    def word_case_sums(self) -> dict[str, tuple[int, int, int, int]]:
        """word_case_totals, from the running totals."""
        return {r[0]: (r[1], r[2], r[3], r[4]) for r in self.conn.execute(
            "SELECT word, lower, mid, start, other FROM word_case_sums "
            "WHERE lower != 0 OR mid != 0 OR start != 0 OR other != 0")}

    def resolved_texts(self) -> dict[str, tuple[str, str]]:
        """text -> (entity_id, label) as the last resolution mapped it."""
        return {r[0]: (r[1], r[2]) for r in self.conn.execute(
            "SELECT text, entity_id, label FROM resolved_texts")}

    def resolved_in_document(self) -> dict[tuple[str, str], tuple[str, str]]:
        """(doc_id, text) -> (entity_id, label) of the last resolution's in-document names."""
        return {(r[0], r[1]): (r[2], r[3]) for r in self.conn.execute(
            "SELECT doc_id, text, entity_id, label FROM resolved_in_document")}

    def unmapped_doc_ids(self) -> set[str]:
        """Documents with mentions stored or found since the last resolution mapped them; the
        mark goes (this resolution maps them)."""
        docs = {r[0] for r in self.conn.execute("SELECT doc_id FROM unmapped_docs")}
        self.conn.execute("DELETE FROM unmapped_docs")
        return docs

    def entity_and_alias_rows(self) -> tuple[dict[str, tuple], list[tuple]]:
        """entity_id -> (name, label, key), and every alias (entity_id, text, key, reason)."""
        entities = {r[0]: (r[1], r[2], r[3]) for r in self.conn.execute(
            "SELECT entity_id, name, label, key FROM entities")}
        aliases = [tuple(r) for r in self.conn.execute(
            "SELECT entity_id, text, key, reason FROM aliases")]
        return entities, aliases

    # -- what resolution writes, as changes ---------------------------------------------
    def remap_texts(self, changed: dict[str, tuple[str, str]], gone: Iterable[str],
                    doc_ids: Iterable[str]) -> None:
        """Map texts anew: ``changed`` text -> (entity_id, label), ``gone`` texts no longer
        mapped (their re-scan finds go); the mentions of ``doc_ids`` are mapped again whole
        (they were stored or found since)."""
        conn = self.conn
        gone = list(gone)
        conn.executemany("DELETE FROM resolved_texts WHERE text = ?", [(t,) for t in gone])
        conn.executemany("INSERT OR REPLACE INTO resolved_texts VALUES (?, ?, ?)",
                         [(t, e, lab) for t, (e, lab) in changed.items()])
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS remap_texts (text TEXT PRIMARY KEY)")
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS remap_docs (doc_id TEXT PRIMARY KEY)")
        conn.execute("DELETE FROM remap_texts")
        conn.execute("DELETE FROM remap_docs")
        conn.executemany("INSERT OR IGNORE INTO remap_texts VALUES (?)",
                         [(t,) for t in [*changed, *gone]])
        conn.executemany("INSERT OR IGNORE INTO remap_docs VALUES (?)", [(d,) for d in doc_ids])
        for where in ("text IN (SELECT text FROM remap_texts)",
                      "doc_id IN (SELECT doc_id FROM remap_docs)"):
            conn.execute(
                f"""UPDATE mentions SET (entity_id, label) =
                       (SELECT f.entity_id, f.label FROM resolved_texts f
                        WHERE f.text = mentions.text)
                    WHERE {where} AND EXISTS (SELECT 1 FROM resolved_texts f
                        WHERE f.text = mentions.text
                        AND (f.entity_id != mentions.entity_id OR f.label != mentions.label))""")
            conn.execute(
                f"""DELETE FROM mentions WHERE source = 'rescan' AND {where}
                    AND NOT EXISTS (SELECT 1 FROM resolved_texts f WHERE f.text = mentions.text)""")

    def remap_in_documents(self, rows: dict[tuple[str, str], tuple[str, str]],
                           gone: Iterable[tuple[str, str]]) -> None:
        """Keep these in-document names, drop ``gone`` ones (their mentions were mapped by
        text again already), and map the mentions of every row given."""
        conn = self.conn
        conn.executemany("DELETE FROM resolved_in_document WHERE doc_id = ? AND text = ?",
                         list(gone))
        conn.executemany("INSERT OR REPLACE INTO resolved_in_document VALUES (?, ?, ?, ?)",
                         [(d, t, e, lab) for (d, t), (e, lab) in rows.items()])
        conn.executemany(
            """UPDATE mentions SET entity_id = ?, label = ? WHERE doc_id = ? AND text = ?
               AND (entity_id != ? OR label != ?)""",
            [(e, lab, d, t, e, lab) for (d, t), (e, lab) in rows.items()])

    def change_entities(self, put: list[tuple], drop: Iterable[str],
                        alias_put: list[tuple], alias_drop: list[tuple]) -> None:
        """Entities (entity_id, name, label, key) written or changed (a new one counts 0 until
        counted), entity ids dropped; aliases (entity_id, text, key, reason) added and
        removed (a new one counts 0 until counted)."""
        conn = self.conn
        conn.executemany("DELETE FROM entities WHERE entity_id = ?", [(e,) for e in drop])
        conn.executemany(
            """INSERT INTO entities VALUES (?, ?, ?, ?, 0, 0) ON CONFLICT(entity_id) DO UPDATE
               SET name = excluded.name, label = excluded.label, key = excluded.key""", put)
        conn.executemany(
            "DELETE FROM aliases WHERE entity_id = ? AND text = ? AND key = ? AND reason = ?",
            alias_drop)
        conn.executemany("INSERT INTO aliases VALUES (?, ?, ?, 0, ?)", alias_put)
        # what was written is counted by the next count, as if its mentions had moved
        conn.executemany("INSERT OR IGNORE INTO dirty_entities VALUES (?)",
                         [(r[0],) for r in put])
        conn.executemany("INSERT OR IGNORE INTO dirty_texts VALUES (?)",
                         [(r[1],) for r in alias_put])

    # -- counting what changed ----------------------------------------------------------
    def count_changed(self) -> None:
        """Entity, alias and sentence counts of what moved since the last count; then
        nothing is marked as moved."""
        conn = self.conn
        conn.execute(
            """UPDATE entities SET documents = 0, mentions = 0
               WHERE entity_id IN (SELECT entity_id FROM dirty_entities)""")
        conn.executemany(
            "UPDATE entities SET documents = ?, mentions = ? WHERE entity_id = ?",
            [(docs, n, e) for e, docs, n in conn.execute(
                """SELECT entity_id, COUNT(DISTINCT doc_id), COUNT(*) FROM mentions
                   WHERE entity_id IN (SELECT entity_id FROM dirty_entities)
                   AND entity_id != '' GROUP BY entity_id""")])
        conn.execute(
            """UPDATE aliases SET count = (SELECT COUNT(*) FROM mentions m
                                           WHERE m.text = aliases.text)
               WHERE text IN (SELECT text FROM dirty_texts)""")
        conn.execute("""DELETE FROM entity_sentences
                        WHERE entity_id IN (SELECT entity_id FROM dirty_entities)""")
        conn.execute(
            """INSERT INTO entity_sentences SELECT entity_id, COUNT(*) FROM
                   (SELECT DISTINCT entity_id, doc_id, sent_start FROM mentions
                    WHERE entity_id IN (SELECT entity_id FROM dirty_entities)
                    AND entity_id != '')
               GROUP BY entity_id""")
        conn.execute("""DELETE FROM doc_entity_sentences
                        WHERE doc_id IN (SELECT doc_id FROM dirty_docs)""")
        conn.execute("INSERT INTO doc_entity_sentences " + _DOC_SENTENCES.format(
            where="AND doc_id IN (SELECT doc_id FROM dirty_docs)"))
        total = conn.execute("SELECT COALESCE(SUM(n), 0) FROM doc_entity_sentences").fetchone()[0]
        self.set_meta("sentences_with_entities", str(total))
        self.clear_dirty()

    def clear_dirty(self) -> None:
        for table in ("dirty_docs", "dirty_entities", "dirty_texts"):
            self.conn.execute(f"DELETE FROM {table}")
        self.conn.execute("DELETE FROM form_tally WHERE n = 0")
        self.conn.execute("DELETE FROM word_case_sums "
                          "WHERE lower = 0 AND mid = 0 AND start = 0 AND other = 0")
