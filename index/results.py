"""Names in results lines: sports scores and league tables, as wire news prints them.

    Motherwell 2 Celtic 1                       a score line: two teams, two scores
    Kilmarnock 0 Dundee United 2 ( Olafsson 22 , 51 ) .
    NY RANGERS 10 13 5 91 81 25                 a table row: a name, then numbers only

The model reads such lines poorly: it runs a name into the numbers and the next name
("Liverpool 0 Sheffield", "Kilmarnock 0"), or misses a team it would find in a sentence. Here
each name field of such a line becomes one span. In a score line the two names are teams, so
organisations (source ``team``; resolution counts it as a label cue); in a table row the name
keeps the model's label (a golf leaderboard lists people the same way) and is left to the
model when it found nothing there.

Pure Python over the text and the model's spans: no spaCy.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left
from typing import TYPE_CHECKING

from casework.index import models

if TYPE_CHECKING:
    from casework.index.models import Span

TEAM = "team"  # the source of a score line's names
TABLE = "table"  # the source of a table row's name

# a name of one to four words: capitalised words, with short joining words or roman numerals
# inside ("Paris St Germain", "Willem II Tilburg", "Sporting de Gijon")
_NAME = r"[A-Z][\w.'&-]*(?: (?:[A-Z][\w.'&-]*|[a-z]{1,3}(?= [A-Z]))){0,3}"
_SCORE_LINE = re.compile(
    rf"^(?P<a>{_NAME}) (?P<x>\d{{1,3}}) (?P<b>{_NAME}) (?P<y>\d{{1,3}})(?=\s*(?:\(|\.|$))",
    re.M)
_TABLE_ROW = re.compile(rf"^(?P<a>{_NAME})(?: \d+(?:\.\d+)?){{3,}}\s*$", re.M)
# days and months begin market tables ("Thursday 200 Week Ago ..."): they are no teams
_NOT_TEAMS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april "
    "june july august september october november december total totals week".split())


_DIGIT = re.compile(r"\d")


def _fields(text: str, lo: int = 0, hi: int | None = None) -> list[tuple[int, int, str]]:
    """(start, end, source) of every name field of a results line in ``text[lo:hi]`` (whole
    lines: ``lo`` a line's start, ``hi`` a line's end or the text's), offsets into ``text``."""
    hi = len(text) if hi is None else hi
    if not _DIGIT.search(text, lo, hi):  # either kind of line holds one
        return []
    out = []
    for m in _SCORE_LINE.finditer(text, lo, hi):
        names = [(m.start(g), m.end(g)) for g in ("a", "b")]
        if not any(text[a:b].split()[0].casefold() in _NOT_TEAMS for a, b in names):
            out.extend((a, b, TEAM) for a, b in names)
    for m in _TABLE_ROW.finditer(text, lo, hi):
        if text[m.start("a") : m.end("a")].split()[0].casefold() not in _NOT_TEAMS:
            out.append((m.start("a"), m.end("a"), TABLE))
    return out


def repair(text: str, spans: list[Span], names: frozenset[str] | tuple = (), lo: int = 0,
           hi: int | None = None) -> list[Span]:
    """``spans`` with each name field of a results line as one span (see the module); only
    spans with a label in ``names`` are names (a CARDINAL over a score is left alone).
    ``lo``, ``hi``: the lines of ``text`` the spans lie in (a window of a long text)."""
    fields = _fields(text, lo, hi)
    if not fields:
        return spans
    dropped: set[int] = set()
    added: list[Span] = []
    # the spans by start, with the furthest end reached so far: those overlapping a field are
    # found walking back from the last starting before its end (a scan of every span per
    # field grew with the square of a document full of tables)
    order = sorted(range(len(spans)), key=lambda i: spans[i].start)
    starts = [spans[i].start for i in order]
    reach = list(itertools.accumulate((spans[i].end for i in order), max))
    for a, b, source in fields:
        j = bisect_left(starts, b) - 1
        over = []
        while j >= 0 and reach[j] > a:
            i = order[j]
            s = spans[i]
            if a < s.end and s.label in names and i not in dropped:
                over.append(i)
            j -= 1
        over.sort()  # in the spans' order, as a scan of them found them
        if source == TABLE and not over:
            continue
        if over:
            longest = max((spans[i] for i in over), key=lambda s: s.end - s.start)
            label, sent = longest.label, (longest.sent_start, longest.sent_end)
        else:
            label, sent = "ORG", (text.rfind("\n", 0, a) + 1, b)
        if source == TEAM:
            label = "ORG"
        dropped.update(over)
        line_end = text.find("\n", b)
        sent = (min(sent[0], a), max(sent[1], b, line_end if line_end != -1 else len(text)))
        added.append(models.Span(a, b, label, sent[0], sent[1], source))
    kept = [s for i, s in enumerate(spans) if i not in dropped]
    return sorted(kept + added, key=lambda s: (s.start, s.end))
