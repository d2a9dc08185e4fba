"""Typed records that cross the engine's boundary.

The CLI's ``--json`` output is ``dataclasses.asdict`` of these objects and the TUI reads the same
ones, so there is one shape for each concept, not two.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from typing import Any

# Each record becomes a dataclass when first looked up (``__getattr__``, at the end), not when
# this module loads: making one compiles its six generated methods, ~0.8 ms, 15 ms for all
# of them, and a cold ``casework search`` uses two (Hit, SearchResult).
_LATER: dict[str, tuple[type, dict[str, Any]]] = {}
_MAKING = threading.Lock()  # the explorer's workers may look the same one up at once


def record(cls: type | None = None, /, *, frozen: bool = True, slots: bool = False):
    """``@dataclass(frozen=True)``, done on first use of the class; ``@record(frozen=False)``
    for one that changes; ``slots=True`` for one made by the million (a span of a long text)."""

    def later(cls: type) -> type:
        _LATER[cls.__name__] = (cls, {"frozen": frozen, "slots": slots} if slots else
                                {"frozen": frozen})
        return cls

    return later if cls is None else later(cls)


def to_json(obj: Any) -> Any:
    """A JSON-ready form of a record (or a list of them)."""
    if isinstance(obj, list):
        return [to_json(o) for o in obj]
    return asdict(obj)


@record
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
    # Set for what ingest finds inside a file (an attachment, an archive member), whose path is
    # "<file on disk>//<name>[//<name>...]".
    parent: str = ""  # the path of the document it was found in; "" for a file on disk
    parent_id: str = ""  # that document's id, once the indexer has settled it
    container: str = ""  # the path of the file on disk it came out of; "" for that file itself
    depth: int = 0  # 0 for a file on disk, 1 for what is inside it, 2 inside that, ...
    content_type: str = ""  # MIME type, when ingest read the file with a format's parser
    metadata: dict[str, Any] = field(default_factory=dict)  # author, created, email headers, ...


# slots: a 50 MB text has ~1 M spans, and with a __dict__ each took ~400 bytes (~150 slotted)
@record(slots=True)
class Span:
    """An entity mention as an annotator found it: character offsets into the document text."""

    start: int
    end: int
    label: str
    sent_start: int
    sent_end: int
    source: str = "model"  # "model" (NER) or a rule name for mentions found another way


@record
class Mention:
    start: int
    end: int
    text: str
    label: str
    entity_id: str


@record
class DocumentPart:
    """A document found inside another (an attachment, an archive member), for its parent."""

    doc_id: str
    title: str
    path: str
    ipath: str  # its name inside the parent
    content_type: str = ""


@record
class FamilyMember:
    """One document of a file's family: the file on disk, or something found in it (at any
    depth), with where it sits: its parent's id ("" for the file on disk, or when the parent
    gave no text) and its path ("<file>//<name>//<name>", so the tree holds without parents)."""

    doc_id: str
    title: str
    path: str
    ipath: str
    depth: int
    parent: str = ""
    content_type: str = ""


@record
class Family:
    """A file on disk and everything found in it, in path order (up to a limit)."""

    root: str  # the file on disk's path
    members: list[FamilyMember]
    total: int  # members there are (``members`` stops at the limit asked for)


@record
class Document:
    doc_id: str
    title: str
    path: str
    text: str
    entities: list[Mention]
    size: int = 0
    mtime: float = 0.0
    sha256: str = ""
    # found inside a file: the document it was found in (doc id, "" for a file on disk or when
    # the parent gave no text), the file on disk it came out of (path), and how deep
    parent: str = ""
    root: str = ""
    depth: int = 0
    ipath: str = ""
    content_type: str = ""
    # author, created, modified, extractor, format extras, and "email": from, to, cc, date,
    # subject, message_id, in_reply_to, references
    metadata: dict[str, Any] = field(default_factory=dict)
    children: list[DocumentPart] = field(default_factory=list)
    copies: list[str] = field(default_factory=list)  # the same content at other paths


@record
class DocumentInfo:
    """A document without its text: for lists and palettes."""

    doc_id: str
    title: str
    path: str
    size: int
    entities: int


@record
class Hit:
    doc_id: str
    title: str
    path: str
    score: float
    snippet: str
    highlights: list[tuple[int, int]]  # character ranges inside ``snippet``
    entities: int = 0
    name: str = ""  # the file name ("report.pdf"; an attachment's own name)
    type: str = ""  # its kind, as ``type:`` searches it: "pdf", "email", "docx", "text" ...
    content_type: str = ""  # its MIME type, when ingest read it with a format's parser


@record
class SearchResult:
    query: str  # as typed
    total: int
    hits: list[Hit]
    suggestion: str | None
    offset: int = 0
    # the index's words the search matched (fuzzy expansions, corrections, folded accents,
    # word forms), for marking them in a text with casework.index.term_spans
    terms: list[str] = field(default_factory=list)
    # words typed without quotes that the index lacks, searched as near spellings instead:
    # [typed, nearest] pairs; ``corrected`` the query as searched, ``as_typed`` the query that
    # searches the typed words exactly (in quotes)
    corrections: list[tuple[str, str]] = field(default_factory=list)
    corrected: str | None = None
    as_typed: str | None = None
    notes: list[str] = field(default_factory=list)  # e.g. what an old index cannot do


@record
class EntitySummary:
    entity_id: str
    name: str
    label: str
    documents: int
    mentions: int
    watched: bool = False  # on the case's watch list (casework import ftm)


@record
class MergeSuggestion:
    """Two entities that are likely one (the review queue): accepting merges ``other`` into
    ``keep``; rejecting keeps them apart for good."""
    keep: EntitySummary
    other: EntitySummary
    reason: str  # the rule: short form, initials, given name, middle name, spelling
    detail: str  # the evidence, in words
    score: float  # 0..1: how likely they are one


@record
class Alias:
    text: str
    count: int
    reason: str  # the rule that linked this surface form to the entity


@record
class MentionInContext:
    start: int
    end: int
    text: str
    context: str
    context_start: int = 0  # offset of ``context`` in the document text


@record
class EntityInDocument:
    doc_id: str
    title: str
    mentions: list[MentionInContext]


@record
class Cooccurring:
    entity_id: str
    name: str
    label: str
    count: int
    score: float = 0.0


@record
class EntityCard:
    entity_id: str
    name: str
    label: str
    aliases: list[Alias]
    documents: list[EntityInDocument]
    cooccurring: list[Cooccurring]
    watched: list[str] = field(default_factory=list)  # the watch list's names for it, if any


@record
class SharedSentence:
    """A sentence in which two entities both appear (``casework cooccur A B``)."""

    doc_id: str
    title: str
    start: int
    text: str
    # (start, end, entity_id) of each mention of A or B, as offsets into ``text``
    marks: list[tuple[int, int, str]] = field(default_factory=list)


@record
class Cooccurrence:
    a: EntitySummary
    b: EntitySummary
    sentences: list[SharedSentence]


@record
class RelatedDocument:
    doc_id: str
    title: str
    score: float
    shared: list[str]


@record
class Related:
    doc_id: str
    related: list[RelatedDocument]


@record
class DateMention:
    """A date in a document's text as a range of ISO days (a day: start = end)."""

    start: int
    end: int
    text: str
    iso_start: str
    iso_end: str
    sent_start: int
    sent_end: int
    sentence: str


@record
class MoneyMention:
    """A money amount in a document's text: the amount in units of ``currency`` (ISO 4217)."""

    start: int
    end: int
    text: str
    amount: float
    currency: str
    sent_start: int
    sent_end: int
    sentence: str


@record
class TimelineEvent:
    """A dated sentence (``casework timeline``): the date, where it is, the sentence."""

    iso_start: str
    iso_end: str
    text: str
    doc_id: str
    title: str
    start: int
    sent_start: int
    sentence: str


@record
class MoneyAmount:
    """A money amount in its sentence (``casework money``)."""

    amount: float
    currency: str
    text: str
    doc_id: str
    title: str
    start: int
    sent_start: int
    sentence: str


@record(frozen=False)
class IndexReport:
    """What one ``casework index`` run did."""

    documents: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    copies: int = 0  # files whose content was already stored under another path
    skipped: list[dict[str, str]] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    entities: int = 0
    mentions: int = 0
    seconds: float = 0.0
    words: int = 0
    index: str = ""


@record
class Progress:
    """Posted by a long-running index job, so a CLI bar or a TUI worker can show it."""

    stage: str  # "scan", "annotate", "store", "resolve", "done"
    done: int
    total: int
    words: int = 0
    path: str = ""


@record
class DocumentMarks:
    """A reader's tags, star and notes on one document (marks.jsonl)."""

    doc_id: str
    title: str
    path: str
    tags: list[str]
    starred: bool
    notes: list[dict[str, str]]  # {"text", "at"} in the order written


@record
class SavedSearch:
    name: str
    query: str
    count: int  # documents it finds now (-1: the query no longer runs)


@record
class IndexStatus:
    """``casework status``: where the index is, what is in it, and its last run."""

    path: str
    case: str  # the case's name when the index is a case in the data dir, else ""
    folders: list[str]
    documents: int
    entities: int
    mentions: int
    model: str
    last_run: dict[str, Any]  # {"at", "did", ...}; {} before the first recorded run
    state: str
    tagged: int
    starred: int
    noted: int
    saved_searches: int


@record
class ForgetReport:
    """What ``casework forget PATH`` removed."""

    path: str
    removed: int
    documents: int
    entities: int
    mentions: int


@record
class WatchListReport:
    """What ``casework import ftm`` read and where the names are mentioned."""

    entities: int  # watch-list entities in the file
    names: int  # names and aliases among them
    documents: int  # documents mentioning at least one of them
    # {"id", "name", "schema", "entity_id" ("" when unmentioned), "documents", "mentions"}
    matches: list[dict[str, Any]]


# the names are bound to the classes as written; ``__getattr__`` binds the dataclasses
for _name in _LATER:
    del globals()[_name]
del _name


def __getattr__(name: str) -> type:
    with _MAKING:
        if name in globals():  # made by another thread while this one waited
            return globals()[name]
        if name not in _LATER:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        cls, options = _LATER.pop(name)
        made = globals()[name] = dataclass(**options)(cls)
        return made


def __dir__() -> list[str]:
    return sorted({*globals(), *_LATER})
