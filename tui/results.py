"""The results list: one option per hit — title, then file name and type, entity count and
snippet with matches marked, each line cut at the pane's width; ``v`` makes it one line a hit."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from casework.index.models import SearchResult
from casework.tui.render import name_and_type, safe_text, snippet_text

from casework.tui import bindings
from casework.tui.family import part_prefix
from casework.tui.messages import LoadMoreResults, OpenHit, PreviewDocument



def file_name(path: str) -> str:
    """The last part of a hit's path ('a.pdf', or 'b.txt' for 'a.zip//b.txt')."""
    return path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


def hit_prompt(hit, compact: bool = False) -> Text:
    """Two rows: the title; the file name and type, entity count and snippet (without the
    title it often opens with). ``compact``: one row, file name, type and title. Rows are
    cut, never wrapped (app.tcss), so a hit takes one or two rows at any width."""
    if compact:
        text = name_and_type(hit)
        text.append("  ")
        text.append_text(safe_text(hit.title, "bold"))
    else:
        text = safe_text(hit.title, "bold")
        text.append("\n")
        text.append_text(name_and_type(hit))
        snippet = _one_line(snippet_text(hit))
        title = " ".join(hit.title.split()).rstrip("…")  # a long title is cut with "…"
        lead = snippet.plain.lstrip()
        if title and lead.startswith(title):
            snippet = snippet[len(snippet.plain) - len(lead) + len(title):]
            snippet = snippet[len(snippet.plain) - len(snippet.plain.lstrip(" .:—-")):]
        text.append(f" · {hit.entities} ent · ", style="dim")
        text.append_text(snippet)
    text = _marked_as_part(text, hit.path)
    text.no_wrap = True
    text.overflow = "ellipsis"
    return text


def _marked_as_part(text: Text, path: str) -> Text:
    """A hit found inside another file says so at the start of its file-name row:
    '└ attachment of mail.eml · contract.pdf …'. Hits stay in rank order (grouping them under
    their parent would reorder the ranking and split pages); the parts tree (P) shows the family."""
    prefix = part_prefix(path)
    if prefix is None:
        return text
    row = text.plain.find("\n") + 1  # the second row, or the only one (compact)
    return text[:row] + prefix + text[row:]


def _one_line(text: Text) -> Text:
    """The same text with newlines as spaces (same length, so its spans still fit)."""
    out = text.copy()
    out.plain = text.plain.replace("\n", " ")
    return out


class ResultsList(OptionList):
    BINDINGS = bindings.RESULTS

    def __init__(self, **kwargs):
        super().__init__(markup=False, **kwargs)
        self.result: SearchResult | None = None
        self.query: str | None = None  # the query (as in the search box) these results are for
        self._hits: list = []
        self.compact = False  # one line a hit (v)

    def show_result(self, result: SearchResult, query: str, append: bool = False) -> None:
        self.query = query
        if not append:
            self.clear_options()
            self._hits = []
        else:
            self._remove_more()
        start = len(self._hits)
        self._hits.extend(result.hits)
        self.add_options([Option(hit_prompt(h, self.compact), id=f"hit:{start + i}")
                          for i, h in enumerate(result.hits)])
        remaining = result.total - len(self._hits)
        if remaining > 0:
            self.add_option(Option(Text(f"… {remaining} more (loading as you reach them)", style="italic"), id="more"))
        self.result = result
        if not append and self._hits:
            self.highlighted = 0

    def action_toggle_compact(self) -> None:
        """One line a hit, or two (title and file name; entity count and snippet)."""
        self.compact = not self.compact
        for i, hit in enumerate(self._hits):
            self.replace_option_prompt(f"hit:{i}", hit_prompt(hit, self.compact))

    @property
    def highlighted_hit(self):
        """The hit under the cursor, or None (no hits, or the "more" row)."""
        option = self.highlighted_option
        option_id = (option.id if option is not None else None) or ""
        return self._hits[int(option_id[4:])] if option_id.startswith("hit:") else None

    @property
    def loaded(self) -> int:
        return len(self._hits)

    def _remove_more(self) -> None:
        try:
            self.remove_option("more")
        except Exception:  # no "more" row
            pass

    def action_select(self) -> None:
        option = self.highlighted_option
        if option is not None and option.id == "more":
            super().action_select()
            return
        # The hit is read now, with the query of the list it is on: keys typed ahead may reach
        # this list before the results they were typed for (the app sorts that out).
        hit = self.highlighted_hit
        self.post_message(OpenHit(hit.doc_id if hit is not None else None, self.query))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        option_id = event.option.id or ""
        if option_id == "more" and self.has_focus:
            self.post_message(LoadMoreResults())  # scrolling onto the last row loads the next page
        elif option_id.startswith("hit:") and self.has_focus:
            self.post_message(PreviewDocument(self._hits[int(option_id[4:])].doc_id))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()  # only the "more" row gets here (action_select)
        if event.option.id == "more":
            self.post_message(LoadMoreResults())
