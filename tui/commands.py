"""Command palette (ctrl+p): open a document by title, go to an entity, filter entities by
label, toggle panes, rebuild the index, run a saved search (with its current count), load a
batch file of queries."""

from __future__ import annotations

import asyncio
from functools import partial

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from casework.tui.render import label_tag
from casework.index import printable
from casework.tui.layout import PANES
from casework.tui.search_pane import SearchBox

PALETTE_ROWS = 2000  # titles / entities fetched once per palette opening


class CaseworkCommands(Provider):
    async def startup(self) -> None:
        app = self.app
        self._docs, self._entities, self._labels = await asyncio.to_thread(
            app.session.call_now,
            lambda cw: (cw.documents(limit=PALETTE_ROWS), cw.entities(limit=PALETTE_ROWS), cw.labels()),
            ([], [], []))
        self._saved = []
        if app.session.offers("saved_searches"):  # counted now: a saved search is a search each
            self._saved = await asyncio.to_thread(
                app.session.call_now, lambda cw: cw.saved_searches(), [])

    def _static(self):
        app = self.app
        for label, count in self._labels:
            yield (f"Filter entities by label: {label} ({label_tag(label)}, {count})",
                   partial(app.action_filter_label, label), "Show only this label in the entities pane")
        yield ("Filter entities by label: all", partial(app.action_filter_label, ""),
               "Show every label in the entities pane")
        for key, name in PANES.items():
            yield (f"Toggle pane: {name}", partial(app.action_toggle_pane, key),
                   "Hide or show this pane (wide layout)")
        yield ("Rebuild index", app.action_rebuild, "Re-scan the indexed folders and update the index")
        yield ("Batch search: load a file of queries", app.action_load_batch,
               "One query a line; a list with each one's count, > and < step through them (B)")
        if app.batch_queries:
            yield (f"Batch search: the list ({len(app.batch_queries)} queries)",
                   app.action_batch, "Each query with its count; Enter runs one")
        for saved in getattr(self, "_saved", []):
            count = "error" if saved.count < 0 else str(saved.count)
            yield (f"Saved search: {printable(saved.name)} ({count})",
                   partial(run_query, app, saved.query), printable(saved.query))

    async def discover(self) -> Hits:
        for title, callback, help_text in self._static():
            yield DiscoveryHit(Text(title), callback, text=title, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        app = self.app
        rows = [(t, c, h) for t, c, h in self._static()]
        rows += [(f"Open document: {printable(d.title)}", partial(app.open_document, d.doc_id), f"{d.entities} entities")
                 for d in self._docs]
        rows += [(f"Go to entity: {printable(e.name)} [{label_tag(e.label)}]", partial(app.select_entity, e.entity_id),
                  f"{e.mentions} mention{'s' * (e.mentions != 1)} in {e.documents} document{'s' * (e.documents != 1)}") for e in self._entities]
        needle = query.lower().replace(" ", "")
        for title, callback, help_text in rows:
            if not _subsequence(needle, title.lower()):
                continue  # the fuzzy scorer is slow; most rows fail this cheap test first
            score = matcher.match(title)
            if score > 0:
                # matcher.highlight returns Content built from the plain title: no markup parsing.
                yield Hit(score, matcher.highlight(title), callback, text=title, help=help_text)


def run_query(app, query: str) -> None:
    """Put ``query`` in the search box, run it and move to the results."""
    box = app.query_one(SearchBox)
    box.value = query
    box.flush()
    app.action_pane("results")


def _subsequence(needle: str, haystack: str) -> bool:
    """Whether the characters of ``needle`` appear in ``haystack`` in order."""
    pos = 0
    for ch in needle:
        pos = haystack.find(ch, pos) + 1
        if not pos:
            return False
    return True
