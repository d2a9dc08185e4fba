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
from contextlib import closing, nullcontext
from pathlib import Path
from typing import Iterator, Sequence

from casework.index import dates, entities, ingest, patterns, resolve, store, sync, watchlist
from casework.index.catalog import MODEL_KEY, STATE_KEY, UPDATING, AnnotationCache, Catalog
from casework.index.catalog.documents import StoredAt, word_count
from casework.index.cluster import DaskAnnotator  # imports Dask only when it annotates
from casework.index.errors import CaseworkError
from casework.index.fulltext import create_fulltext
from casework.index.models import IndexReport, Progress, SourceFile, Span
from casework.index.nlp import Annotator, SpacyAnnotator, split_pieces
from casework.index.span_array import SpanArray, as_sorted
from casework.index.store import IndexDir, WriteLock
from casework.index.sync import ProgressFn

_COMMIT_EVERY = 200
# The NER cache is also committed this often, so a run killed half-way resumes from there.
_CACHE_COMMIT_S = 5.0


def build(
    index_dir: IndexDir,
    paths: list[Path],
    *,
    rebuild: bool = False,
    jobs: int = 1,
    model: str | None = None,
    annotator: Annotator | None = None,
    cluster: str | None = None,
    progress: ProgressFn | None = None,
    include: list[str] | None = None,
    exclude: list[str] | None = None,
    limits: ingest.Limits | None = None,
    changed: Sequence[Path] | None = None,
    merge: bool = True,
) -> IndexReport:
    """Index ``paths`` (files or folders) into ``index_dir``; returns what was done.

    ``changed``: the only files that can differ from what the index holds (a watcher is told
    which changed): only these are looked at, and ``report.unchanged`` counts only them. A
    folder among them (made, moved in, renamed) or a path under none of ``paths`` makes it a
    full scan, as without them.

    ``include`` / ``exclude``: glob patterns (ingest.Globs); ``limits``: the time limit and
    memory cap of extracting one file (ingest.Limits).
    ``cluster`` (``tcp://HOST:PORT`` or ``local:N``) runs NER on Dask workers instead of here.
    ``merge=False`` leaves the full-text index's small segments as they are (a watcher merges
    them while nothing changes: sync.merge_fulltext).
    """
    # Stored paths are absolute (symlinks kept as given), so an index built from `casework
    # index docs/` still finds, re-scans and opens its files from any working directory.
    paths = absolute_paths(paths)
    if index_dir.has_foreign_content() or (index_dir.exists() and not rebuild):
        index_dir.check()  # a foreign directory is never written to; an old schema needs --rebuild
    elif rebuild and index_dir.exists():
        index_dir.check_replaceable()  # ours (any schema), and nothing of anyone else's inside
    if annotator is None and cluster:
        annotator = DaskAnnotator(cluster, model=model)
    annotator = annotator or SpacyAnnotator(model=model, jobs=jobs)
    started = time.monotonic()
    reading = _Reading(ingest.Globs.of(include, exclude), ingest.Reader(limits or ingest.Limits()))
    with WriteLock(index_dir), reading.reader:
        _keep_annotations_of_leftovers(index_dir)
        store.remove_leftovers(index_dir)
        if rebuild and index_dir.exists():
            report = _rebuild_beside(index_dir, paths, annotator, progress, jobs, reading)
        else:
            index_dir.create(create_fulltext)
            report = _update(index_dir, paths, annotator, progress, jobs, reading,
                             _only_changed(paths, changed), merge=merge)
    report.seconds = round(time.monotonic() - started, 3)
    report.index = str(index_dir.path)
    return report


def absolute_paths(paths: Sequence[Path]) -> list[Path]:
    """``paths`` made absolute (symlinks kept as given); CaseworkError naming the first that
    does not exist."""
    paths = [Path(os.path.abspath(p)) for p in paths]
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise CaseworkError(f"no such file or folder: {ingest.display_path(missing[0])}")
    return paths


@dataclasses.dataclass
class _Reading:
    """How this run finds and reads files, and which documents each file on disk gave."""

    globs: ingest.Globs
    reader: ingest.Reader
    # file on disk -> paths of the documents found inside it this run (attachments, members)
    children: dict[str, set[str]] = dataclasses.field(default_factory=dict)


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
    jobs: int, reading: _Reading,
) -> IndexReport:
    """Build a fresh index next to the live one, then swap it in; searches never see half.

    The swap is one atomic exchange of the two directories (store.swap_dirs); the old index
    ends up at the fresh one's path and is removed. A rebuild killed before the swap leaves the
    live index untouched and a hidden sibling that the next run removes.
    """
    fresh = store.rebuild_dir_for(live)
    if fresh.path.exists():
        shutil.rmtree(fresh.path)
    fresh.create(create_fulltext)
    if live.annotations.exists():
        _copy_annotations(live, fresh)
    # the reader's curation and watch list are data, not derived, and shape the entities the
    # build makes: they survive, copied before it
    for name in ("curation.jsonl", watchlist.FILE):
        if (live.path / name).exists():
            shutil.copy2(live.path / name, fresh.path / name)
    report = _update(fresh, paths, annotator, progress, jobs, reading)
    # the reader's marks, saved searches, history and watch list are data too; copied last,
    # so a tag or note written while the rebuild ran is not left behind
    for name in store.READER_FILES:
        if (live.path / name).exists():
            shutil.copy2(live.path / name, fresh.path / name)
    store.swap_dirs(fresh.path, live.path)
    shutil.rmtree(fresh.path, ignore_errors=True)  # the old index, now at the fresh path
    return report


def _copy_annotations(live: IndexDir, fresh: IndexDir) -> None:
    """Carry the NER cache over; a damaged cache is only a cache, so start without it."""
    if not AnnotationCache.copy_file(live.annotations, fresh.annotations):
        fresh.annotations.unlink(missing_ok=True)


def _only_changed(paths: list[Path], changed: Sequence[Path] | None) -> list[Path] | None:
    """The changed paths a run may look at alone, or None: scan everything. A folder changed
    (made, moved in, renamed: what is under it was never announced file by file) or a path
    under none of ``paths`` is a full scan."""
    if changed is None:
        return None
    out = []
    for path in changed:
        path = Path(os.path.abspath(path))
        if path.is_dir() or not any(path == given or given in path.parents for given in paths):
            return None
        out.append(path)
    return out


def _update(
    index_dir: IndexDir, paths: list[Path], annotator: Annotator, progress: ProgressFn | None,
    jobs: int, reading: _Reading, only: list[Path] | None = None, merge: bool = True,
) -> IndexReport:
    report = IndexReport()
    notify = progress or (lambda p: None)
    catalog = Catalog(index_dir.catalog)
    cache = AnnotationCache(index_dir.annotations)
    try:
        # a run killed after storing its documents but before resolving them left "updating":
        # this run resolves even if it finds nothing new (it used to skip, and stayed stale)
        interrupted = catalog.get_meta(STATE_KEY) == UPDATING
        sync.mark_updating(catalog)
        stored = None if only is None else _stored_at(catalog, only)
        to_read, seen_by_root = _scan(catalog, paths, report, notify, reading.globs, only,
                                      stored)
        if len(to_read) > resolve.BULK_STORE:  # stored without the totals' triggers, then
            catalog.drop_resolved_state()  # resolved in full (which keeps them again)
        _annotate_and_store(catalog, cache, annotator, to_read, report, notify, reading)
        _remove_deleted(catalog, seen_by_root, report, reading.children, stored)
        written = report.added + report.updated
        sync.resolve_and_sync(
            index_dir, catalog, notify=notify, procs=jobs, rescan=True,
            # a file turned into a copy of another may have taken its old document with it
            resolve_entities=bool(written + report.removed + report.copies) or interrupted,
            # a first build has nothing in the full-text index to flag per entity
            first_build=written >= catalog.document_count(),
            merge=merge,
        )
        report.documents = catalog.document_count()
        report.entities, report.mentions = catalog.entity_and_mention_counts()
        catalog.set_meta(MODEL_KEY, annotator.identity)
        sync.record_run(catalog, "index", folders=[str(p) for p in paths], added=report.added,
                        updated=report.updated, removed=report.removed,
                        unchanged=report.unchanged, failed=len(report.failed))
        catalog.commit()
        notify(Progress("done", report.documents, report.documents, report.words))
    finally:
        catalog.close()
        cache.close()
    return report


def _stored_at(catalog: Catalog, only: list[Path]) -> StoredAt:
    """What the catalog holds at these paths: the files, what was under them as folders and
    what was found inside them."""
    shown = [ingest.display_path(p) for p in only]
    return catalog.stored_at(shown, [p + os.sep for p in shown]
                             + [p + ingest.IPATH_SEP for p in shown])


def _scan(
    catalog: Catalog, paths: list[Path], report: IndexReport, notify: ProgressFn,
    globs: ingest.Globs = ingest.Globs(), only: list[Path] | None = None,
    stored: StoredAt | None = None,
) -> tuple[list[ingest.Candidate], dict[str, set[str]]]:
    """Find candidates (``only`` these files, if given, with what the catalog holds of them,
    ``stored``); return those that must be read, and every path seen under each root."""
    to_read: list[ingest.Candidate] = []
    seen_by_root: dict[str, set[str]] = {}
    for given in paths:
        if given.is_dir():
            seen_by_root.setdefault(ingest.display_path(given), set())
    # one query for every stored file's size and mtime: a lookup per file was ~30% of an
    # unchanged re-index at 20,000 documents
    if only is None or stored is None:
        known = catalog.sizes_and_mtimes()
        items = ingest.scan(paths, globs)
    else:
        known = stored.sizes
        items = ingest.scan_changed(paths, [p for p in only if os.path.lexists(p)], globs)
    n = 0
    for item in items:
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


def _derived(text: str, spans, mtime: float, metadata: dict):
    """What a document's rows are made of beside its text: its spans with the patterns'
    (e-mail addresses, phone numbers ...), its mentions, dates and sums of money."""
    spans = patterns.merge(spans, patterns.find(text))
    return (spans, entities.mentions_for(text, spans),
            dates.extract_dates(text, spans, mtime, metadata), dates.extract_money(text, spans))


_SAMPLE = ("Maria Costa of Meridian Advisory Ltd. met officials in Lisbon on 3 March 2025 and "
           "again last Tuesday, and paid $1,000. Call +1 202 555 0143 or write to "
           "m.costa@example.com.")


def warm(annotator: Annotator) -> None:
    """Load what annotating and storing the first document loads (the model, dateparser and
    its patterns, phonenumbers: ~2 s, ~0.2 s of it after the model), for a long-lived process
    while nothing changes."""
    for _, spans in annotator.annotate([("", _SAMPLE)]):
        _derived(_SAMPLE, spans, 0.0, {})
    dates.warm()


def _annotate_and_store(
    catalog: Catalog,
    cache: AnnotationCache,
    annotator: Annotator,
    to_read: list[ingest.Candidate],
    report: IndexReport,
    notify: ProgressFn,
    reading: _Reading,
) -> None:
    inflight: dict[str, _Inflight] = {}
    done = 0
    total = len(to_read)
    words_in_ner = 0  # words of the chunks of long documents annotated so far
    in_ner: set[str] = set()  # content hashes out for NER
    waiting_copies: dict[str, list[SourceFile]] = {}  # the same content at other paths

    stored_last = 0  # `done` when stored() last said so

    def stored(src: SourceFile, spans: Sequence[Span] | _Handed) -> None:
        nonlocal done, words_in_ner, stored_last
        if isinstance(spans, _Handed):
            spans = spans.pop()
        is_new = not catalog.doc_id_taken(src.doc_id)
        # the row first: SQLite's two copies of a long text (~400 MB at the 200 MB cap) are
        # gone before the mentions are made
        catalog.put_document_row(src)
        spans, mentions, dated, money = _derived(src.text, spans, src.mtime, src.metadata)
        catalog.put_mentions(src.doc_id, mentions)
        catalog.put_dated(src.doc_id, dated, money)
        resolve.store_hints(catalog, src.doc_id, src.text, mentions, spans)
        if is_new:
            report.added += 1
        else:
            report.updated += 1
        done += 1
        report.words += word_count(src.text)
        words_in_ner = 0
        if done % _COMMIT_EVERY == 0:
            catalog.commit()
            cache.commit()
        notify(Progress("annotate", done, total, report.words, src.relpath))
        stored_last = done

    requested: set[str] = set()  # content hashes a cluster worker was asked to annotate

    def wanted(sha256: str) -> bool:
        """Whether a cluster worker that extracts a file should also annotate it: only when
        a local run would send it to NER (this is checked again when the answer comes)."""
        if sha256 in requested or sha256 in in_ner \
                or cache.has(sha256, annotator.identity) \
                or catalog.document_with_sha256(sha256) is not None:
            return False
        requested.add(sha256)
        return True

    def reads() -> Iterator[tuple[ingest.Candidate, ingest.Read, list[Span] | None]]:
        """Each file's Read in order, extracted here or, on a cluster, by its workers, who
        also annotate each file's own document when ``wanted`` (those spans come along)."""
        if isinstance(annotator, DaskAnnotator):
            yield from annotator.read(to_read, reading.reader.limits, reading.reader.caps,
                                      wanted, SPLIT_CHARS, count=len(to_read))
            return
        for cand in to_read:
            yield cand, reading.reader.read(cand), None

    def needing_ner() -> Iterator[tuple[str, str]]:
        nonlocal done, total
        for cand, got, given in reads():
            read = _settle(cand, got, catalog, report, reading)
            if not read:
                done += 1
                continue
            # the spans a cluster worker found for the file's own document, by its hash
            ready = {read[0][0].sha256: given} if given is not None else {}
            total += len(read) - 1  # what was found inside the file counts as well
            for src, existing in read:
                if existing is not None and existing["sha256"] == src.sha256:
                    catalog.touch(existing["doc_id"], src.mtime)
                    report.unchanged += 1
                    done += 1
                    continue
                if src.sha256 in in_ner:  # the same content as a document still out for NER
                    waiting_copies.setdefault(src.sha256, []).append(src)
                    continue
                if _stored_as_copy(catalog, src):
                    report.copies += 1
                    done += 1
                    continue
                spans = cache.get(src.sha256, annotator.identity)
                if spans is not None:
                    stored(src, spans)
                    continue
                spans = ready.pop(src.sha256, None) if not src.container else None
                if spans is not None:  # annotated where it was extracted
                    cache.put(src.sha256, annotator.identity, spans)
                    stored(src, spans)
                    now_and_then()
                    continue
                in_ner.add(src.sha256)
                if len(src.text) <= SPLIT_CHARS:
                    inflight[src.doc_id] = _Inflight(src, 1)
                    yield src.doc_id, ingest.ner_text(src)
                    continue
                # a long document goes to NER in chunks, each its own item: they spread over
                # --jobs processes (or cluster workers), each is cached by its own hash so a
                # killed run resumes from the last chunk, and progress moves with each one.
                # The chunks are cut as NER takes them, not listed first: a list of them was
                # a second copy of the text, held here and in each spaCy worker forked while
                # it was alive (50 MB file: ~150 MB of the peak summed over the processes).
                job = inflight[src.doc_id] = _Inflight(src, None)
                chunks = split_pieces(ingest.ner_piece(src), len(src.text), NER_CHUNK_CHARS)
                for n, (offset, chunk, last) in enumerate(chunks, 1):
                    if last:  # before its chunk goes out: its answer may complete the document
                        job.pieces = n
                    key = hashlib.sha256(chunk.encode("utf-8", "surrogatepass")).hexdigest()
                    cached = cache.get(key, annotator.identity)
                    if cached is not None:  # annotated by a run that was killed
                        job.add_chunk(offset, key)
                        continue
                    job.chunk_keys[f"{src.doc_id}{_CHUNK_SEP}{offset}"] = (key, word_count(chunk))
                    yield f"{src.doc_id}{_CHUNK_SEP}{offset}", chunk
                del chunks, chunk
                if src.doc_id in inflight and job.complete():  # its last chunks were cached
                    finished(inflight.pop(src.doc_id))

    def finished(job: _Inflight) -> None:
        nonlocal done
        in_ner.discard(job.src.sha256)
        # held in a list that stored() empties: no name here keeps them once they are merged
        # with the pattern finds (a long text's spans: ~70 MB at the 200 MB cap)
        box = _Handed([as_sorted(job.gather(cache, annotator.identity))])
        # a long document's chunks stay in the cache as its answer (the next run that needs it
        # cuts the same chunks and finds each): one entry for the whole was its spans as JSON,
        # a list of lists, then a string, then SQLite's copy of it (~4 M spans at the 200 MB
        # cap), all held at once
        if not job.chunks:
            cache.put(job.src.sha256, annotator.identity, box[0])
        stored(job.src, box)
        for copy in waiting_copies.pop(job.src.sha256, ()):
            if _stored_as_copy(catalog, copy):
                report.copies += 1
                done += 1

    last_commit = time.monotonic()

    def now_and_then() -> None:
        nonlocal last_commit
        if time.monotonic() - last_commit > _CACHE_COMMIT_S:
            cache.commit()  # a kill -9 loses at most this much NER
            last_commit = time.monotonic()

    texts = needing_ner()
    # a cluster's client (and local cluster) lasts for reading and NER alike, and is closed
    # here, before resolution, whichever way this ends
    session = annotator.session() if isinstance(annotator, DaskAnnotator) else nullcontext()
    with session, closing(texts):
        try:
            first = next(texts, None)  # so spaCy is loaded only if something needs annotating
        finally:
            cache.commit()  # what a cluster annotated as it extracted is kept, whatever stops it
        if first is not None:
            try:
                for key, spans in annotator.annotate(itertools.chain([first], texts)):
                    doc_id, _, offset = key.partition(_CHUNK_SEP)
                    job = inflight[doc_id]
                    if offset:
                        chunk_key, words = job.chunk_keys.pop(key)
                        cache.put(chunk_key, annotator.identity, spans)
                        job.add_chunk(int(offset), chunk_key)
                        cache.commit()  # a chunk is ~1 s of NER: a kill loses no more than one
                        words_in_ner += words
                        notify(Progress("annotate", done, total, report.words + words_in_ner,
                                        job.src.relpath))
                    else:
                        job.add(0, spans)
                    if job.complete():
                        finished(inflight.pop(doc_id))
                    now_and_then()
            finally:
                cache.commit()  # interrupted (Ctrl-C, an error): what was annotated is kept
    if total and done == total and stored_last != done:
        # the last files counted were copies or unchanged, which say nothing as they pass (a
        # cluster stores as it reads, so it meets them last more often): the bar ends full
        notify(Progress("annotate", done, total, report.words))
    catalog.commit()
    cache.commit()


# Longer texts go to NER in chunks of their own (see needing_ner); nlp.py still cuts any text
# it is given at nlp.CHUNK_CHARS for spaCy's max_length. A batch of 16 chunks of 50,000
# characters held 600-900 MB in each spaCy worker; chunks of 10,000 are a batch of news
# articles' size (FIELD-NOTES: 16-32 articles stay near 300 MB a process).
SPLIT_CHARS = 200_000
NER_CHUNK_CHARS = 10_000
_CHUNK_SEP = "\x00"


class _Handed(list):
    """A document's spans in a list of one that stored() empties, so that the caller keeps
    no reference to them once they are replaced there."""


@dataclasses.dataclass
class _Inflight:
    """A document out for NER: its spans gathered chunk by chunk, offsets rebased."""

    src: SourceFile
    pieces: int | None  # None while its chunks are still being cut
    spans: list[Span] = dataclasses.field(default_factory=list)  # a document sent whole
    answered: int = 0
    # item key -> (cache key, words) of each chunk out for NER
    chunk_keys: dict[str, tuple[str, int]] = dataclasses.field(default_factory=dict)
    # (offset, cache key) of each chunk answered: its spans wait in the NER cache, not here,
    # until the document is complete; held here they grew with the text all through NER, in
    # the parent and (counted again in their RSS) in every spaCy worker forked after them
    chunks: list[tuple[int, str]] = dataclasses.field(default_factory=list)

    def add(self, offset: int, spans: list[Span]) -> None:
        self.answered += 1
        self.spans.extend(spans)

    def add_chunk(self, offset: int, cache_key: str) -> None:
        self.answered += 1
        self.chunks.append((offset, cache_key))

    def gather(self, cache: AnnotationCache, identity: str) -> Sequence[Span]:
        """The document's spans, its chunks' read back from the cache, offsets rebased, into
        a SpanArray (a list of Span objects was ~200 bytes a span; see span_array.py)."""
        if not self.chunks:
            return self.spans
        out = SpanArray(long_text=len(self.src.text) >= 2**31)
        for offset, key in sorted(self.chunks):
            out.extend(cache.get(key, identity) or (), offset)
        return out

    def complete(self) -> bool:
        return self.answered == self.pieces


def _stored_as_copy(catalog: Catalog, src: SourceFile) -> bool:
    """Content already stored under another path is not stored twice: this path becomes a copy
    of that document (``show`` lists it; search finds the one document)."""
    same = catalog.document_with_sha256(src.sha256)
    if same is None or same["path"] == src.path:
        return False
    catalog.put_copy(src.path, same["doc_id"], src.root, src.relpath, src.size, src.mtime)
    return True


def _settle(
    cand: ingest.Candidate, read: ingest.Read, catalog: Catalog, report: IndexReport,
    reading: _Reading,
) -> list[tuple[SourceFile, sqlite3.Row | None]]:
    """The documents read from a file (the file, then what is inside it), each with its doc id
    settled and the stored row for its path (if any); skips and failures go to the report."""
    report.skipped.extend({"path": s.path, "reason": s.reason} for s in read.skipped)
    report.failed.extend({"path": f.path, "error": f.error} for f in read.failed)
    if not read.failed or read.sources:
        reading.children[cand.display_path] = {s.path for s in read.sources if s.container}
    settled = [_settled(src, catalog) for src in read.sources]
    ids = {src.path: src.doc_id for src, _ in settled}  # a parent comes before its children
    return [(dataclasses.replace(src, parent_id=ids.get(src.parent, "")) if src.parent else src,
             row) for src, row in settled]


def _settled(src: SourceFile, catalog: Catalog) -> tuple[SourceFile, sqlite3.Row | None]:
    existing = catalog.document_by_path(src.path)
    if existing is not None and existing["sha256"] != src.sha256 \
            and catalog.promote_copy(existing["doc_id"]) is not None:
        # its old content lives on at a copy's path, under its id: this content is new
        existing = None
    if existing is not None:
        return dataclasses.replace(src, doc_id=existing["doc_id"]), existing
    if catalog.doc_id_taken(src.doc_id):
        longer = hashlib.sha1(f"{src.relpath}\x00{src.path}".encode()).hexdigest()[:12]
        return dataclasses.replace(src, doc_id=longer), None
    return src, None


def _remove_deleted(catalog: Catalog, seen_by_root: dict[str, set[str]], report: IndexReport,
                    children: dict[str, set[str]] | None = None,
                    stored: StoredAt | None = None):
    """Documents under an indexed folder whose files are gone. Unreadable files are kept.
    With ``stored`` (a run told which files changed), only those stored files are looked at.

    A document found inside a file ("mail.eml//a.pdf") goes with its file, and when its file
    was read again this run and no longer holds it."""
    children = children or {}
    failed = {f["path"] for f in report.failed}
    # under a folder that could not be listed this time, files are unknown, not gone
    failed_dirs = tuple(f + os.sep for f in failed)

    def is_gone(path: str, seen: set[str]) -> bool:
        if path in seen or path in failed or path.startswith(failed_dirs):
            return False
        container = path.split(ingest.IPATH_SEP, 1)[0]
        if container != path:
            if container in children:
                return path not in children[container]
            if container in seen or container in failed:
                return False
            path = container
        return not os.path.lexists(path)

    copies_under, paths_under = catalog.copies_under, catalog.paths_under
    if stored is not None:
        def copies_under(root: str) -> dict[str, str]:
            return {p: d for p, (d, r) in stored.copies.items() if r == root}

        def paths_under(root: str) -> dict[str, str]:
            return {p: d for p, (d, r) in stored.documents.items() if r == root}

    gone, gone_copies = [], []
    for root, seen in seen_by_root.items():
        gone_copies.extend(p for p in copies_under(root) if is_gone(p, seen))
    catalog.delete_copies(gone_copies)  # before a gone document moves to one of its copies
    for root, seen in seen_by_root.items():
        for path, doc_id in paths_under(root).items():
            # a document whose path is gone lives on at a copy's path, if it has one
            if is_gone(path, seen) and catalog.promote_copy(doc_id) is None:
                gone.append(doc_id)
    catalog.delete_documents(gone)
    report.removed += len(gone)
