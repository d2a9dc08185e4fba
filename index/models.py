"""Typed records that cross the engine's boundary.

The CLI's ``--json`` output is ``dataclasses.asdict`` of these objects and the TUI reads the same
ones, so there is one shape for each concept, not two.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


def to_json(obj: Any) -> Any:
    """A JSON-ready form of a record (or a list of them)."""
    if isinstance(obj, list):
        return [to_json(o) for o in obj]
    return asdict(obj)


@dataclass(frozen=True)
class SourceFile:
    """A file found by ingest, decoded to text, before annotation."""

    doc_id: str
    path: str  # absolute path, as text (undecodable bytes escaped)
    root: str  # the indexed root it was found under
    relpath: str
    title: str
    text: str
    size: int
    mtime: float
    sha256: str
    encoding: str


@dataclass(frozen=True)
class Span:
    """An entity mention as an annotator found it: character offsets into the document text."""

    start: int
    end: int
    label: str
    sent_start: int
    sent_end: int
    source: str = "model"  # "model" (NER) or a rule name for mentions found another way


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    text: str
    label: str
    entity_id: str


@dataclass(frozen=True)
class Document:
    doc_id: str
    title: str
    path: str
    text: str
    entities: list[Mention]
    size: int = 0
    mtime: float = 0.0
    sha256: str = ""


@dataclass(frozen=True)
class DocumentInfo:
    """A document without its text: for lists and palettes."""

    doc_id: str
    title: str
    path: str
    size: int
    entities: int


@dataclass(frozen=True)
class Hit:
    doc_id: str
    title: str
    path: str
    score: float
    snippet: str
    highlights: list[tuple[int, int]]  # character ranges inside ``snippet``
    entities: int = 0


@dataclass(frozen=True)
class SearchResult:
    query: str
    total: int
    hits: list[Hit]
    suggestion: str | None
    offset: int = 0


@dataclass(frozen=True)
class EntitySummary:
    entity_id: str
    name: str
    label: str
    documents: int
    mentions: int


@dataclass(frozen=True)
class Alias:
    text: str
    count: int
    reason: str  # the rule that linked this surface form to the entity


@dataclass(frozen=True)
class MentionInContext:
    start: int
    end: int
    text: str
    context: str
    context_start: int = 0  # offset of ``context`` in the document text


@dataclass(frozen=True)
class EntityInDocument:
    doc_id: str
    title: str
    mentions: list[MentionInContext]


@dataclass(frozen=True)
class Cooccurring:
    entity_id: str
    name: str
    label: str
    count: int
    score: float = 0.0


@dataclass(frozen=True)
class EntityCard:
    entity_id: str
    name: str
    label: str
    aliases: list[Alias]
    documents: list[EntityInDocument]
    cooccurring: list[Cooccurring]


@dataclass(frozen=True)
class SharedSentence:
    """A sentence in which two entities both appear (``casework cooccur A B``)."""

    doc_id: str
    title: str
    start: int
    text: str


@dataclass(frozen=True)
class Cooccurrence:
    a: EntitySummary
    b: EntitySummary
    sentences: list[SharedSentence]


@dataclass(frozen=True)
class RelatedDocument:
    doc_id: str
    title: str
    score: float
    shared: list[str]


@dataclass(frozen=True)
class Related:
    doc_id: str
    related: list[RelatedDocument]


@dataclass
class IndexReport:
    """What one ``casework index`` run did."""

    documents: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: list[dict[str, str]] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    entities: int = 0
    mentions: int = 0
    seconds: float = 0.0
    words: int = 0
    index: str = ""


@dataclass(frozen=True)
class Progress:
    """Posted by a long-running index job, so a CLI bar or a TUI worker can show it."""

    stage: str  # "scan", "annotate", "store", "resolve", "done"
    done: int
    total: int
    words: int = 0
    path: str = ""
