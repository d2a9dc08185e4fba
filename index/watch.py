"""Keep an index in step with folders as files change (``casework watch``).

watchfiles (1.3.0) hands over one batch of changes per burst (~750 file operations arrived as
one batch 70-90 ms after the last, where watchdog gave 3,910 callbacks to merge), and each
batch is an incremental run that looks only at the paths it names (indexer.build's
``changed``): listing 20,000 files again was ~0.4 s CPU of each change. A folder among them
(made, moved or renamed: its files are not announced one by one) makes that run a full scan,
as is the first run after the watcher starts (a file changed while the first index run went
on may have no event of its own). Deleted files are removed, and the one write sequence
(sync.py) runs as for ``casework index``. The annotator is made once, so spaCy loads once for
the whole session.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from casework.index.errors import IndexBusy
from casework.index.indexer import build
from casework.index.models import IndexReport
from casework.index.store import IndexDir


def watch(index_dir: IndexDir, paths: list[Path], *, model: str | None = None,
          on_report: Callable[[IndexReport, list[str]], None],
          on_busy: Callable[[str], None] = lambda message: None,
          annotator=None, stop_event=None, **build_options) -> None:
    """Index ``paths`` now, then again after each burst of changes under them, until
    ``stop_event`` is set or Ctrl+C (KeyboardInterrupt, which is the caller's to catch).
    ``on_report(report, changed paths)`` after each run; ``on_busy(message)`` when another
    process holds the write lock (the next burst tries again)."""
    import watchfiles

    from casework.index.nlp import SpacyAnnotator

    paths = [Path(os.path.abspath(p)) for p in paths]
    annotator = annotator or SpacyAnnotator(model=model)
    on_report(build(index_dir, paths, annotator=annotator, **build_options), [])
    ignored = _Ignore(index_dir.path)
    # changed paths not yet indexed (a run another process's lock stopped leaves them to the
    # next); None: the next run scans everything
    pending: set[str] | None = None
    for changes in watchfiles.watch(*paths, watch_filter=ignored, stop_event=stop_event,
                                    raise_interrupt=True):
        changed = sorted({path for _, path in changes})
        only = None if pending is None else sorted(pending | set(changed))
        try:
            report = build(index_dir, paths, annotator=annotator,
                           changed=None if only is None else [Path(p) for p in only],
                           **build_options)
        except IndexBusy as exc:
            pending = None if pending is None else pending | set(changed)
            on_busy(str(exc))
            continue
        pending = set()
        on_report(report, changed)


class _Ignore:
    """watchfiles' default filter (.git, editor swap files ...), and the index's own
    directory when it lies inside a watched folder."""

    def __init__(self, index_path: Path):
        import watchfiles

        self._default = watchfiles.DefaultFilter()
        index_path = Path(os.path.abspath(index_path))
        self._inside = (str(index_path), str(index_path.parent / f".{index_path.name}."))

    def __call__(self, change, path: str) -> bool:
        if path.startswith(self._inside):
            return False
        return self._default(change, path)
