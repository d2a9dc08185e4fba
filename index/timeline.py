"""Dated events and money amounts read back for a query or an entity, and the ``date:``
filter on search results (applied here, on doc ids, until the query layer parses it)."""

from __future__ import annotations

import re

from casework.index import models
from casework.index.dates import parse_range
from casework.index.errors import CaseworkError
from casework.index.xref import find_entity

_DATE_FILTER = re.compile(r'(?<!\S)date:(\S+)')


def split_date_filter(query: str) -> tuple[str, tuple[str, str] | None]:
    """``query`` without its ``date:`` terms, and the ISO days they allow (their overlap)."""
    found = _DATE_FILTER.findall(query)
    if not found:
        return query, None
    low, high = "0000-01-01", "9999-12-31"
    for value in found:
        try:
            start, end = parse_range(value)
        except ValueError as exc:
            raise CaseworkError(str(exc)) from None
        low, high = max(low, start), min(high, end)
    return " ".join(_DATE_FILTER.sub(" ", query).split()), (low, high)


def _scope(cw, query: str, entity: str | None) -> tuple[list[str] | None, str | None]:
    doc_ids = cw.doc_ids_matching(query) if query.strip() else None
    entity_id = find_entity(cw.catalog, entity) if entity else None
    return doc_ids, entity_id


def events(cw, query: str, entity: str | None, limit: int) -> list:
    doc_ids, entity_id = _scope(cw, query, entity)
    return [models.TimelineEvent(r["iso_start"], r["iso_end"], r["text"], r["doc_id"], r["title"],
                                 r["start"], r["sent_start"], r["sentence"])
            for r in cw.catalog.dated_rows("dates", doc_ids, entity_id, limit)]


def money(cw, query: str, entity: str | None, limit: int) -> list:
    doc_ids, entity_id = _scope(cw, query, entity)
    return [models.MoneyAmount(r["amount"], r["currency"], r["text"], r["doc_id"], r["title"],
                               r["start"], r["sent_start"], r["sentence"])
            for r in cw.catalog.dated_rows("money", doc_ids, entity_id, limit)]
