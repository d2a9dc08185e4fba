"""Co-occurrence and related-document queries: sentences shared by entities, documents
sharing entities."""

from __future__ import annotations

import sqlite3
from typing import Iterator

from casework.index.catalog.schema import Tables


class Xref(Tables):
    def sentences_with_entities(self) -> int:
        """Sentences that mention any entity: cached by resolution, counted on older indexes."""
        cached = self.get_meta("sentences_with_entities")
        if cached is not None:
            return int(cached)
        return self.conn.execute(
            "SELECT COUNT(*) FROM (SELECT DISTINCT doc_id, sent_start FROM mentions WHERE entity_id != '')"
        ).fetchone()[0]

    def sentences_with_entities_counted(self) -> int:
        """The same count, never from the cache, read row by row (as export always has)."""
        return sum(1 for _ in self.conn.execute(
            "SELECT DISTINCT doc_id, sent_start FROM mentions WHERE entity_id != ''"))

    def sentences_of_entity(self, entity_id: str) -> int:
        """Sentences mentioning an entity: precomputed by resolution, counted on older indexes."""
        try:
            row = self.conn.execute(
                "SELECT sentences FROM entity_sentences WHERE entity_id = ?", (entity_id,)
            ).fetchone()
            if row is not None:
                return row[0]
        except sqlite3.OperationalError:  # an index resolved before the table existed
            pass
        return self.conn.execute(
            "SELECT COUNT(*) FROM (SELECT DISTINCT doc_id, sent_start FROM mentions WHERE entity_id = ?)",
            (entity_id,),
        ).fetchone()[0]

    def sentence_counts_by_entity(self) -> dict[str, int]:
        """Every kept entity's number of sentences, counted."""
        return {r[0]: r[1] for r in self.conn.execute(
            """SELECT entity_id, COUNT(*) FROM (SELECT DISTINCT entity_id, doc_id, sent_start
               FROM mentions WHERE entity_id != '') GROUP BY entity_id""")}

    def cooccurring(self, entity_id: str) -> list[sqlite3.Row]:
        """(entity_id, n): each other kept entity sharing ``n`` sentences with this one."""
        return self.conn.execute(
            """SELECT o.entity_id, COUNT(DISTINCT o.doc_id || ':' || o.sent_start) AS n
               FROM (SELECT DISTINCT doc_id, sent_start FROM mentions WHERE entity_id = ?) s
               JOIN mentions o ON o.doc_id = s.doc_id AND o.sent_start = s.sent_start
               WHERE o.entity_id != ? AND o.entity_id != ''
               GROUP BY o.entity_id""",
            (entity_id, entity_id),
        ).fetchall()

    def cooccurring_pairs(self) -> Iterator[sqlite3.Row]:
        """(x, y, n, docs): every pair of kept entities (x < y) sharing ``n`` sentences in
        ``docs`` documents, most-shared first, streamed."""
        return self.conn.execute(
            """WITH s AS (SELECT DISTINCT entity_id, doc_id, sent_start FROM mentions
                          WHERE entity_id != '')
               SELECT a.entity_id AS x, b.entity_id AS y, COUNT(*) AS n,
                      COUNT(DISTINCT a.doc_id) AS docs
               FROM s a JOIN s b ON a.doc_id = b.doc_id AND a.sent_start = b.sent_start
                                 AND a.entity_id < b.entity_id
               GROUP BY a.entity_id, b.entity_id ORDER BY n DESC, x, y"""
        )

    def sentences_shared(self, a: str, b: str, limit: int) -> list[sqlite3.Row]:
        """(doc_id, sent_start, sent_end, start, end of a's mention) of each sentence where
        entities ``a`` and ``b`` both appear, by document and position."""
        return self.conn.execute(
            """SELECT DISTINCT x.doc_id, x.sent_start, x.sent_end, x.start, x.end FROM mentions x
               JOIN mentions y ON y.doc_id = x.doc_id AND y.sent_start = x.sent_start
               WHERE x.entity_id = ? AND y.entity_id = ?
               GROUP BY x.doc_id, x.sent_start ORDER BY x.doc_id, x.sent_start LIMIT ?""",
            (a, b, limit),
        ).fetchall()

    def mentions_in_sentence(self, doc_id: str, sent_start: int, entity_ids: list[str]
                             ) -> list[sqlite3.Row]:
        """(start, end, entity_id) of the entities' mentions in one sentence, by position."""
        marks = ",".join("?" * len(entity_ids))
        return self.conn.execute(
            f"""SELECT start, end, entity_id FROM mentions WHERE doc_id = ? AND sent_start = ?
                AND entity_id IN ({marks}) ORDER BY start""",
            (doc_id, sent_start, *entity_ids),
        ).fetchall()

    def entities_mentioned_in(self, doc_id: str) -> list[sqlite3.Row]:
        """(entity_id, name, documents) of each entity a document mentions."""
        return self.conn.execute(
            """SELECT DISTINCT e.entity_id, e.name, e.documents FROM mentions m
               JOIN entities e ON e.entity_id = m.entity_id WHERE m.doc_id = ?""",
            (doc_id,),
        ).fetchall()

    def documents_mentioning(self, entity_id: str, other_than: str) -> list[str]:
        """The documents, other than ``other_than``, that mention an entity."""
        return [r[0] for r in self.conn.execute(
            "SELECT DISTINCT doc_id FROM mentions WHERE entity_id = ? AND doc_id != ?",
            (entity_id, other_than),
        )]
