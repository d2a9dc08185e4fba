"""The one write sequence after the catalog changes: resolve entities, flag what they changed,
write the full-text index, mark the index clean.

Its callers: an indexing run (indexer.py), a reader's judgement on an entity (:func:`curate`),
an imported watch list (:func:`import_watchlist`), forgetting a folder (:func:`forget`), and
the repair of a run that was killed half-way (:func:`repair`, from
consistency.py when an index is opened). Each marks the catalog ``updating`` before it writes
and ``clean`` once the full-text index holds exactly what the catalog holds, so the check on
open is a couple of meta reads.
"""

from __future__ import annotations

import contextlib
import gc
import json
import time
from typing import Callable, Iterator

from casework.index import curation, recall, resolve, watchlist

from casework.index.catalog import (
    CLEAN,
    DOCUMENTS_KEY,
    GENERATION_KEY,
    LAST_RUN_KEY,
    STATE_KEY,
    UPDATING,
    Catalog,
)
from casework.index.doctypes import kind_of
from casework.index.entities import EntityFieldValues
from casework.index.fulltext import (FulltextEntry, FulltextIndex, LongText, PIECE_CHARS,
                                     open_fulltext)
from casework.index.models import Progress
from casework.index.store import IndexDir, WriteLock

ProgressFn = Callable[[Progress], None]

# Above this many documents written in one run, merge the full-text segments into one after.
BIG_BUILD = 1000


def _quiet(_: Progress) -> None:
    pass


def mark_updating(catalog: Catalog) -> None:
    """Call before a run writes anything (commits)."""
    catalog.set_meta(STATE_KEY, UPDATING)
    catalog.commit()


def mark_clean(catalog: Catalog) -> None:
    """Call once the full-text index holds exactly what the catalog holds (commits)."""
    catalog.set_meta(STATE_KEY, CLEAN)
    catalog.set_meta(DOCUMENTS_KEY, str(catalog.document_count()))
    generation = catalog.get_meta(GENERATION_KEY) or "0"
    catalog.set_meta(GENERATION_KEY, str(int(generation) + 1 if generation.isdigit() else 1))
    catalog.commit()


def record_run(catalog: Catalog, did: str, **details) -> None:
    """Keep what a run did (``casework status`` shows it); committed with the next commit."""
    run = {"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "did": did, **details}
    catalog.set_meta(LAST_RUN_KEY, json.dumps(run, ensure_ascii=False, sort_keys=True))


@contextlib.contextmanager
def without_collector():
    """Resolution and the re-scan make ~10^5 tuples, dicts and Counters a run, none of them in
    a cycle: the cyclic collector's passes they set off (each also walking the caches a
    watcher keeps between changes) were ~25% of a watcher's change at 6,000 articles. What
    they free goes by reference counts; the collector runs again after."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _touched(before: dict[str, str], after: dict[str, str]) -> set[str]:
    return {e for e in set(before) | set(after) if before.get(e) != after.get(e)}


def resolve_and_sync(
    index_dir: IndexDir,
    catalog: Catalog,
    *,
    rescan: bool = False,
    first_build: bool = False,
    notify: ProgressFn = _quiet,
    procs: int = 1,
    resolve_entities: bool = True,
    merge: bool = True,
) -> int:
    """Resolve entities over the whole catalog, then bring the full-text index in line.

    Without ``resolve_entities`` (nothing changed) only the full-text index is checked. ``rescan`` also finds, in every document, names the model missed (recall.py). On a
    ``first_build`` every document is written anyway, so nothing is flagged per entity (a
    statement per entity took 5 s at 20,000 articles). ``merge=False``: the full-text write
    merges no segments (:func:`merge_fulltext` does, later). Returns the documents written.
    """
    if resolve_entities:
        # a resolution going on from its kept state says itself which entities it changed;
        # otherwise their signatures are compared, before and after
        before = None if first_build or catalog.has_resolved_state() \
            else catalog.entity_signatures()
        if rescan:  # the watch list's names, marked before resolution joins them
            recall.find_watched(catalog, watchlist.load(watchlist.path_in(index_dir.path)),
                                notify)
        notify(Progress("resolve", 0, 1))
        read = resolve.Totals()
        with without_collector():
            touched = resolve.resolve(catalog, count=not rescan, read=read)
            if rescan:
                notify(Progress("rescan", 0, 1))
                recall.rescan(catalog, read)  # names the model missed: they count, not vote
                resolve.map_found(catalog)  # as the next resolution would have mapped them
                resolve.recount(catalog)  # once, after the re-scan (resolve left the counts)
        if not first_build:
            if touched is None:
                touched = _touched(before or {}, catalog.entity_signatures())
            # committed with the new entities, so a run killed before the full-text write
            # still knows which documents the full-text index holds under old names
            catalog.mark_mentioning_stale(touched)
        catalog.commit()
    fulltext = open_fulltext(index_dir.fulltext)
    try:
        written = sync_fulltext(catalog, fulltext, notify, procs=procs, merge=merge)
    finally:
        fulltext.close()
    mark_clean(catalog)
    return written


# A text over this many bytes of UTF-8 (so over PIECE_CHARS characters) is given to the
# full-text write as a LongText
LONG_BODY_BYTES = 4 * PIECE_CHARS

# Up to this many documents to write, EntityFieldValues reads the entities they mention only.
LAZY_ENTITY_NAMES = 200


def sync_fulltext(catalog: Catalog, fulltext: FulltextIndex, notify: ProgressFn = _quiet,
                  procs: int = 1, merge: bool = True) -> int:
    """Write the documents the catalog flags (new, changed, or whose entities changed) and any
    the full-text index lacks; delete those the catalog no longer holds."""
    in_fulltext = fulltext.doc_ids()
    in_catalog = catalog.doc_ids()
    stale = catalog.fulltext_pending() | (in_catalog - in_fulltext)
    deletes = in_fulltext - in_catalog
    if not stale and not deletes:
        # an index written before postings files existed gets them on any run: one stat per
        # segment when it has them
        fulltext.upkeep()
        return 0
    total = len(stale)
    shas: dict[str, str] = {}
    # a few documents (a watcher's change) read only the entities they mention
    field_values = EntityFieldValues(catalog, lazy=total <= LAZY_ENTITY_NAMES)

    def entries() -> Iterator[FulltextEntry]:
        for i, doc_id in enumerate(sorted(stale)):
            # a long text is given to Whoosh as a way to read it a piece at a time: read
            # whole, it was a str of 400-800 MB at the 200 MB cap, and SQLite's copy of it
            read = catalog.long_text(doc_id, LONG_BODY_BYTES)
            row = catalog.document_row(doc_id) if read is None \
                else catalog.document_row_but_text(doc_id)
            if row is None:
                continue
            shas[doc_id] = row["sha256"]
            if i % 100 == 0:
                notify(Progress("store", i, total, path=row["relpath"]))
            yield fulltext_entry(row, field_values(doc_id),
                                 body=None if read is None else LongText(read))

    def written(entry: FulltextEntry) -> None:
        # the sha read with the row above: reading the row again fetched the whole text twice
        catalog.set_ft_hash(entry.doc_id, entry.fingerprint(shas.pop(entry.doc_id)))

    n = fulltext.index(entries(), sorted(deletes), big=total >= BIG_BUILD, on_written=written,
                       procs=procs, merge=merge)
    catalog.commit()
    return n


def fulltext_entry(row, entities: dict[str, list[str]],
                   body: LongText | None = None) -> FulltextEntry:
    """What the full-text index holds of a catalog row: its words, entity names and metadata
    (the format's, and an e-mail's headers). A file on disk whose format names no modified
    date is modified when the file was."""
    meta = json.loads(row["metadata"] or "{}")
    email = meta.get("email") or {}

    def text(value) -> str:
        return value if isinstance(value, str) else ""

    def texts(value) -> tuple[str, ...]:
        return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()

    modified = text(meta.get("modified"))
    if not modified and not row["depth"] and row["mtime"] > 0:
        modified = time.strftime("%Y-%m-%d", time.gmtime(row["mtime"]))
    return FulltextEntry(
        doc_id=row["doc_id"],
        path=row["path"],
        title=row["title"],
        body=row["text"] if body is None else body,
        entities=entities,
        author=text(meta.get("author")),
        subject=text(email.get("subject")),
        sender=text(email.get("from_")),
        to=texts(email.get("to")),
        cc=texts(email.get("cc")),
        kind=kind_of(row["content_type"], row["path"]),
        content_type=row["content_type"],
        created=text(meta.get("created")) or text(email.get("date")),
        modified=modified,
        message_id=text(email.get("message_id")),
        in_reply_to=text(email.get("in_reply_to")),
    )


def repair(index_dir: IndexDir) -> None:
    """Finish what an interrupted run left. Raises IndexBusy if another process is writing."""
    with WriteLock(index_dir):
        catalog = Catalog(index_dir.catalog)
        try:
            # an index run killed in resolution or the re-scan left both undone: the re-scan
            # is redone here too (it was skipped, and the next run found nothing to redo)
            resolve_and_sync(index_dir, catalog, rescan=True,
                             resolve_entities=catalog.get_meta(STATE_KEY) == UPDATING)
        finally:
            catalog.close()


def merge_fulltext(index_dir: IndexDir) -> bool:
    """Merge the full-text index's small segments as a commit would have: a watcher writes
    each change unmerged and merges here, while nothing changes. Returns whether it merged;
    raises IndexBusy if another process is writing."""
    with WriteLock(index_dir):
        fulltext = open_fulltext(index_dir.fulltext)
        try:
            return fulltext.merge_small()
        finally:
            fulltext.close()


def curate(index_dir: IndexDir, catalog: Catalog, op: str, entity: str | None = None,
           value: str | None = None) -> str:
    """Record one judgement (or undo the last), then re-resolve and re-sync; says what it did.

    Holds the index's write lock throughout, so it never races an indexing run.
    """
    with WriteLock(index_dir):
        done = curation.judge(catalog, op, entity, value)
        mark_updating(catalog)
        resolve_and_sync(index_dir, catalog)
    return done


def import_watchlist(index_dir: IndexDir, catalog: Catalog, entries: list[dict],
                     notify: ProgressFn = _quiet) -> None:
    """Add a watch list's entries to the case's (watchlist.jsonl), then mark their names in
    every document, resolve and re-sync. Importing the same list again writes nothing. Holds
    the write lock throughout, so an indexing run never reads half a list."""
    with WriteLock(index_dir):
        path = watchlist.path_in(index_dir.path)
        before = watchlist.load(path)
        merged = watchlist.save(path, entries)
        if merged == before and catalog.watch_forms() == set(watchlist.forms(merged)):
            return  # the same list, already marked
        mark_updating(catalog)
        record_run(catalog, "imported a watch list", entries=len(merged))
        catalog.commit()
        resolve_and_sync(index_dir, catalog, rescan=True, notify=notify)


def forget(index_dir: IndexDir, catalog: Catalog, path: str, sep: str, ipath_sep: str) -> int:
    """Remove the documents of a folder or file (and what was found inside it), then
    re-resolve and re-sync; returns how many were removed (0: nothing was there, nothing
    written). Holds the write lock throughout."""
    with WriteLock(index_dir):
        gone = catalog.doc_ids_under(path, sep, ipath_sep)
        if not gone:
            return 0
        mark_updating(catalog)
        catalog.delete_documents(gone)
        record_run(catalog, f"forgot {path}", removed=len(gone))
        catalog.commit()
        resolve_and_sync(index_dir, catalog)
    return len(gone)
