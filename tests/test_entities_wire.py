"""Wire copy as real news prints it: lines in capitals, score lines, league tables, numbers run
into names (issue 20, point 9: CoNLL-2003). Real model, real index in a temp dir."""

from __future__ import annotations

import sqlite3

from casework.index.models import Span
from casework.index.nlp import recase_shouting
from casework.index.results import repair
from casework.index.store import IndexDir

RESULTS = """SOCCER - SCOTTISH LEAGUE RESULTS .
GLASGOW 1996-12-07
Results of Scottish premier division matches on Saturday :
Motherwell 2 Celtic 1
Kilmarnock 0 Dundee United 2 .
Rangers 4 Hibernian 3
Standings :
Rangers 15 11 3 1 34 12 36
Celtic 15 9 4 2 36 16 31
Celtic fans cheered as the Rangers manager Walter Smith said the title race was open .
"""


def _mentions(index_path):
    conn = sqlite3.connect(IndexDir(index_path).catalog)
    rows = conn.execute("SELECT start, end, text, label, source FROM mentions").fetchall()
    conn.close()
    return rows


def test_a_line_in_capitals_is_written_as_the_document_writes_its_words():
    text = "JAPAN GET LUCKY WIN IN NHL MATCH\nJapan got a lucky win in an NHL match on Friday .\n"
    recased = recase_shouting(text)
    assert len(recased) == len(text)
    assert recased.splitlines()[0] == "Japan get lucky win in NHL match"
    # nothing shouted: the text itself
    assert recase_shouting("Nothing here is SHOUTED for long .") == \
        "Nothing here is SHOUTED for long ."


def test_a_name_of_a_score_line_is_one_span_and_a_team():
    text = "Liverpool 0 Sheffield Wednesday 1 ( Whittingham 22 ) .\n"
    model = [Span(0, 21, "ORG", 0, 54), Span(36, 50, "PERSON", 0, 54)]
    fixed = repair(text, model, ("ORG", "PERSON"))
    assert [(text[s.start:s.end], s.label, s.source) for s in fixed] == [
        ("Liverpool", "ORG", "team"), ("Sheffield Wednesday", "ORG", "team"),
        ("Whittingham 22", "PERSON", "model")]
    # a table row keeps the model's label (a golf leaderboard lists people so) and adds nothing
    row = "Andrew Park 72 69 70\nNo Name 1 2 3\n"
    fixed = repair(row, [Span(0, 14, "PERSON", 0, 20)], ("PERSON",))
    assert [(row[s.start:s.end], s.label) for s in fixed] == [("Andrew Park", "PERSON")]


def test_results_lines_give_teams_and_numbers_leave_names(make_index, tmp_path):
    folder = tmp_path / "wire"
    folder.mkdir()
    (folder / "results.txt").write_text(RESULTS, encoding="utf-8")
    make_index(folder)
    rows = _mentions(make_index.path)
    texts = {t for _, _, t, _, _ in rows}
    assert {"Motherwell", "Celtic", "Kilmarnock", "Dundee United", "Hibernian"} <= texts
    assert not [t for t in texts if any(ch.isdigit() for ch in t)], texts
    labels = {t: label for _, _, t, label, _ in rows}
    assert labels["Celtic"] == labels["Motherwell"] == "ORG"
