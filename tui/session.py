"""The explorer's one door to the engine: the open index, and one way of calling it.

Every engine call runs in a thread worker, one call at a time (the SQLite connection and the
Whoosh searcher are shared), and hands its answer to a callback on the UI thread. A request
carries a number in its kind's sequence ("search", "document"); when a newer request of that
kind has been made, the older one's answer (or error) is dropped instead of painted.

Talks to the engine only through ``casework.index``'s public names, ``Casework``'s methods,
``models`` and ``errors``. The engine itself (Whoosh, api.py) is imported in the worker that
opens the index, after the first screen is painted.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from casework.index import CaseworkError

from casework.tui.messages import IndexBuilding, IndexFailed, IndexOpened, IndexProgress

if TYPE_CHECKING:
    from textual.app import App

    from casework.index import Casework

T = TypeVar("T")


class Session:
    """Owns the open ``Casework`` and runs every engine call of the explorer."""

    def __init__(self, app: App, index_path: str | Path | None, report: Callable[[str], None]):
        self.index_path = index_path
        self.cw: Casework | None = None
        self._app = app
        self._report = report  # tells the reader a call failed (on the UI thread)
        self._lock = threading.Lock()
        self._latest: dict[str, int] = {}

    # -- request numbers ----------------------------------------------------------------
    def newer(self, kind: str) -> int:
        """Number a new request of ``kind``; answers to older ones will be dropped."""
        self._latest[kind] = self._latest.get(kind, 0) + 1
        return self._latest[kind]

    def latest(self, kind: str) -> int:
        return self._latest.get(kind, 0)

    def is_current(self, kind: str, seq: int) -> bool:
        return seq == self._latest.get(kind, 0)

    # -- calls --------------------------------------------------------------------------
    def run(self, kind: str, call: Callable[[Casework], T], done: Callable[[T], Any], *,
            seq: int | None = None, group: str | None = None, exclusive: bool = True,
            failed: Callable[[str], Any] | None = None) -> None:
        """Run ``call(casework)`` in a thread worker and hand its value to ``done`` on the UI
        thread; a ``CaseworkError`` goes to ``failed`` (else the session's reporter).

        With ``seq`` (from :meth:`newer`), nothing is called or handed back once a newer
        request of ``kind`` exists. ``group`` (default ``kind``) names the worker group; an
        ``exclusive`` worker replaces the group's running one. No index open: nothing runs.
        """
        app = self._app

        def stale() -> bool:
            return seq is not None and not self.is_current(kind, seq)

        def hand_back(callback: Callable[[Any], Any], value: Any) -> None:
            if not stale():  # checked again on the UI thread: newer requests start there
                callback(value)

        def in_thread() -> None:
            if self.cw is None:
                return
            try:
                with self._lock:
                    if stale():
                        return
                    value = call(self.cw)
            except CaseworkError as exc:
                app.call_from_thread(hand_back, failed or self._report, str(exc))
                return
            app.call_from_thread(hand_back, done, value)

        app.run_worker(in_thread, name=kind, group=group or kind, thread=True,
                       exclusive=exclusive, exit_on_error=False)

    def call_now(self, call: Callable[[Casework], T], default: T) -> T:
        """``call(casework)`` on the caller's thread (waiting for any call under way), or
        ``default`` with no index open. For quick calls, or from a thread of the caller's."""
        if self.cw is None:
            return default
        with self._lock:
            return call(self.cw)

    def offers(self, method: str) -> bool:
        """Whether the open index has this ``Casework`` method (curation is optional)."""
        return self.cw is not None and hasattr(self.cw, method)

    # -- opening ------------------------------------------------------------------------
    def open(self, rebuild_paths: list[Path] | None = None,
             first_screen: Callable[[Casework], Any] = lambda cw: None) -> None:
        """Open the index in a worker, first building the demo index (on a first run) or
        re-scanning ``rebuild_paths``. Posts ``IndexBuilding`` and ``IndexProgress`` while it
        builds, then ``IndexOpened`` (carrying ``first_screen(casework)``) or ``IndexFailed``;
        messages, so they reach the app in the order they were sent."""
        self._app.run_worker(lambda: self._open(rebuild_paths, first_screen), name="open",
                             group="index", thread=True, exclusive=True, exit_on_error=False)

    def _open(self, rebuild_paths: list[Path] | None, first_screen: Callable[[Casework], Any]) -> None:
        post = self._app.post_message  # thread-safe
        try:
            # the engine is imported here, in the worker, once the first screen is painted
            from casework.index import build_index, build_seeds, index_exists, open_index

            built = ""
            if rebuild_paths is not None or not index_exists(self.index_path):
                post(IndexBuilding("Re-scanning the indexed folders…" if rebuild_paths is not None
                                   else "First run: building the demo index from the bundled seeds…"))
                progress = lambda p: post(IndexProgress(p))  # noqa: E731
                if rebuild_paths is not None:
                    report = build_index(rebuild_paths, self.index_path, progress=progress)
                else:
                    report = build_seeds(self.index_path, progress=progress)
                post(IndexProgress(None))
                built = f"Indexed {report.documents} documents, {report.entities} entities. "
            with self._lock:
                if self.cw is not None:
                    self.cw.close()
                self.cw = open_index(self.index_path)
                count = self.cw.document_count()
                screen = first_screen(self.cw)
                notes = list(getattr(self.cw, "notes", []))
        except Exception as exc:  # noqa: BLE001 - a worker's error would otherwise vanish
            message = str(exc) if isinstance(exc, CaseworkError) else f"cannot open the index: {exc}"
            post(IndexFailed(message))
            return
        post(IndexOpened(built + f"{count} documents. Type to search; ? for keys.", notes, screen))


# -- which words of a document a search matched ---------------------------------------------

def match_spans(text: str, terms) -> list[tuple[int, int]]:
    """Where ``text`` holds the words a search matched (its SearchResult's ``terms``: fuzzy
    expansions, corrections, folded accents), as the engine reads words: what n / N step
    through after a search. A 2 MB document takes tens of milliseconds: call it in a worker."""
    from casework.index import term_spans

    return term_spans(text, terms) if terms else []
