"""From raw NER spans to entities: span cleanup, matching keys, stable ids, corpus-wide grouping.

Pure Python over the catalog; no spaCy here.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from typing import TYPE_CHECKING

from casework.index import models
from casework.index.catalog import Catalog
from casework.index.patterns import PATTERN_LABELS, normal_form

if TYPE_CHECKING:  # records are made on first use (models.py): these only annotate
    from casework.index.models import Span

# spaCy labels kept as entities. Numbers, dates, times, money and quantities are left out: in an
# entity list they crowd out the people and organisations a reader follows across documents.
NER_LABELS = (
    "PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "LAW", "WORK_OF_ART",
    "LANGUAGE",
)
# e-mail addresses, phone numbers, URLs, IBANs: found by rule (patterns.py), resolved like names
KEPT_LABELS = NER_LABELS + PATTERN_LABELS


def label_field(label: str) -> str:
    """The full-text field for a label: PERSON -> person, WORK_OF_ART -> work_of_art."""
    return label.lower()


# the full-text index's label fields: pattern entities are searched through the "entity" field
# until the full-text schema gives them fields of their own
ENTITY_FIELDS = tuple(label_field(label) for label in NER_LABELS)

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
    return models.Span(start, end, span.label, span.sent_start, span.sent_end, span.source)


def match_key(name: str) -> str:
    """How names are compared: accents and case folded, quotes and spacing normalised."""
    if name.isascii():  # most names: nothing to decompose (5x faster over a corpus's forms)
        return _SPACES.sub(" ", name).strip().casefold()
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("’", "'").replace("‘", "'")
    return _SPACES.sub(" ", stripped).strip().casefold()


def form_key(surface: str, label: str) -> str:
    """The key resolution groups a mention's text by: a pattern entity's normal form (one phone
    number written three ways is one entity), else :func:`match_key`."""
    if label in PATTERN_LABELS:
        return normal_form(label, surface)
    return match_key(surface)


def entity_id_for(label: str, key: str) -> str:
    """Stable across runs and machines: the same label and name give the same id."""
    return hashlib.sha1(f"{label}\x00{key}".encode("utf-8")).hexdigest()[:10]


_OPEN_QUOTES = "“«\""
_CLOSE_QUOTES = "”»\""


def _trimmed(text: str, start: int, end: int, like: Span, source: str) -> Span | None:
    while start < end and (text[start].isspace() or text[start] in ",;"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;"):
        end -= 1
    piece = models.Span(start, end, like.label, like.sent_start, like.sent_end, source)
    return clean_span(text, piece)


def split_nickname(text: str, span: Span) -> list[tuple[Span, str]]:
    """A span that swallowed a quoted nickname becomes the nickname and the name around it.

    Handles ``“El Mencho” Nemesio Oseguera`` (the model's span starting inside the quotes),
    ``Nemesio “El Mencho” Oseguera`` and ``Joaquin “El Chapo`` (closing quote just outside).
    Returns ``(span, role)`` pairs with role "name", "nickname" or "" (left as it was).
    """
    s, e = span.start, span.end
    inner = text[s:e]
    opens = [i for i, ch in enumerate(inner) if ch in _OPEN_QUOTES and ch != '"']
    closes = [i for i, ch in enumerate(inner) if ch in _CLOSE_QUOTES and ch != '"']
    straight = [i for i, ch in enumerate(inner) if ch == '"']
    before = text[max(0, s - 2) : s]
    opened_before = any(ch in _OPEN_QUOTES for ch in before)
    q1 = q2 = None
    if opens and closes and opens[0] < closes[0]:
        q1, q2 = s + opens[0], s + closes[0]
    elif len(straight) >= 2:
        q1, q2 = s + straight[0], s + straight[1]
    elif closes and opened_before and not opens:
        q1, q2 = s - 1 - (len(before) - 1 - max(i for i, ch in enumerate(before) if ch in _OPEN_QUOTES)), s + closes[0]
    elif (straight or opens) and e < len(text) and text[e] in _CLOSE_QUOTES:
        q1, q2 = s + (opens or straight)[0], e
    elif len(straight) == 1 and opened_before:
        q1, q2 = s - 1, s + straight[0]
    if q1 is None:
        return [(span, "")]
    out = []
    nick = _trimmed(text, q1 + 1, q2, span, "split")
    if nick is not None:
        out.append((nick, "nickname"))
    for a, b in ((s, q1), (q2 + 1, e)):
        if b - a >= 2:
            part = _trimmed(text, max(a, s), min(b, e), span, "split")
            if part is not None and any(ch.isupper() for ch in text[part.start : part.end]):
                out.append((part, "name"))
    return sorted(out, key=lambda pr: pr[0].start) or [(span, "")]


def mentions_for(text: str, spans: list[Span]) -> list[tuple[Span, str, str, str]]:
    """Clean spans and give each an entity: (span, surface text, label, entity_id).

    The label is the model's; the corpus-wide resolver (casework.index.resolve) decides the
    final label and entity.
    """
    out = []
    for raw in spans:
        if raw.label not in KEPT_LABELS:
            continue
        if raw.label in PATTERN_LABELS:  # exact already: quotes and brackets belong to a URL
            surface = text[raw.start : raw.end]
            out.append((raw, surface, raw.label, entity_id_for(raw.label, form_key(surface, raw.label))))
            continue
        span = clean_span(text, raw)
        if span is None:
            continue
        for piece, _role in split_nickname(text, span):
            surface = text[piece.start : piece.end]
            out.append((piece, surface, piece.label, entity_id_for(piece.label, match_key(surface))))
    return out


class EntityFieldValues:
    """``values(doc_id)``: per label field, the names and aliases of the entities a document
    mentions, for its full-text entry.

    Every alias of an entity goes in, so ``person:"El Mencho"`` finds a document that only says
    "Oseguera" once the two are one entity. The entities' names are read once, when made: a
    join of entities and aliases per document took ~0.9 ms (17 s of writing 20,000 articles,
    in the process that feeds Whoosh's writers).
    """

    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.names: dict[str, tuple[str, set[str]]] = {}
        for entity_id, label, name, alias in catalog.entity_names_and_aliases():
            found = self.names.get(entity_id)
            if found is None:
                found = self.names[entity_id] = (label_field(label), {name})
            if alias:
                found[1].add(alias)

    def __call__(self, doc_id: str) -> dict[str, list[str]]:
        values: dict[str, set[str]] = defaultdict(set)
        for entity_id in self.catalog.entity_ids_in_document(doc_id):
            found = self.names.get(entity_id)  # none for a hidden entity's mentions
            if found is not None:
                values[found[0]].update(found[1])
        return {field: sorted(names) for field, names in values.items()}
