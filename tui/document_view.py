"""The document pane: the full text, entity mentions styled by label, drawn line by line.

Only the lines on screen are turned into Rich ``Text`` and then into strips, so a 2 MB document
costs one pass to find line breaks (tens of milliseconds) and nothing per keystroke after that.
Document text is never parsed as markup: it goes into ``Text`` objects with styled spans.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from functools import lru_cache

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from casework.index.models import Document
from casework.tui.render import MATCH_STYLE, label_style, label_tag, wrap_offsets
from casework.index import printable_same_length

from casework.tui import bindings

# The mention that n/N or a cross-reference jumped to; reverse video survives NO_COLOR.
CURRENT_STYLE = Style(reverse=True, bold=True)
SELECTED_ENTITY_STYLE = Style(bold=True, overline=True)
TAG_STYLE = Style(dim=True)
PLAIN_TAG_STYLE = Style(italic=True)  # NO_COLOR: dim text on a grey background is unreadable


class DocumentView(ScrollView, can_focus=True):
    """A scrollable, lazily rendered document with marks for n / N."""

    BINDINGS = bindings.DOCUMENT

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.doc: Document | None = None
        self._source = ""  # the document text made printable; mention offsets index it
        self._raw = ""  # what is drawn: _source, plus a label tag after each mention with tags on
        self._shift_at: list[int] = []  # source offsets where tags were inserted
        self._shift_by: list[int] = []  # total characters inserted up to and including each
        self.show_tags = False
        self.colour = True  # False under NO_COLOR: labels by underline, weight, slant and tags
        self._dmarks: list[tuple[int, int]] = []
        self._lines: list[tuple[int, int]] = []
        self._line_starts: list[int] = []
        self._wrap_width = 0
        self._spans: list[tuple[int, int, Style]] = []
        self._span_starts: list[int] = []
        self._marks: list[tuple[int, int]] = []
        self._current: int | None = None  # index into _marks
        self._pending_offset: int | None = None
        self.selected_entity: str | None = None
        self.mark_kind = ""  # "mention" or "match": what n / N step through

    # -- content ------------------------------------------------------------------------
    def show(self, doc: Document, matches: list[tuple[int, int]] | None = None,
             entity_id: str | None = None, offset: int | None = None) -> None:
        """Show ``doc``; mark ``entity_id``'s mentions (else the search ``matches``, character
        ranges of the text) for n / N."""
        self.doc = doc
        self._source = printable_same_length(doc.text).replace("\t", " ")
        spans = self._layout_tags(doc)
        self._spans = spans
        self._span_starts = [s[0] for s in spans]
        self._wrap_width = 0
        self.set_marks(matches=matches, entity_id=entity_id, offset=offset)
        self._rewrap()
        self.scroll_to(0, 0, animate=False, immediate=True)
        if offset is not None:
            self.go_to_offset(offset)

    def _layout_tags(self, doc: Document) -> list[tuple[int, int, Style]]:
        """Build the drawn text (with label tags if on) and the entity spans in its offsets."""
        mentions = sorted((m for m in doc.entities if m.end > m.start), key=lambda m: m.start)
        self._shift_at, self._shift_by = [], []
        if not self.show_tags:
            self._raw = self._source
            return [(m.start, m.end, label_style(m.label, self.colour)) for m in mentions]
        parts, spans, pos, shift = [], [], 0, 0
        for m in mentions:
            if m.start < pos:
                continue  # overlapping mention: styled by the first one only
            tag = f"[{label_tag(m.label)}]"
            parts.append(self._source[pos : m.end])
            parts.append(tag)
            spans.append((m.start + shift, m.end + shift, label_style(m.label, self.colour)))
            spans.append((m.end + shift, m.end + shift + len(tag),
                          TAG_STYLE if self.colour else PLAIN_TAG_STYLE))
            shift += len(tag)
            self._shift_at.append(m.end)
            self._shift_by.append(shift)
            pos = m.end
        parts.append(self._source[pos:])
        self._raw = "".join(parts)
        return spans

    def _disp(self, offset: int, end: bool = False) -> int:
        """A source offset as an offset into the drawn text (an end stays before its tag)."""
        i = (bisect_left if end else bisect_right)(self._shift_at, offset) - 1
        return offset + (self._shift_by[i] if i >= 0 else 0)

    def action_toggle_tags(self) -> None:
        self.show_tags = not self.show_tags
        if self.doc is None:
            return
        anchor = self.source_top_offset()
        current = self._current
        spans = self._layout_tags(self.doc)
        self._spans, self._span_starts = spans, [s[0] for s in spans]
        self._dmarks = [(self._disp(s), self._disp(e, end=True)) for s, e in self._marks]
        self._current = current
        self._rewrap()
        self.go_to_offset(anchor, center=False)

    def _source_offset(self, display: int) -> int:
        i = bisect_right([a + b for a, b in zip(self._shift_at, self._shift_by)], display) - 1
        return display - (self._shift_by[i] if i >= 0 else 0)

    def set_marks(self, matches: list[tuple[int, int]] | None = None, entity_id: str | None = None,
                  offset: int | None = None) -> None:
        doc = self.doc
        if doc is None:
            return
        self.selected_entity = entity_id
        if entity_id:
            self._marks = sorted((m.start, m.end) for m in doc.entities if m.entity_id == entity_id)
            self.mark_kind = "mention"
        else:
            self._marks = list(matches or ())
            self.mark_kind = "match"
        self._dmarks = [(self._disp(s), self._disp(e, end=True)) for s, e in self._marks]
        self._current = None
        if offset is not None and self._marks:
            i = bisect_right([m[0] for m in self._marks], offset) - 1
            self._current = max(0, i)
        self._render_line.cache_clear()
        self.refresh()

    @property
    def marks(self) -> list[tuple[int, int]]:
        return self._marks

    @property
    def current_mark(self) -> tuple[int, int] | None:
        return None if self._current is None else self._marks[self._current]

    def clear(self) -> None:
        self.doc = None
        self._raw = self._source = ""
        self._spans, self._span_starts, self._marks, self._dmarks = [], [], [], []
        self._rewrap()

    # -- layout -------------------------------------------------------------------------
    def _rewrap(self) -> None:
        width = max(10, self.scrollable_content_region.width or 80)
        self._wrap_width = width
        self._lines = wrap_offsets(self._raw, width) if self.doc else []
        self._line_starts = [s for s, _ in self._lines]
        self._render_line.cache_clear()
        self.virtual_size = Size(width, len(self._lines))
        self.refresh()

    def on_resize(self) -> None:
        if self.doc is not None and self.scrollable_content_region.width != self._wrap_width:
            anchor = self.top_offset()
            self._rewrap()
            self._go_to_display(anchor, center=False)

    def line_of(self, offset: int) -> int:
        return max(0, bisect_right(self._line_starts, offset) - 1)

    def top_offset(self) -> int:
        """The character offset of the first line on screen."""
        y = int(self.scroll_offset.y)
        return self._lines[y][0] if 0 <= y < len(self._lines) else 0

    def source_top_offset(self) -> int:
        """The document offset of the first line on screen (tags not counted)."""
        return self._source_offset(self.top_offset())

    def go_to_offset(self, offset: int, center: bool = True) -> None:
        """Scroll so the document's character ``offset`` is in view (a third down if centred)."""
        self._go_to_display(self._disp(offset), center)

    def _go_to_display(self, offset: int, center: bool = True) -> None:
        line = self.line_of(offset)
        if center:
            line = max(0, line - max(1, self.scrollable_content_region.height // 3))
        self.scroll_to(0, line, animate=False, immediate=True)
        self.refresh()

    def visible_text(self) -> str:
        """The plain text of the lines on screen (for tests and the screen reader in us)."""
        y0 = int(self.scroll_offset.y)
        h = self.scrollable_content_region.height
        return "\n".join(self._raw[s:e] for s, e in self._lines[y0 : y0 + h])

    # Jumps, not animations: a 1 s glide to the end of a 2 MB document feels like a freeze.
    def action_scroll_home(self) -> None:
        self.scroll_home(animate=False)

    def action_scroll_end(self) -> None:
        self.scroll_end(animate=False)

    def action_page_down(self) -> None:
        self.scroll_page_down(animate=False)

    def action_page_up(self) -> None:
        self.scroll_page_up(animate=False)

    # -- n / N --------------------------------------------------------------------------
    def action_next_mark(self) -> None:
        self._step(+1)

    def action_previous_mark(self) -> None:
        self._step(-1)

    def _step(self, direction: int) -> None:
        if not self._marks:
            self.notify("Nothing to jump to: select an entity or search first", severity="warning",
                        timeout=3)
            return
        if self._current is None:
            top = self.top_offset()
            starts = [m[0] for m in self._dmarks]
            i = bisect_left(starts, top) if direction > 0 else bisect_left(starts, top) - 1
        else:
            i = self._current + direction
        i %= len(self._marks)
        self._current = i
        self._render_line.cache_clear()
        start = self._dmarks[i][0]
        line = self.line_of(start)
        y0 = int(self.scroll_offset.y)
        if not (y0 <= line < y0 + self.scrollable_content_region.height):
            self._go_to_display(start)
        self.refresh()
        self.border_subtitle = f"{self.mark_kind} {i + 1}/{len(self._marks)}"

    # -- drawing ------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        index = int(scroll_y) + y
        base = self.rich_style
        if index >= len(self._lines):
            return Strip.blank(width, base)
        strip = self._render_line(index)
        return strip.crop_extend(int(scroll_x), int(scroll_x) + width, base)

    @lru_cache(maxsize=512)
    def _render_line(self, index: int) -> Strip:
        start, end = self._lines[index]
        text = Text(self._raw[start:end], end="")
        i = max(0, bisect_left(self._span_starts, start) - 3)
        spans = self._spans
        while i < len(spans) and spans[i][0] < end:
            s, e, style = spans[i]
            if e > start:
                text.stylize(style, max(s, start) - start, min(e, end) - start)
            i += 1
        for mi, (s, e) in self._marks_in(start, end):
            style = CURRENT_STYLE if mi == self._current else (
                SELECTED_ENTITY_STYLE if self.mark_kind == "mention" else MATCH_STYLE)
            text.stylize(style, max(s, start) - start, min(e, end) - start)
        segments = list(text.render(self.app.console))
        strip = Strip(segments)
        return strip.apply_style(self.rich_style)

    def _marks_in(self, start: int, end: int):
        marks = self._dmarks
        if not marks:
            return
        lo = max(0, bisect_left(marks, (start, 0)) - 2)
        for mi in range(lo, len(marks)):
            s, e = marks[mi]
            if s >= end:
                break
            if e > start:
                yield mi, (s, e)

