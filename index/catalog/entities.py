"""Entity, alias and mention reads: lookups by id and key, lists, cards, curation checks."""

from __future__ import annotations

import sqlite3
from typing import Iterator

from casework.index.catalog.schema import Tables


class Entities(Tables):
    def entity_and_mention_counts(self) -> tuple[int, int]:
        return (self.conn.execute("SELECT COUNT(*) FROM entities").fetchone()[0],
                self.conn.execute("SELECT COUNT(*) FROM mentions").fetchone()[0])

    # -- one entity -------------------------------------------------------------------------
    def has_entity(self, entity_id: str) -> bool:
        """Whether an entity with this id exists."""
        row = self.conn.execute(
            "SELECT entity_id FROM entities WHERE entity_id = ?", (entity_id,)
        ).fetchone()
        return row is not None

    def entity_by_key(self, key: str) -> str | None:
        """The most-mentioned entity whose name has this match key."""
        row = self.conn.execute(
            "SELECT entity_id FROM entities WHERE key = ? ORDER BY mentions DESC LIMIT 1", (key,)
        ).fetchone()
        return row[0] if row else None

    def entity_by_alias_key(self, key: str) -> str | None:
        """The entity an alias with this match key most often names."""
        row = self.conn.execute(
            """SELECT a.entity_id FROM aliases a JOIN entities e ON e.entity_id = a.entity_id
               WHERE a.key = ? ORDER BY a.count DESC, e.mentions DESC LIMIT 1""",
            (key,),
        ).fetchone()
        return row[0] if row else None

    def entity_row(self, entity_id: str) -> sqlite3.Row | None:
        """An entity's row: entity_id, name, label, key, documents, mentions."""
        return self.conn.execute("SELECT * FROM entities WHERE entity_id = ?", (entity_id,)).fetchone()

    def entity_name(self, entity_id: str) -> str | None:
        """An entity's name."""
        row = self.conn.execute("SELECT name FROM entities WHERE entity_id = ?", (entity_id,)).fetchone()
        return row[0] if row else None

    def entity_label(self, entity_id: str) -> str | None:
        """An entity's label."""
        row = self.conn.execute("SELECT label FROM entities WHERE entity_id = ?", (entity_id,)).fetchone()
        return row[0] if row else None

    def entity_name_and_label(self, entity_id: str) -> sqlite3.Row | None:
        """An entity's ``name`` and ``label``."""
        return self.conn.execute(
            "SELECT name, label FROM entities WHERE entity_id = ?", (entity_id,)
        ).fetchone()

    def aliases_of(self, entity_id: str) -> list[sqlite3.Row]:
        """An entity's aliases (text, count, reason), most-used first."""
        return self.conn.execute(
            "SELECT text, count, reason FROM aliases WHERE entity_id = ? ORDER BY count DESC, text",
            (entity_id,),
        ).fetchall()

    def head_alias_key(self, entity_id: str) -> str | None:
        """The key of an entity's name form (its most-used alias if none is the name)."""
        row = self.conn.execute(
            "SELECT key FROM aliases WHERE entity_id = ? ORDER BY reason = 'name' DESC, count DESC LIMIT 1",
            (entity_id,),
        ).fetchone()
        return row["key"] if row else None

    def has_alias(self, entity_id: str, key: str) -> bool:
        """Whether an entity has an alias with this match key."""
        row = self.conn.execute(
            "SELECT 1 FROM aliases WHERE entity_id = ? AND key = ?", (entity_id, key)
        ).fetchone()
        return row is not None

    def alias_keys(self, entity_id: str) -> set[str]:
        """The distinct match keys of an entity's aliases."""
        return {r[0] for r in self.conn.execute(
            "SELECT DISTINCT key FROM aliases WHERE entity_id = ?", (entity_id,))}

    def mentions_of_entity(self, entity_id: str) -> list[sqlite3.Row]:
        """An entity's mentions (doc_id, start, end, text, sent_start, sent_end) by document."""
        return self.conn.execute(
            "SELECT doc_id, start, end, text, sent_start, sent_end FROM mentions "
            "WHERE entity_id = ? ORDER BY doc_id, start",
            (entity_id,),
        ).fetchall()

    # -- lists ------------------------------------------------------------------------------
    def entity_summaries(self, label: str | None, limit: int, offset: int) -> list[sqlite3.Row]:
        """(entity_id, name, label, documents, mentions), most-mentioned first; one label's if given."""
        where, args = [], []
        if label:
            where.append("e.label = ?")
            args.append(label)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        return self.conn.execute(
            f"""SELECT entity_id, name, label, documents, mentions FROM entities e {clause}
                ORDER BY mentions DESC, documents DESC, name LIMIT ? OFFSET ?""",
            [*args, limit, offset],
        ).fetchall()

    def entities_in_document(
        self, doc_id: str, label: str | None, limit: int, offset: int
    ) -> list[sqlite3.Row]:
        """(entity_id, name, label, documents, mentions in this document), most-mentioned here first."""
        where, args = [], []
        if label:
            where.append("e.label = ?")
            args.append(label)
        sql = """SELECT e.entity_id, e.name, e.label, e.documents, COUNT(*) AS mentions
                 FROM mentions m JOIN entities e ON e.entity_id = m.entity_id
                 WHERE m.doc_id = ? {extra}
                 GROUP BY e.entity_id ORDER BY mentions DESC, e.name LIMIT ? OFFSET ?"""
        extra = "".join(f" AND {w}" for w in where)
        return self.conn.execute(sql.format(extra=extra), [doc_id, *args, limit, offset]).fetchall()

    def entity_labels(self) -> list[tuple[str, int]]:
        """Entity labels with how many entities carry each, commonest first."""
        rows = self.conn.execute(
            "SELECT label, COUNT(*) FROM entities GROUP BY label ORDER BY COUNT(*) DESC"
        )
        return [(r[0], r[1]) for r in rows]

    def entity_names(self) -> dict[str, str]:
        """Every entity's name by id."""
        return {r[0]: r[1] for r in self.conn.execute("SELECT entity_id, name FROM entities")}

    def entities_by_mentions(self) -> Iterator[sqlite3.Row]:
        """Every entity's row, most-mentioned first, streamed."""
        return self.conn.execute("SELECT * FROM entities ORDER BY mentions DESC, name")

    def aliases_by_entity(self) -> Iterator[sqlite3.Row]:
        """Every alias (entity_id, text, count, reason) by entity, most-used first, streamed."""
        return self.conn.execute(
            "SELECT entity_id, text, count, reason FROM aliases ORDER BY entity_id, count DESC, text"
        )

    def alias_keys_by_use(self) -> Iterator[sqlite3.Row]:
        """Every alias's (key, entity_id, label of its entity), least-used first."""
        return self.conn.execute(
            """SELECT a.key, a.entity_id, e.label FROM aliases a JOIN entities e
               ON e.entity_id = a.entity_id ORDER BY a.count ASC"""
        )

    def mentions_with_path_and_name(self) -> Iterator[sqlite3.Row]:
        """Every mention of a kept entity with its document's ``path`` and its ``entity_name``,
        by document and offset, streamed."""
        return self.conn.execute(
            """SELECT m.*, d.path, e.name AS entity_name FROM mentions m
               JOIN documents d ON d.doc_id = m.doc_id
               JOIN entities e ON e.entity_id = m.entity_id
               ORDER BY m.doc_id, m.start"""
        )

    # -- full-text fields -------------------------------------------------------------------
    def entity_names_and_aliases(self) -> Iterator[sqlite3.Row]:
        """(entity_id, label, name, alias or None), one row per alias of every entity."""
        return self.conn.execute(
            """SELECT e.entity_id, e.label, e.name, a.text
               FROM entities e LEFT JOIN aliases a ON a.entity_id = e.entity_id"""
        )

    def entity_ids_in_document(self, doc_id: str) -> list[str]:
        """The distinct entity ids a document's mentions carry ('' for a hidden entity's)."""
        return [r[0] for r in self.conn.execute(
            "SELECT DISTINCT entity_id FROM mentions WHERE doc_id = ?", (doc_id,)
        )]

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
