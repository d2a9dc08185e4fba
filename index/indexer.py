"""The write path: scan folders, annotate what changed, store it, resolve entities, sync Whoosh.

Incremental by design: a file whose size and mtime are unchanged is not even read; one whose
content hash is unchanged is not re-annotated; annotations are cached by content hash and model,
so a run killed half-way resumes where it stopped.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import os
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Callable, Iterator

from casework.index import consistency, entities, ingest, recall, resolve, store
from casework.index.catalog import AnnotationCache, Catalog
from casework.index.errors import CaseworkError
from casework.index.fulltext import Fulltext, FulltextEntry
from casework.index.models import IndexReport, Progress, SourceFile, Span
from casework.index.nlp import Annotator, SpacyAnnotator
from casework.index.store import IndexDir, WriteLock

ProgressFn = Callable[[Progress], None]
_COMMIT_EVERY = 200
# The NER cache is also committed this often, so a run killed half-way resumes from there.
_CACHE_COMMIT_S = 5.0
# Above this many documents written in one run, merge Whoosh's segments into one afterwards.
_BIG_BUILD = 1000


def build(
    index_dir: IndexDir,
    paths: list[Path],
    *,
    rebuild: bool = False,
    jobs: int = 1,
    model: str | None = None,
    annotator: Annotator | None = None,
    progress: ProgressFn | None = None,
) -> IndexReport:
    """Index ``paths`` (files or folders) into ``index_dir``; returns what was done."""
    # Stored paths are absolute (symlinks kept as given), so an index built from `casework
    # index docs/` still finds, re-scans and opens its files from any working directory.
    paths = [Path(os.path.abspath(p)) for p in paths]
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise CaseworkError(f"no such file or folder: {ingest.display_path(missing[0])}")
    if index_dir.has_foreign_content() or (index_dir.exists() and not rebuild):
        index_dir.check()  # a foreign directory is never written to; an old schema needs --rebuild
    elif rebuild and index_dir.exists():
        index_dir.check_replaceable()  # ours (any schema), and nothing of anyone else's inside
    annotator = annotator or SpacyAnnotator(model=model, jobs=jobs)
    started = time.monotonic()
    with WriteLock(index_dir):
        _keep_annotations_of_leftovers(index_dir)
        store.remove_leftovers(index_dir)
        if rebuild and index_dir.exists():
            report = _rebuild_beside(index_dir, paths, annotator, progress, jobs)
        else:
            index_dir.create()
            report = _update(index_dir, paths, annotator, progress, jobs)
    report.seconds = round(time.monotonic() - started, 3)
    report.index = str(index_dir.path)
    return report


def _keep_annotations_of_leftovers(live: IndexDir) -> None:
    """A killed --rebuild's NER results join the live index's cache before its leftovers are
    removed, so the next run resumes where it stopped (they were lost before: at 100,000
    documents that can be an hour of NER)."""
    dead = [p / live.annotations.name for p in store.leftovers(live)]
    dead = [p for p in dead if p.is_file()]
    if not dead or not live.exists():
        return
    cache = AnnotationCache(live.annotations)
    try:
        for path in dead:
            cache.absorb(path)
    finally:
        cache.close()


def _rebuild_beside(
    live: IndexDir, paths: list[Path], annotator: Annotator, progress: ProgressFn | None,
    jobs: int = 1,
) -> IndexReport:
    """Build a fresh index next to the live one, then swap it in; searches never see half.

    The swap is one atomic exchange of the two directories (store.swap_dirs); the old index
    ends up at the fresh one's path and is removed. A rebuild killed before the swap leaves the
    live index untouched and a hidden sibling that the next run removes.
    """
    fresh = store.rebuild_dir_for(live)
    if fresh.path.exists():
        shutil.rmtree(fresh.path)
    fresh.create()
    if live.annotations.exists():
        _copy_annotations(live, fresh)
    judgements = live.path / "curation.jsonl"
    if judgements.exists():  # the reader's curation is data, not derived: it survives
        shutil.copy2(judgements, fresh.path / "curation.jsonl")
    report = _update(fresh, paths, annotator, progress, jobs)
    store.swap_dirs(fresh.path, live.path)
    shutil.rmtree(fresh.path, ignore_errors=True)  # the old index, now at the fresh path
    return report


def _copy_annotations(live: IndexDir, fresh: IndexDir) -> None:
    """Carry the NER cache over; a damaged cache is only a cache, so start without it."""
    try:
        src = sqlite3.connect(f"file:{live.annotations}?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(fresh.annotations)
            src.backup(dst)  # consistent even if the file has a -wal beside it
            dst.close()
        finally:
            src.close()
    except sqlite3.DatabaseError:
        fresh.annotations.unlink(missing_ok=True)


def _update(
    index_dir: IndexDir, paths: list[Path], annotator: Annotator, progress: ProgressFn | None,
    jobs: int = 1,
) -> IndexReport:
    report = IndexReport()
    notify = progress or (lambda p: None)
    catalog = Catalog(index_dir.catalog)
    cache = AnnotationCache(index_dir.annotations)
    try:
        consistency.mark_updating(catalog)
        to_read, seen_by_root = _scan(catalog, paths, report, notify)
        _annotate_and_store(catalog, cache, annotator, to_read, report, notify)
        _remove_deleted(catalog, seen_by_root, report)
        changed = report.added + report.updated + report.removed
        before = _entity_signatures(catalog) if changed else {}
        if changed:
            notify(Progress("resolve", 0, 1))
            entities.resolve(catalog)
            notify(Progress("rescan", 0, 1))
            if recall.rescan(catalog):  # names the model missed: they count, but do not vote
                entities.recount(catalog)
            # a first build (each document written in this run) has nothing in Whoosh to mark:
            # a statement per entity took 5 s at 20,000 articles
            if report.added + report.updated < catalog.document_count():
                consistency.mark_touched_stale(catalog, before)
        catalog.commit()
        sync_fulltext(catalog, Fulltext(index_dir.fulltext), before, notify, procs=jobs)
        consistency.mark_clean(catalog)
        report.documents = catalog.document_count()
        report.entities = catalog.conn.execute("SELECT COUNT(*) FROM entities").fetchone()[0]
        report.mentions = catalog.conn.execute("SELECT COUNT(*) FROM mentions").fetchone()[0]
        notify(Progress("done", report.documents, report.documents, report.words))
    finally:
        catalog.close()
        cache.close()
    return report


def _scan(
    catalog: Catalog, paths: list[Path], report: IndexReport, notify: ProgressFn
) -> tuple[list[ingest.Candidate], dict[str, set[str]]]:
    """Find candidates; return those that must be read, and every path seen under each root."""
    to_read: list[ingest.Candidate] = []
    seen_by_root: dict[str, set[str]] = {}
    for given in paths:
        if given.is_dir():
            seen_by_root.setdefault(ingest.display_path(given), set())
    # one query for every stored file's size and mtime: a lookup per file was ~30% of an
    # unchanged re-index at 20,000 documents
    known = {
        r[0]: (r[1], r[2])
        for r in catalog.conn.execute("SELECT path, size, mtime FROM documents")
    }
    n = 0
    for item in ingest.scan(paths):
        if isinstance(item, ingest.Skipped):
            report.skipped.append({"path": item.path, "reason": item.reason})
            continue
        if isinstance(item, ingest.Unreadable):
            report.failed.append({"path": item.path, "error": item.error})
            continue
        n += 1
        if n % 500 == 0:
            notify(Progress("scan", n, 0, path=item.relpath))
        shown = item.display_path
        root = ingest.display_path(item.root)
        if root in seen_by_root:
            seen_by_root[root].add(shown)
        stored = known.get(shown)
        if stored is not None:
            try:
                st = item.path.stat()
            except OSError:
                to_read.append(item)  # reading will report the error
                continue
            if (st.st_size, st.st_mtime) == stored:
                report.unchanged += 1
                continue
        to_read.append(item)
    return to_read, seen_by_root


def _annotate_and_store(
    catalog: Catalog,
    cache: AnnotationCache,
    annotator: Annotator,
    to_read: list[ingest.Candidate],
    report: IndexReport,
    notify: ProgressFn,
) -> None:
    inflight: dict[str, SourceFile] = {}
    done = 0
    total = len(to_read)

    def stored(src: SourceFile, spans: list[Span]) -> None:
        nonlocal done
        is_new = not catalog.doc_id_taken(src.doc_id)
        mentions = entities.mentions_for(src.text, spans)
        catalog.put_document(src, mentions)
        resolve.store_hints(catalog, src.doc_id, src.text, mentions, spans)
        if is_new:
            report.added += 1
        else:
            report.updated += 1
        done += 1
        report.words += len(src.text.split())
        if done % _COMMIT_EVERY == 0:
            catalog.commit()
            cache.commit()
        notify(Progress("annotate", done, total, report.words, src.relpath))

    def needing_ner() -> Iterator[tuple[str, str]]:
        nonlocal done
        for cand in to_read:
            src, existing = _read(cand, catalog, report)
            if src is None:
                done += 1
                continue
            if existing is not None and existing["sha256"] == src.sha256:
                catalog.touch(existing["doc_id"], src.mtime)
                report.unchanged += 1
                done += 1
                continue
            spans = cache.get(src.sha256, annotator.identity)
            if spans is not None:
                stored(src, spans)
                continue
            inflight[src.doc_id] = src
            yield src.doc_id, src.text

    texts = needing_ner()
    first = next(texts, None)  # so spaCy is loaded only if something needs annotating
    if first is not None:
        last_commit = time.monotonic()
        try:
            for doc_id, spans in annotator.annotate(itertools.chain([first], texts)):
                src = inflight.pop(doc_id)
                cache.put(src.sha256, annotator.identity, spans)
                stored(src, spans)
                if time.monotonic() - last_commit > _CACHE_COMMIT_S:
                    cache.commit()  # a kill -9 loses at most this much NER
                    last_commit = time.monotonic()
        finally:
            cache.commit()  # interrupted (Ctrl-C, an error): what was annotated is kept
    catalog.commit()
    cache.commit()


def _read(
    cand: ingest.Candidate, catalog: Catalog, report: IndexReport
) -> tuple[SourceFile | None, sqlite3.Row | None]:
    """The file as text with its doc id settled, and the stored row for its path (if any)."""
    try:
        src = ingest.read_source(cand)
    except ingest.NotText as exc:
        report.skipped.append({"path": cand.display_path, "reason": str(exc)})
        return None, None
    except OSError as exc:
        report.failed.append({"path": cand.display_path, "error": exc.strerror or str(exc)})
        return None, None
    existing = catalog.document_by_path(src.path)
    if existing is not None:
        return dataclasses.replace(src, doc_id=existing["doc_id"]), existing
    if catalog.doc_id_taken(src.doc_id):
        longer = hashlib.sha1(f"{src.relpath}\x00{src.path}".encode()).hexdigest()[:12]
        return dataclasses.replace(src, doc_id=longer), None
    return src, None


def _remove_deleted(catalog: Catalog, seen_by_root: dict[str, set[str]], report: IndexReport):
    """Documents under an indexed folder whose files are gone. Unreadable files are kept."""
    failed = {f["path"] for f in report.failed}
    # under a folder that could not be listed this time, files are unknown, not gone
    failed_dirs = tuple(f + os.sep for f in failed)
    gone = []
    for root, seen in seen_by_root.items():
        for path, doc_id in catalog.paths_under(root).items():
            if path in seen or path in failed or path.startswith(failed_dirs):
                continue
            if not os.path.lexists(path):
                gone.append(doc_id)
    catalog.delete_documents(gone)
    report.removed += len(gone)


def _entity_signatures(catalog: Catalog) -> dict[str, str]:
    rows = catalog.conn.execute(
        """SELECT e.entity_id, e.name || '|' || e.label || '|' ||
                  COALESCE((SELECT group_concat(text, '|') FROM
                            (SELECT text FROM aliases a WHERE a.entity_id = e.entity_id
                             ORDER BY text)), '')
           FROM entities e"""
    )
    return {r[0]: r[1] for r in rows}


def sync_fulltext(
    catalog: Catalog, fulltext: Fulltext, before: dict[str, str], notify: ProgressFn,
    procs: int = 1,
) -> int:
    """Bring Whoosh in line with the catalog; returns the number of documents written.

    Writes documents that are new or changed (ft_hash NULL), and those that mention an entity
    whose name, label or aliases changed in this run's resolution.
    """
    after = _entity_signatures(catalog) if before else {}
    touched = {e for e in set(before) | set(after) if before.get(e) != after.get(e)}
    stale = {
        r[0] for r in catalog.conn.execute("SELECT doc_id FROM documents WHERE ft_hash IS NULL")
    }
    for entity_id in touched:
        stale.update(
            r[0]
            for r in catalog.conn.execute(
                "SELECT DISTINCT doc_id FROM mentions WHERE entity_id = ?", (entity_id,)
            )
        )
    in_whoosh = fulltext.doc_ids()
    in_catalog = catalog.doc_ids()
    stale |= in_catalog - in_whoosh
    deletes = in_whoosh - in_catalog
    if not stale and not deletes:
        # an index written before postings_file.py gets its files on any run: one stat per
        # segment when it has them
        fulltext.write_common_postings()
        return 0
    total = len(stale)
    shas: dict[str, str] = {}
    field_values = entities.EntityFieldValues(catalog)

    def entries() -> Iterator[FulltextEntry]:
        for i, doc_id in enumerate(sorted(stale)):
            row = catalog.document_row(doc_id)
            if row is None:
                continue
            shas[doc_id] = row["sha256"]
            if i % 100 == 0:
                notify(Progress("store", i, total, path=row["relpath"]))
            yield FulltextEntry(
                doc_id=doc_id,
                path=row["path"],
                title=row["title"],
                body=row["text"],
                entities=field_values(doc_id),
            )

    def written(entry: FulltextEntry) -> None:
        # the sha read with the row above: reading the row again fetched the whole text twice
        catalog.set_ft_hash(entry.doc_id, entry.fingerprint(shas.pop(entry.doc_id)))

    n = fulltext.write(entries(), sorted(deletes), big=total >= _BIG_BUILD, on_written=written,
                       procs=procs)
    catalog.commit()
    return n
