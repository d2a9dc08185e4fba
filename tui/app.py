"""The casework explorer (minimal first version: search box and results).

Uses only casework.index's public API. spaCy is never imported here: building the demo index
happens in a worker thread through ``casework.index.build_seeds``, which loads it only then.
"""

from __future__ import annotations

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from casework.index import CaseworkError, build_seeds, index_exists, open_index


class CaseworkApp(App):
    TITLE = "casework"
    BINDINGS = [
        Binding("slash", "focus_search", "Search", id="search"),
        Binding("q", "quit", "Quit", id="quit"),
    ]

    def __init__(self, index_path: str | None = None):
        super().__init__()
        self.index_path = index_path
        self.cw = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="Search (AND by default; OR, NOT, \"phrase\", wild*, fuzzy~)",
                    id="search")
        yield Static("", id="status")
        yield OptionList(id="results")
        yield Footer()

    def on_mount(self) -> None:
        self.open_or_build()

    @work(thread=True, exclusive=True, group="index", exit_on_error=False)
    def open_or_build(self) -> None:
        if not index_exists(self.index_path):
            self.call_from_thread(self._status, "Building the demo index from the bundled seeds…")
            build_seeds(self.index_path)
        self.cw = open_index(self.index_path)
        self.call_from_thread(self._status, f"{self.cw.document_count()} documents. Type to search.")

    def _status(self, text: str) -> None:
        from rich.text import Text

        self.query_one("#status", Static).update(Text(text))

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.run_search(event.value)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def run_search(self, query: str) -> None:
        if self.cw is None or not query.strip():
            return
        try:
            result = self.cw.search(query, limit=50)
        except CaseworkError as exc:
            self.call_from_thread(self._status, str(exc))
            return
        self.call_from_thread(self._show, result)

    def _show(self, result) -> None:
        from casework.index.render import safe_text, snippet_text

        results = self.query_one("#results", OptionList)
        results.clear_options()
        for hit in result.hits:
            results.add_option(Option(safe_text(hit.title, "bold") + "\n" + snippet_text(hit), id=hit.doc_id))
        msg = f"{result.total} documents match"
        if result.total == 0 and result.suggestion:
            msg += f" — did you mean {result.suggestion}?"
        self._status(msg)


def run(index_path: str | None = None) -> None:
    CaseworkApp(index_path).run()
