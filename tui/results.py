"""The results list: one option per hit (title, entity count, snippet with matches marked)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from casework.index.models import SearchResult
from casework.tui.render import safe_text, snippet_text

from casework.tui import bindings
from casework.tui.messages import LoadMoreResults, OpenDocument, PreviewDocument



def hit_prompt(hit) -> Text:
    text = safe_text(hit.title, "bold")
    text.append(f"\n{hit.entities} entities · ", style="dim")
    text.append_text(_one_line(snippet_text(hit)))
    return text


def _one_line(text: Text) -> Text:
    """The same text with newlines as spaces (same length, so its spans still fit)."""
    out = text.copy()
    out.plain = text.plain.replace("\n", " ")
    return out


class ResultsList(OptionList):
    BINDINGS = bindings.LIST

    def __init__(self, **kwargs):
        super().__init__(markup=False, **kwargs)
        self.result: SearchResult | None = None
        self._hits: list = []

    def show_result(self, result: SearchResult, append: bool = False) -> None:
        if not append:
            self.clear_options()
            self._hits = []
        else:
            self._remove_more()
        start = len(self._hits)
        self._hits.extend(result.hits)
        self.add_options(
            [Option(hit_prompt(h), id=f"hit:{start + i}") for i, h in enumerate(result.hits)]
        )
        remaining = result.total - len(self._hits)
        if remaining > 0:
            self.add_option(Option(Text(f"… {remaining} more (loading as you reach them)", style="italic"), id="more"))
        self.result = result
        if not append and self._hits:
            self.highlighted = 0

    @property
    def loaded(self) -> int:
        return len(self._hits)

    def _remove_more(self) -> None:
        try:
            self.remove_option("more")
        except Exception:  # no "more" row
            pass

    def action_select(self) -> None:
        if self.option_count == 0:
            self.post_message(LoadMoreResults(open_first=True))  # Enter typed ahead of the results
            return
        super().action_select()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        option_id = event.option.id or ""
        if option_id == "more" and self.has_focus:
            self.post_message(LoadMoreResults())  # scrolling onto the last row loads the next page
        elif option_id.startswith("hit:") and self.has_focus:
            self.post_message(PreviewDocument(self._hits[int(option_id[4:])].doc_id))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        option_id = event.option.id or ""
        if option_id == "more":
            self.post_message(LoadMoreResults())
        elif option_id.startswith("hit:"):
            hit = self._hits[int(option_id[4:])]
            self.post_message(OpenDocument(hit.doc_id))
