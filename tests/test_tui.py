"""Pilot tests of the explorer on real indexes (real spaCy model, real Whoosh, real SQLite)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from textual.worker import WorkerCancelled

from casework.index.models import Document, Mention
from casework.tui.app import CaseworkApp
from casework.tui.document_view import DocumentView, wrap_offsets
from casework.tui.entities_pane import EntitiesPane
from casework.tui.help_screen import HelpScreen
from casework.tui.results import ResultsList
from casework.tui.search_pane import SearchBox
from casework.tui.xref_pane import XrefPane


def pilot_test(fn):
    """Run an async Pilot test with asyncio (no async pytest plugin is pinned)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return asyncio.run(fn(*args, **kwargs))

    return wrapper


async def settle(app, pilot, delay: float = 0.0) -> None:
    """Let debounce timers fire and every worker finish."""
    if delay:
        await pilot.pause(delay)
    settled = 0
    for _ in range(20):
        try:
            await app.workers.wait_for_complete()
        except WorkerCancelled:  # an exclusive worker replaced by a newer one, as designed
            settled = 0
        else:
            settled += 1
        await pilot.pause()
        if settled == 3:
            break


async def ready(app, pilot) -> None:
    await settle(app, pilot)
    assert app.cw is not None


@contextlib.asynccontextmanager
async def opened(index, size=(120, 40)):
    """The app on ``index``, running headless, with the index open."""
    app = CaseworkApp(index)
    async with app.run_test(size=size) as pilot:
        await ready(app, pilot)
        yield app, pilot


async def type_query(app, pilot, query: str) -> None:
    app.query_one(SearchBox).focus()
    app.query_one(SearchBox).value = ""
    await pilot.press(*query) if query else None
    await settle(app, pilot, 0.15)


def option_ids(option_list) -> list[str]:
    return [option_list.get_option_at_index(i).id for i in range(option_list.option_count)]


@pilot_test
async def test_main_path_query_document_entity_xref_and_back(seeds_index):
    async with opened(seeds_index, (120, 40)) as (app, pilot):
        await type_query(app, pilot, "Harfuch")
        results = app.query_one(ResultsList)
        assert app.last_result.total >= 1
        await pilot.press("enter")  # search box -> results
        assert app.focused is results
        await pilot.press("enter")  # open the first hit
        await settle(app, pilot)
        view = app.query_one(DocumentView)
        first_doc = view.doc.doc_id
        assert app.focused is view
        assert view.marks, "search terms are marked in the document"
        await pilot.press("n")
        assert view.current_mark is not None
        assert view.doc.text[slice(*view.current_mark)].lower() == "harfuch"

        # Entities pane: grouped by label with counts; pick an entity that is in both seeds.
        await pilot.press("tab")
        entities = app.query_one(EntitiesPane)
        assert app.focused is entities
        ids = option_ids(entities)
        assert ids[0].startswith("label:")
        mexico = next(s for s in entities._summaries if s.name == "Mexico")
        entities.highlighted = entities.get_option_index(f"ent:{mexico.entity_id}")
        await pilot.press("enter")
        await settle(app, pilot)
        xref = app.query_one(XrefPane)
        assert app.focused is xref
        assert xref.card.entity_id == mexico.entity_id
        assert len(xref.card.documents) == 2
        assert view.selected_entity == mexico.entity_id

        # Enter on a KWIC line in the other document opens it scrolled to that mention.
        other = next(i for i, d in enumerate(xref.card.documents) if d.doc_id != first_doc)
        mention = xref.card.documents[other].mentions[-1]
        xref.highlighted = xref.get_option_index(f"m:{other}:{len(xref.card.documents[other].mentions) - 1}")
        await pilot.press("enter")
        await settle(app, pilot)
        assert view.doc.doc_id == xref.card.documents[other].doc_id
        assert view.current_mark == (mention.start, mention.end)
        assert "Mexico" in view.visible_text()

        # Back: the entity, then the first document; forward again.
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        assert view.doc.doc_id == first_doc
        await pilot.press("right_square_bracket")
        await settle(app, pilot)
        assert app.history[-1].kind == "entity"


@pilot_test
async def test_stale_query_never_replaces_newer_one(seeds_index):
    async with opened(seeds_index, (120, 40)) as (app, pilot):
        await type_query(app, pilot, "Harfuch")
        newer = app.last_result
        old = app.cw.search("Mexico")
        app._show_result(old, app._search_seq - 1, "Mexico")  # a slow, older query lands late
        assert app.last_result is newer
        assert app.query_one(ResultsList).result is newer


@pilot_test
async def test_malformed_query_keeps_last_good_results_and_says_why(seeds_index):
    async with opened(seeds_index, (120, 40)) as (app, pilot):
        await type_query(app, pilot, "cartel")
        good = app.last_result
        app.query_one(SearchBox).value = "cartel " * 400  # a pasted wall of text
        await settle(app, pilot, 0.15)
        assert app.last_result is good
        assert app.query_one(ResultsList).option_count >= good.total
        message = str(app.query_one("#message").render())
        assert "⚠" in message and "too long" in message


@pilot_test
async def test_zero_results_show_spelling_suggestion(seeds_index):
    async with opened(seeds_index, (120, 40)) as (app, pilot):
        await type_query(app, pilot, '"sheinbam"')  # in quotes: searched as typed
        assert app.last_result.total == 0
        assert 'did you mean: "sheinbaum"' in str(app.query_one("#message").render())


@pilot_test
async def test_a_corrected_search_says_so_in_the_status(seeds_index):
    async with opened(seeds_index, (120, 40)) as (app, pilot):
        await type_query(app, pilot, "sheinbam")
        assert app.last_result.total > 0
        message = str(app.query_one("#message").render())
        assert "sheinbaum" in message and '"sheinbam"' in message and "instead" in message


MARKUP_DOC = textwrap.dedent("""\
    Harfuch said [bold]x[/bold] and [@click=app.quit]quit[/] then [/] and [red]red[/red].
    An escape: \x1b[31mred\x1b[0m and a title set \x1b]0;owned\x07 here.
    """)


@pilot_test
async def test_markup_in_document_is_shown_literally(make_index, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "markup.txt").write_text(MARKUP_DOC, encoding="utf-8")
    make_index(folder)
    async with opened(make_index.path, (120, 40)) as (app, pilot):
        await type_query(app, pilot, "Harfuch")
        await pilot.press("enter", "enter")
        await settle(app, pilot)
        view = app.query_one(DocumentView)
        shown = view.visible_text()
        assert "[@click=app.quit]quit[/]" in shown
        assert "[bold]x[/bold]" in shown and "[red]red[/red]" in shown
        assert "\x1b" not in shown and "␛[31m" in shown
        rendered = "".join(seg.text for y in range(3) for seg in view.render_line(y))
        assert "[@click=app.quit]quit[/]" in rendered and "\x1b" not in rendered
        # Nothing in the strips carries a click action.
        assert not any(seg.style and seg.style.meta for y in range(3) for seg in view.render_line(y))
        col = shown.index("[@click") + 3
        region = view.content_region
        await pilot.click(view, offset=(col + 1, 1))
        await pilot.click(view, offset=(col + 1, 1))
        await settle(app, pilot)
        assert app.is_running
        results_text = str(app.query_one(ResultsList).get_option_at_index(0).prompt)
        assert "[@click=app.quit]" in results_text or "Harfuch" in results_text
        assert region.width > 0


def big_document(size: int = 2_000_000) -> Document:
    para = ("Claudia Sheinbaum met Omar García Harfuch in Mexico City to discuss the cartel. "
            "[bold]not markup[/bold] ") * 6 + "\n\n"
    text = (para * (size // len(para) + 1))[:size]
    mentions, pos = [], 0
    while True:
        pos = text.find("Sheinbaum", pos)
        if pos == -1:
            break
        mentions.append(Mention(pos, pos + 9, "Sheinbaum", "PERSON", "e1"))
        pos += 9
    return Document("big", "big.txt", "/big.txt", text, mentions, size=size)


@pilot_test
async def test_two_megabyte_document_opens_without_freezing(seeds_index):
    doc = big_document()
    async with opened(seeds_index, (120, 40)) as (app, pilot):
        view = app.query_one(DocumentView)
        started = time.perf_counter()
        app._doc_seq += 1
        app._show_document(doc, [], [], None, "e1", app._doc_seq)
        await pilot.pause()
        took = time.perf_counter() - started
        assert took < 2.0, f"opening 2 MB took {took:.2f}s"
        assert view.virtual_size.height > 20_000
        started = time.perf_counter()
        await pilot.press("G", "pagedown", "g", "pageup", "N", "n", "n")
        await pilot.pause()
        moved = time.perf_counter() - started
        assert moved < 1.0, f"moving through 2 MB took {moved:.2f}s"
        assert view.current_mark == (doc.entities[1].start, doc.entities[1].end)
        assert "Sheinbaum" in view.visible_text()


def test_wrap_offsets_cover_the_text_without_loss():
    text = "alpha beta gamma\n\n" + "x" * 25 + " delta epsilon zeta eta theta"
    lines = wrap_offsets(text, 10)
    assert all(e - s <= 10 for s, e in lines)
    joined = "".join(text[s:e] for s, e in lines).replace(" ", "")
    assert joined == text.replace(" ", "").replace("\n", "")


def test_search_terms_are_marked_ignoring_case_and_accents_as_the_index_does():
    from casework.tui.session import match_spans

    text = "Omar García Harfuch met GARCIA; garcíaX is another word. Łódź, Lodz."
    assert [text[s:e] for s, e in match_spans(text, ["garcia", "harfuch", "lodz"])] == [
        "García", "Harfuch", "GARCIA", "Łódź", "Lodz"]


def test_marks_are_the_words_the_engine_matched(seeds_index):
    from casework.index import open_index
    from casework.tui.session import match_spans

    with open_index(seeds_index) as cw:
        result = cw.search("sheinbam~ AND cartel")
        text = cw.document(result.hits[0].doc_id).text
    assert "sheinbaum" in result.terms
    marked = {text[s:e].lower() for s, e in match_spans(text, result.terms)}
    assert any(m.startswith("sheinbaum") for m in marked) and "cartel" in marked


@pilot_test
async def test_narrow_terminal_shows_one_pane_and_tab_switches(seeds_index):
    async with opened(seeds_index, (80, 24)) as (app, pilot):
        shown = [p.id for p in app.query(".pane") if p.display and p.styles.display != "none"]
        visible = [p for p in ("results", "document", "entities", "xref")
                   if app.query_one(f"#{p}").region.width > 0]
        assert visible == ["results"], (shown, visible)
        for expected in ("results", "document", "entities", "xref", "search"):
            await pilot.press("tab")
            await pilot.pause()
            if expected == "search":
                assert app.focused is app.query_one(SearchBox)
            else:
                assert app.focused.id == expected
                assert app.query_one(f"#{expected}").region.width == 80
        await pilot.press("shift+tab")
        assert app.focused.id == "xref"
        await pilot.press("3")
        assert app.focused.id == "entities"


@pilot_test
async def test_help_screen_lists_every_described_binding(seeds_index):
    async with opened(seeds_index, (100, 40)) as (app, pilot):
        app.query_one(ResultsList).focus()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.table.plain
        for binding in app.BINDINGS + DocumentView.BINDINGS + ResultsList.BINDINGS:
            if binding.action != "leave_search":  # listed under "Search box" in its own words
                assert binding.description in text
        assert "Back" in text and "Next mention" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


def test_every_binding_has_id_and_description():
    from casework.tui.app import CaseworkApp as App_

    for cls in (App_, DocumentView, ResultsList, EntitiesPane, XrefPane, HelpScreen):
        for b in cls.BINDINGS:
            assert b.id and b.description, (cls.__name__, b.key)


@pilot_test
async def test_command_palette_goes_to_entity_and_filters_label(seeds_index):
    async with opened(seeds_index, (120, 40)) as (app, pilot):
        async def palette(command: str) -> None:
            await pilot.press("ctrl+p")
            await pilot.pause(0.2)
            await pilot.press(*command)
            await pilot.pause(0.5)
            await pilot.press("enter")
            await settle(app, pilot)

        await palette("entity harfuch")
        assert "Harfuch" in app.query_one(XrefPane).card.name
        await palette("label: PERSON")
        entities = app.query_one(EntitiesPane)
        assert entities.label_filter == "PERSON"
        assert [i for i in option_ids(entities) if i.startswith("label:")] == ["label:PERSON"]


@pilot_test
async def test_index_wide_entities_load_a_page_per_label_as_the_cursor_reaches_it(
        seeds_index, monkeypatch):
    """No cap on the entities list: each label shows a page and a "… N more" row that loads
    the next page when reached (the page is 3 here, 50 in use)."""
    import casework.tui.app as app_module

    monkeypatch.setattr(app_module, "ENTITY_PAGE", 3)
    async with opened(seeds_index, (120, 40)) as (app, pilot):
        entities = app.query_one(EntitiesPane)
        totals = dict(app.cw.labels())
        label = max(totals, key=totals.get)
        assert totals[label] > 6, "the seeds have enough entities of one label to page"
        shown = lambda: [s for s in entities._summaries if s.label == label]  # noqa: E731
        assert len(shown()) == 3
        more = next(i for i in option_ids(entities) if i.startswith(f"more:{label}:"))
        app.action_pane("entities")
        entities.highlighted = entities.get_option_index(more)
        await settle(app, pilot)
        assert len(shown()) == 6
        assert entities.highlighted_entity == shown()[3].entity_id, "the cursor lands on the new page"
        expected = [s.entity_id for s in app.cw.entities(label=label, limit=6)]
        assert [s.entity_id for s in shown()] == expected
        assert f"of {sum(totals.values())}" in str(entities.border_title)


@pilot_test
async def test_first_run_builds_the_demo_index_in_a_worker(tmp_path):
    app = CaseworkApp(tmp_path / "fresh")
    async with app.run_test(size=(120, 40)) as pilot:
        seen_progress = False
        for _ in range(600):
            if app.query_one("#progress").display:
                seen_progress = "building" in str(app.query_one("#message").render()).lower() or seen_progress
            await pilot.press("x")  # the screen keeps taking keys while it builds
            await pilot.pause(0.05)
            if app.cw is not None:
                break
        await settle(app, pilot)
        assert seen_progress
        assert app.cw is not None and app.cw.document_count() == 2
        assert app.query_one(SearchBox).value.startswith("x")


def test_app_start_does_not_import_spacy(seeds_index):
    script = textwrap.dedent(f"""
        import asyncio, sys
        from casework.tui.app import CaseworkApp

        async def main():
            app = CaseworkApp({str(seeds_index)!r})
            async with app.run_test(size=(80, 24)) as pilot:
                await app.workers.wait_for_complete()
                await pilot.pause()
                assert app.cw is not None
                await pilot.press(*"mexico")
                await pilot.pause(0.2)
                await app.workers.wait_for_complete()
                assert app.last_result.total > 0
        asyncio.run(main())
        print("spacy" in sys.modules, "thinc" in sys.modules)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "False"]


async def type_ahead(app, pilot, query: str) -> None:
    """``query``, Enter, Enter in one write, as tmux send-keys, a paste or a slow SSH link
    deliver them: every key is queued before the search box has taken the first."""
    from textual.events import Key

    for key, char in [*((c, c) for c in query), ("enter", "\r"), ("enter", "\r")]:
        app.post_message(Key(key, char))
    await settle(app, pilot, 0.2)


@pilot_test
async def test_keys_typed_ahead_in_one_write_open_the_first_hit(seeds_index):
    """tmux send-keys, a paste or a slow SSH link deliver 'cartel⏎⏎' before any result exists."""
    async with opened(seeds_index, (80, 24)) as (app, pilot):
        await type_ahead(app, pilot, "cartel")
        view = app.query_one(DocumentView)
        assert view.doc is not None and app.focused is view
        assert view.doc.doc_id == app.last_result.hits[0].doc_id
        # the one document opened is that hit (not the row under the cursor of the list
        # showing when the second Enter came)
        assert [p.ident for p in app.history] == [view.doc.doc_id]


@pilot_test
async def test_enter_typed_ahead_opens_the_first_hit_of_its_query_not_the_row_showing(seeds_index):
    """The second Enter reaches the results while they still list every document; the first
    hit of 'mexico' is not the first of those, so the row showing must not be opened."""
    async with opened(seeds_index, (80, 24)) as (app, pilot):
        browse_first = app.last_result.hits[0].doc_id
        await type_ahead(app, pilot, "mexico")
        view = app.query_one(DocumentView)
        first = app.last_result.hits[0].doc_id
        assert first != browse_first  # what makes this test able to fail
        assert view.doc is not None and view.doc.doc_id == first and app.focused is view
        assert [p.ident for p in app.history] == [first]
        assert app.query_one(SearchBox).history[-1] == "mexico"  # remembered whole, not "m"


@pilot_test
async def test_an_open_under_way_outlives_results_with_no_hits(seeds_index):
    """Enter opened a hit; before the document is read, the answer to a search with no hits
    comes (typed ahead: the first letters of the query). The open still lands, and once it has,
    previews follow the results cursor again."""
    async with opened(seeds_index, (120, 40)) as (app, pilot):
        await type_query(app, pilot, "cartel")
        first, second = (h.doc_id for h in app.last_result.hits[:2])
        nothing = app.session.call_now(lambda cw: cw.search("zzqqx", limit=20), None)
        assert not nothing.hits
        with app.session._lock:  # the engine busy: the open's worker waits for it
            app.open_document(first)
            app._show_result(nothing, seq=app.session.newer("search"), query="zzqqx")
        await settle(app, pilot, 0.3)
        view = app.query_one(DocumentView)
        assert view.doc is not None and view.doc.doc_id == first and app.focused is view
        app.preview(second)
        await settle(app, pilot, 0.3)
        assert view.doc.doc_id == second


@pilot_test
async def test_no_color_shows_label_tags_and_n_still_lands_on_mentions(seeds_index, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    async with opened(seeds_index, (120, 40)) as (app, pilot):
        await type_query(app, pilot, "Harfuch")
        await pilot.press("enter", "enter")
        await settle(app, pilot)
        view = app.query_one(DocumentView)
        assert view.show_tags
        assert "[PER]" in view._raw or "[ORG]" in view._raw
        harfuch = next(m for m in view.doc.entities if "Harfuch" in m.text)
        app.select_entity(harfuch.entity_id)
        await settle(app, pilot)
        for _ in range(len(view.marks) + 1):
            view.action_next_mark()
            s, e = view.current_mark
            ds, de = view._dmarks[view._current]
            assert view._raw[ds:de] == view.doc.text[s:e]
        tagged = view._raw
        view.action_toggle_tags()  # `t`: back to plain text, same place
        assert not view.show_tags and view._raw == view.doc.text.replace("\t", " ")
        assert len(tagged) > len(view._raw)
        line = "".join(seg.text for seg in view.render_line(0))
        assert line.strip()


@pilot_test
async def test_palette_rebuild_rescans_the_indexed_folder(make_index, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "one.txt").write_text("Omar García Harfuch spoke in Mexico City.\n", encoding="utf-8")
    make_index(folder)
    async with opened(make_index.path, (120, 40)) as (app, pilot):
        assert app.cw.document_count() == 1
        (folder / "two.txt").write_text("Claudia Sheinbaum visited Jalisco.\n", encoding="utf-8")
        app.action_rebuild()
        for _ in range(400):
            await pilot.pause(0.05)
            if app.cw is not None and not app.workers._workers:
                break
        await settle(app, pilot)
        assert app.cw.document_count() == 2
        assert "Indexed 2 documents" in str(app.query_one("#message").render())


@pilot_test
async def test_curation_keys_follow_what_the_engine_offers(seeds_copy, make_index):
    """With engine curation (issue 5), `r` in the entities pane renames through a prompt and
    `u` undoes; without it, the keys are switched off rather than failing."""
    from casework.index.api import Casework
    from casework.tui.prompt_screen import PromptScreen

    make_index(seeds_copy)
    async with opened(make_index.path) as (app, pilot):
        entities = app.query_one(EntitiesPane)
        app.action_pane("entities")
        await pilot.pause()
        entity_id = entities.highlighted_entity
        assert entity_id
        if not hasattr(Casework, "rename_entity"):
            assert app.check_action("curate", ("rename",)) is False
            await pilot.press("r")
            assert not isinstance(app.screen, PromptScreen)
            return
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        prompt = app.screen.query_one("#prompt-input")
        prompt.value = "Renamed Entity"
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.cw.entity(entity_id).name == "Renamed Entity"
        assert any(s.name == "Renamed Entity" for s in entities._summaries)
        app.action_pane("entities")
        await pilot.press("u")
        await settle(app, pilot)
        assert app.cw.entity(entity_id).name != "Renamed Entity"


@pilot_test
async def test_a_folder_that_is_not_an_index_is_one_line_not_a_crash(tmp_path):
    (tmp_path / "notes.txt").write_text("not an index\n", encoding="utf-8")
    app = CaseworkApp(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert app.cw is None and app.is_running
        message = str(app.query_one("#message").render())
        assert message.startswith("⚠") and "\n" not in message
        await pilot.press(*"mexico")  # typing into an app with no index does nothing harmful
        await settle(app, pilot, 0.1)
        assert app.is_running and app.last_result is None


@pilot_test
async def test_more_than_a_page_of_hits_loads_as_the_cursor_gets_there(make_index, tmp_path):
    from casework.tui.app import PAGE

    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(57):
        (folder / f"note_{i:02d}.txt").write_text(f"Note {i}: the cartel moved again.\n", encoding="utf-8")
    make_index(folder)
    async with opened(make_index.path) as (app, pilot):
        await type_query(app, pilot, "cartel")
        results = app.query_one(ResultsList)
        assert app.last_result.total == 57 and results.loaded == PAGE
        assert option_ids(results)[-1] == "more"
        results.focus()
        for _ in range(3):
            await pilot.press("end")
            await settle(app, pilot)
        assert results.loaded == 57 and "more" not in option_ids(results)
        assert len(set(h.doc_id for h in results._hits)) == 57


@pilot_test
async def test_wide_layout_previews_the_hit_under_the_cursor_without_history(seeds_index):
    async with opened(seeds_index, (120, 40)) as (app, pilot):
        await type_query(app, pilot, "cartel")
        await pilot.press("enter")  # to the results
        results = app.query_one(ResultsList)
        await pilot.press("j")
        await settle(app, pilot, 0.3)
        view = app.query_one(DocumentView)
        assert view.doc is not None and view.doc.doc_id == results._hits[1].doc_id
        assert app.focused is results and app.history == []
        assert view.current_mark is not None  # scrolled to the first match


@pilot_test
async def test_narrow_layout_previews_by_the_same_rule(seeds_index):
    """One preview rule at every width (issue 23): the document pane, one key away, holds the
    hit under the cursor; focus and the pane showing stay in the results."""
    async with opened(seeds_index, (80, 24)) as (app, pilot):
        await type_query(app, pilot, "cartel")
        await pilot.press("enter", "j")
        await settle(app, pilot, 0.3)
        results = app.query_one(ResultsList)
        assert app.query_one(DocumentView).doc.doc_id == results._hits[1].doc_id
        assert app.focused is results and app._active == "results"


@pilot_test
async def test_edit_key_needs_a_document_and_never_crashes_headless(seeds_index):
    async with opened(seeds_index, (120, 40)) as (app, pilot):
        assert app.check_action("edit", ()) is False  # no document yet: `e` is off
        await type_query(app, pilot, "cartel")
        await pilot.press("enter", "enter")
        await settle(app, pilot)
        assert app.check_action("edit", ()) is True
        await pilot.press("e")  # the headless driver cannot hand over the terminal
        await pilot.pause()
        assert app.is_running
        assert "cannot hand the terminal" in str(app.query_one("#message").render())


@pilot_test
async def test_merge_from_the_cross_reference_pane_then_hide_and_undo(seeds_copy, make_index):
    from casework.index.api import Casework
    from casework.tui.prompt_screen import PromptScreen

    if not hasattr(Casework, "merge_entities"):
        pytest.skip("engine without curation")
    make_index(seeds_copy)
    async with opened(make_index.path) as (app, pilot):
        first, second = app.cw.entities(label="PERSON", limit=2)
        keep, other = app.cw.entity(first.entity_id), app.cw.entity(second.entity_id)
        app.select_entity(keep.entity_id)
        await settle(app, pilot)
        assert app.focused is app.query_one(XrefPane)
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        app.screen.query_one("#prompt-input").value = other.name
        await pilot.press("enter")
        await settle(app, pilot)
        card = app.query_one(XrefPane).card
        assert card.entity_id == keep.entity_id
        assert other.name in {a.text for a in card.aliases}
        assert sum(len(d.mentions) for d in card.documents) > sum(len(d.mentions) for d in keep.documents)
        assert "⚠" not in str(app.query_one("#message").render())

        await pilot.press("h")  # hide it: the card goes, the entities list forgets it
        await settle(app, pilot)
        assert app.query_one(XrefPane).card is None
        ids = option_ids(app.query_one(EntitiesPane))
        assert f"ent:{keep.entity_id}" not in ids
        app.action_pane("entities")
        await pilot.press("u", "u")  # undo the hide, then the merge
        await settle(app, pilot)
        assert f"ent:{keep.entity_id}" in option_ids(app.query_one(EntitiesPane))
        assert other.name not in {a.text for a in app.cw.entity(keep.entity_id).aliases}


@pilot_test
async def test_an_empty_query_lists_every_document_so_the_first_screen_is_not_blank(seeds_index):
    async with opened(seeds_index, (80, 24)) as (app, pilot):
        results = app.query_one(ResultsList)
        assert option_ids(results) == ["hit:0", "hit:1"]
        assert results.border_title == "Documents (2)"
        await type_query(app, pilot, "Harfuch")
        assert results.border_title.startswith("Results")
        await type_query(app, pilot, "")
        await pilot.press("a", "backspace")
        await settle(app, pilot, 0.15)
        assert results.border_title == "Documents (2)" and results.option_count == 2
        await pilot.press("enter", "enter")
        await settle(app, pilot)
        assert app.query_one(DocumentView).doc is not None


@pilot_test
async def test_an_interrupted_run_too_big_to_finish_on_open_is_reported_in_the_app(too_big_to_repair):
    index = too_big_to_repair
    async with opened(index, (80, 24)) as (app, pilot):
        warnings = [n for n in app._notifications if n.severity == "warning"]
        assert len(warnings) == 1
        assert f"casework index --index {index}" in warnings[0].message
        assert app.query_one(ResultsList).option_count == 2, "the index still opens and lists"


def test_every_key_in_the_bindings_module_has_an_id_a_description_and_a_help_line():
    from casework.tui import bindings

    keys = [*bindings.APP, *bindings.CURATION, *bindings.LIST, *bindings.DOCUMENT,
            *bindings.HELP_SCREEN, *bindings.PROMPT]
    assert all(b.id and b.description for b in keys)
    on_help = {b.id for _, section in bindings.HELP_SECTIONS for b in section}
    for b in [*bindings.APP, *bindings.CURATION, *bindings.LIST, *bindings.DOCUMENT]:
        assert b.id in on_help or b.action == "leave_search", b.id  # that one in its own words


@pilot_test
async def test_session_drops_answers_to_requests_a_newer_one_replaced(seeds_index):
    async with opened(seeds_index, (80, 24)) as (app, pilot):
        session, answers, errors = app.session, [], []
        older, newer = session.newer("probe"), session.newer("probe")
        session.run("probe", lambda cw: "older", answers.append, seq=older, group="probe-1")
        session.run("probe", lambda cw: "newer", answers.append, seq=newer, group="probe-2")
        session.run("probe", lambda cw: cw.document("no-such-doc"), answers.append,
                    group="probe-3", failed=errors.append)
        await settle(app, pilot)
        assert answers == ["newer"]
        assert len(errors) == 1 and "\n" not in errors[0]
