"""The engine's public API: what the CLI and the TUI use, and nothing else.

    cw = open_index()                     # --index / $CASEWORK_INDEX / user data dir
    cw.search('Harfuch AND cartel')       # SearchResult
    cw.document('3f9a2c1b')               # Document with its mentions
    cw.entity('El Mencho')                # EntityCard: aliases, documents, contexts, cooccurring
    cw.related('3f9a2c1b')                # Related
    Casework.build(index_dir, [folder])   # IndexReport (loads spaCy only if something is new)

Storage is reached only through this class, so another back-end (a search server, a remote
annotator) can stand behind the same calls.
"""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path
from typing import IO, TYPE_CHECKING, Callable

from casework.index import models, xref
from casework.index.case_file import CaseFileMethods
from casework.index.catalog import Catalog
from casework.index.errors import CaseworkError, IndexIncompatible, NotFound
from casework.index.location import check_index_location, resolve_index_dir, seed_paths
from casework.index.store import IndexDir

if TYPE_CHECKING:  # records are made on first use (models.py): these only annotate
    from casework.index.models import (
        Cooccurrence,
        Document,
        DocumentInfo,
        DocumentPart,
        EntityCard,
        Family,
        EntitySummary,
        Hit,
        IndexReport,
        Mention,
        MoneyAmount,
        MergeSuggestion,
        Progress,
        Related,
        SearchResult,
        TimelineEvent,
    )


def open_index(path: str | os.PathLike[str] | None = None) -> "Casework":
    """Open an existing index (raises IndexMissing, IndexIncompatible or BadIndexLocation with
    a one-line message)."""
    return Casework.open(path)


def build_index(
    paths: list[Path],
    index: str | os.PathLike[str] | None = None,
    *,
    rebuild: bool = False,
    jobs: int = 1,
    model: str | None = None,
    cluster: str | None = None,
    progress: Callable[[Progress], None] | None = None,
    include: list[str] | None = None,
    exclude: list[str] | None = None,
    extract_timeout: float | None = None,
    extract_memory_mb: int | None = None,
) -> IndexReport:
    """Index files and folders (spaCy is imported only if something needs annotating).

    ``include`` / ``exclude``: glob patterns choosing files; ``extract_timeout`` (seconds) and
    ``extract_memory_mb``: the limits on extracting one file (ingest.Limits's defaults if None).
    ``cluster="tcp://HOST:8786"`` runs NER on that Dask scheduler's workers, ``"local:N"`` on
    a local cluster of N processes (needs ``pip install 'casework[cluster]'``).
    """
    from casework.index.indexer import build
    from casework.index.ingest import Limits

    defaults = Limits()
    limits = Limits(timeout_s=extract_timeout or defaults.timeout_s,
                    memory_mb=extract_memory_mb or defaults.memory_mb)
    index_dir = IndexDir(check_index_location(index, write=True))
    return build(index_dir, paths, rebuild=rebuild, jobs=jobs, model=model, cluster=cluster,
                 progress=progress,
                 include=include, exclude=exclude, limits=limits)


def watch_index(
    paths: list[Path],
    index: str | os.PathLike[str] | None = None,
    *,
    on_report: Callable[[IndexReport, list[str]], None],
    on_busy: Callable[[str], None] = lambda message: None,
    model: str | None = None,
    stop_event=None,
) -> None:
    """Index ``paths``, then re-index after each burst of changes under them until Ctrl+C
    (KeyboardInterrupt) or ``stop_event``; ``on_report(report, changed paths)`` after each."""
    from casework.index.watch import watch

    index_dir = IndexDir(check_index_location(index, write=True))
    watch(index_dir, paths, model=model, on_report=on_report, on_busy=on_busy,
          stop_event=stop_event)


def build_seeds(
    index: str | os.PathLike[str] | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> IndexReport:
    """Index the bundled demo documents (into the demo case unless ``index`` says where)."""
    from casework.index.location import demo_index_dir

    return build_index(seed_paths(), index if index is not None else demo_index_dir(),
                       progress=progress)


def index_exists(index: str | os.PathLike[str] | None = None) -> bool:
    return IndexDir(resolve_index_dir(index)).exists()


def term_spans(text: str, terms) -> list[tuple[int, int]]:
    """(start, end) of each word of ``text`` that is one of ``terms`` (a SearchResult's
    ``terms``) as the index reads words: case and accents folded ("lodz" marks "Łódź")."""
    from casework.index.fulltext.snippets import term_spans as spans

    return spans(text, terms)


def described(path: str, content_type: str) -> dict[str, str]:
    """A hit's file name, kind (as ``type:`` searches it) and MIME type."""
    from casework.index.doctypes import file_name, kind_of

    return {"name": file_name(path), "type": kind_of(content_type, path),
            "content_type": content_type}


class Casework(CaseFileMethods):
    """An open index. Safe to use from one worker thread at a time per call."""

    def __init__(self, index_dir: IndexDir):
        self.index_dir = index_dir
        self.path = index_dir.path
        # Whoosh is imported here, not at module level: the explorer paints its first screen
        # while a worker opens the index (~60-100 ms of imports off the start path).
        from casework.index.fulltext import open_fulltext

        self.catalog = Catalog(index_dir.catalog)
        self.fulltext = open_fulltext(index_dir.fulltext)
        self.notes: list[str] = []

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None) -> "Casework":
        """Open and check an index: a damaged one is one clear error with the command that
        rebuilds it; a catalog and full-text index out of step are repaired, or said in
        ``notes``."""
        from casework.index import consistency

        index_dir = IndexDir(check_index_location(path))
        index_dir.check()
        opened = None
        try:
            opened = cls(index_dir)
            # counted by the searcher that will serve the first query: no second open
            note = consistency.on_open(index_dir, opened.catalog, opened.fulltext,
                                       opened.fulltext.doc_count())
        except CaseworkError:
            if opened is not None:
                opened.close()
            raise
        except Exception as exc:  # sqlite3.DatabaseError, whoosh's EmptyIndexError, OSError ...
            if opened is not None:
                opened.close()
            raise IndexIncompatible(
                f"the index at {index_dir.path} is damaged ({type(exc).__name__}: {exc}); "
                f"rebuild it with: casework index --rebuild --index "
                f"{shlex.quote(str(index_dir.path))} FOLDER"
            ) from None
        opened.notes = [note] if note else []
        return opened

    def close(self) -> None:
        self.fulltext.close()
        self.catalog.close()

    def __enter__(self) -> "Casework":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- search -------------------------------------------------------------------------
    def search(self, query: str, limit: int = 20, offset: int = 0, suggest: bool = True,
               exact: bool = False) -> SearchResult:
        """Ranked hits with snippets. A word the index lacks is searched as the words near it
        (``corrections``) and words find their other forms, unless ``exact`` (or the word is
        in quotes). With no hits and ``suggest``, ``suggestion`` holds the query respelt from
        the index's words (a vocabulary walk; pass False and call :meth:`suggest` later to show
        the hits first).

        Filters kept by casework rather than the full-text index: ``tag:NAME``, ``starred:``,
        ``watched:`` (the reader's marks and watch list) and ``date:2025-02..2025-03`` (the
        documents naming a date in that range) keep only the documents they allow."""
        rest, allowed = self._reader_filters(query)
        if "date:" in rest:  # the date module stays out of a cold search (~2 ms, 2 records)
            from casework.index import timeline

            rest, days = timeline.split_date_filter(rest)
            if days is not None:
                dated = self.catalog.docs_dated_between(*days) if days[0] <= days[1] else set()
                allowed = dated if allowed is None else allowed & dated
        if allowed is None:
            return self._ranked(query, limit, offset, suggest, exact=exact)
        return self._filtered(query, rest, allowed, limit, offset, suggest, exact)

    def _ranked(self, query: str, limit: int, offset: int, suggest: bool,
                allowed: set[str] | None = None, exact: bool = False) -> SearchResult:
        """Ranked hits with their snippets, made from the catalog's copy of each text; with
        ``allowed``, only those documents (ranked among every hit, then paged)."""
        from casework.index.fulltext.snippets import best_snippet, lead_snippet, word_forms

        if allowed is None:
            found = self.fulltext.search(query, limit=limit, offset=offset, suggest=suggest,
                                         exact=exact)
            total, page = found.total, found.hits
        else:
            # ids and scores only, no snippets: the snippets are made for the page alone
            found = self.fulltext.search(query, limit=max(1, self.document_count()),
                                         suggest=suggest, exact=exact)
            kept = [h for h in found.hits if h.doc_id in allowed]
            total, page = len(kept), kept[offset:offset + limit]
        counts = self.catalog.entity_counts([h.doc_id for h in page])
        mimes = self.catalog.content_types([h.doc_id for h in page])
        hits = []
        texts = [self.catalog.text_of(hit.doc_id) or "" for hit in page]
        # the hits' other forms of the searched words, as one set for every snippet (a set
        # per hit made a pattern per hit: ~2 ms each)
        words = found.words.union(*(word_forms(text, found.stems) for text in texts)) \
            if found.stems else found.words
        for hit, text in zip(page, texts):
            snippet, ranges = best_snippet(text, words) or (lead_snippet(text), [])
            hits.append(models.Hit(
                doc_id=hit.doc_id, title=hit.title, path=hit.path, score=round(hit.score, 4),
                snippet=snippet, highlights=[list(r) for r in ranges],
                entities=counts.get(hit.doc_id, 0),
                **described(hit.path, mimes.get(hit.doc_id, "")),
            ))
        return models.SearchResult(
            query=query, total=total, hits=hits, suggestion=found.suggestion,
            offset=offset, terms=sorted(words), corrections=sorted(found.corrections.items()),
            corrected=found.corrected, as_typed=found.as_typed, notes=list(found.notes))

    def explain(self, query: str, exact: bool = False) -> dict:
        """How ``query`` is searched: parsed, corrected, its fuzzy and wildcard expansions."""
        return self.fulltext.explain(query, exact=exact)

    def term_spans(self, text: str, terms) -> list[tuple[int, int]]:
        """Where ``text`` holds ``terms`` (a SearchResult's), as the index reads words."""
        return term_spans(text, terms)

    def match_terms(self, query: str, text: str = "", exact: bool = False) -> list[str]:
        """The index's words ``query`` matches, as its SearchResult's ``terms`` (expansions,
        corrections, folded accents), with the other forms of its words that ``text`` holds
        (all of it: a result's terms have only its page's): what to mark in ``text`` with
        :func:`term_spans`. The reader's filters (``tag:``, ``date:``, ...) mark nothing."""
        rest, _ = self._reader_filters(query)
        if "date:" in rest:
            from casework.index import timeline

            rest, _ = timeline.split_date_filter(rest)
        if not rest.strip():
            return []
        words, stems = self.fulltext.matched_words(rest, exact=exact)
        if stems and text:
            from casework.index.fulltext.snippets import word_forms

            words = words | word_forms(text, stems, limit=len(text))
        return sorted(words)

    def doc_ids_matching(self, query: str) -> list[str]:
        """Every document a query finds, best first (all of them for an empty query)."""
        if not query.strip():
            return sorted(self.catalog.doc_ids())
        return [h.doc_id for h in self.search(query, limit=max(1, self.document_count()),
                                              suggest=False).hits]

    # -- dates and money ----------------------------------------------------------------
    def timeline(self, query: str = "", entity: str | None = None, limit: int = 10_000
                 ) -> list[TimelineEvent]:
        """Dated sentences in day order: of the documents ``query`` finds, or of the sentences
        that mention ``entity`` (a name or id)."""
        from casework.index import timeline

        return timeline.events(self, query, entity, limit)

    def money(self, query: str = "", entity: str | None = None, limit: int = 10_000
              ) -> list[MoneyAmount]:
        """Money amounts (amount, currency) in their sentences, like :meth:`timeline`."""
        from casework.index import timeline

        return timeline.money(self, query, entity, limit)

    def suggest(self, query: str) -> str | None:
        """``query`` with its words unknown to the index replaced by the nearest known ones
        (the commonest of those fewest edits away), or None."""
        return self.fulltext.suggest(query)

    # -- documents ----------------------------------------------------------------------
    def document(self, doc_id: str) -> Document:
        row = self.catalog.document_row(doc_id)
        if row is None:
            raise NotFound(f"no document with id {doc_id!r}")
        mentions = [
            models.Mention(m["start"], m["end"], m["text"], m["label"], m["entity_id"])
            for m in self.catalog.mentions_of(doc_id)
            if m["entity_id"]  # a hidden entity's mentions keep no entity
        ]
        return models.Document(
            doc_id=doc_id,
            title=row["title"],
            path=row["path"],
            text=row["text"],
            entities=mentions,
            size=row["size"],
            mtime=row["mtime"],
            sha256=row["sha256"],
            parent=row["parent_id"],
            root=row["container"],
            depth=row["depth"],
            ipath=row["ipath"],
            content_type=row["content_type"],
            metadata=json.loads(row["metadata"] or "{}"),
            children=self.children(doc_id),
            copies=self.catalog.copy_paths(doc_id),
        )

    def children(self, doc_id: str) -> list[DocumentPart]:
        """What was found inside a document (attachments, archive members), by path."""
        return [models.DocumentPart(r["doc_id"], r["title"], r["path"], r["ipath"],
                                    r["content_type"])
                for r in self.catalog.children_rows(doc_id)]

    def family(self, doc_id: str, limit: int = 5000) -> Family:
        """The file on disk a document came out of and everything found in it (attachments,
        archive members, theirs in turn), in path order, at most ``limit`` of them; a file
        with nothing inside is a family of one. One indexed query, without any text."""
        root = self.catalog.family_root(doc_id)
        if root is None:
            raise NotFound(f"no document with id {doc_id!r}")
        rows = self.catalog.family_rows(root, limit)
        members = [models.FamilyMember(r["doc_id"], r["title"], r["path"], r["ipath"], r["depth"],
                                       r["parent_id"], r["content_type"]) for r in rows]
        total = len(members) if len(members) < limit else self.catalog.family_size(root)
        return models.Family(root, members, total)

    def parent(self, doc_id: str) -> str | None:
        """The id of the document this one was found in, or None (a file on disk)."""
        row = self.catalog.document_row(doc_id)
        if row is None:
            raise NotFound(f"no document with id {doc_id!r}")
        return row["parent_id"] or None

    def text_to_open(self, doc_id: str) -> str:
        """A path an editor can open for this document: its file when that is plain text on
        disk, else a temporary file holding the extracted text (an attachment, a PDF)."""
        import tempfile

        row = self.catalog.document_row(doc_id)
        if row is None:
            raise NotFound(f"no document with id {doc_id!r}")
        if not row["container"] and not row["content_type"] and os.path.isfile(row["path"]):
            return row["path"]  # read by ingest as text: the file itself
        name = os.path.basename(row["path"].rsplit("//", 1)[-1]) or doc_id
        fd, tmp = tempfile.mkstemp(prefix=f"casework-{doc_id}-", suffix=f"-{name}.txt")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(row["text"])
        return tmp

    def documents(self, title_contains: str = "", limit: int = 50, offset: int = 0) -> list[DocumentInfo]:
        """Documents by title (case-insensitive substring), for pickers and palettes."""
        rows = self.catalog.documents_by_title(title_contains, limit, offset)
        return [models.DocumentInfo(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    def document_count(self) -> int:
        return self.catalog.document_count()

    def browse(self, limit: int = 20, offset: int = 0) -> SearchResult:
        """Every document, by title, as hits with their opening lines: what an empty query
        shows, so a newcomer sees the collection before typing anything."""
        from casework.index.fulltext.snippets import lead_snippet

        rows = self.catalog.document_openings(limit, offset)
        counts = self.catalog.entity_counts([r[0] for r in rows])
        mimes = self.catalog.content_types([r[0] for r in rows])
        hits = [
            models.Hit(r[0], r[1], r[2], 0.0, lead_snippet(r[3]), [], counts.get(r[0], 0),
                       **described(r[2], mimes.get(r[0], "")))
            for r in rows
        ]
        return models.SearchResult("", self.catalog.document_count(), hits, None, offset)

    # -- entities and cross-references --------------------------------------------------
    def entities(
        self, label: str | None = None, doc_id: str | None = None, limit: int = 50, offset: int = 0
    ) -> list[EntitySummary]:
        if doc_id is not None and not self.catalog.doc_id_taken(doc_id):
            raise NotFound(f"no document with id {doc_id!r}")
        return xref.entities(self.catalog, label=label, doc_id=doc_id, limit=limit, offset=offset)

    def entity(self, name_or_id: str) -> EntityCard:
        return xref.entity_card(self.catalog, name_or_id)

    def related(self, doc_id: str, limit: int = 10) -> Related:
        return xref.related(self.catalog, doc_id, limit=limit, fulltext=self.fulltext)

    def cooccur(self, a: str, b: str, limit: int = 1000) -> "Cooccurrence":
        """Every sentence in which entities ``a`` and ``b`` (names or ids) both appear."""
        return xref.shared_sentences(self.catalog, a, b, limit=limit)

    def roots(self) -> list[str]:
        """The folders (or files) this index was built from, to re-scan them."""
        return self.catalog.roots()

    def labels(self) -> list[tuple[str, int]]:
        """Entity labels in this index with how many entities carry each."""
        return self.catalog.entity_labels()

    # -- export -------------------------------------------------------------------------
    def export(self, kind: str, fmt: str, out: IO[str]) -> int:
        """Stream every row of ``kind`` (entities, mentions or cooccurrences) to ``out`` as
        ``fmt`` (csv or jsonl), each cell made inert; returns how many rows were written."""
        from casework.index import export

        if kind not in export.KINDS or fmt not in export.FORMATS:
            raise CaseworkError(f"cannot export {kind!r} as {fmt!r}: kinds are "
                                f"{', '.join(export.KINDS)}; formats {', '.join(export.FORMATS)}")
        return export.write(self.catalog, kind, fmt, out)

    # -- curation (judgements in curation.jsonl, applied after automatic resolution) ------
    def _curate(self, op: str, entity: str | None = None, value: str | None = None) -> str:
        from casework.index import sync

        return sync.curate(self.index_dir, self.catalog, op, entity, value)

    def merge_entities(self, a: str, b: str) -> str:
        """B's mentions and aliases join A (names or ids); returns what was done."""
        return self._curate("merge", a, b)

    def split_alias(self, entity: str, alias: str) -> str:
        """The alias becomes an entity of its own."""
        return self._curate("split", entity, alias)

    def rename_entity(self, entity: str, name: str) -> str:
        return self._curate("rename", entity, name)

    def relabel_entity(self, entity: str, label: str) -> str:
        return self._curate("relabel", entity, label)

    def hide_entity(self, entity: str) -> str:
        """Out of lists, cards and entity search; undo brings it back."""
        return self._curate("hide", entity)

    def keep_apart(self, a: str, b: str) -> str:
        """A and B are different entities: never merged, never suggested again."""
        return self._curate("apart", a, b)

    def merge_suggestions(self, limit: int = 50) -> list[MergeSuggestion]:
        """The review queue: pairs of entities likely to be one, best first, with the reason
        and a score; accept with merge_entities(keep, other), reject with keep_apart."""
        from casework.index import review

        return review.suggestions(self.catalog, limit)

    def undo_curation(self) -> str:
        """Drop the last judgement; CaseworkError when there is none."""
        return self._curate("undo")
