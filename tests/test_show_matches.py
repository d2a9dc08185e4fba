"""`casework show DOC --query Q`: the words a search matched, marked in the whole document with
the engine's own terms (issue 21, point 5), apart from entity marks and not by colour alone."""

from __future__ import annotations

import io
import re

from rich.console import Console

from casework.index.models import Document, Mention
from casework.tui.render import document_segments

from conftest import cli_json, run_cli


def _first_hit(index, query: str) -> str:
    return cli_json("search", query, index=index)[0]["hits"][0]["doc_id"]


def test_show_with_a_query_gives_the_match_spans_in_json(seeds_index):
    doc_id = _first_hit(seeds_index, "harfuch cartels")
    shown, proc = cli_json("show", doc_id, "--query", "harfuch cartels", index=seeds_index)
    assert proc.returncode == 0 and shown["query"] == "harfuch cartels"
    words = [shown["text"][s:e] for s, e in shown["matches"]]
    # the word forms the engine searched for ("cartel" for cartels) are marked as well
    assert {w.lower() for w in words} == {"harfuch", "cartel", "cartels"} == set(shown["terms"])
    assert shown["matches"] == sorted(shown["matches"])
    plain, _ = cli_json("show", doc_id, index=seeds_index)
    assert "matches" not in plain  # without --query, as before


def test_a_corrected_word_marks_what_the_search_found(seeds_index):
    doc_id = _first_hit(seeds_index, "Sheinbaum")
    shown, _ = cli_json("show", doc_id, "-q", "sheinbam", index=seeds_index)
    assert {shown["text"][s:e] for s, e in shown["matches"]} == {"Sheinbaum"}
    exact, _ = cli_json("show", doc_id, "-q", "sheinbam", "--exact", index=seeds_index)
    assert exact["matches"] == []


def test_without_colour_a_match_is_written_inside_guillemets_within_its_entity_tag(seeds_index):
    doc_id = _first_hit(seeds_index, "harfuch")
    shown, _ = cli_json("show", doc_id, "-q", "harfuch", index=seeds_index)
    proc = run_cli("show", doc_id, "-q", "harfuch", index=seeds_index)  # NO_COLOR, a pipe
    assert proc.returncode == 0
    body = proc.stdout.split("\n\n", 1)[1]
    assert body.count("«") == body.count("»") == len(shown["matches"]) > 0
    assert "[PER Omar García «Harfuch»]" in body
    assert re.sub(r"\[[A-Z]{3} |[«»\]]", "", body).strip() == shown["text"].strip().replace(
        "[", "").replace("]", "")
    assert "«match»" in proc.stdout.split("\n\n", 1)[0]  # the legend says what « » are


def test_in_colour_a_match_is_reverse_video_beside_the_entity_underline(seeds_index):
    doc_id = _first_hit(seeds_index, "harfuch")
    proc = run_cli("show", doc_id, "-q", "harfuch", "--color", "always", index=seeds_index,
                   env={"NO_COLOR": ""})
    assert proc.returncode == 0 and "«" not in proc.stdout
    # "Harfuch" inside the person's name: its SGR has underline (4) and reverse (7)
    marked = re.findall(r"\x1b\[([0-9;]*)mHarfuch\x1b\[0m", proc.stdout)
    assert marked and all({"4", "7"} <= set(m.split(";")) for m in marked)
    plain = run_cli("show", doc_id, "--color", "always", index=seeds_index, env={"NO_COLOR": ""})
    assert not any("7" in m.split(";")
                   for m in re.findall(r"\x1b\[([0-9;]*)mHarfuch", plain.stdout))


def test_search_says_how_to_show_a_hit_with_its_marks_at_a_terminal_only(seeds_index):
    import os
    import pty
    import subprocess
    import sys

    first = cli_json("search", "harfuch cartel", index=seeds_index)[0]["hits"][0]["doc_id"]
    hint = f"casework show {first} -q 'harfuch cartel' --index {seeds_index}"
    main, tty = pty.openpty()  # stdout a terminal, as for a person; stderr read from a pipe
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "casework.tui.cli", "search", "harfuch cartel",
             "--index", str(seeds_index)],
            stdout=tty, stderr=subprocess.PIPE, text=True, timeout=120,
            env={**os.environ, "NO_COLOR": "1", "COLUMNS": "300"})
    finally:
        os.close(tty)
        os.close(main)
    assert proc.returncode == 0 and hint in proc.stderr
    piped = run_cli("search", "harfuch cartel", index=seeds_index)  # a script: hits only
    assert piped.returncode == 0 and "casework show" not in piped.stdout + piped.stderr


def _printed(doc: Document, matches, tags: bool, width: int | None = None) -> str:
    out = io.StringIO()
    Console(file=out, color_system=None, no_color=True, soft_wrap=True, width=80).print(
        document_segments(doc, matches, tags=tags, width=width))
    return out.getvalue()


def test_marks_nest_when_a_match_crosses_an_entity_edge():
    text = "Orders from Amazon.com rose at 4,500 a day."
    doc = Document("d", "t", "/t", text, [Mention(12, 18, "Amazon", "ORG", "e1"),
                                          Mention(33, 36, "500", "CARDINAL", "e2")], size=len(text))
    matches = [(12, 22), (31, 36)]  # Amazon.com, and 4,500 (the entity is its last part)
    assert _printed(doc, matches, tags=True) == (
        "Orders from [ORG «Amazon»]«.com» rose at «4,»[CAR «500»] a day.\n")
    assert _printed(doc, matches, tags=False) == text + "\n"


def test_wrapped_lines_keep_every_character_and_mark():
    text = ("Claudia Sheinbaum met Omar García Harfuch in Mexico City. " * 40 + "\n\n") * 3
    mentions = [Mention(m.start(), m.end(), "Harfuch", "PERSON", "e1")
                for m in re.finditer("Harfuch", text)]
    doc = Document("d", "t", "/t", text, mentions, size=len(text))
    matches = [(m.start(), m.end()) for m in re.finditer("Mexico", text)]
    wrapped = _printed(doc, matches, tags=True, width=50)
    assert max(map(len, wrapped.splitlines())) <= 50
    assert wrapped.count("«Mexico»") == len(matches) and wrapped.count("[PER ") == len(mentions)
    assert wrapped.replace("\n", "").replace(" ", "") == _printed(
        doc, matches, tags=True).replace("\n", "").replace(" ", "")
    styled = _printed(doc, matches, tags=False, width=50)  # colour's path, printed without
    assert max(map(len, styled.splitlines())) <= 50
    assert styled.replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(" ", "")
