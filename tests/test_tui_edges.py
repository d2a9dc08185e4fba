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


def _footer(app) -> dict[str, str]:
    """The keys the footer shows now: key -> description."""
    return {key: b.binding.description for key, b in app.screen.active_bindings.items()
            if b.binding.show and b.enabled}


@pilot_test
async def test_each_pane_has_its_own_footer(seeds_index):
    async with opened(seeds_index, (80, 24)) as (app, pilot):
        await type_query(app, pilot, "Harfuch")
        search = _footer(app)
        assert search["enter"] == "Results" and search["ctrl+q"] == "Quit"
        assert "slash" not in search  # a character in the box, not a key
        await pilot.press("enter")
        results = _footer(app)
        assert results["enter"] == "Open" and results["ctrl+q"] == "Quit" and "v" in results
        await pilot.press("enter")
        await settle(app, pilot)
        document = _footer(app)
        assert document["n"] == "Next mention" and "enter" not in document
        app.action_pane("entities")
        await settle(app, pilot)
        entities = _footer(app)
        assert entities["enter"] == "Card"
        assert {"m", "r", "l", "h", "u"} <= set(entities)  # curation keys, where they work
        assert len({tuple(sorted(f.items())) for f in (search, results, document, entities)}) == 4
        assert "m" not in results and "m" not in document


@pilot_test
async def test_ctrl_q_is_on_the_help_screen_and_quits_from_the_search_box(seeds_index):
    async with opened(seeds_index, (80, 24)) as (app, pilot):
        await pilot.press("f1")
        await pilot.pause()
        assert "ctrl+q" in app.screen.table.plain.lower() or "^q" in app.screen.table.plain
        await pilot.press("escape")
        app.query_one(SearchBox).focus()
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.return_code == 0 and app._exit  # quitting, though the box holds focus


@pilot_test
async def test_digits_type_into_the_search_box_and_alt_digits_switch_panes(seeds_index):
    async with opened(seeds_index, (80, 24)) as (app, pilot):
        await type_query(app, pilot, "date:2024")
        assert app.query_one(SearchBox).value == "date:2024"
        await pilot.press("alt+3")
        await pilot.pause()
        assert app._active == "entities" and app.focused.id == "entities"


@pilot_test
async def test_results_show_file_names_two_rows_a_hit_or_one(make_index, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    for i in range(8):
        (folder / f"memo_{i}.txt").write_text(
            f"Memo {i} about the harbour\n\n" + "The harbour authority met in Veracruz. " * 30)
    make_index(folder)
    async with opened(make_index.path, (80, 24)) as (app, pilot):
        await type_query(app, pilot, "harbour")
        await pilot.press("enter")
        results = app.query_one(ResultsList)
        rows = ["".join(s.text for s in results.render_line(y)) for y in range(results.size.height)]
        shown = [r for r in rows if r.strip()]
        names = [n for n in (f"memo_{i}.txt" for i in range(8)) if any(n in r for r in shown)]
        assert len(names) >= 7, shown  # 16 rows of results at 80x24: 2 rows a hit
        assert all(f"{n} · Text · " in "".join(shown) for n in names), shown  # name and type
        snippets = [r.split(" ent · ", 1)[1] for r in shown if " ent · " in r]
        assert snippets and not any(s.lstrip("… ").startswith("Memo") for s in snippets)
        await pilot.press("v")
        await pilot.pause()
        rows = ["".join(s.text for s in results.render_line(y)) for y in range(8)]
        assert all(f"memo_" in r and "Memo" in r for r in rows), rows  # one row a hit
        assert all(".txt · Text  Memo" in r for r in rows), rows


@pilot_test
async def test_timeline_view_opens_the_document_at_the_sentence(make_index, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    filler = "".join(f"Paragraph {i} says nothing dated at all.\n\n" for i in range(60))
    (folder / "long.txt").write_text("A long report\n\n" + filler +
                                     "The ministry paid the contractor on Feb. 22, 2025 in full.\n")
    make_index(folder)
    async with opened(make_index.path, (80, 24)) as (app, pilot):
        await type_query(app, pilot, "ministry")
        await pilot.press("escape", "T")
        await settle(app, pilot)
        screen = app.screen
        assert [e.iso_start for e in screen.events] == ["2025-02-22"]
        await pilot.press("enter")
        await settle(app, pilot)
        view = app.query_one(DocumentView)
        assert app.focused is view and view.doc.title == "A long report"
        shown = "".join(s.text for y in range(view.size.height) for s in view.render_line(y))
        assert "Feb. 22, 2025" in shown  # scrolled to the sentence, far below the top
