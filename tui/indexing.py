"""Opening the index, building it first when needed (the demo index on a first run, or a
re-scan from the command palette), with a progress bar. The session does the work in its
worker and posts ``IndexBuilding``, ``IndexProgress``, then ``IndexOpened`` or ``IndexFailed``;
this side shows them."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import ProgressBar

from casework.index import printable

from casework.tui.entities_pane import EntitiesPane
from casework.tui.messages import IndexBuilding, IndexFailed, IndexOpened, IndexProgress

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

    def action_rebuild(self) -> None:
        roots = self.session.call_now(lambda cw: cw.roots(), None)
        if roots is not None:
            self.open_or_build([Path(r) for r in roots])
