"""Batch search in the explorer: a file of queries, one a line (as `casework search --batch`
reads it: a list of names, say), loaded with B, from the palette, or by `casework --batch
FILE`. A list shows each query with how many documents it finds, counted in the session's
worker a few queries at a time, so the screen answers while a long list is counted; Enter runs
one. ``>`` and ``<`` run the next and previous query of the list in the results pane, from any
pane but the search box (where they are characters)."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from casework.index import CaseworkError, printable

from casework.tui import bindings
from casework.tui.commands import run_query
from casework.tui.prompt_screen import PromptScreen

# Queries counted per call to the engine: each call holds the session's lock, so a search typed
# meanwhile waits for at most this many counts (a few ms each) rather than the whole list.
COUNT_CHUNK = 8
MAX_QUERIES = 10_000


def read_batch(path: str | Path) -> list[str]:
    """The queries of a batch file: its lines, stripped, blank ones left out. A file that
    cannot be read is a CaseworkError with one line saying why."""
    try:
        with open(path, encoding="utf-8") as f:
            queries = [line.strip() for line in f if line.strip()]
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseworkError(f"cannot read the batch file {path}: "
                            f"{getattr(exc, 'strerror', None) or exc}") from None
    if not queries:
        raise CaseworkError(f"the batch file {path} holds no queries (one a line)")
    return queries[:MAX_QUERIES]


def count_of(cw, query: str) -> int:
    """How many documents ``query`` finds; -1 when it cannot run (its error shows on Enter)."""
    try:
        return cw.search(query, limit=1, suggest=False).total
    except CaseworkError:
        return -1


def batch_prompt(query: str, count: int | None, current: bool) -> Text:
    counted = "…" if count is None else "error" if count < 0 else str(count)
    text = Text(f"{'▶' if current else ' '} {counted:>7}  ", style="bold" if current else "")
    text.append(printable(query))
    text.no_wrap = True
    text.overflow = "ellipsis"
    return text


class BatchList(OptionList):
    BINDINGS = bindings.BATCH_LIST

    def action_dismiss(self) -> None:
        self.screen.dismiss(None)

    def action_load(self) -> None:
        self.screen.dismiss(-1)


class BatchScreen(ModalScreen[int | None]):
    """The batch's queries and counts: dismissed with the index of the query to run (Enter),
    -1 to load another file (L), None on Esc."""

    def __init__(self, name: str, queries: list[str], counts: list[int | None],
                 current: int | None):
        super().__init__()
        self.batch_name = name
        self.queries = queries
        self.counts = counts
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="batch-box"):
            yield Static(id="batch-title")
            yield BatchList(*[Option(batch_prompt(q, c, i == self.current), id=f"q:{i}")
                              for i, (q, c) in enumerate(zip(self.queries, self.counts))],
                            id="batch-list", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        listing = self.query_one(BatchList)
        listing.highlighted = self.current or 0
        listing.focus()
        self._title()

    def show_counts(self, counts: list[int | None]) -> None:
        self.counts = counts
        listing = self.query_one(BatchList)
        for i, (query, count) in enumerate(zip(self.queries, counts)):
            listing.replace_option_prompt_at_index(i, batch_prompt(query, count, i == self.current))
        self._title()

    def _title(self) -> None:
        counted = [c for c in self.counts if c is not None]
        found = sum(1 for c in counted if c > 0)
        state = (f"{found} of {len(self.queries)} queries find documents"
                 if len(counted) == len(self.queries)
                 else f"counting {len(counted)}/{len(self.queries)}…")
        self.query_one("#batch-title", Static).update(Text(
            f"Batch {printable(self.batch_name)} · {state} · Enter runs, > < step, "
            "L loads another, Esc closes", style="bold"))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        option_id = event.option.id or ""
        if option_id.startswith("q:"):
            self.dismiss(int(option_id[2:]))


class BatchMixin:
    """Mixed into the app (``session``, ``_say``, ``push_screen``, ``screen``)."""

    batch_queries: list[str] = []
    batch_counts: list[int | None] = []
    batch_at: int | None = None  # the query of the batch last run
    batch_path = ""

    def action_batch(self) -> None:
        """The batch's list, or a prompt for a file when none is loaded."""
        if not self.batch_queries:
            self.action_load_batch()
            return
        self._open_batch_list()

    def action_load_batch(self) -> None:
        def answered(path: str | None) -> None:
            if path:
                self.load_batch(path)

        self.push_screen(PromptScreen("Batch file: one query a line", self.batch_path,
                                      "e.g. names.txt; Enter loads and counts, Esc cancels"),
                         answered)

    def load_batch(self, path: str | Path) -> None:
        """Read ``path`` and count its queries, in the session's worker; then show the list."""
        path = str(Path(path).expanduser())
        seq = self.session.newer("batch")
        self.session.run("batch", lambda cw: read_batch(path),
                         lambda queries: self._batch_loaded(path, queries, seq), seq=seq)

    def _batch_loaded(self, path: str, queries: list[str], seq: int) -> None:
        self.batch_path, self.batch_queries = path, queries
        self.batch_counts = [None] * len(queries)
        self.batch_at = None
        self._say(f"batch of {len(queries)} queries from {printable(path)}: counting…")
        self._open_batch_list()
        self._count_batch(seq, 0)

    def _count_batch(self, seq: int, start: int) -> None:
        chunk = self.batch_queries[start:start + COUNT_CHUNK]
        self.session.run("batch", lambda cw: [count_of(cw, q) for q in chunk],
                         lambda counts: self._batch_counted(seq, start, counts), seq=seq,
                         group="batch-count")

    def _batch_counted(self, seq: int, start: int, counts: list[int]) -> None:
        self.batch_counts[start:start + len(counts)] = counts
        screen = self._batch_screen()
        if screen is not None:
            screen.show_counts(list(self.batch_counts))
        if start + len(counts) < len(self.batch_queries):
            self._count_batch(seq, start + len(counts))
        else:
            found = sum(1 for c in self.batch_counts if c and c > 0)
            self._say(f"batch: {found} of {len(self.batch_queries)} queries find documents; "
                      "> and < step through them")

    def _batch_screen(self) -> BatchScreen | None:
        return next((s for s in self.screen_stack if isinstance(s, BatchScreen)), None)

    def _open_batch_list(self) -> None:
        if self._batch_screen() is not None:
            return

        def chosen(choice: int | None) -> None:
            if choice == -1:
                self.action_load_batch()
            elif choice is not None:
                self.run_batch_query(choice)

        self.push_screen(BatchScreen(Path(self.batch_path).name, self.batch_queries,
                                     list(self.batch_counts), self.batch_at), chosen)

    def batch_allowed(self) -> bool:
        """> and < work once a batch is loaded, and not over its list (Enter chooses there)."""
        return bool(self.batch_queries) and not isinstance(self.screen, BatchScreen)

    def action_batch_step(self, step: int) -> None:
        if not self.batch_queries:
            self._say("no batch loaded: B loads a file of queries, one a line")
            return
        at = (0 if step > 0 else len(self.batch_queries) - 1) if self.batch_at is None \
            else self.batch_at + step
        if not 0 <= at < len(self.batch_queries):
            self._say(f"{'last' if step > 0 else 'first'} query of the batch "
                      f"({self.batch_at + 1}/{len(self.batch_queries)}); B shows the list")
            return
        self.run_batch_query(at)

    def run_batch_query(self, at: int) -> None:
        """Run the batch's query ``at`` in the results pane."""
        self.batch_at = at
        run_query(self, self.batch_queries[at])

    def batch_title(self, query: str) -> str:
        """' · batch 2/3' after the results' title while they are a batch query's."""
        at = self.batch_at
        if at is None or at >= len(self.batch_queries) or self.batch_queries[at] != query:
            return ""
        return f" · batch {at + 1}/{len(self.batch_queries)} (< >)"
