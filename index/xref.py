"""Cross-references over the catalog: entity lists, entity cards, related documents."""

from __future__ import annotations

import math
from collections import defaultdict

from casework.index.catalog import Catalog
from casework.index.entities import match_key
from casework.index.errors import NotFound
from casework.index.models import (
    Alias,
    Cooccurring,
    EntityCard,
    EntityInDocument,
    EntitySummary,
    MentionInContext,
    Related,
    RelatedDocument,
)

CONTEXT_CHARS = 60
MAX_SENTENCE_CHARS = 400


def entities(
    catalog: Catalog,
    label: str | None = None,
    doc_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[EntitySummary]:
    """Entities, most-mentioned first; within one document when ``doc_id`` is given."""
    where, args = [], []
    if label:
        where.append("e.label = ?")
        args.append(label.upper())
    if doc_id:
        sql = """SELECT e.entity_id, e.name, e.label, e.documents, COUNT(*) AS mentions
                 FROM mentions m JOIN entities e ON e.entity_id = m.entity_id
                 WHERE m.doc_id = ? {extra}
                 GROUP BY e.entity_id ORDER BY mentions DESC, e.name LIMIT ? OFFSET ?"""
        extra = "".join(f" AND {w}" for w in where)
        rows = catalog.conn.execute(sql.format(extra=extra), [doc_id, *args, limit, offset])
    else:
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = catalog.conn.execute(
            f"""SELECT entity_id, name, label, documents, mentions FROM entities e {clause}
                ORDER BY mentions DESC, documents DESC, name LIMIT ? OFFSET ?""",
            [*args, limit, offset],
        )
    return [
        EntitySummary(r["entity_id"], r["name"], r["label"], r["documents"], r["mentions"])
        for r in rows
    ]


def find_entity(catalog: Catalog, name_or_id: str) -> str:
    """An entity id from an id, else a case- and accent-insensitive name or alias."""
    conn = catalog.conn
    row = conn.execute("SELECT entity_id FROM entities WHERE entity_id = ?", (name_or_id,)).fetchone()
    if row:
        return row[0]
    key = match_key(name_or_id)
    row = conn.execute(
        "SELECT entity_id FROM entities WHERE key = ? ORDER BY mentions DESC LIMIT 1", (key,)
    ).fetchone()
    if row:
        return row[0]
    row = conn.execute(
        """SELECT a.entity_id FROM aliases a JOIN entities e ON e.entity_id = a.entity_id
           WHERE a.key = ? ORDER BY a.count DESC, e.mentions DESC LIMIT 1""",
        (key,),
    ).fetchone()
    if row:
        return row[0]
    raise NotFound(f"no entity named or with id {name_or_id!r}")


def context_of(text: str, start: int, end: int, sent_start: int, sent_end: int) -> tuple[int, str]:
    """The sentence around a mention (or ~60 characters either side if the sentence is long)."""
    if 0 <= sent_start <= start and end <= sent_end <= len(text) and sent_end - sent_start <= MAX_SENTENCE_CHARS:
        a, b = sent_start, sent_end
    else:
        a, b = max(0, start - CONTEXT_CHARS), min(len(text), end + CONTEXT_CHARS)
    context = text[a:b].replace("\n", " ")
    return a, context.rstrip()


def entity_card(catalog: Catalog, name_or_id: str, cooccurring_limit: int = 20) -> EntityCard:
    entity_id = find_entity(catalog, name_or_id)
    conn = catalog.conn
    e = conn.execute("SELECT * FROM entities WHERE entity_id = ?", (entity_id,)).fetchone()
    aliases = [
        Alias(r["text"], r["count"], r["reason"])
        for r in conn.execute(
            "SELECT text, count, reason FROM aliases WHERE entity_id = ? ORDER BY count DESC, text",
            (entity_id,),
        )
    ]
    by_doc: dict[str, list] = defaultdict(list)
    for m in conn.execute(
        "SELECT doc_id, start, end, text, sent_start, sent_end FROM mentions "
        "WHERE entity_id = ? ORDER BY doc_id, start",
        (entity_id,),
    ):
        by_doc[m["doc_id"]].append(m)
    documents = []
    for doc_id, mentions in by_doc.items():
        doc = conn.execute("SELECT title, text FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        if doc is None:
            continue
        in_context = []
        for m in mentions:
            cstart, context = context_of(doc["text"], m["start"], m["end"], m["sent_start"], m["sent_end"])
            in_context.append(MentionInContext(m["start"], m["end"], m["text"], context, cstart))
        documents.append(EntityInDocument(doc_id, doc["title"], in_context))
    documents.sort(key=lambda d: (-len(d.mentions), d.title))
    return EntityCard(
        entity_id=entity_id,
        name=e["name"],
        label=e["label"],
        aliases=aliases,
        documents=documents,
        cooccurring=cooccurring(catalog, entity_id, cooccurring_limit),
    )


def cooccurring(catalog: Catalog, entity_id: str, limit: int = 20) -> list[Cooccurring]:
    """Entities that appear in the same documents, by number of shared documents."""
    rows = catalog.conn.execute(
        """SELECT e.entity_id, e.name, e.label, COUNT(DISTINCT o.doc_id) AS n
           FROM (SELECT DISTINCT doc_id FROM mentions WHERE entity_id = ?) d
           JOIN mentions o ON o.doc_id = d.doc_id AND o.entity_id != ?
           JOIN entities e ON e.entity_id = o.entity_id
           GROUP BY e.entity_id ORDER BY n DESC, e.mentions DESC, e.name LIMIT ?""",
        (entity_id, entity_id, limit),
    )
    return [Cooccurring(r["entity_id"], r["name"], r["label"], r["n"], float(r["n"])) for r in rows]


def related(catalog: Catalog, doc_id: str, limit: int = 10) -> Related:
    """Documents sharing entities with this one, each shared entity weighted by its rarity."""
    conn = catalog.conn
    if not catalog.doc_id_taken(doc_id):
        raise NotFound(f"no document with id {doc_id!r}")
    total_docs = max(1, catalog.document_count())
    mine = {
        r["entity_id"]: (r["name"], r["documents"])
        for r in conn.execute(
            """SELECT DISTINCT e.entity_id, e.name, e.documents FROM mentions m
               JOIN entities e ON e.entity_id = m.entity_id WHERE m.doc_id = ?""",
            (doc_id,),
        )
    }
    scores: dict[str, float] = defaultdict(float)
    shared: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for entity_id, (name, df) in mine.items():
        idf = math.log(1 + total_docs / max(1, df))
        for r in conn.execute(
            "SELECT DISTINCT doc_id FROM mentions WHERE entity_id = ? AND doc_id != ?",
            (entity_id, doc_id),
        ):
            scores[r[0]] += idf
            shared[r[0]].append((idf, name))
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])[:limit]
    out = []
    for other, score in ranked:
        title = conn.execute("SELECT title FROM documents WHERE doc_id = ?", (other,)).fetchone()[0]
        names = list(dict.fromkeys(n for _, n in sorted(shared[other], key=lambda x: (-x[0], x[1]))))
        out.append(RelatedDocument(other, title, round(score, 4), names))
    return Related(doc_id, out)
