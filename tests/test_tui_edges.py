"""Rough edges a newcomer hit in the explorer (issue 23, point 7), and the timeline view."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.color import Color

from casework.tui.document_view import DocumentView
from casework.tui.render import LABEL_STYLES, label_style
from casework.tui.results import ResultsList
from casework.tui.search_pane import SearchBox

from test_tui import opened, pilot_test, settle, type_query


def _luminance(c: Color) -> float:
    def channel(v: int) -> float:
        v = v / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)


def contrast(style: Style, app) -> float:
    """WCAG contrast of a style as the explorer draws it: through its line filters (NO_COLOR's
    monochrome among them). A colour left to the terminal ('default') counts as readable."""
    (seg,) = [Segment("x", style)]
    for line_filter in app.get_line_filters():
        (seg,) = line_filter.apply([seg], Color(0, 0, 0))
    fg, bg = seg.style.color, seg.style.bgcolor
    if fg is None or bg is None or fg.is_default or bg.is_default:
        return 21.0
    fg, bg = Color.from_rich_color(fg), Color.from_rich_color(bg)
    if seg.style.reverse:
        fg, bg = bg, fg
    hi, lo = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pilot_test
async def test_no_color_labels_are_readable_and_marked_without_colour(seeds_index, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    async with opened(seeds_index, (120, 40)) as (app, pilot):
        await type_query(app, pilot, "Sheinbaum")
        await pilot.press("enter", "enter")
        await settle(app, pilot)
        view = app.query_one(DocumentView)
        base = view.rich_style
        for label in LABEL_STYLES:
            style = label_style(label, view.colour)
            assert style.underline or style.bold or style.italic, label
            assert contrast(base + style, app) >= 4.5, label
        # every piece of the document as drawn: entity marks, tags and plain text
        drawn = [seg for y in range(view.size.height) for seg in view.render_line(y)
                 if seg.text.strip()]
        assert any(seg.style.underline for seg in drawn)
        worst = min(contrast(seg.style, app) for seg in drawn)
        assert worst >= 4.5, worst
        assert "[PER]" in view._raw  # and a tag after each mention


async def _search(app, pilot, query: str) -> None:
    await type_query(app, pilot, query)
    await settle(app, pilot, 0.3)


@pilot_test
async def test_a_new_search_previews_its_first_hit_at_every_width(seeds_index):
    """At 120 columns the document pane kept the previous, non-matching document until the
    cursor moved."""
    for size in ((120, 40), (80, 24)):
        async with opened(seeds_index, size) as (app, pilot):
            await _search(app, pilot, "Harfuch")
            view = app.query_one(DocumentView)
            assert view.doc.doc_id == app.last_result.hits[0].doc_id
            await _search(app, pilot, "fentanyl")
            assert view.doc.doc_id == app.last_result.hits[0].doc_id
            assert "fentanyl" in view.doc.text.lower()
            assert isinstance(app.focused, SearchBox) and app.history == []
            await _search(app, pilot, "zzqqxx")  # no hits: nothing stale is left showing
            assert app.last_result.total == 0 and view.doc is None
