"""A document cannot take over the terminal: escapes, control characters and markup in document
text and in file names are shown inert by every CLI command, and --json stays valid JSON."""

from __future__ import annotations

import json
import os
import re

import pytest

from casework.index.indexer import build
from casework.index.store import IndexDir
from tests.conftest import run_cli

CSI_RED = "\x1b[31m"
CLEAR = "\x1b[2J\x1b[H"
OSC52 = "\x1b]52;c;cm0gLXJmIH4=\x07"  # would put 'rm -rf ~' on the clipboard
OSC8 = "\x1b]8;;https://evil.example/\x1b\\click me\x1b]8;;\x1b\\"
C1_CSI = "\x9b31m"
BEL = "\x07"
MARKUP = "[bold red]loud[/] [@click=app.quit]quit[/] [link=https://evil.example]x[/link]"

HOSTILE_TEXT = (
    f"{CSI_RED}Breaking{BEL} news {OSC8} {MARKUP}\n\n"
    f"Claudia Sheinbaum met officials in Mexico City {OSC52} on Tuesday.{CLEAR}\n"
    f"Omar García Harfuch spoke about the cartel {C1_CSI} in Sinaloa.\rOverwritten line.\n"
    "Sheinbaum and Harfuch visited Mexico City again.\n"
)
HOSTILE_NAMES = [
    f"osc52{OSC52}.txt",
    f"csi{CSI_RED}red{BEL}.txt",
    "cr\rover.txt",
    "[bold]markup[@click=app.quit].txt",
]
# What must never reach the terminal: ESC, BEL, CR, the C1 CSI, and markup turned into style.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.fixture(scope="module")
def hostile_index(tmp_path_factory, annotator):
    base = tmp_path_factory.mktemp("terminal")
    folder = base / "docs"
    folder.mkdir()
    for name in HOSTILE_NAMES:
        (folder / name).write_text(HOSTILE_TEXT + f"\nFile {name}.\n", encoding="utf-8")
    (folder / f"title{CLEAR}.md").write_text(f"# {CSI_RED}Title {OSC52}{MARKUP}\n\nMexico City.\n",
                                             encoding="utf-8")
    # a skipped file and a failed file whose names carry escapes, for the summary lines
    # binary: a file with an unknown extension is sniffed, and text in it would be indexed
    (folder / f"skip.{OSC52}").write_bytes(b"\x00\x01\x02 not a document")
    os.symlink("nowhere", folder / f"gone{CSI_RED}{BEL}.txt")
    index = base / "index"
    build(IndexDir(index), [folder], annotator=annotator)
    return folder, index


def _assert_inert(proc) -> None:
    for stream in (proc.stdout, proc.stderr):
        assert "Traceback" not in stream
        bad = FORBIDDEN.findall(stream.replace("\n", "").replace("\t", ""))
        assert not bad, f"control characters reached the terminal: {bad!r}\n{stream!r}"


_DOC_IDS: dict[str, list[str]] = {}


def _doc_ids(index) -> list[str]:
    if str(index) not in _DOC_IDS:
        proc = run_cli("search", "Mexico", "--json", "-n", "50", index=index)
        _DOC_IDS[str(index)] = [h["doc_id"] for h in json.loads(proc.stdout)["hits"]]
    return _DOC_IDS[str(index)]


def test_search_output_is_inert_and_markup_is_literal(hostile_index):
    _, index = hostile_index
    proc = run_cli("search", "Mexico", "-n", "50", index=index)
    assert proc.returncode == 0
    _assert_inert(proc)
    assert "[@click=app.quit]" in proc.stdout  # shown, not interpreted
    assert "␛" in proc.stdout  # the escape is visible


def test_show_entities_entity_related_are_inert(hostile_index):
    _, index = hostile_index
    ids = _doc_ids(index)
    assert len(ids) == 5
    for doc_id in ids[:2]:  # the .md one and a .txt one
        for args in (("show", doc_id), ("entities", "--doc", doc_id), ("related", doc_id)):
            proc = run_cli(*args, index=index)
            assert proc.returncode in (0, 1), proc.stderr
            _assert_inert(proc)
    shown = run_cli("show", ids[0], index=index)
    assert "[bold red]loud[/]" in shown.stdout
    for args in (("entities", "-n", "1000"), ("entity", "Sheinbaum"), ("entity", "Mexico City")):
        proc = run_cli(*args, index=index)
        assert proc.returncode in (0, 1), proc.stderr
        _assert_inert(proc)


def test_show_in_a_colour_terminal_keeps_only_our_own_styles(hostile_index):
    """With colour forced on, the only escapes are SGR styles rich emits, none from the text."""
    _, index = hostile_index
    doc_id = _doc_ids(index)[0]
    proc = run_cli("show", doc_id, index=index, env={"NO_COLOR": "", "FORCE_COLOR": "1",
                                                       "TERM": "xterm-256color"})
    assert proc.returncode == 0
    without_sgr = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout)
    assert not FORBIDDEN.findall(without_sgr.replace("\n", ""))
    assert "]52;" not in re.sub(r"␛\]52;", "", proc.stdout)


def test_index_summary_skipped_and_failed_lines_are_inert(hostile_index, tmp_path):
    folder, _ = hostile_index
    proc = run_cli("index", str(folder), index=tmp_path / "index")
    assert proc.returncode == 0, proc.stderr
    _assert_inert(proc)
    assert "failed: " in proc.stderr and "skipped 1 file" in proc.stderr


@pytest.mark.parametrize("command", ["search", "show", "entities", "entity", "related", "index"])
def test_json_output_is_valid_and_keeps_the_text_exact(hostile_index, command, tmp_path):
    folder, index = hostile_index
    ids = _doc_ids(index)
    args = {
        "search": ("search", "Mexico"),
        "show": ("show", ids[0]),
        "entities": ("entities", "-n", "1000"),
        "entity": ("entity", "Sheinbaum"),
        "related": ("related", ids[0]),
        "index": ("index", str(folder)),
    }[command]
    target = tmp_path / "index" if command == "index" else index
    proc = run_cli(*args, "--json", index=target)
    assert proc.returncode in (0, 1), proc.stderr
    payload = json.loads(proc.stdout)  # valid JSON; escapes are \u001b inside strings
    assert not FORBIDDEN.findall(proc.stdout.replace("\n", ""))
    if command == "show":
        assert CSI_RED in payload["text"] and OSC52 in payload["text"]  # data kept exact
    if command == "index":
        assert any(CSI_RED in f["path"] for f in payload["failed"])


def test_tui_shows_hostile_names_titles_and_text_inert(hostile_index):
    """Pilot on the explorer: results, document and panes show escapes visibly, run nothing."""
    import asyncio

    from casework.tui.app import CaseworkApp
    from casework.tui.document_view import DocumentView
    from casework.tui.results import ResultsList
    from casework.tui.search_pane import SearchBox

    _, index = hostile_index

    async def settle(app, pilot, delay=0.0):
        if delay:
            await pilot.pause(delay)
        for _ in range(3):
            await app.workers.wait_for_complete()
            await pilot.pause()

    async def scenario():
        app = CaseworkApp(index)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            app.query_one(SearchBox).focus()
            await pilot.press(*"Mexico")
            await settle(app, pilot, 0.2)
            results = app.query_one(ResultsList)
            assert results.option_count == 5
            prompts = [str(results.get_option_at_index(i).prompt) for i in range(5)]
            assert any("␛" in p for p in prompts)  # the title's ESC is visible, not sent
            assert not any(FORBIDDEN.search(p.replace("\n", "")) for p in prompts)
            screens = [app.export_screenshot()]
            for i in range(3):  # open hits in turn: the .md title and .txt names with escapes
                results.focus()
                results.highlighted = i
                await pilot.press("enter")
                await settle(app, pilot)
                view = app.query_one(DocumentView)
                shown = view.visible_text()
                assert not FORBIDDEN.search(shown.replace("\n", "")), repr(shown[:200])
                assert "␛" in shown
                screens.append(app.export_screenshot())
                for key in ("tab", "tab", "tab"):  # entities and cross-reference panes
                    await pilot.press(key)
                    await settle(app, pilot)
                    screens.append(app.export_screenshot())
            assert app.is_running
            assert not app.clipboard  # OSC 52 in a document never reached the clipboard
            for svg in screens:
                assert not FORBIDDEN.search(svg.replace("\n", "").replace("\t", ""))
            assert any("[@click=app.quit]" in svg for svg in screens)

    asyncio.run(scenario())
