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

import os
import shlex
from pathlib import Path
from typing import IO, TYPE_CHECKING, Callable

from casework.index import models, xref
from casework.index.catalog import Catalog
from casework.index.errors import CaseworkError, IndexIncompatible, NotFound
from casework.index.location import check_index_location, resolve_index_dir, seed_paths
from casework.index.store import IndexDir

if TYPE_CHECKING:  # records are made on first use (models.py): these only annotate
    from casework.index.models import (
        Cooccurrence,
        DocumentMarks,
        ForgetReport,
        IndexStatus,
        SavedSearch,
        WatchListReport,
        Document,
        DocumentInfo,
        EntityCard,
        EntitySummary,
        Hit,
        IndexReport,
        Mention,
        Progress,
        Related,
        SearchResult,
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


class Casework:
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
    def search(self, query: str, limit: int = 20, offset: int = 0, suggest: bool = True
               ) -> SearchResult:
        """Ranked hits with snippets. With no hits and ``suggest``, ``suggestion`` holds the
        query respelt from the index's words (a vocabulary walk; pass False and call
        :meth:`suggest` later to show the hits first).

        ``tag:NAME``, ``starred:`` and ``watched:`` keep only documents the reader tagged,
        starred, or that mention a name of the imported watch list (see :meth:`_filtered`)."""
        rest, allowed = self._reader_filters(query)
        if allowed is None:
            return self._ranked(query, limit, offset, suggest)
        return self._filtered(query, rest, allowed, limit, offset)

    def _ranked(self, query: str, limit: int, offset: int, suggest: bool) -> SearchResult:
        """Ranked hits with their snippets, made from the catalog's copy of each text."""
        from casework.index.fulltext.snippets import best_snippet, lead_snippet

        found = self.fulltext.search(query, limit=limit, offset=offset, suggest=suggest)
        counts = self.catalog.entity_counts([h.doc_id for h in found.hits])
        hits = []
        for hit in found.hits:
            text = self.catalog.text_of(hit.doc_id) or ""
            snippet, ranges = best_snippet(text, found.words) or (lead_snippet(text), [])
            hits.append(models.Hit(
                doc_id=hit.doc_id, title=hit.title, path=hit.path, score=round(hit.score, 4),
                snippet=snippet, highlights=[list(r) for r in ranges],
                entities=counts.get(hit.doc_id, 0),
            ))
        return models.SearchResult(query=query, total=found.total, hits=hits,
                                   suggestion=found.suggestion, offset=offset)

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
        )

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
        hits = [
            models.Hit(r[0], r[1], r[2], 0.0, lead_snippet(r[3]), [], counts.get(r[0], 0))
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

    def undo_curation(self) -> str:
        """Drop the last judgement; CaseworkError when there is none."""
        return self._curate("undo")

    # -- cases: what is in this one, forgetting a folder, noticing new commits ------------
    def status(self) -> "IndexStatus":
        import json

        from casework.index import marks, searches
        from casework.index.catalog import LAST_RUN_KEY, MODEL_KEY, STATE_KEY
        from casework.index.location import cases_dir

        entities, mentions = self.catalog.entity_and_mention_counts()
        try:
            last_run = json.loads(self.catalog.get_meta(LAST_RUN_KEY) or "{}")
        except ValueError:
            last_run = {}
        folded = marks.Folded(self.catalog)
        case = self.path.name if self.path.parent == cases_dir() else ""
        return models.IndexStatus(
            path=str(self.path), case=case, folders=self.roots(),
            documents=self.catalog.document_count(), entities=entities, mentions=mentions,
            model=self.catalog.get_meta(MODEL_KEY) or "", last_run=last_run,
            state=self.catalog.get_meta(STATE_KEY) or "clean",
            tagged=sum(1 for t in folded.tags.values() if t), starred=len(folded.starred),
            noted=sum(1 for n in folded.notes.values() if n),
            saved_searches=len(searches.saved(self.path)),
        )

    def generation(self) -> str:
        """Changes whenever a run commits to this index (a meta read and a stat: cheap enough
        for a timer), or a --rebuild swaps the directory."""
        from casework.index.catalog import DOCUMENTS_KEY, GENERATION_KEY, STATE_KEY

        try:
            inode = os.stat(self.index_dir.catalog).st_ino
        except OSError:
            inode = 0
        return ":".join(str(v) for v in (
            inode, self.catalog.get_meta(GENERATION_KEY), self.catalog.get_meta(STATE_KEY),
            self.catalog.get_meta(DOCUMENTS_KEY)))

    def forget(self, path: str | os.PathLike[str]) -> "ForgetReport":
        """Remove the documents of a folder or file (or what was found inside a file), then
        re-resolve entities and re-sync the full-text index (sync.forget); NotFound when no
        document is there."""
        from casework.index import ingest, sync

        given = os.path.abspath(os.path.expanduser(str(path)))
        removed = sync.forget(self.index_dir, self.catalog, given, os.sep, ingest.IPATH_SEP)
        if not removed:
            raise NotFound(f"no document in this index is under {given}")
        entities, mentions = self.catalog.entity_and_mention_counts()
        return models.ForgetReport(given, removed, self.catalog.document_count(), entities,
                                   mentions)

    # -- the reader's marks: tags, stars, notes (marks.jsonl) ------------------------------
    def marks(self, doc: str) -> "DocumentMarks":
        """A document's tags, star and notes (``doc``: an id or an indexed file's path)."""
        from casework.index import marks

        doc_id = marks.find_document(self.catalog, doc)
        return self._marks_of(marks.Folded(self.catalog), doc_id)

    def _marks_of(self, folded, doc_id: str) -> "DocumentMarks":
        row = self.catalog.document_row(doc_id)
        return models.DocumentMarks(doc_id, row["title"], row["path"],
                                    list(folded.tags.get(doc_id, [])), doc_id in folded.starred,
                                    list(folded.notes.get(doc_id, [])))

    def _mark(self, doc: str, items: list[dict]) -> "DocumentMarks":
        from casework.index import marks

        doc_id = marks.find_document(self.catalog, doc)
        if items:
            marks.append(self.catalog, doc_id, items)
        return self._marks_of(marks.Folded(self.catalog), doc_id)

    def tag(self, doc: str, add: list[str] = (), remove: list[str] = ()) -> "DocumentMarks":
        from casework.index.marks import check_tag

        items = [{"op": "tag", "tag": check_tag(t)} for t in add]
        items += [{"op": "untag", "tag": check_tag(t)} for t in remove]
        return self._mark(doc, items)

    def star(self, doc: str, starred: bool = True) -> "DocumentMarks":
        return self._mark(doc, [{"op": "star" if starred else "unstar"}])

    def note(self, doc: str, text: str) -> "DocumentMarks":
        from casework.index.marks import MAX_NOTE_CHARS

        text = text.strip()
        if not text:
            raise CaseworkError("a note cannot be empty")
        if len(text) > MAX_NOTE_CHARS:
            raise CaseworkError(f"a note is at most {MAX_NOTE_CHARS} characters")
        return self._mark(doc, [{"op": "note", "text": text}])

    def unnote(self, doc: str, number: int) -> "DocumentMarks":
        """Drop a document's note number ``number`` (1 = the oldest)."""
        current = self.marks(doc)
        if not 1 <= number <= len(current.notes):
            raise NotFound(f"document {current.doc_id} has no note {number}")
        return self._mark(doc, [{"op": "unnote", "number": number}])

    def marked(self) -> "list[DocumentMarks]":
        """Every document with a tag, a star or a note, by title."""
        from casework.index import marks

        folded = marks.Folded(self.catalog)
        found = [self._marks_of(folded, d) for d in folded.marked()]
        return sorted(found, key=lambda m: (m.title.lower(), m.doc_id))

    def tags(self) -> list[tuple[str, int]]:
        """Every tag in use with how many documents carry it, commonest first."""
        from casework.index import marks

        return marks.Folded(self.catalog).tag_counts()

    # -- tag:, starred:, watched: in queries ----------------------------------------------
    def _reader_filters(self, query: str) -> tuple[str, set[str] | None]:
        """The query without its ``tag:X``/``starred:``/``watched:`` terms, and the documents
        those allow (None: the query has none). Several terms must all hold."""
        import re

        if "tag:" not in query and "starred:" not in query and "watched:" not in query:
            return query, None
        pattern = re.compile(r'(?<![\w:])(tag|starred|watched):("[^"]*"|\S*)')
        terms = pattern.findall(query)
        if not terms:
            return query, None
        from casework.index import ftm, marks

        folded = marks.Folded(self.catalog)
        allowed: set[str] | None = None
        for field, value in terms:
            value = value.strip('"')
            if field == "tag":
                ids = folded.with_tag(value.lower())
            elif field == "starred":
                ids = set(folded.starred)
                if value.lower() in ("no", "false", "0"):
                    ids = self.catalog.doc_ids() - ids
            else:
                ids = self._watched_documents(value.lower())
            allowed = ids if allowed is None else allowed & ids
        rest = " ".join(pattern.sub(" ", query).split())
        return rest, allowed

    def _watched_documents(self, name: str) -> set[str]:
        """Documents naming a watch-list entity (one whose names contain ``name``, or any).
        The text scan is kept until the index or the watch list changes: the explorer asks
        again at each key."""
        from casework.index import ftm

        try:
            listed = ftm.watchlist_path(self.catalog).stat().st_mtime_ns
        except OSError:
            return set()
        key = (self.generation(), listed)
        if getattr(self, "_watch_cache", (None,))[0] != key:
            watched = ftm.load_watchlist(self.catalog)
            self._watch_cache = (key, watched, ftm.matches(self.catalog, watched)[0])
        _, watched, per_doc = self._watch_cache
        wanted = {w["id"] for w in watched
                  if not name or any(name in n.lower() for n in w["names"])}
        return {doc for doc, ids in per_doc.items() if ids & wanted}

    # Hits are read a page at a time until the filter has enough; a query matching more than
    # this many documents counts (and pages) only within them. What the query layer must add
    # for exact counts: search(..., only=doc ids) applied as a Whoosh filter.
    FILTER_SCAN = 1000

    def _filtered(self, query: str, rest: str, allowed: set[str], limit: int, offset: int
                  ) -> "SearchResult":
        if not rest:
            rows = [self.catalog.document_row(d) for d in allowed]
            rows = sorted((r for r in rows if r is not None),
                          key=lambda r: (r["title"].lower(), r["doc_id"]))
            from casework.index.fulltext.snippets import lead_snippet

            page = rows[offset:offset + limit]
            counts = self.catalog.entity_counts([r["doc_id"] for r in page])
            hits = [models.Hit(r["doc_id"], r["title"], r["path"], 0.0,
                               lead_snippet(r["text"][:400]), [], counts.get(r["doc_id"], 0))
                    for r in page]
            return models.SearchResult(query, len(rows), hits, None, offset)
        kept: list = []
        scanned, step = 0, 100
        while scanned < self.FILTER_SCAN:
            result = self._ranked(rest, step, scanned, False)
            kept += [h for h in result.hits if h.doc_id in allowed]
            scanned += len(result.hits)
            if not result.hits or scanned >= result.total:
                break
        return models.SearchResult(query, len(kept), kept[offset:offset + limit], None, offset)

    # -- saved searches and the query history (searches.py) -------------------------------
    def _count(self, query: str) -> int:
        try:
            return self.search(query, limit=1, suggest=False).total
        except CaseworkError:
            return -1

    def saved_searches(self, counts: bool = True) -> "list[SavedSearch]":
        """Every saved search, in the order saved, with how many documents it finds now
        (``counts``: else -1)."""
        from casework.index import searches

        return [models.SavedSearch(name, query, self._count(query) if counts else -1)
                for name, query in searches.saved(self.path)]

    def save_search(self, name: str, query: str) -> "SavedSearch":
        """Save (or replace) a search; a query that cannot run is refused (QueryError)."""
        from casework.index import searches

        count = self.search(query, limit=1, suggest=False).total
        searches.save(self.path, name, query)
        return models.SavedSearch(name.strip(), query.strip(), count)

    def saved_query(self, name: str) -> str:
        from casework.index import searches

        return searches.query_of(self.path, name)

    def remove_saved_search(self, name: str) -> None:
        from casework.index import searches

        searches.remove(self.path, name)

    def query_history(self) -> list[str]:
        """Queries run in the explorer, oldest first."""
        from casework.index import searches

        return searches.history(self.path)

    def remember_query(self, query: str) -> None:
        from casework.index import searches

        searches.remember(self.path, query)

    # -- FollowTheMoney: out to Aleph, and a watch list in --------------------------------
    def export_marks(self, kind: str, fmt: str, out: IO[str]) -> int:
        """The reader's ``tags`` (with the star) or ``notes``, a row per document or note."""
        from casework.index import export

        if kind not in export.MARK_COLUMNS or fmt not in export.FORMATS:
            raise CaseworkError(f"cannot export {kind!r} as {fmt!r}")

        def rows():
            for m in self.marked():
                row = self.catalog.document_row(m.doc_id)
                base = {"doc_id": m.doc_id, "path": m.path, "sha256": row["sha256"],
                        "title": m.title}
                if kind == "tags" and (m.tags or m.starred):
                    yield {**base, "starred": m.starred, "tags": m.tags}
                elif kind == "notes":
                    for i, n in enumerate(m.notes, 1):
                        yield {**base, "number": i, "note": n["text"], "at": n["at"]}

        return export.write_rows(rows(), export.MARK_COLUMNS[kind], fmt, out)

    def export_ftm(self, out: IO[str]) -> int:
        """Documents, entities and mentions as FollowTheMoney entities (JSON lines), for
        Aleph (``ftm`` / ``alephclient write-entities``); returns how many were written."""
        from casework.index import ftm, marks

        return ftm.write(self.catalog, out, marks.Folded(self.catalog).tags)

    def import_watchlist(self, path: str | os.PathLike[str]) -> "WatchListReport":
        """Read Person/Organization/Company entities from an FtM file into this case's watch
        list (watchlist.jsonl) and find the documents that mention their names; the query
        ``watched:`` (or ``watched:NAME``) then keeps those documents."""
        from casework.index import ftm

        watched = ftm.read_watchlist(Path(path))
        ftm.save_watchlist(self.catalog, watched)
        per_doc, summary = ftm.matches(self.catalog, watched)
        return models.WatchListReport(len(watched), sum(len(w["names"]) for w in watched),
                                      len(per_doc), summary)
