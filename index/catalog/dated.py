"""Dates and money amounts found in documents' text (index/dates.py finds them)."""

from __future__ import annotations

import json
import sqlite3
from typing import Iterable

from casework.index.catalog.schema import Tables

# A date or amount belongs to an entity when it sits in a sentence that mentions the entity.
_IN_ENTITY_SENTENCE = """EXISTS (SELECT 1 FROM mentions m WHERE m.doc_id = x.doc_id
    AND m.entity_id = ? AND m.sent_start <= x.start AND x.end <= m.sent_end)"""


class Dated(Tables):
    def put_dated(self, doc_id: str, dates: Iterable, money: Iterable) -> None:
        """Replace a document's dates and money amounts (records from index/dates.py)."""
        self.conn.execute("DELETE FROM dates WHERE doc_id = ?", (doc_id,))
        self.conn.execute("DELETE FROM money WHERE doc_id = ?", (doc_id,))
        self.conn.executemany(
            """INSERT INTO dates(doc_id, start, end, sent_start, sent_end, sentence, iso_start,
                                 iso_end, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [(doc_id, d.start, d.end, d.sent_start, d.sent_end, d.sentence, d.iso_start,
              d.iso_end, d.text) for d in dates])
        self.conn.executemany(
            """INSERT INTO money(doc_id, start, end, sent_start, sent_end, sentence, amount,
                                 currency, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [(doc_id, m.start, m.end, m.sent_start, m.sent_end, m.sentence, m.amount,
              m.currency, m.text) for m in money])

    def docs_dated_between(self, start: str, end: str) -> set[str]:
        """Documents naming a date that falls within the ISO days ``start``..``end`` (a year
        named in the text is not within one of its months)."""
        return {r[0] for r in self.conn.execute(
            "SELECT DISTINCT doc_id FROM dates WHERE iso_start >= ? AND iso_end <= ?", (start, end))}

    def dated_rows(self, table: str, doc_ids: list[str] | None = None,
                   entity_id: str | None = None, limit: int = 10_000) -> list[sqlite3.Row]:
        """Rows of ``dates`` (by day) or ``money`` (by document and place), with the document's
        title; only in ``doc_ids`` if given, only in sentences mentioning ``entity_id`` if given."""
        if table not in ("dates", "money"):
            raise ValueError(table)
        where, args = [], []
        if doc_ids is not None:
            where.append("x.doc_id IN (SELECT value FROM json_each(?))")
            args.append(json.dumps(doc_ids))
        if entity_id is not None:
            where.append(_IN_ENTITY_SENTENCE)
            args.append(entity_id)
        order = "x.iso_start, x.iso_end, x.doc_id, x.start" if table == "dates" else "x.doc_id, x.start"
        sql = (f"SELECT x.*, d.title FROM {table} x JOIN documents d ON d.doc_id = x.doc_id "
               f"{'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY {order} LIMIT ?")
        return self.conn.execute(sql, (*args, limit)).fetchall()
