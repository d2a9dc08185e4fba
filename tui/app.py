"""The casework explorer: search, read with entities marked, follow cross-references.

Uses only casework.index's public API, and never imports spaCy: building the demo index on a
first run happens in a worker thread through ``build_seeds``, which loads spaCy only then.

Layout: at 100 columns and more, four panes in a grid (results | document over entities |
cross-references); below that, one pane at a time under the search box, switched with Tab or
1-4, with a tab strip saying which is showing.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.app import SuspendNotSupported
from textual.containers import Container
from textual.widgets import Footer, ProgressBar, Static

from casework.index import CaseworkError
from casework.index.models import Progress, SearchResult
from casework.tui.render import match_count
from casework.index.safe import printable

from casework.tui.curation import CURATION_BINDINGS, CurationMixin
from casework.tui.document_view import DocumentView, find_terms
from casework.tui.entities_pane import EntitiesPane
from casework.tui.help_screen import HelpScreen
from casework.tui.messages import (
    LoadMoreEntities,
    LoadMoreResults,
    OpenDocument,
    PreviewDocument,
    SelectEntity,
)
from casework.tui.results import ResultsList
from casework.tui.search_pane import SearchBox, query_terms
from casework.tui.xref_pane import XrefPane

PANES = {"results": "Results", "document": "Document", "entities": "Entities", "xref": "Cross-references"}
NARROW_BELOW = 100  # columns: below this, one pane at a time
PREVIEW_AFTER = 0.15  # seconds the results cursor rests on a hit before the document follows
# Hits per page: the engine builds a snippet per hit, so its time grows with the page (300 docs:
# ~108 ms for 50, ~60 ms for 20); 20 fill a 200x50 screen, and more load as the cursor gets there.
PAGE = 20
ENTITY_PAGE = 50  # entities of one label loaded at a time in the index-wide list
PANE_ORDER = ["search", "results", "document", "entities", "xref"]


@dataclass(frozen=True)
class Place:
    """One step of history: a document (at an offset, maybe marking an entity) or an entity."""

    kind: str  # "doc" or "entity"
    ident: str
    offset: int | None = None
    entity_id: str | None = None


class CaseworkApp(CurationMixin, App):
    TITLE = "casework"
    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute, so subclasses elsewhere find it
    COMMANDS = App.COMMANDS | {lambda: _casework_commands()}
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("slash", "focus_search", "Search", id="app.search"),
        # Priority, and only while the search box has focus: the move to the results happens
        # before the next queued key is routed, so "query, Enter, Enter" (typed ahead, or sent
        # by tmux in one write) opens the first hit instead of submitting twice.
        Binding("enter,down", "leave_search", "To results", show=False, priority=True,
                id="app.leave_search"),
        Binding("tab", "next_pane", "Next pane", show=False, priority=True, id="app.next_pane"),
        Binding("shift+tab", "previous_pane", "Prev pane", show=False, priority=True, id="app.previous_pane"),
        Binding("1", "pane('results')", "Results", show=False, id="app.pane_results"),
        Binding("2", "pane('document')", "Document", show=False, id="app.pane_document"),
        Binding("3", "pane('entities')", "Entities", show=False, id="app.pane_entities"),
        Binding("4", "pane('xref')", "Cross-refs", show=False, id="app.pane_xref"),
        Binding("escape", "back", "Back", id="app.back"),
        Binding("left_square_bracket,alt+left", "back", "Back", show=False, id="app.history_back"),
        Binding("right_square_bracket,alt+right", "forward", "Forward", show=False, id="app.history_forward"),
        Binding("e", "edit", "Open in $EDITOR", show=False, id="app.edit"),
        Binding("question_mark,f1", "help", "Help", id="app.help"),
        Binding("q", "quit", "Quit", id="app.quit"),
        *CURATION_BINDINGS,
    ]

    def __init__(self, index_path: str | Path | None = None):
        super().__init__()
        self.index_path = index_path
        self._ready_message = "Type to search; ? for keys."
        self.cw = None
        self._lock = threading.Lock()  # one engine call at a time (SQLite + Whoosh searcher)
        self._query = ""
        self._search_seq = 0
        self._open_first_for: str | None = None  # query whose first hit a typed-ahead Enter awaits
        self._doc_seq = 0
        self._preview_timer = None
        self._history: list[Place] = []
        self._history_pos = -1
        self._active = "results"
        self._hidden: set[str] = set()
        self.last_result: SearchResult | None = None

    # -- layout -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(id="tabs")
        yield SearchBox(id="search")
        yield Static(id="message")
        yield ProgressBar(id="progress", show_eta=False)
        with Container(id="main"):
            yield ResultsList(id="results", classes="pane")
            yield DocumentView(id="document", classes="pane")
            yield EntitiesPane(id="entities", classes="pane")
            yield XrefPane(id="xref", classes="pane")
        yield Footer()

    def on_mount(self) -> None:
        for pane, title in PANES.items():
            self.query_one(f"#{pane}").border_title = title
        self.query_one("#progress").display = False
        # Without colour, labels differ only by underline/bold/italic: show their tags inline.
        self.query_one(DocumentView).show_tags = self.no_color
        self._apply_layout(self.size.width)
        self._say("Opening the index…")
        self.open_or_build()
        self.query_one("#search").focus()

    def on_resize(self, event) -> None:
        self._apply_layout(event.size.width)

    def _apply_layout(self, width: int) -> None:
        narrow = width < NARROW_BELOW
        self.screen.set_class(narrow, "-narrow")
        for name in PANES:
            pane = self.query_one(f"#{name}")
            pane.set_class(name == self._active, "-active")
            pane.set_class(name in self._hidden and not narrow, "-hidden")
        self._draw_tabs()

    def _draw_tabs(self) -> None:
        text = Text()
        for i, (key, name) in enumerate(PANES.items(), 1):
            label = f" {i} {name} "
            if key == self._active:
                text.append(f"[{label.strip()}]", style="bold reverse")
            else:
                text.append(label, style="dim")
        doc = self.query_one(DocumentView).doc
        if doc is not None:
            text.append("  ")
            text.append(printable(doc.title), style="italic")
        text.no_wrap = True
        text.overflow = "ellipsis"
        self.query_one("#tabs", Static).update(text)

    def _set_active(self, name: str) -> None:
        if name not in PANES:
            return
        self._active = name
        self._apply_layout(self.size.width)

    def on_descendant_focus(self, event) -> None:
        widget_id = getattr(event.widget, "id", None)
        if widget_id in PANES and widget_id != self._active:
            self._set_active(widget_id)

    # -- messages -----------------------------------------------------------------------
    def _say(self, message: str, error: bool = False) -> None:
        text = Text("⚠ " + message, style="bold red") if error else Text(message, style="dim")
        text.no_wrap = True
        text.overflow = "ellipsis"
        self.query_one("#message", Static).update(text)

    # -- opening / building the index ---------------------------------------------------
    @work(thread=True, exclusive=True, group="index", exit_on_error=False)
    def open_or_build(self, rebuild_paths: list[Path] | None = None) -> None:
        try:
            # the engine is imported here, in the worker, once the first screen is painted
            from casework.index import build_index, build_seeds, index_exists, open_index

            if rebuild_paths is not None or not index_exists(self.index_path):
                self.call_from_thread(self._start_progress,
                                      "Re-scanning the indexed folders…" if rebuild_paths is not None
                                      else "First run: building the demo index from the bundled seeds…")
                progress = lambda p: self.call_from_thread(self._on_progress, p)  # noqa: E731
                if rebuild_paths is not None:
                    report = build_index(rebuild_paths, self.index_path, progress=progress)
                else:
                    report = build_seeds(self.index_path, progress=progress)
                self.call_from_thread(self._stop_progress)
                done = f"Indexed {report.documents} documents, {report.entities} entities. "
            else:
                done = ""
            with self._lock:
                if self.cw is not None:
                    self.cw.close()
                self.cw = open_index(self.index_path)
                count = self.cw.document_count()
                top = self._index_entities()
                notes = list(getattr(self.cw, "notes", []))
        except Exception as exc:  # noqa: BLE001 - a worker's error would otherwise vanish
            message = str(exc) if isinstance(exc, CaseworkError) else f"cannot open the index: {exc}"
            self.call_from_thread(self._stop_progress)
            self.call_from_thread(self._say, message, True)
            return
        for note in notes:  # e.g. an interrupted run too big to finish on open: say how
            self.call_from_thread(self.notify, printable(note), title="Index", severity="warning",
                                  timeout=60, markup=False)
        self.call_from_thread(self._index_ready, done + f"{count} documents. Type to search; ? for keys.", top)

    def _start_progress(self, message: str) -> None:
        self._say(message)
        self.query_one("#progress").display = True

    def _stop_progress(self) -> None:
        self.query_one("#progress").display = False

    def _on_progress(self, p: Progress) -> None:
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=max(1, p.total), progress=p.done)
        self._say(f"Building the index: {p.stage} {p.done}/{p.total}")

    def _index_ready(self, message: str, top) -> None:
        self._ready_message = message  # shown again whenever the query is empty
        self._say(message)
        entities = self.query_one(EntitiesPane)
        if entities.doc is None:
            entities.show_entities(*top)
        self.run_search(self._query, self._search_seq)

    def action_rebuild(self) -> None:
        if self.cw is None:
            return
        with self._lock:
            roots = self.cw.roots()
        self.open_or_build([Path(r) for r in roots])

    # -- search -------------------------------------------------------------------------
    @on(SearchBox.QueryReady)
    def _query_ready(self, event: SearchBox.QueryReady) -> None:
        if event.query == self._query and self.last_result is not None:
            return
        self._query = event.query
        self._search_seq += 1
        self.run_search(event.query, self._search_seq)

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "leave_search":
            return isinstance(self.focused, SearchBox) and self.screen is self.screen_stack[0]
        if action == "edit":
            return self.query_one(DocumentView).doc is not None
        if action == "curate":
            return self.curation_allowed(parameters[0])
        return True

    def action_leave_search(self) -> None:
        box = self.query_one(SearchBox)
        box.flush()
        self.action_pane("results")

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def run_search(self, query: str, seq: int, offset: int = 0) -> None:
        if self.cw is None:
            return
        try:
            with self._lock:
                if seq != self._search_seq:
                    return  # a newer query is already on its way
                if query.strip():
                    # hits first; a spelling suggestion (a walk of the vocabulary, ~50-100 ms
                    # at 100,000 documents) follows when there are none
                    result = self.cw.search(query, limit=PAGE, offset=offset, suggest=False)
                else:
                    result = self.cw.browse(limit=PAGE, offset=offset)
        except CaseworkError as exc:
            self.call_from_thread(self._show_error, str(exc), seq)
            return
        self.call_from_thread(self._show_result, result, seq, query, offset > 0)
        if result.total == 0 and query.strip():
            with self._lock:
                if seq != self._search_seq:
                    return  # typing went on: this query's hint would never be seen
                suggestion = self.cw.suggest(query)
            if suggestion:
                self.call_from_thread(self._show_suggestion, suggestion, seq, query)

    def _show_error(self, message: str, seq: int) -> None:
        if seq == self._search_seq:
            self._say(message + " (showing the last good results)", error=True)

    def _show_result(self, result: SearchResult, seq: int, query: str, append: bool = False) -> None:
        if seq != self._search_seq:
            return  # stale: a newer query was typed after this one started
        results = self.query_one(ResultsList)
        if append and result is not None and result.offset != results.loaded:
            return  # the same page asked for twice (keys faster than the engine)
        self.last_result = result
        results.show_result(result, append=append)
        if self._open_first_for == query and result.hits:
            self.open_document(result.hits[0].doc_id)
        if self._open_first_for == query:
            self._open_first_for = None
        if not query.strip():
            results.border_title = f"Documents ({result.total})"
            self._say(self._ready_message)
            return
        results.border_title = f"Results ({result.total})"
        if result.total == 0:
            self._show_suggestion(result.suggestion, seq, query)
        else:
            self._say(f"{match_count(result.total)}; Enter opens")
        document = self.query_one(DocumentView)
        if document.doc is not None and document.selected_entity is None:
            document.set_marks(terms=query_terms(query))

    def _show_suggestion(self, suggestion: str | None, seq: int, query: str) -> None:
        if seq != self._search_seq:
            return
        hint = f" — did you mean: {printable(suggestion)}?" if suggestion else ""
        self._say(f"No documents match {printable(query)!r}{hint}")

    @on(LoadMoreResults)
    def _load_more(self, event: LoadMoreResults) -> None:
        if event.open_first:
            self._open_first_for = self.query_one(SearchBox).value
            return
        results = self.query_one(ResultsList)
        self.run_search(self._query, self._search_seq, results.loaded)

    # -- documents ----------------------------------------------------------------------
    @on(OpenDocument)
    def _open_document_message(self, event: OpenDocument) -> None:
        self.open_document(event.doc_id, event.offset, event.entity_id)

    @on(PreviewDocument)
    def _preview_document(self, event: PreviewDocument) -> None:
        # Wide layout only (in the narrow one the document is not on screen), like lazygit's
        # detail pane following the cursor; no history entry, focus stays in the results.
        if self.screen.has_class("-narrow"):
            return
        if self._preview_timer is not None:
            self._preview_timer.stop()
        self._doc_seq += 1
        seq = self._doc_seq
        self._preview_timer = self.set_timer(
            PREVIEW_AFTER, lambda: self.load_document(event.doc_id, None, None, seq, preview=True))

    def open_document(self, doc_id: str, offset: int | None = None, entity_id: str | None = None,
                      record: bool = True) -> None:
        if self._preview_timer is not None:
            self._preview_timer.stop()
        if record:
            self._push(Place("doc", doc_id, offset, entity_id))
        self._doc_seq += 1
        self.load_document(doc_id, offset, entity_id, self._doc_seq)

    @work(thread=True, exclusive=True, group="document", exit_on_error=False)
    def load_document(self, doc_id: str, offset: int | None, entity_id: str | None, seq: int,
                      preview: bool = False) -> None:
        if self.cw is None:
            return
        try:
            with self._lock:
                doc = self.cw.document(doc_id)
                summaries = self.cw.entities(doc_id=doc_id, limit=100_000)
        except CaseworkError as exc:
            self.call_from_thread(self._say, str(exc), True)
            return
        self.call_from_thread(self._show_document, doc, summaries, offset, entity_id, seq, preview)

    def _show_document(self, doc, summaries, offset, entity_id, seq, preview: bool = False) -> None:
        if seq != self._doc_seq:
            return
        if preview:
            offset = next(iter(find_terms(doc.text, query_terms(self._query))), (None,))[0]
        view = self.query_one(DocumentView)
        view.show(doc, terms=query_terms(self._query), entity_id=entity_id, offset=offset)
        view.border_title = f"Document: {printable(doc.title)}"
        view.border_subtitle = f"{len(view.marks)} {'mentions' if entity_id else 'matches'} · n/N"
        self.query_one(EntitiesPane).show_entities(summaries, doc)
        if preview:
            self._draw_tabs()
        else:
            self.action_pane("document")

    # -- entities -----------------------------------------------------------------------
    @on(SelectEntity)
    def _select_entity_message(self, event: SelectEntity) -> None:
        self.select_entity(event.entity_id)

    def select_entity(self, entity_id: str, record: bool = True) -> None:
        if record:
            self._push(Place("entity", entity_id))
        self.load_entity(entity_id)

    @work(thread=True, exclusive=True, group="entity", exit_on_error=False)
    def load_entity(self, entity_id: str) -> None:
        if self.cw is None:
            return
        try:
            with self._lock:
                card = self.cw.entity(entity_id)
        except CaseworkError as exc:
            self.call_from_thread(self._say, str(exc), True)
            return
        self.call_from_thread(self._show_card, card)

    def _show_card(self, card) -> None:
        self.query_one(XrefPane).show_card(card)
        view = self.query_one(DocumentView)
        if view.doc is not None:
            view.set_marks(entity_id=card.entity_id)
            view.border_subtitle = f"{len(view.marks)} mentions of {printable(card.name)} · n/N"
        self.action_pane("xref")

    @work(thread=True, exclusive=True, group="document", exit_on_error=False)
    def refresh_after_curation(self, entity_id: str | None) -> None:
        """Reload what is on screen after entities changed, without moving focus or place."""
        view = self.query_one(DocumentView)
        doc = summaries = card = top = None
        try:
            with self._lock:
                if view.doc is not None:
                    doc = self.cw.document(view.doc.doc_id)
                    summaries = self.cw.entities(doc_id=doc.doc_id, limit=100_000)
                else:
                    top = self._index_entities()
                if entity_id:
                    try:
                        card = self.cw.entity(entity_id)
                    except CaseworkError:
                        card = None  # merged away or hidden
        except CaseworkError as exc:
            self.call_from_thread(self._say, str(exc), True)
            return
        self.call_from_thread(self._show_refreshed, doc, summaries, card, top)

    def _show_refreshed(self, doc, summaries, card, top) -> None:
        view = self.query_one(DocumentView)
        entities = self.query_one(EntitiesPane)
        xref = self.query_one(XrefPane)
        if card is not None:
            xref.show_card(card)
        else:
            xref.clear_options()
            xref.card = None
            xref.border_title = "Cross-references"
        if doc is not None:
            anchor = view.source_top_offset()
            marked = card.entity_id if card is not None else None
            view.show(doc, terms=query_terms(self._query), entity_id=marked)
            view.go_to_offset(anchor, center=False)
            entities.show_entities(summaries, doc)
        else:
            entities.show_entities(*top)

    def _index_entities(self) -> tuple[list, None, dict[str, int]]:
        """The first page of each label's most-mentioned entities, and how many each label has
        (call holding the lock)."""
        totals = dict(self.cw.labels())
        summaries = [s for label in totals for s in self.cw.entities(label=label, limit=ENTITY_PAGE)]
        return summaries, None, totals

    @on(LoadMoreEntities)
    def _load_more_entities(self, event: LoadMoreEntities) -> None:
        self.load_entities(event.label, event.offset)

    @work(thread=True, group="entities", exit_on_error=False)
    def load_entities(self, label: str, offset: int) -> None:
        try:
            with self._lock:
                page = self.cw.entities(label=label, limit=ENTITY_PAGE, offset=offset)
        except CaseworkError as exc:
            self.call_from_thread(self._say, str(exc), True)
            return
        entities = self.query_one(EntitiesPane)
        self.call_from_thread(lambda: entities.doc is None and entities.add_entities(page))

    def action_edit(self) -> None:
        """Open the document's file in $VISUAL / $EDITOR at the current line (as ugrep -Q does)."""
        view = self.query_one(DocumentView)
        if view.doc is None:
            return
        mark = view.current_mark
        offset = mark[0] if mark else view.source_top_offset()
        line = view.doc.text.count("\n", 0, offset) + 1
        editor = shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi")
        try:
            with self.suspend():
                subprocess.run([*editor, f"+{line}", view.doc.path], check=False)
        except SuspendNotSupported:
            self._say("cannot hand the terminal to an editor here", error=True)
        except OSError as exc:
            self._say(f"cannot run {editor[0]}: {exc.strerror or exc}", error=True)

    def action_filter_label(self, label: str) -> None:
        self.query_one(EntitiesPane).set_label_filter(label or None)
        self.action_pane("entities")

    # -- history ------------------------------------------------------------------------
    def _push(self, place: Place) -> None:
        del self._history[self._history_pos + 1 :]
        if not self._history or self._history[-1] != place:
            self._history.append(place)
        self._history_pos = len(self._history) - 1

    def _go(self, place: Place) -> None:
        if place.kind == "doc":
            self.open_document(place.ident, place.offset, place.entity_id, record=False)
        else:
            self.select_entity(place.ident, record=False)

    def action_back(self) -> None:
        if self.focused is self.query_one(SearchBox):
            self.action_pane("results")  # leave the box so single-key bindings work
            return
        if self._history_pos > 0:
            self._history_pos -= 1
            self._go(self._history[self._history_pos])
        else:
            self.action_focus_search()

    def action_forward(self) -> None:
        if self._history_pos < len(self._history) - 1:
            self._history_pos += 1
            self._go(self._history[self._history_pos])

    @property
    def history(self) -> list[Place]:
        return self._history[: self._history_pos + 1]

    # -- panes and focus ----------------------------------------------------------------
    def action_focus_search(self) -> None:
        self.screen.set_focus(self.query_one(SearchBox))

    def action_pane(self, name: str) -> None:
        if name == "search":
            self.action_focus_search()
            return
        self._hidden.discard(name)
        self._set_active(name)
        # set_focus now, not widget.focus() (which waits a turn): the next queued key must
        # already go to the new pane.
        self.screen.set_focus(self.query_one(f"#{name}"))

    def _cycle(self, step: int) -> None:
        if self.screen is not self.screen_stack[0]:
            (self.screen.focus_next if step > 0 else self.screen.focus_previous)()
            return
        focused = self.focused
        current = focused.id if focused is not None and focused.id in PANE_ORDER else self._active
        order = [p for p in PANE_ORDER if p == "search" or p not in self._hidden or self.screen.has_class("-narrow")]
        i = order.index(current) if current in order else 0
        self.action_pane(order[(i + step) % len(order)])

    def action_next_pane(self) -> None:
        self._cycle(+1)

    def action_previous_pane(self) -> None:
        self._cycle(-1)

    def action_toggle_pane(self, name: str) -> None:
        if name in self._hidden:
            self._hidden.discard(name)
        elif len(self._hidden) < len(PANES) - 1:
            self._hidden.add(name)
        self._apply_layout(self.size.width)

    def action_help(self) -> None:
        sections = [
            ("Everywhere", [b for b in self.BINDINGS
                            if b.action != "leave_search" and b not in CURATION_BINDINGS]),
            ("Entities and cross-references: curation (if the index supports it)", CURATION_BINDINGS),
            ("Search box", [Binding("enter,down", "leave_search", "Search now and move to the results"),
                            Binding("escape", "back", "Move to the results (then single keys work)")]),
            ("Lists (results, entities, cross-references)", ResultsList.BINDINGS + [
                Binding("enter", "select", "Open / select"),
                Binding("up,down,pageup,pagedown,home,end", "move", "Move")]),
            ("Document", DocumentView.BINDINGS + [
                Binding("up,down,pageup,pagedown,home,end", "move", "Move")]),
            ("Command palette", [Binding("ctrl+p", "command_palette",
                                         "Open document by title, go to entity, filter by label, "
                                         "toggle panes, rebuild index")]),
        ]
        self.push_screen(HelpScreen(sections))

    # -- command palette data -----------------------------------------------------------
    def palette_data(self, rows: int):
        """Titles, entities and labels for the command palette (runs in a thread)."""
        if self.cw is None:
            return [], [], []
        with self._lock:
            return (self.cw.documents(limit=rows), self.cw.entities(limit=rows), self.cw.labels())


def _casework_commands():
    # Imported on first use: commands.py imports this module (PANES), so not at the top.
    from casework.tui.commands import CaseworkCommands

    return CaseworkCommands


def run(index_path: str | None = None) -> None:
    CaseworkApp(index_path).run()
