"""The casework explorer: search, read with entities marked, follow cross-references.

The app composes the panes and routes their messages: a request goes to the engine through the
session (``session.py``), its answer comes back to a ``_show_…`` method that sets the panes.
Beside it: ``layout.py`` (which panes show), ``indexing.py`` (opening and building, with
progress), ``curation.py`` (entity curation keys), ``navigation.py`` (back / forward),
``bindings.py`` (every key). It never imports spaCy: building the demo index on a first run
happens in the session's worker through ``build_seeds``, which loads spaCy only then.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from functools import partial
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult, SuspendNotSupported
from textual.containers import Container
from textual.widgets import Footer, ProgressBar, Static

from casework.index import CaseworkError
from casework.index.models import SearchResult
from casework.tui.render import match_count
from casework.index import printable

from casework.tui import bindings
from casework.tui.batch import BatchMixin
from casework.tui.commands import CaseworkCommands
from casework.tui.curation import CurationMixin
from casework.tui.document_view import DocumentView
from casework.tui.entities_pane import EntitiesPane
from casework.tui.family_screen import FamilyScreen, load_family
from casework.tui.help_screen import HelpScreen
from casework.tui.indexing import IndexingMixin
from casework.tui.layout import PaneLayout
from casework.tui.marks import MarksMixin
from casework.tui.messages import (LoadMoreEntities, LoadMoreResults, OpenDocument, OpenHit,
                                   PreviewDocument, SelectEntity)
from casework.tui.navigation import History, Place
from casework.tui.results import ResultsList
from casework.tui.search_pane import SearchBox
from casework.tui.session import Session, match_spans
from casework.tui.timeline_screen import TimelineScreen
from casework.tui.xref_pane import XrefPane

PREVIEW_AFTER = 0.15  # seconds the results cursor rests on a hit before the document follows
# Hits per page: the engine builds a snippet per hit, so its time grows with the page (300 docs:
# ~108 ms for 50, ~60 ms for 20); 20 fill a 200x50 screen, and more load as the cursor gets there.
PAGE = 20
ENTITY_PAGE = 50  # entities of one label loaded at a time in the index-wide list


def index_entities(cw) -> tuple[list, None, dict[str, int]]:
    """The first page of each label's most-mentioned entities, and how many each label has:
    the entities pane's arguments when no document is open."""
    totals = dict(cw.labels())
    summaries = [s for label in totals for s in cw.entities(label=label, limit=ENTITY_PAGE)]
    return summaries, None, totals


class CaseworkApp(BatchMixin, MarksMixin, CurationMixin, IndexingMixin, PaneLayout, App):
    TITLE = "casework"
    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute, so subclasses elsewhere find it
    COMMANDS = App.COMMANDS | {CaseworkCommands}
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [*bindings.APP, *bindings.MARKS, *bindings.BATCH]  # curation: the entity panes'

    def __init__(self, index_path: str | Path | None = None, batch: str | Path | None = None):
        super().__init__()
        self.pending_batch = batch  # a batch file to load once the index is open
        self.session = Session(self, index_path, report=partial(self._say, error=True))
        self.places = History()  # where back and forward go
        self._ready_message = "Type to search; ? for keys."
        self._query = ""
        self._open_first_for: str | None = None  # query whose first hit a typed-ahead Enter awaits
        self._shown_query: str | None = None  # the query whose results the list shows
        self._preview_timer = None
        self._opening: int | None = None  # the document request of an open (Enter) under way
        self._active = "results"  # the pane showing (narrow) or last focused (wide)
        self._hidden: set[str] = set()
        self.last_result: SearchResult | None = None

    @property
    def cw(self):
        """The open index (``Casework``), or None before it opens."""
        return self.session.cw

    # The numbers of the newest search and document requests (the session drops answers to
    # older ones); tests hand answers in by them.
    @property
    def _search_seq(self) -> int:
        return self.session.latest("search")

    @property
    def _doc_seq(self) -> int:
        return self.session.latest("document")

    @_doc_seq.setter
    def _doc_seq(self, seq: int) -> None:
        while self.session.latest("document") < seq:
            self.session.newer("document")

    # -- composing ----------------------------------------------------------------------
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
        self.set_pane_titles()
        self.query_one("#progress").display = False
        # Without colour, labels differ only by underline/bold/italic: show their tags inline.
        self.query_one(DocumentView).show_tags = self.no_color
        self.query_one(DocumentView).colour = not self.no_color
        self._apply_layout(self.size.width)
        self._say("Opening the index…")
        self.open_or_build()
        self.query_one("#search").focus()

    def open_or_build(self, rebuild_paths: list[Path] | None = None) -> None:
        self.session.open(rebuild_paths, first_screen=index_entities)

    # -- messages -----------------------------------------------------------------------
    def _say(self, message: str, error: bool = False) -> None:
        alarm = "bold reverse" if self.no_color else "bold red"  # grey red is unreadable
        text = Text("⚠ " + message, style=alarm) if error else Text(message, style="dim")
        text.no_wrap = True
        text.overflow = "ellipsis"
        self.query_one("#message", Static).update(text)

    # -- search -------------------------------------------------------------------------
    @on(SearchBox.QueryReady)
    def _query_ready(self, event: SearchBox.QueryReady) -> None:
        if event.query == self._query and self.last_result is not None:
            return
        self._query = event.query
        self.run_search(event.query, self.session.newer("search"))

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "leave_search":
            return isinstance(self.focused, SearchBox) and self.screen is self.screen_stack[0]
        if action in ("edit", "open_parent", "open_child"):
            return self.query_one(DocumentView).doc is not None
        if action == "family":
            # In a pane's footer only while the document showing (in the results: the hit
            # previewed) has a family: at 80 columns it pushes "esc Back" or "f1 Help" off.
            # P answers everywhere through the app's own binding (a lone file: a family of one).
            if parameters:
                doc = self.query_one(DocumentView).doc
                return doc is not None and bool(doc.depth or doc.children)
            return self._family_target() is not None
        if action == "curate":
            return self.curation_allowed(parameters[0])
        if action in ("star", "tag", "note"):
            return self.marks_allowed()
        if action == "batch_step":
            return self.batch_allowed()
        return True

    def action_leave_search(self, key: str = "enter") -> None:
        box = self.query_one(SearchBox)
        if key == "down" and box.recalling:
            box.history_newer()
            return
        # This binding runs when the app routes the key, maybe before the box has taken the
        # keys typed ahead of it (tmux send-keys, a paste): the box searches and remembers its
        # query once it has them; the results take the keys that follow from now on.
        box.call_later(self._search_left, box)
        self.action_pane("results")

    def _search_left(self, box: SearchBox) -> None:
        box.flush()
        query = box.value.strip()
        if query:
            box.remember(query)
            self.session.run("history", lambda cw: cw.remember_query(query), lambda _: None,
                             exclusive=False)

    def run_search(self, query: str, seq: int, offset: int = 0, then=None) -> None:
        def search(cw) -> SearchResult:
            if query.strip():
                # hits first; a spelling suggestion (a walk of the vocabulary, ~50-100 ms at
                # 100,000 documents) follows when there are none
                return cw.search(query, limit=PAGE, offset=offset, suggest=False)
            return cw.browse(limit=PAGE, offset=offset)

        show = partial(self._show_result, seq=seq, query=query, append=offset > 0)
        if then is not None:  # e.g. "index updated" over the count line, once the hits show
            show = lambda result, show=show: (show(result), then())  # noqa: E731
        self.session.run("search", search, show, seq=seq, failed=partial(self._show_error, seq=seq))

    def _show_error(self, message: str, seq: int) -> None:
        if self.session.is_current("search", seq):
            self._say(message + " (showing the last good results)", error=True)

    def _show_result(self, result: SearchResult, seq: int, query: str, append: bool = False) -> None:
        if not self.session.is_current("search", seq):
            return  # stale: a newer query was typed after this one started
        results = self.query_one(ResultsList)
        if append and result is not None and result.offset != results.loaded:
            return  # the same page asked for twice (keys faster than the engine)
        self.last_result = result
        self._shown_query = query
        results.show_result(result, query, append=append)
        if self._open_first_for == query and result.hits:
            self.open_document(result.hits[0].doc_id)
        elif not append and query.strip():
            self._follow_results(result)
        if self._open_first_for == query:
            self._open_first_for = None
        if not query.strip():
            results.border_title = f"Documents ({result.total})"
            self._say(self._ready_message)
            return
        results.border_title = f"Results ({result.total})" + self.batch_title(query)
        if result.corrected:
            self._say(f"{match_count(result.total)} for {printable(result.corrected)!r}; "
                      f"search for {printable(result.as_typed or '')!r} instead")
        elif result.total == 0:
            self._show_suggestion(result.suggestion, seq, query)
            self.session.run("search", lambda cw: cw.suggest(query),
                             lambda hint: hint and self._show_suggestion(hint, seq, query),
                             seq=seq, group="suggest")
        else:
            self._say(f"{match_count(result.total)}; Enter opens")
        document = self.query_one(DocumentView)
        if document.doc is not None and document.selected_entity is None:
            text, terms = document.doc.text, self._terms()
            self.session.run("marks", lambda cw: match_spans(text, terms),
                             lambda spans: document.set_marks(matches=spans),
                             seq=self.session.newer("marks"))

    def _show_suggestion(self, suggestion: str | None, seq: int, query: str) -> None:
        if not self.session.is_current("search", seq):
            return
        hint = f" — did you mean: {printable(suggestion)}?" if suggestion else ""
        self._say(f"No documents match {printable(query)!r}{hint}")

    @on(LoadMoreResults)
    def _load_more(self, event: LoadMoreResults) -> None:
        results = self.query_one(ResultsList)
        self.run_search(self._query, self._search_seq, results.loaded)

    @on(OpenHit)
    def _open_hit(self, event: OpenHit) -> None:
        # Decided in the search box's turn: by then it has taken every key typed before the
        # Enter that left it, so its value is the query this Enter was typed after.
        box = self.query_one(SearchBox)
        box.call_later(self._open_hit_of, box, event.doc_id, event.query)

    def _open_hit_of(self, box: SearchBox, doc_id: str | None, query: str | None) -> None:
        """Enter on ``doc_id`` in the results of ``query``: open it if those are the results of
        the query in the box; if that query's results came since, open their first hit; if
        they have not come yet (Enter typed ahead), open their first hit when they come."""
        typed = box.value
        if query == typed:
            if doc_id is not None:
                self.open_document(doc_id)
        elif self._shown_query == typed:
            last = self.last_result
            if last is not None and last.hits:
                self.open_document(last.hits[0].doc_id)
        else:
            self._open_first_for = typed

    # -- documents ----------------------------------------------------------------------
    @on(OpenDocument)
    def _open_document_message(self, event: OpenDocument) -> None:
        self.open_document(event.doc_id, event.offset, event.entity_id)

    # One preview rule at every width: the document pane shows the hit under the results
    # cursor (like lazygit's detail pane), a new search's first hit included; with no hits it
    # is empty. No history entry; focus stays where it is. Narrow, the pane is one key away.
    @on(PreviewDocument)
    def _preview_document(self, event: PreviewDocument) -> None:
        self.preview(event.doc_id)

    def _open_under_way(self) -> bool:
        """An open (Enter) is loading: previews and a new list's first hit wait for it (a
        newer document request would make it stale, and the open would be lost)."""
        return self._opening is not None and self.session.is_current("document", self._opening)

    def preview(self, doc_id: str) -> None:
        if self._open_under_way():
            return
        if self._preview_timer is not None:
            self._preview_timer.stop()
        seq = self.session.newer("document")
        self._preview_timer = self.set_timer(
            PREVIEW_AFTER, lambda: self.load_document(doc_id, None, None, seq, preview=True))

    def _follow_results(self, result: SearchResult) -> None:
        view = self.query_one(DocumentView)
        if result.hits:
            if view.doc is None or view.doc.doc_id != result.hits[0].doc_id:
                self.preview(result.hits[0].doc_id)
            return
        if self._open_under_way():
            return  # no hits, but the document opened (Enter) a moment ago still comes
        if self._preview_timer is not None:
            self._preview_timer.stop()
        self.session.newer("document")  # a preview still loading is now stale
        if view.doc is not None:
            view.clear()
            view.border_title, view.border_subtitle = "Document", ""
            self._draw_tabs()

    def open_document(self, doc_id: str, offset: int | None = None, entity_id: str | None = None,
                      record: bool = True) -> None:
        if self._preview_timer is not None:
            self._preview_timer.stop()
        if record:
            self.places.push(Place("doc", doc_id, offset, entity_id))
        self._opening = self.session.newer("document")
        self.load_document(doc_id, offset, entity_id, self._opening)

    def load_document(self, doc_id: str, offset: int | None, entity_id: str | None, seq: int,
                      preview: bool = False) -> None:
        terms = self._terms()

        def read(cw):
            doc = cw.document(doc_id)
            return doc, cw.entities(doc_id=doc_id, limit=100_000), match_spans(doc.text, terms)

        self.session.run("document", read,
                         lambda found: self._show_document(*found, offset, entity_id, seq, preview),
                         seq=seq, failed=partial(self._document_failed, preview=preview))

    def _document_failed(self, message: str, preview: bool) -> None:
        if not preview:
            self._opening = None
        self._say(message, error=True)

    def _terms(self) -> list[str]:
        """The words the last search matched, to mark in documents."""
        result = self.last_result
        return list(getattr(result, "terms", []) or []) if self._query.strip() else []

    def _show_document(self, doc, summaries, matches, offset, entity_id, seq,
                       preview: bool = False) -> None:
        if not self.session.is_current("document", seq):
            return
        if not preview:
            self._opening = None
        if preview:
            offset = matches[0][0] if matches else None
        view = self.query_one(DocumentView)
        view.show(doc, matches=matches, entity_id=entity_id, offset=offset)
        view.border_title = f"Document: {printable(doc.title)}"
        view.border_subtitle = f"{len(view.marks)} {'mentions' if entity_id else 'matches'} · n/N"
        parts = self._parts_line(doc)
        if parts:
            self._say(parts)
        self.refresh_bindings()  # the panes' footers show P only for a family
        self.query_one(EntitiesPane).show_entities(summaries, doc)
        self.load_marks(doc.doc_id)
        if preview:
            self._draw_tabs()
        else:
            self.action_pane("document")
            if offset is not None:  # again once shown: a hidden pane (narrow) has no height
                self.call_after_refresh(view.go_to_offset, offset)

    # -- entities -----------------------------------------------------------------------
    @on(SelectEntity)
    def _select_entity_message(self, event: SelectEntity) -> None:
        self.select_entity(event.entity_id)

    def select_entity(self, entity_id: str, record: bool = True) -> None:
        if record:
            self.places.push(Place("entity", entity_id))
        self.load_entity(entity_id)

    def load_entity(self, entity_id: str) -> None:
        self.session.run("entity", lambda cw: cw.entity(entity_id), self._show_card)

    def _show_card(self, card) -> None:
        self.query_one(XrefPane).show_card(card)
        view = self.query_one(DocumentView)
        if view.doc is not None:
            view.set_marks(entity_id=card.entity_id)
            view.border_subtitle = f"{len(view.marks)} mentions of {printable(card.name)} · n/N"
        self.action_pane("xref")

    def refresh_after_curation(self, entity_id: str | None) -> None:
        """Reload what is on screen after entities changed, without moving focus or place."""
        view = self.query_one(DocumentView)
        doc_id = view.doc.doc_id if view.doc is not None else None

        def reload(cw):
            doc = summaries = card = top = None
            if doc_id is not None:
                doc = cw.document(doc_id)
                summaries = cw.entities(doc_id=doc.doc_id, limit=100_000)
            else:
                top = index_entities(cw)
            if entity_id:
                try:
                    card = cw.entity(entity_id)
                except CaseworkError:
                    card = None  # merged away or hidden
            return doc, summaries, card, top, match_spans(doc.text, terms) if doc else []

        terms = self._terms()
        self.session.run("document", reload, lambda found: self._show_refreshed(*found))

    def _show_refreshed(self, doc, summaries, card, top, matches) -> None:
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
            view.show(doc, matches=matches, entity_id=marked)
            view.go_to_offset(anchor, center=False)
            entities.show_entities(summaries, doc)
        else:
            entities.show_entities(*top)

    @on(LoadMoreEntities)
    def _load_more_entities(self, event: LoadMoreEntities) -> None:
        self.load_entities(event.label, event.offset)

    def load_entities(self, label: str, offset: int) -> None:
        self.session.run("entities", lambda cw: cw.entities(label=label, limit=ENTITY_PAGE, offset=offset),
                         self._add_entities, exclusive=False)

    def _add_entities(self, page) -> None:
        entities = self.query_one(EntitiesPane)
        if entities.doc is None:  # a document opened meanwhile: its entities are showing
            entities.add_entities(page)

    def action_edit(self) -> None:
        """Open the document in $VISUAL / $EDITOR at the current line (as ugrep -Q does): its
        file when that is plain text, else its extracted text in a temporary file (never
        "mail.eml//a.pdf", nor a PDF's bytes)."""
        view = self.query_one(DocumentView)
        if view.doc is None:
            return
        mark = view.current_mark
        offset = mark[0] if mark else view.source_top_offset()
        line = view.doc.text.count("\n", 0, offset) + 1
        doc_id = view.doc.doc_id
        self.session.run("edit", lambda cw: cw.text_to_open(doc_id),
                         lambda path: self._run_editor(path, line))

    def _run_editor(self, path: str, line: int) -> None:
        editor = shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi")
        try:
            with self.suspend():
                subprocess.run([*editor, f"+{line}", path], check=False)
        except SuspendNotSupported:
            self._say("cannot hand the terminal to an editor here", error=True)
        except OSError as exc:
            self._say(f"cannot run {editor[0]}: {exc.strerror or exc}", error=True)

    # -- parents and parts (attachments under their message, members under their archive) --
    def action_open_parent(self) -> None:
        doc = self.query_one(DocumentView).doc
        if doc is None:
            return
        if doc.parent:
            self.open_document(doc.parent)
        else:
            self._say("this document is not inside another" if not doc.root else
                      f"its container gave no text: {printable(doc.root)}")

    def action_open_child(self) -> None:
        doc = self.query_one(DocumentView).doc
        if doc is None:
            return
        if doc.children:
            self.open_document(doc.children[0].doc_id)
        else:
            self._say("this document has no attachments or members")

    def _family_target(self) -> str | None:
        """The document the parts tree is for: the hit under the results cursor while the
        results have focus (the preview may not have caught up), else the document showing."""
        results = self.query_one(ResultsList)
        if self.focused is results:
            hit = results.highlighted_hit
            if hit is not None:
                return hit.doc_id
        doc = self.query_one(DocumentView).doc
        return doc.doc_id if doc is not None else None

    def action_family(self, where: str = "") -> None:
        """The parts tree of the document's file; Enter there opens a document of it.
        (``where``: the pane whose footer shows the key, for ``check_action``.)"""
        doc_id = self._family_target()
        if doc_id is None:
            self._say("no document here: search, then P on a hit")
            return
        screen = FamilyScreen(doc_id)

        def opened(choice: str | None) -> None:
            if choice is not None:
                self.open_document(choice)

        self.push_screen(screen, opened)
        self.session.run("family", lambda cw: load_family(cw, doc_id), screen.show_family,
                         failed=screen.show_failure)

    def _parts_line(self, doc) -> str:
        """Where a document sits in its file: "part of tip.eml · p · P tree" and
        "2 parts: a.pdf, b.xlsx · c · P tree"."""
        bits = []
        if doc.depth:
            bits.append(f"part of {os.path.basename(doc.root)} · p")
        if doc.children:
            names = ", ".join(c.ipath for c in doc.children[:3])
            more = "…" if len(doc.children) > 3 else ""
            bits.append(f"{len(doc.children)} part{'s' if len(doc.children) != 1 else ''}: "
                        f"{names}{more} · c")
        if bits:
            bits.append("P tree")
        if doc.copies:
            bits.append(f"also at {len(doc.copies)} other path{'s' if len(doc.copies) != 1 else ''}")
        return printable(" · ".join(bits))

    def action_filter_label(self, label: str) -> None:
        self.query_one(EntitiesPane).set_label_filter(label or None)
        self.action_pane("entities")

    # -- history ------------------------------------------------------------------------
    def _go(self, place: Place) -> None:
        if place.kind == "doc":
            self.open_document(place.ident, place.offset, place.entity_id, record=False)
        else:
            self.select_entity(place.ident, record=False)

    def action_back(self) -> None:
        if self.focused is self.query_one(SearchBox):
            self.action_pane("results")  # leave the box so single-key bindings work
            return
        place = self.places.back()
        if place is not None:
            self._go(place)
        else:
            self.action_focus_search()

    def action_forward(self) -> None:
        place = self.places.forward()
        if place is not None:
            self._go(place)

    @property
    def history(self) -> list[Place]:
        return self.places.trail

    def action_timeline(self) -> None:
        """Dated sentences in day order: of the entity in focus, else of the current search,
        else of the whole index; Enter opens the document at the sentence."""
        target = self.curation_target()
        query = self._query if self._query.strip() else ""
        if target is not None:
            scope, call = f"sentences naming {printable(target[1])}", \
                (lambda cw: cw.timeline(entity=target[0]))
        else:
            scope = f"documents matching {printable(query)!r}" if query else "every document"
            call = (lambda cw: cw.timeline(query))
        screen = TimelineScreen(scope)

        def opened(choice) -> None:
            if choice is not None:
                self.open_document(choice[0], choice[1])

        self.push_screen(screen, opened)
        self.session.run("timeline", call, screen.show_events)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(bindings.HELP_SECTIONS))


def run(index_path: str | None = None, batch: str | None = None) -> None:
    CaseworkApp(index_path, batch=batch).run()
