"""Which panes show and which has focus: at 100 columns and more, four panes in a grid
(results | document over entities | cross-references); below that, one pane at a time under the
search box, switched with Tab or 1-4, with a tab strip saying which is showing. Panes can be
hidden from the command palette (wide layout only)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from casework.index import printable

from casework.tui.document_view import DocumentView
from casework.tui.search_pane import SearchBox

PANES = {"results": "Results", "document": "Document", "entities": "Entities", "xref": "Cross-references"}
NARROW_BELOW = 100  # columns: below this, one pane at a time
PANE_ORDER = ["search", "results", "document", "entities", "xref"]  # what Tab steps through


class PaneLayout:
    """Mixed into the app, which composes a widget per ``PANES`` key, the search box and a
    ``#tabs`` line, and sets ``_active`` (the pane showing) and ``_hidden`` (panes hidden)."""

    _active: str
    _hidden: set[str]

    def set_pane_titles(self) -> None:
        for pane, title in PANES.items():
            self.query_one(f"#{pane}").border_title = title

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
