"""From raw NER spans to entities: span cleanup, matching keys, stable ids, corpus-wide grouping.

Pure Python over the catalog; no spaCy here.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter, defaultdict

from casework.index.catalog import Catalog
from casework.index.models import Span

# spaCy labels kept as entities. Numbers, dates, times, money and quantities are left out: in an
# entity list they crowd out the people and organisations a reader follows across documents.
KEPT_LABELS = (
    "PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "LAW", "WORK_OF_ART",
    "LANGUAGE",
)


def label_field(label: str) -> str:
    """The full-text field for a label: PERSON -> person, WORK_OF_ART -> work_of_art."""
    return label.lower()


ENTITY_FIELDS = tuple(label_field(label) for label in KEPT_LABELS)

_QUOTES = "\"'“”‘’«»„‟‹›`´"
_TRAILING_PUNCT = ",;:!?)]}"
_LEADING_PUNCT = "([{"
_LEADING_ARTICLE = re.compile(r"^(?:the|The|THE)\s+")
_POSSESSIVE = re.compile(r"(?:'s|’s|'S|’S)$")
_SPACES = re.compile(r"\s+")


def clean_span(text: str, span: Span) -> Span | None:
    """Trim quotes, possessive 's, a leading 'the' and stray punctuation from a span.

    Returns the trimmed span (offsets still into ``text``), or None if nothing name-like is left.
    """
    start, end = span.start, span.end
    while True:
        before = (start, end)
        while start < end and (text[start].isspace() or text[start] in _QUOTES + _LEADING_PUNCT):
            start += 1
        while end > start and (text[end - 1].isspace() or text[end - 1] in _QUOTES + _TRAILING_PUNCT):
            end -= 1
        m = _POSSESSIVE.search(text, start, end)
        if m and end - start > 2:
            end = m.start()
        m = _LEADING_ARTICLE.match(text[start:end])
        if m and end - start > m.end():
            start += m.end()
        if (start, end) == before:
            break
    surface = text[start:end]
    if end - start < 2 or not any(ch.isalnum() for ch in surface) or surface.lower() == "the":
        return None
    return Span(start, end, span.label, span.sent_start, span.sent_end, span.source)


def match_key(name: str) -> str:
    """How names are compared: accents and case folded, quotes and spacing normalised."""
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("’", "'").replace("‘", "'")
    return _SPACES.sub(" ", stripped).strip().casefold()


def entity_id_for(label: str, key: str) -> str:
    """Stable across runs and machines: the same label and name give the same id."""
    return hashlib.sha1(f"{label}\x00{key}".encode("utf-8")).hexdigest()[:10]


def mentions_for(text: str, spans: list[Span]) -> list[tuple[Span, str, str, str]]:
    """Clean spans and give each an entity: (span, surface text, label, entity_id)."""
    out = []
    for raw in spans:
        if raw.label not in KEPT_LABELS:
            continue
        span = clean_span(text, raw)
        if span is None:
            continue
        surface = text[span.start : span.end]
        out.append((span, surface, span.label, entity_id_for(span.label, match_key(surface))))
    return out


def resolve(catalog: Catalog) -> None:
    """Rebuild the entity and alias tables from the mentions now in the catalog.

    Done corpus-wide after every index run, so entity counts stay true when documents are
    removed. An entity's name is its most frequent surface form.
    """
    conn = catalog.conn
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    labels: dict[str, str] = {}
    for row in conn.execute(
        "SELECT entity_id, label, text, COUNT(*) AS n FROM mentions GROUP BY entity_id, text"
    ):
        forms[row["entity_id"]][row["text"]] += row["n"]
        labels[row["entity_id"]] = row["label"]
    docs = dict(
        conn.execute("SELECT entity_id, COUNT(DISTINCT doc_id) FROM mentions GROUP BY entity_id")
    )
    conn.execute("DELETE FROM entities")
    conn.execute("DELETE FROM aliases")
    entity_rows, alias_rows = [], []
    for entity_id, counter in forms.items():
        name = max(counter.items(), key=lambda kv: (kv[1], kv[0]))[0]
        entity_rows.append(
            (entity_id, name, labels[entity_id], match_key(name), docs.get(entity_id, 0),
             sum(counter.values()))
        )
        for surface, n in counter.items():
            alias_rows.append((entity_id, surface, match_key(surface), n, "same name"))
    conn.executemany("INSERT INTO entities VALUES (?, ?, ?, ?, ?, ?)", entity_rows)
    conn.executemany("INSERT INTO aliases VALUES (?, ?, ?, ?, ?)", alias_rows)


def entity_field_values(catalog: Catalog, doc_id: str) -> dict[str, list[str]]:
    """Per label field, the names and aliases of the entities a document mentions.

    Every alias of an entity goes in, so ``person:"El Mencho"`` finds a document that only says
    "Oseguera" once the two are one entity.
    """
    values: dict[str, set[str]] = defaultdict(set)
    for row in catalog.conn.execute(
        """SELECT e.label, e.name, a.text FROM
               (SELECT DISTINCT entity_id FROM mentions WHERE doc_id = ?) AS m
           JOIN entities e ON e.entity_id = m.entity_id
           LEFT JOIN aliases a ON a.entity_id = m.entity_id""",
        (doc_id,),
    ):
        field = label_field(row["label"])
        values[field].add(row["name"])
        if row["text"]:
            values[field].add(row["text"])
    return {field: sorted(names) for field, names in values.items()}
