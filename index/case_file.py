"""The part of the engine's door that serves a person's work on a case over weeks: what the
case holds, forgetting a folder, tags, stars and notes, ``tag:``/``starred:``/``watched:`` in
queries, saved searches and history, FollowTheMoney in and out.

A mixin of :class:`casework.index.api.Casework`, which gives it ``catalog``, ``path``,
``index_dir`` and the search methods; front ends reach these methods only through Casework.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import IO, TYPE_CHECKING, Callable

from casework.index import models
from casework.index.errors import CaseworkError, NotFound

if TYPE_CHECKING:
    from casework.index.models import (
        DocumentMarks, ForgetReport, IndexStatus, SavedSearch, SearchResult, WatchListReport,
    )


class CaseFileMethods:
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
        """Documents mentioning a watched entity (one whose listed name, or entity name,
        contains ``name``; any, when empty)."""
        rows = self.catalog.watched_rows()
        wanted = {r["entity_id"] for r in rows
                  if not name or name in r["name"].lower()
                  or name in (self.catalog.entity_name(r["entity_id"]) or "").lower()}
        return self.catalog.documents_mentioning_any(wanted) if wanted else set()

    # Hits are read a page at a time until the filter has enough; a query matching more than
    # this many documents counts (and pages) only within them. What the query layer must add
    # for exact counts: search(..., only=doc ids) applied as a Whoosh filter.

    def _filtered(self, query: str, rest: str, allowed: set[str], limit: int, offset: int,
                  suggest: bool = False, exact: bool = False) -> "SearchResult":
        """``rest``'s hits among the ``allowed`` documents; with no words left, those
        documents by title."""
        if rest:
            found = self._ranked(rest, limit, offset, suggest, allowed=allowed, exact=exact)
            return dataclasses.replace(found, query=query)
        rows = [self.catalog.document_row(d) for d in allowed]
        rows = sorted((r for r in rows if r is not None),
                      key=lambda r: (r["title"].lower(), r["doc_id"]))
        from casework.index.fulltext.snippets import lead_snippet

        page = rows[offset:offset + limit]
        counts = self.catalog.entity_counts([r["doc_id"] for r in page])
        from casework.index.doctypes import file_name, kind_of

        hits = [models.Hit(r["doc_id"], r["title"], r["path"], 0.0,
                           lead_snippet(r["text"][:400]), [], counts.get(r["doc_id"], 0),
                           file_name(r["path"]), kind_of(r["content_type"], r["path"]),
                           r["content_type"])
                for r in page]
        return models.SearchResult(query, len(rows), hits, None, offset)

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

    def import_watchlist(self, path: str | os.PathLike[str],
                         progress: "Callable[[models.Progress], None] | None" = None,
                         ) -> "WatchListReport":
        """Read Person/Organization/Company entities from an FtM file into this case's watch
        list (watchlist.jsonl), then mark every mention of their names and aliases in every
        document: each entry becomes one entity (merged with the one the model found by the
        same name), flagged as watched, and kept by later runs and ``--rebuild``. The query
        ``watched:`` (or ``watched:NAME``) keeps the documents naming them. CaseworkError for
        a file that is not FtM JSON or holds no named legal entity; IndexBusy while another
        process writes."""
        from casework.index import ftm, sync

        entries = ftm.read_watchlist(Path(path))
        sync.import_watchlist(self.index_dir, self.catalog, entries,
                              notify=progress or (lambda p: None))
        by_id = {r["watch_id"]: r for r in self.catalog.watched_rows()}
        summary = []
        for w in entries:
            r = by_id.get(str(w["id"]))
            summary.append({"id": w["id"], "name": w["names"][0], "schema": w["schema"],
                            "entity_id": r["entity_id"] if r else "",
                            "documents": r["documents"] if r else 0,
                            "mentions": r["mentions"] if r else 0})
        ids = {r["entity_id"] for r in by_id.values() if r["watch_id"] in
               {str(w["id"]) for w in entries}}
        documents = len(self.catalog.documents_mentioning_any(ids)) if ids else 0
        return models.WatchListReport(len(entries), sum(len(w["names"]) for w in entries),
                                      documents, summary)
