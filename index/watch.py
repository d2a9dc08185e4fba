"""Keep an index in step with folders as files change (``casework watch``).

watchfiles (1.3.0) hands over one batch of changes per burst (~750 file operations arrived as
one batch 70-90 ms after the last, where watchdog gave 3,910 callbacks to merge), and each
batch is an incremental run that looks only at the paths it names (indexer.build's
``changed``): listing 20,000 files again was ~0.4 s CPU of each change. A folder among them
(made, moved or renamed: its files are not announced one by one) makes that run a full scan.
The watch starts before the first index run, so a file changed while that run goes on is
announced like any other (the first change after the start was a full scan for want of it).
Deleted files are removed, and the one write sequence (sync.py) runs as for ``casework
index``. The annotator is made once and loaded before the watcher says it is watching, so
spaCy loads once for the whole session and no change waits for it; so are the hints resolution
reads (hint_totals), which each run then brings up to date, and the resolution's kept values
(resolve.warm).
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import threading
from pathlib import Path
from typing import Callable

from casework.index import hint_totals, indexer, recall, resolve
from casework.index.catalog import Catalog
from casework.index.errors import CaseworkError, IndexBusy
from casework.index.indexer import absolute_paths, build
from casework.index.models import IndexReport
from casework.index.store import IndexDir
from casework.index.sync import merge_fulltext, without_collector

# watchfiles.watch's defaults: a burst ends after 50 ms without a change, or after 1.6 s
_DEBOUNCE_MS, _STEP_MS, _TIMEOUT_MS = 1600, 50, 5000


def watch(index_dir: IndexDir, paths: list[Path], *, model: str | None = None,
          on_report: Callable[[IndexReport, list[str]], None],
          on_busy: Callable[[str], None] = lambda message: None,
          annotator=None, stop_event=None, **build_options) -> None:
    """Index ``paths`` now, then again after each burst of changes under them, until
    ``stop_event`` is set or Ctrl+C (KeyboardInterrupt, which is the caller's to catch).
    ``on_report(report, changed paths)`` after each run; ``on_busy(message)`` when another
    process holds the write lock (the next burst tries again)."""
    from watchfiles._rust_notify import RustNotify

    from casework.index.nlp import SpacyAnnotator

    paths = absolute_paths(paths)  # watchfiles' own error for a missing one is no sentence
    annotator = annotator or SpacyAnnotator(model=model)
    ignored = _Ignore(index_dir.path, paths)
    # watchfiles.watch() only starts watching when first asked for changes: RustNotify (what
    # it wraps) keeps every event from its making, through the first run below
    with RustNotify([str(p) for p in paths], False, False, 300, True, False) as notify, \
            _finishing(index_dir):
        report = build(index_dir, paths, annotator=annotator, **build_options)
        _ready(index_dir, annotator)
        on_report(report, [])
        # changed paths not yet indexed: a run another process's lock stopped leaves them
        pending: set[str] = set()
        while True:
            _settle()
            raw = notify.watch(_DEBOUNCE_MS, _STEP_MS, _TIMEOUT_MS, stop_event)
            if raw == "signal":
                raise KeyboardInterrupt
            if raw == "stop":
                return
            if raw == "timeout":
                continue
            changed = sorted({path for _, path in raw if ignored(path)})
            if not changed:
                continue
            try:
                # the collector waits for _settle: with it on, a change's ~11 collections
                # of the young generation cost ~0.11 s at 20,000 documents (each walking
                # the large containers resolution had just made and kept)
                with without_collector():
                    report = build(index_dir, paths, annotator=annotator,
                                   changed=[Path(p) for p in sorted(pending | set(changed))],
                                   merge=False, **build_options)
            except IndexBusy as exc:
                pending |= set(changed)
                on_busy(str(exc))
                continue
            pending = set()
            on_report(report, changed)
            _merge(index_dir)


def _ready(index_dir: IndexDir, annotator) -> None:
    """Before the watcher says it is watching, what its first change would otherwise wait
    for: the model and what storing a document loads (indexer.warm; a run with nothing to
    annotate never loads the model, and the first change paid its ~1-2 s), the catalog's hints
    kept in memory (each resolution then reads those of the changed documents only:
    hint_totals), the resolution's kept values (resolve.warm), the re-scan's (recall.warm)
    and the full-text segments' words the next commit reads (sync.merge_fulltext)."""
    indexer.warm(annotator)
    catalog = Catalog(index_dir.catalog, readonly=True)
    try:
        hint_totals.keep(catalog)
        resolve.warm(catalog)
        recall.warm(catalog)
    finally:
        catalog.close()
    _merge(index_dir)  # (nothing to merge after a build: what the next commit reads first)


@contextlib.contextmanager
def _finishing(index_dir: IndexDir):
    """However the watch ends (Ctrl+C, a stop, SIGTERM, which stops it as Ctrl+C does), the
    full-text index is left as a commit leaves it: merged, with its spelling vocabulary
    written. A watcher stopped just after a change left that vocabulary due, and the next
    run that wrote wrote it whole: 8 s at 20,000 documents."""
    term = None
    if threading.current_thread() is threading.main_thread():
        term = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        try:
            _merge(index_dir)
        except (OSError, CaseworkError):
            pass  # the next write writes it whole
        finally:
            if term is not None:
                signal.signal(signal.SIGTERM, term)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _merge(index_dir: IndexDir) -> None:
    """The full-text merge a change's commit left (sync.merge_fulltext), once it is reported:
    at one change in four or five it was ~0.7 s of the wait. Another writer's run merges."""
    try:
        merge_fulltext(index_dir)
    except IndexBusy:
        pass


def _settle() -> None:
    """Between runs: what is alive now (the model, the resolution's kept state, tens of
    thousands of objects in no cycle) is left out of the cyclic collector's later passes,
    each of which walked all of it (up to ~0.5 s of a change at 20,000 documents). What the
    last freeze kept is unfrozen and collected first, so a cycle that has since become garbage
    is freed, not kept for the session; this full pass runs while the watch is idle."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class _Ignore:
    """What a walk of the folders would not look at: inside a hidden folder, a hidden file
    (ingest.walk skips them), and the index's own directory when it lies inside a watched
    folder. Whatever else changed is the run's to judge (ingest.scan_changed applies the
    walk's other rules); watchfiles' default filter also dropped node_modules and names
    ending in ``~``, which a full scan indexes."""

    def __init__(self, index_path: Path, roots: list[Path]):
        index_path = Path(os.path.abspath(index_path))
        self._inside = (str(index_path), str(index_path.parent / f".{index_path.name}."))
        self._roots = [str(r) for r in roots]

    def __call__(self, path: str) -> bool:
        if path.startswith(self._inside):
            return False
        for root in self._roots:
            if path == root or path.startswith(root.rstrip(os.sep) + os.sep):
                below = path[len(root):].split(os.sep)
                return not any(part.startswith(".") for part in below)
        return True
