"""The search box: debounces typing and says when a query is ready to run; Up recalls earlier
queries of this case (and Down, after Up, later ones)."""

from __future__ import annotations

from time import monotonic

from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input

from casework.tui import bindings

# Keys closer together than this are one burst: search once, when the burst ends.
DEBOUNCE_SECONDS = 0.05


class SearchBox(Input):
    """An Input that posts ``QueryReady`` as typing pauses (Enter / Down: see the app's
    ``leave_search`` binding)."""

    BINDINGS = bindings.SEARCH_BOX

    class QueryReady(Message):
        def __init__(self, query: str):
            super().__init__()
            self.query = query

    def __init__(self, **kwargs):
        super().__init__(
            placeholder='Search: words AND by default; OR, NOT, "phrase", wild*, fuzzy~, person:',
            **kwargs,
        )
        self._timer: Timer | None = None
        self._last_change = 0.0
        self.history: list[str] = []  # earlier queries, oldest first
        self._recalled: int | None = None  # position in history while Up/Down walk it
        self._draft = ""  # what was typed before Up

    # -- history --------------------------------------------------------------------------
    def set_history(self, queries: list[str]) -> None:
        self.history = list(queries)
        self._recalled = None

    def remember(self, query: str) -> None:
        query = query.strip()
        if query:
            self.history = [q for q in self.history if q != query] + [query]
        self._recalled = None

    @property
    def recalling(self) -> bool:
        return self._recalled is not None

    def action_history_older(self) -> None:
        if not self.history:
            return
        if self._recalled is None:
            self._draft = self.value
            self._recalled = len(self.history)
        if self._recalled > 0:
            self._recalled -= 1
            self._show(self.history[self._recalled])

    def history_newer(self) -> None:
        """One step towards the newest query; past it, back to what was typed."""
        if self._recalled is None:
            return
        self._recalled += 1
        if self._recalled >= len(self.history):
            self._recalled = None
            self._show(self._draft)
        else:
            self._show(self.history[self._recalled])

    def _show(self, query: str) -> None:
        walking = self._recalled
        self.value = query
        self.cursor_position = len(query)
        self._recalled = walking  # the change event below must not end the walk

    def on_input_changed(self, event: Input.Changed) -> None:
        # Leading and trailing edge: a key after a pause searches at once (people type ~5
        # keys/s, so most keys do); keys in a burst (paste, fast typing) wait for the burst to
        # end. Stale results are dropped by the app, so an early search never costs correctness.
        event.stop()
        if self._timer is not None:
            self._timer.stop()
        if self._recalled is not None and (
                self._recalled >= len(self.history) or event.value != self.history[self._recalled]):
            self._recalled = None  # typed over a recalled query: the walk is over
        now = monotonic()
        # A change the box has already typed past (keys that came in one write, taken before
        # their change events) is a burst too: no search for its first letter.
        quiet = now - self._last_change >= DEBOUNCE_SECONDS and event.value == self.value
        self._last_change = now
        value = event.value
        if quiet:
            self.post_message(self.QueryReady(value))
        else:
            self._timer = self.set_timer(DEBOUNCE_SECONDS, lambda: self.post_message(self.QueryReady(value)))

    def flush(self) -> None:
        """Send the query now if a debounce is pending."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.post_message(self.QueryReady(self.value))
