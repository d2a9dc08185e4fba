"""The search box: debounces typing and says when a query is ready to run."""

from __future__ import annotations

from time import monotonic

from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input

# Keys closer together than this are one burst: search once, when the burst ends.
DEBOUNCE_SECONDS = 0.05


class SearchBox(Input):
    """An Input that posts ``QueryReady`` as typing pauses (Enter / Down: see the app's
    ``leave_search`` binding)."""

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

    def on_input_changed(self, event: Input.Changed) -> None:
        # Leading and trailing edge: a key after a pause searches at once (people type ~5
        # keys/s, so most keys do); keys in a burst (paste, fast typing) wait for the burst to
        # end. Stale results are dropped by the app, so an early search never costs correctness.
        event.stop()
        if self._timer is not None:
            self._timer.stop()
        now = monotonic()
        quiet = now - self._last_change >= DEBOUNCE_SECONDS
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
