"""Cross-references over the catalog: entity lists, entity cards, related documents."""

from __future__ import annotations

import math
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
    label = label_of(label) if label else None
    if doc_id:
        rows = catalog.entities_in_document(doc_id, label, limit, offset)
    else:
        rows = catalog.entity_summaries(label, limit, offset)
    watched = catalog.watched_entity_ids()
    return [
        models.EntitySummary(r["entity_id"], r["name"], r["label"], r["documents"], r["mentions"],
                             r["entity_id"] in watched)
        for r in rows
    ]


def find_entity(catalog: Catalog, name_or_id: str) -> str:
    """An entity id from an id, else a case- and accent-insensitive name or alias."""
    if catalog.has_entity(name_or_id):
        return name_or_id
    key = match_key(name_or_id)
    found = catalog.entity_by_key(key)
    if found is None:
        found = catalog.entity_by_alias_key(key)
    if found is not None:
        return found
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
    e = catalog.entity_row(entity_id)
    aliases = [models.Alias(r["text"], r["count"], r["reason"]) for r in catalog.aliases_of(entity_id)]
    by_doc: dict[str, list] = defaultdict(list)
    for m in catalog.mentions_of_entity(entity_id):
        by_doc[m["doc_id"]].append(m)
    documents = []
    for doc_id, mentions in by_doc.items():
        doc = catalog.title_and_text(doc_id)
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
        watched=catalog.watched_names_of(entity_id),
    )


# A pair must share at least this many sentences to be ranked by association; pairs seen
# together once come after them (PMI of a single co-occurrence is mostly noise).
MIN_SHARED_SENTENCES = 2


def cooccurring(catalog: Catalog, entity_id: str, limit: int = 20) -> list[Cooccurring]:
    """Entities that share sentences with this one, by pointwise mutual information.

    PMI = log(P(a, b) / (P(a) P(b))) over sentences that mention any entity; pairs sharing
    fewer than MIN_SHARED_SENTENCES sentences rank after the rest. ``count`` is the number of
    shared sentences, ``score`` the PMI.
    """
    total = max(1, catalog.sentences_with_entities())
    mine = catalog.sentences_of_entity(entity_id)
    if not mine:
        return []
    scored = []
    for r in catalog.cooccurring(entity_id):
        e = catalog.entity_name_and_label(r["entity_id"])
        if e is None:
            continue
        pmi = math.log(r["n"] * total / (mine * max(1, catalog.sentences_of_entity(r["entity_id"]))))
        scored.append((r["n"] >= MIN_SHARED_SENTENCES, pmi, r["n"], r["entity_id"], e["name"], e["label"]))
    scored.sort(key=lambda t: (not t[0], -t[1], -t[2], t[4]))
    return [models.Cooccurring(eid, name, label, n, round(pmi, 4))
            for _, pmi, n, eid, name, label in scored[:limit]]


def shared_sentences(catalog: Catalog, a: str, b: str, limit: int = 1000) -> Cooccurrence:
    """Every sentence in which entities ``a`` and ``b`` (names or ids) both appear."""
    ids = [find_entity(catalog, a), find_entity(catalog, b)]
    summaries = []
    for entity_id in ids:
        e = catalog.entity_row(entity_id)
        summaries.append(models.EntitySummary(entity_id, e["name"], e["label"], e["documents"],
                                              e["mentions"]))
    out = []
    for r in catalog.sentences_shared(ids[0], ids[1], limit):
        doc = catalog.title_and_text(r["doc_id"])
        mentions = catalog.mentions_in_sentence(r["doc_id"], r["sent_start"], ids)
        start, end = _around_both(r["sent_start"], r["sent_end"], mentions, ids)
        text = doc["text"]
        if start > r["sent_start"]:  # cut at a word boundary, not inside a word
            start = min(text.find(" ", start) + 1 or start, min(m["start"] for m in mentions))
        if end < r["sent_end"]:
            end = max(text.rfind(" ", start, end), max(m["end"] for m in mentions if m["start"] < end))
        context = text[start:end].replace("\n", " ")  # same length: marks still fit
        marks = [(m["start"] - start, m["end"] - start, m["entity_id"]) for m in mentions
                 if start <= m["start"] and m["end"] <= end]
        out.append(models.SharedSentence(r["doc_id"], doc["title"], start, context, marks))
    return models.Cooccurrence(summaries[0], summaries[1], out)


def _around_both(sent_start: int, sent_end: int, mentions, ids: list[str]) -> tuple[int, int]:
    """The whole sentence; if it is very long (a table, a page without full stops), the part
    from the first mention of one to the nearest mention of the other, with some words around."""
    if sent_end - sent_start <= MAX_SENTENCE_CHARS:
        return sent_start, sent_end
    firsts = {}
    for m in mentions:
        firsts.setdefault(m["entity_id"], m)
    a = firsts.get(ids[0])
    b = min((m for m in mentions if m["entity_id"] == ids[1]),
            key=lambda m: abs(m["start"] - a["start"]) if a else 0, default=None)
    spots = [m for m in (a, b) if m is not None]
    lo = min(m["start"] for m in spots) - CONTEXT_CHARS
    hi = max(m["end"] for m in spots) + CONTEXT_CHARS
    return max(sent_start, lo), min(sent_end, hi)


def text_neighbours(fulltext, doc_id: str, text: str, top: int = 30) -> dict[str, float]:
    """Documents whose words resemble this one's (Whoosh more-like-this on key terms)."""
    try:
        return fulltext.similar(doc_id, text[:50_000], top=top)
    except Exception:  # similarity is a bonus: a Whoosh problem must not break related()
        return {}


# How much text similarity counts against shared entities when ranking related documents.
TEXT_WEIGHT = 0.35


def related(catalog: Catalog, doc_id: str, limit: int = 10, fulltext=None) -> Related:
    """Documents sharing entities with this one, each shared entity weighted by its rarity
    (idf), blended with text similarity when the full-text index is given."""
    if not catalog.doc_id_taken(doc_id):
        raise NotFound(f"no document with id {doc_id!r}")
    total_docs = max(1, catalog.document_count())
    mine = {r["entity_id"]: (r["name"], r["documents"]) for r in catalog.entities_mentioned_in(doc_id)}
    scores: dict[str, float] = defaultdict(float)
    shared: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for entity_id, (name, df) in mine.items():
        idf = math.log(1 + total_docs / max(1, df))
        for other in catalog.documents_mentioning(entity_id, other_than=doc_id):
            scores[other] += idf
            shared[other].append((idf, name))
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
        title = catalog.title_of(other)
        names = list(dict.fromkeys(n for _, n in sorted(shared[other], key=lambda x: (-x[0], x[1]))))
        out.append(models.RelatedDocument(other, title, round(score, 4), names))
    return models.Related(doc_id, out)
