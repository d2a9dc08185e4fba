"""Cross-references over the catalog: entity lists, entity cards, related documents."""

from __future__ import annotations

import math
import sqlite3
from collections import defaultdict
from typing import TYPE_CHECKING

from casework.index import models
from casework.index.catalog import Catalog
from casework.index.entities import label_of, match_key
from casework.index.errors import NotFound

if TYPE_CHECKING:  # records are made on first use (models.py): these only annotate
    from casework.index.models import (
        Alias,
        Cooccurrence,
        Cooccurring,
        EntityCard,
        EntityInDocument,
        EntitySummary,
        MentionInContext,
        Related,
        RelatedDocument,
        SharedSentence,
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
        args.append(label_of(label))
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
        models.EntitySummary(r["entity_id"], r["name"], r["label"], r["documents"], r["mentions"])
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
        models.Alias(r["text"], r["count"], r["reason"])
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
            in_context.append(
                models.MentionInContext(m["start"], m["end"], m["text"], context, cstart))
        documents.append(models.EntityInDocument(doc_id, doc["title"], in_context))
    documents.sort(key=lambda d: (-len(d.mentions), d.title))
    return models.EntityCard(
        entity_id=entity_id,
        name=e["name"],
        label=e["label"],
        aliases=aliases,
        documents=documents,
        cooccurring=cooccurring(catalog, entity_id, cooccurring_limit),
    )


# A pair must share at least this many sentences to be ranked by association; pairs seen
# together once come after them (PMI of a single co-occurrence is mostly noise).
MIN_SHARED_SENTENCES = 2


def _sentence_total(catalog: Catalog) -> int:
    cached = catalog.get_meta("sentences_with_entities")
    if cached is not None:
        return int(cached)
    return catalog.conn.execute(
        "SELECT COUNT(*) FROM (SELECT DISTINCT doc_id, sent_start FROM mentions WHERE entity_id != '')"
    ).fetchone()[0]


def _sentences_of(conn, entity_id: str) -> int:
    """Sentences mentioning an entity: precomputed by resolution, counted on older indexes."""
    try:
        row = conn.execute(
            "SELECT sentences FROM entity_sentences WHERE entity_id = ?", (entity_id,)
        ).fetchone()
        if row is not None:
            return row[0]
    except sqlite3.OperationalError:  # an index resolved before the table existed
        pass
    return conn.execute(
        "SELECT COUNT(*) FROM (SELECT DISTINCT doc_id, sent_start FROM mentions WHERE entity_id = ?)",
        (entity_id,),
    ).fetchone()[0]


def cooccurring(catalog: Catalog, entity_id: str, limit: int = 20) -> list[Cooccurring]:
    """Entities that share sentences with this one, by pointwise mutual information.

    PMI = log(P(a, b) / (P(a) P(b))) over sentences that mention any entity; pairs sharing
    fewer than MIN_SHARED_SENTENCES sentences rank after the rest. ``count`` is the number of
    shared sentences, ``score`` the PMI.
    """
    conn = catalog.conn
    total = max(1, _sentence_total(catalog))
    mine = _sentences_of(conn, entity_id)
    if not mine:
        return []
    rows = conn.execute(
        """SELECT o.entity_id, COUNT(DISTINCT o.doc_id || ':' || o.sent_start) AS n
           FROM (SELECT DISTINCT doc_id, sent_start FROM mentions WHERE entity_id = ?) s
           JOIN mentions o ON o.doc_id = s.doc_id AND o.sent_start = s.sent_start
           WHERE o.entity_id != ? AND o.entity_id != ''
           GROUP BY o.entity_id""",
        (entity_id, entity_id),
    ).fetchall()
    scored = []
    for r in rows:
        e = conn.execute(
            "SELECT name, label FROM entities WHERE entity_id = ?", (r["entity_id"],)
        ).fetchone()
        if e is None:
            continue
        pmi = math.log(r["n"] * total / (mine * max(1, _sentences_of(conn, r["entity_id"]))))
        scored.append((r["n"] >= MIN_SHARED_SENTENCES, pmi, r["n"], r["entity_id"], e["name"], e["label"]))
    scored.sort(key=lambda t: (not t[0], -t[1], -t[2], t[4]))
    return [models.Cooccurring(eid, name, label, n, round(pmi, 4))
            for _, pmi, n, eid, name, label in scored[:limit]]


def shared_sentences(catalog: Catalog, a: str, b: str, limit: int = 1000) -> Cooccurrence:
    """Every sentence in which entities ``a`` and ``b`` (names or ids) both appear."""
    conn = catalog.conn
    ids = [find_entity(catalog, a), find_entity(catalog, b)]
    summaries = []
    for entity_id in ids:
        e = conn.execute("SELECT * FROM entities WHERE entity_id = ?", (entity_id,)).fetchone()
        summaries.append(models.EntitySummary(entity_id, e["name"], e["label"], e["documents"],
                                              e["mentions"]))
    rows = conn.execute(
        """SELECT DISTINCT x.doc_id, x.sent_start, x.sent_end, x.start, x.end FROM mentions x
           JOIN mentions y ON y.doc_id = x.doc_id AND y.sent_start = x.sent_start
           WHERE x.entity_id = ? AND y.entity_id = ?
           GROUP BY x.doc_id, x.sent_start ORDER BY x.doc_id, x.sent_start LIMIT ?""",
        (ids[0], ids[1], limit),
    ).fetchall()
    out = []
    for r in rows:
        doc = conn.execute("SELECT title, text FROM documents WHERE doc_id = ?", (r["doc_id"],)).fetchone()
        start, context = context_of(doc["text"], r["start"], r["end"], r["sent_start"], r["sent_end"])
        out.append(models.SharedSentence(r["doc_id"], doc["title"], start, context))
    return models.Cooccurrence(summaries[0], summaries[1], out)


def text_neighbours(fulltext, doc_id: str, text: str, top: int = 30) -> dict[str, float]:
    """Documents whose words resemble this one's (Whoosh more-like-this on key terms)."""
    try:
        with fulltext.ix.searcher() as searcher:
            docnum = searcher.document_number(doc_id=doc_id)
            if docnum is None:
                return {}
            hits = searcher.more_like(docnum, "body", text=text[:50_000], top=top, numterms=20)
            return {hit["doc_id"]: hit.score for hit in hits}
    except Exception:  # similarity is a bonus: a Whoosh problem must not break related()
        return {}


# How much text similarity counts against shared entities when ranking related documents.
TEXT_WEIGHT = 0.35


def related(catalog: Catalog, doc_id: str, limit: int = 10, fulltext=None) -> Related:
    """Documents sharing entities with this one, each shared entity weighted by its rarity
    (idf), blended with text similarity when the full-text index is given."""
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
    if fulltext is not None:
        text = catalog.text_of(doc_id) or ""
        similar = {d: s for d, s in text_neighbours(fulltext, doc_id, text).items() if d != doc_id}
        top_entities = max(scores.values(), default=0.0) or 1.0
        top_text = max(similar.values(), default=0.0) or 1.0
        blended: dict[str, float] = defaultdict(float)
        for other, s in scores.items():
            blended[other] += (1 - TEXT_WEIGHT) * s / top_entities
        for other, s in similar.items():
            if catalog.doc_id_taken(other):
                blended[other] += TEXT_WEIGHT * s / top_text
        scores = blended
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    out = []
    for other, score in ranked:
        title = conn.execute("SELECT title FROM documents WHERE doc_id = ?", (other,)).fetchone()[0]
        names = list(dict.fromkeys(n for _, n in sorted(shared[other], key=lambda x: (-x[0], x[1]))))
        out.append(models.RelatedDocument(other, title, round(score, 4), names))
    return models.Related(doc_id, out)
