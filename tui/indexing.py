"""Opening the index, building it first when needed (the demo index on a first run, or a
re-scan from the command palette), with a progress bar. The session does the work in its
worker and posts ``IndexBuilding``, ``IndexProgress``, then ``IndexOpened`` or ``IndexFailed``;
this side shows them. Once open, a timer asks the index for its generation (a meta read and a
stat) and, when another process (``casework watch``, ``casework index``) has committed, shows
the new results with "index updated: N documents"."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import ProgressBar

from casework.index import printable

from casework.tui.entities_pane import EntitiesPane
from casework.tui.messages import IndexBuilding, IndexFailed, IndexOpened, IndexProgress
from casework.tui.search_pane import SearchBox

# How often the open explorer looks for commits by another process (two meta reads and a
# stat of the catalog each time).
WATCH_INDEX_EVERY = 2.0

class IndexingMixin:
    """Mixed into the app, which has a ``#progress`` bar, ``_say`` for the status line,
    ``open_or_build`` (asking the session to open the index with what its first screen needs)
    and ``run_search`` to fill the results once the index is open."""

    def on_index_building(self, event: IndexBuilding) -> None:
        self._say(event.message)
        self.query_one("#progress").display = True

    def on_index_progress(self, event: IndexProgress) -> None:
        p = event.progress
        if p is None:
            self.query_one("#progress").display = False
            return
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=max(1, p.total), progress=p.done)
        self._say(f"Building the index: {p.stage} {p.done}/{p.total}")

    def on_index_failed(self, event: IndexFailed) -> None:
        self.query_one("#progress").display = False
        self._say(event.message, error=True)

    def on_index_opened(self, event: IndexOpened) -> None:
        for note in event.notes:  # e.g. an interrupted run too big to finish on open: say how
            self.notify(printable(note), title="Index", severity="warning", timeout=60, markup=False)
        self._ready_message = event.summary  # shown again whenever the query is empty
        self._say(event.summary)
        entities = self.query_one(EntitiesPane)
        if entities.doc is None:
            entities.show_entities(*event.first_screen)
        self.run_search(self._query, self._search_seq)
        self._generation = None
        if self.session.offers("generation"):
            self.session.run("generation", lambda cw: cw.generation(), self._generation_seen)
            if getattr(self, "_generation_timer", None) is None:
                self._generation_timer = self.set_interval(WATCH_INDEX_EVERY, self.check_index)
        if self.session.offers("query_history"):
            box = self.query_one(SearchBox)
            self.session.run("history", lambda cw: cw.query_history(), box.set_history)
        if getattr(self, "pending_batch", None):  # casework --batch FILE
            self.load_batch(self.pending_batch)
            self.pending_batch = None

    def check_index(self) -> None:
        """Ask the index, in a worker, whether another process has committed since."""
        self.session.run("generation", lambda cw: (cw.generation(), cw.document_count()),
                         lambda seen: self._generation_seen(*seen))

    def _generation_seen(self, generation: str, documents: int | None = None) -> None:
        before, self._generation = getattr(self, "_generation", None), generation
        if before is None or before == generation or documents is None:
            return
        if before.split(":", 1)[0] != generation.split(":", 1)[0]:
            self.open_or_build()  # a --rebuild swapped the directory: open the new one
            return
        notice = f"index updated: {documents} documents"
        self._ready_message = notice + ". Type to search; ? for keys."
        self.run_search(self._query, self.session.newer("search"),
                        then=lambda: self._say(notice))

    def action_rebuild(self) -> None:
        roots = self.session.call_now(lambda cw: cw.roots(), None)
        if roots is not None:
            self.open_or_build([Path(r) for r in roots])
