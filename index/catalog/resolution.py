"""What entity resolution, the recall re-scan and the quality scores read and write: hints from
the text, surface forms and their votes, the mapping of mentions to entities, the entity and
alias tables, counts, and the re-scan's bookkeeping (casework.index.resolve, recall, quality)."""

from __future__ import annotations

import itertools
import random
import sqlite3
from typing import Iterable, Iterator

from casework.index.catalog.resolved import TEXT_INDEX
from casework.index.catalog.schema import Tables

HINTS_SCHEMA = """
CREATE TABLE IF NOT EXISTS entity_hints (
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    rule TEXT NOT NULL,
    a TEXT NOT NULL,
    b TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entity_hints_doc ON entity_hints(doc_id);
-- a new random value each time a document's hints are written: what a long-lived process
-- keeps of the hints (casework.index.hint_totals) reads again only the documents whose changed
CREATE TABLE IF NOT EXISTS hint_stamps (
    doc_id TEXT PRIMARY KEY REFERENCES documents(doc_id) ON DELETE CASCADE,
    stamp INTEGER NOT NULL
);
"""

# the recall re-scan's last pass: the forms it looked for, and each document's content hash
RECALL_SCHEMA = """
CREATE TABLE IF NOT EXISTS recall_forms (form TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS recall_docs (
    doc_id TEXT PRIMARY KEY REFERENCES documents(doc_id) ON DELETE CASCADE,
    sha256 TEXT NOT NULL
);
-- each document's hash without its row: sha256 comes after the text, so reading it from the
-- table walked every document's text (a watcher's change asks which documents changed)
CREATE INDEX IF NOT EXISTS documents_hashes ON documents(doc_id, sha256);
"""

_ENTITY_COUNTS = """SELECT entity_id, COUNT(DISTINCT doc_id), COUNT(*) FROM mentions
                    WHERE entity_id != '' GROUP BY entity_id"""


class Resolution(Tables):
    # -- hints, stored with each document ---------------------------------------------------
    def ensure_hints_table(self) -> None:
        """Create entity_hints if this catalog has none yet."""
        # statement by statement: executescript commits first, and this runs for every document
        # stored (a commit per document was ~5% of casework's own indexing work)
        stamped = self.has_hint_stamps()
        for statement in HINTS_SCHEMA.split(";"):
            if statement.strip():
                self.conn.execute(statement)
        if not stamped:  # a catalog from before the stamps: every document's hints as written
            self.conn.execute(
                "INSERT OR IGNORE INTO hint_stamps SELECT DISTINCT doc_id, 0 FROM entity_hints")

    def put_hints(self, doc_id: str, rows: list[tuple[str, str, str, str]]) -> None:
        """A document's hints (doc_id, rule, a, b), replacing what it had."""
        self.ensure_hints_table()
        self.conn.execute("DELETE FROM entity_hints WHERE doc_id = ?", (doc_id,))
        self.conn.executemany("INSERT INTO entity_hints VALUES (?, ?, ?, ?)", rows)
        self.conn.execute("INSERT OR REPLACE INTO hint_stamps VALUES (?, ?)",
                          (doc_id, random.getrandbits(62)))

    def hints_by_rule(self) -> list[tuple[str, str, str, int]]:
        """(rule, a, b, n) of every hint but the surname ones, counted over documents."""
        return self.plain(
            """SELECT rule, a, b, COUNT(*) FROM entity_hints WHERE rule != 'surname'
               GROUP BY rule, a, b ORDER BY rule, a, b""").fetchall()

    def surname_hints(self) -> list[tuple[str, str, str, int]]:
        """(doc_id, a, b, n): the short form a and the full name b it followed, per document."""
        return self.plain(
            """SELECT doc_id, a, b, COUNT(*) FROM entity_hints WHERE rule = 'surname'
               GROUP BY doc_id, a, b ORDER BY doc_id, a, b""").fetchall()

    def has_hint_stamps(self) -> bool:
        """Whether this catalog stamps its hints (made before them, it does from its next
        resolution on)."""
        return self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'hint_stamps'").fetchone() is not None

    def hint_stamps(self) -> dict[str, int]:
        """Each document's stamp, new each time its hints are written."""
        return dict(self.plain("SELECT doc_id, stamp FROM hint_stamps"))

    def hints_of(self, doc_ids: Iterable[str] | None = None) -> Iterator[tuple[str, str, str, str]]:
        """(doc_id, rule, a, b) of these documents' hints (None: every document's)."""
        if doc_ids is None:
            yield from self.plain("SELECT doc_id, rule, a, b FROM entity_hints")
            return
        ids = iter(doc_ids)
        while chunk := list(itertools.islice(ids, 500)):
            yield from self.plain(
                f"SELECT doc_id, rule, a, b FROM entity_hints WHERE doc_id IN "
                f"({','.join('?' * len(chunk))})", chunk)

    # -- what resolution reads ------------------------------------------------------------
    def mention_texts_by_label(self) -> Iterator[tuple]:
        """(text, raw_label, again, watch, n): mentions counted by text and the model's label;
        ``again`` is 1 for the recall re-scan's and the watch list's finds, ``watch`` 1 for the
        latter."""
        return self.plain(
            """SELECT text, raw_label, source IN ('rescan', 'watch') AS again,
                      source = 'watch' AS watch, COUNT(*) AS n FROM mentions
               GROUP BY text, raw_label, again, watch ORDER BY text, raw_label, again, watch"""
        )

    def mention_texts_by_source(self) -> list[tuple[str, str, str, int]]:
        """(text, raw_label, source, n): mentions counted by text, the model's label and
        source, in that order."""
        self.conn.execute(TEXT_INDEX)  # made for the kept state anyway: reading is 10x faster
        return self.conn.execute(
            """SELECT text, raw_label, source, COUNT(*) FROM mentions
               GROUP BY text, raw_label, source ORDER BY text, raw_label, source"""
        ).fetchall()

    def entity_mention_counts(self) -> Iterator[sqlite3.Row]:
        """(entity_id, documents, mentions) of every entity its mentions carry."""
        return self.conn.execute(_ENTITY_COUNTS)

    # -- what resolution writes -----------------------------------------------------------
    def map_mentions_by_text(self, mapping: list[tuple[str, str, str]]) -> None:
        """Give every mention of a text its entity and label: (text, entity_id, label); the
        re-scan's finds of a text no longer mapped go with it."""
        conn = self.conn
        # Mentions are mapped by their exact text (a primary-key lookup per row, no Python call).
        conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS form_map (text TEXT PRIMARY KEY, entity_id TEXT, label TEXT)"
        )
        conn.execute("DELETE FROM form_map")
        conn.executemany("INSERT OR REPLACE INTO form_map VALUES (?, ?, ?)", mapping)
        conn.execute(
            """UPDATE mentions SET (entity_id, label) =
                   (SELECT f.entity_id, f.label FROM form_map f WHERE f.text = mentions.text)
               WHERE EXISTS (SELECT 1 FROM form_map f WHERE f.text = mentions.text
                             AND (f.entity_id != mentions.entity_id OR f.label != mentions.label))"""
        )
        conn.execute(  # re-scan finds of a form no longer known: gone with it
            """DELETE FROM mentions WHERE source = 'rescan'
               AND NOT EXISTS (SELECT 1 FROM form_map f WHERE f.text = mentions.text)"""
        )

    def replace_entities(self, entity_rows: list[tuple], alias_rows: list[tuple]) -> None:
        """Every entity (entity_id, name, label, key, documents, mentions) and alias (entity_id,
        text, key, count, reason), replacing the tables' contents."""
        conn = self.conn
        conn.execute("DELETE FROM entities")
        conn.execute("DELETE FROM aliases")
        conn.executemany("INSERT INTO entities VALUES (?, ?, ?, ?, ?, ?)", entity_rows)
        conn.executemany("INSERT INTO aliases VALUES (?, ?, ?, ?, ?)", alias_rows)

    def recount_entities_and_aliases(self) -> None:
        """Each entity's documents and mentions, and each alias's count, from the mentions."""
        conn = self.conn
        conn.execute("UPDATE entities SET documents = 0, mentions = 0")
        conn.executemany(
            "UPDATE entities SET documents = ?, mentions = ? WHERE entity_id = ?",
            [(docs, n, entity_id) for entity_id, docs, n in conn.execute(_ENTITY_COUNTS)],
        )
        # an alias counts every mention of its text, re-scan finds included (as resolve does)
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS text_counts (text TEXT PRIMARY KEY, n INTEGER)")
        conn.execute("DELETE FROM text_counts")
        conn.execute("INSERT INTO text_counts SELECT text, COUNT(*) FROM mentions GROUP BY text")
        conn.execute(
            "UPDATE aliases SET count = COALESCE((SELECT n FROM text_counts t WHERE t.text = aliases.text), 0)"
        )

    def count_entity_sentences(self) -> None:
        """The sentences holding an entity, in all and per entity (xref's PMI reads them)."""
        conn = self.conn
        sentences = conn.execute(
            "SELECT COUNT(*) FROM (SELECT DISTINCT doc_id, sent_start FROM mentions WHERE entity_id != '')"
        ).fetchone()[0]
        self.set_meta("sentences_with_entities", str(sentences))  # PMI's denominator (xref)
        conn.execute(  # and each entity's sentence count, so a card needs no scan per neighbour
            "CREATE TABLE IF NOT EXISTS entity_sentences (entity_id TEXT PRIMARY KEY, sentences INTEGER)"
        )
        conn.execute("DELETE FROM entity_sentences")
        conn.execute(
            """INSERT INTO entity_sentences SELECT entity_id, COUNT(*) FROM
                   (SELECT DISTINCT entity_id, doc_id, sent_start FROM mentions WHERE entity_id != '')
               GROUP BY entity_id"""
        )

    # -- the full-text entity fields ------------------------------------------------------
    def entity_names_and_alias_reasons(self, entity_ids: list[str] | None = None
                                       ) -> Iterator[sqlite3.Row]:
        """(entity_id, label, name, alias or None, its reason), one row per alias of every
        entity, or of these entities."""
        sql = """SELECT e.entity_id, e.label, e.name, a.text, a.reason
                 FROM entities e LEFT JOIN aliases a ON a.entity_id = e.entity_id"""
        if entity_ids is None:
            return self.conn.execute(sql)
        return itertools.chain.from_iterable(
            self.conn.execute(f"{sql} WHERE e.entity_id IN ({','.join('?' * len(part))})", part)
            for part in (entity_ids[i : i + 500] for i in range(0, len(entity_ids), 500)))

    def entity_texts_in_document(self, doc_id: str) -> list[sqlite3.Row]:
        """The distinct (entity_id, text) of a document's mentions ('' for a hidden entity's)."""
        return self.conn.execute(
            "SELECT DISTINCT entity_id, text FROM mentions WHERE doc_id = ?", (doc_id,)
        ).fetchall()

    # -- the recall re-scan ---------------------------------------------------------------
    def ensure_recall_tables(self) -> None:
        """Create recall_forms and recall_docs if this catalog has none yet."""
        self.conn.executescript(RECALL_SCHEMA)

    def mention_counts_by_text(self, source: str) -> dict[str, int]:
        """Mentions per text, of those from this source."""
        return dict(self.conn.execute(
            "SELECT text, COUNT(*) FROM mentions WHERE source = ? GROUP BY text", (source,)))

    def mention_counts_by_text_except(self, source: str) -> dict[str, int]:
        """Mentions per text, of those not from this source."""
        return dict(self.conn.execute(
            "SELECT text, COUNT(*) FROM mentions WHERE source != ? GROUP BY text", (source,)))

    def alias_counts_by_entity(self) -> dict[str, int]:
        """How many aliases each entity has."""
        return dict(self.conn.execute("SELECT entity_id, COUNT(*) FROM aliases GROUP BY entity_id"))

    def alias_texts_except(self, reason: str) -> Iterator[sqlite3.Row]:
        """(text, entity_id) of every alias not given for this reason."""
        return self.conn.execute(
            "SELECT text, entity_id FROM aliases WHERE reason != ?", (reason,))

    def alias_entities_except(self, reason: str) -> Iterator[sqlite3.Row]:
        """(text, entity_id, label of the entity) of every alias not given for this reason."""
        return self.conn.execute(
            """SELECT a.text, a.entity_id, e.label FROM aliases a JOIN entities e
               ON e.entity_id = a.entity_id WHERE a.reason != ?""", (reason,)
        )

    def alias_keys_by_use_except(self, reason: str) -> Iterator[sqlite3.Row]:
        """(key, entity_id, label of the entity) of every alias not given for this reason,
        least-used first."""
        return self.conn.execute(
            """SELECT a.key, a.entity_id, e.label FROM aliases a JOIN entities e
               ON e.entity_id = a.entity_id WHERE a.reason != ? ORDER BY a.count ASC""",
            (reason,),
        )

    def recall_forms(self) -> set[str]:
        """The forms the last re-scan looked for."""
        return {r[0] for r in self.conn.execute("SELECT form FROM recall_forms")}

    def delete_mentions_of_texts(self, source: str, texts: Iterable[str]) -> int:
        """Drop this source's mentions of these texts; returns how many went."""
        return self.conn.executemany(
            "DELETE FROM mentions WHERE source = ? AND text = ?", [(source, t) for t in texts]
        ).rowcount

    def recall_scanned(self) -> dict[str, str]:
        """doc_id -> the content hash each document had when the re-scan last read it."""
        return {r[0]: r[1] for r in self.conn.execute("SELECT doc_id, sha256 FROM recall_docs")}

    def document_hashes(self) -> list[sqlite3.Row]:
        """(doc_id, sha256) of every document."""
        return self.conn.execute("SELECT doc_id, sha256 FROM documents").fetchall()

    def documents_not_rescanned(self) -> list[tuple[str, str]]:
        """(doc_id, sha256) of the documents the re-scan has not read with this content."""
        return [tuple(r) for r in self.conn.execute(
            """SELECT d.doc_id, d.sha256 FROM documents d LEFT JOIN recall_docs r
               ON r.doc_id = d.doc_id WHERE r.sha256 IS NOT d.sha256""")]

    def documents_rescanned(self) -> list[str]:
        """The documents the re-scan has read with the content they have."""
        return [r[0] for r in self.conn.execute(
            """SELECT d.doc_id FROM documents d JOIN recall_docs r
               ON r.doc_id = d.doc_id AND r.sha256 = d.sha256""")]

    def put_recall_pass(self, forms: Iterable[str] | None, docs: list[tuple[str, str]]) -> None:
        """Remember the forms this re-scan looked for (None: the same as last time) and the
        hashes (doc_id, sha256) of the documents it read whole."""
        conn = self.conn
        if forms is not None:
            conn.execute("DELETE FROM recall_forms")
            conn.executemany("INSERT INTO recall_forms VALUES (?)", [(f,) for f in forms])
        conn.executemany(
            "INSERT OR REPLACE INTO recall_docs VALUES (?, ?)", [(r[0], r[1]) for r in docs]
        )

    def mention_spans_in(self, doc_id: str) -> list[sqlite3.Row]:
        """A document's mentions (start, end, sent_start, sent_end, text, entity_id, label) by start."""
        return self.conn.execute(
            """SELECT start, end, sent_start, sent_end, text, entity_id, label FROM mentions
               WHERE doc_id = ? ORDER BY start""",
            (doc_id,),
        ).fetchall()

    def iter_mention_spans_in(self, doc_id: str) -> Iterator[tuple]:
        """:meth:`mention_spans_in` as plain tuples from a cursor, for a reader that keeps
        only what it needs of each (a long document has millions)."""
        return self.plain(
            """SELECT start, end, sent_start, sent_end, text, entity_id, label FROM mentions
               WHERE doc_id = ? ORDER BY start""",
            (doc_id,),
        )

    def add_mentions(self, rows: list[tuple]) -> None:
        """Insert mentions: (doc_id, start, end, text, label, raw_label, entity_id, sent_start,
        sent_end, source)."""
        self.conn.executemany(
            """INSERT INTO mentions(doc_id, start, end, text, label, raw_label, entity_id,
                                    sent_start, sent_end, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            rows,
        )

    # -- the quality scores --------------------------------------------------------------
    def entity_keys(self) -> set[str]:
        """The match key of every entity's name."""
        return {r[0] for r in self.conn.execute("SELECT key FROM entities")}

    def document_texts(self) -> Iterator[sqlite3.Row]:
        """(doc_id, text) of every document, streamed."""
        return self.conn.execute("SELECT doc_id, text FROM documents")

    def entity_mention_spans_in(self, doc_id: str) -> list[sqlite3.Row]:
        """(start, end, entity_id) of a document's mentions that belong to an entity."""
        return self.conn.execute(
            "SELECT start, end, entity_id FROM mentions WHERE doc_id = ? AND entity_id != ''",
            (doc_id,),
        ).fetchall()
