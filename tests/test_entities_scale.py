"""Storing one long document's mentions grows with the text, not with the square of its names.

entities.mentions_for checks each name against the other mentions through lookups (sorted
ranges and bisect, surnames looked for at their word's starts, the headline test once per
line) where it used to scan every mention or the whole text per name (1 MB of rule-NER text:
22 s). Each lookup is held here to the scan it replaced, on the seeds, on a 0.3 MB text made of
them (tests/test_big_files.py's) with bench/big_file.py's rule-based NER, and on hostile
snippets. The time itself is bench/mentions_scale.py's."""

from __future__ import annotations

import importlib.util
import random
import re

import pytest

from casework.index import entities, patterns
from casework.index.location import seed_paths
from tests.conftest import ROOT
from tests.test_big_files import _long_text

# what the lookups must agree with: a surname the way _Surnames.find found it by
# scanning the text, and the overlap test it and _extend_name ran over every mention
_SURNAME = r"(?<![\w’'-]){}(?![\w-])"


def _scan(text: str, tail: str) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(_SURNAME.format(re.escape(tail)), text)]


def _overlaps_any(ranges, a: int, b: int) -> bool:
    return any(s < b and a < e for s, e in ranges)


HOSTILE = (
    "Abed said. Lila Abed, Abed’s aide, 2Abed, Abed2, -Abed, Abed-Smith, O'Brien O'Briens "
    "Abed_ x_Abed Le Le Le Le. Núñez Ñúñez Núñez’s\nAbed\nABED abed Abed\n\n"
    "Trump Says He Will Lead Abed Talks\nvan der Berg said van der Berg'"
)


@pytest.fixture(scope="module")
def texts() -> dict[str, tuple[str, list]]:
    """Name -> (text, spans as indexer.stored hands them to mentions_for)."""
    spec = importlib.util.spec_from_file_location("big_file", ROOT / "bench" / "big_file.py")
    big_file = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(big_file)
    named = [(p.name, p.read_text(encoding="utf-8")) for p in seed_paths()]
    named += [("long", _long_text(0.3)), ("hostile", HOSTILE)]
    out = {}
    for key, spans in big_file.RuleAnnotator().annotate(named):
        text = dict(named)[key]
        out[key] = (text, patterns.merge(spans, patterns.find(text)))
    assert len(out["long"][0]) > 300_000 and len(out["long"][1]) > 5_000
    return out


def _tails(text: str, spans) -> list[str]:
    """The surnames _Surnames would look for: last word, last two words."""
    tails = set()
    for s in spans:
        words = re.findall(r"[^\W\d_][\w’'-]*", text[s.start : s.end])
        tails.update([words[-1], " ".join(words[-2:])] if words else [])
    return sorted(tails)


def test_surnames_are_found_where_a_scan_of_the_whole_text_finds_them(texts):
    for key, (text, spans) in texts.items():
        starts = entities._word_starts(text)
        tails = _tails(text, spans)
        if key != "long":  # every word and pair of words, lower case, cut and hyphenated ones
            words = re.findall(r"[^\W\d_][\w’'-]*", text)
            tails += words + [" ".join(p) for p in zip(words, words[1:])] + ["Abed", "Le Le"]
        found = 0
        for tail in tails:
            expected = _scan(text, tail)
            assert list(entities._surname_matches(text, starts, tail)) == expected, (key, tail)
            found += len(expected)
        assert found > len(tails) / 2, key  # the comparison is not between two empty lists


def test_overlap_lookup_answers_as_a_scan_of_every_range(texts):
    rng = random.Random(3)
    text, spans = texts["long"]
    cases = [[(s.start, s.end) for s in spans]]
    # nested, touching, empty and repeated ranges: the ones a running maximum could get wrong
    cases += [[(a, a + rng.choice([0, 0, 1, 3, 40, 500])) for a in
               (rng.randrange(1000) for _ in range(n))] for n in (0, 1, 2, 5, 50, 400)]
    for ranges in cases:
        lookup = entities._Overlaps(ranges)
        top = max((e for _, e in ranges), default=10) + 5
        queries = [(a, a + rng.randrange(1, 12)) for a in (rng.randrange(top) for _ in range(3000))]
        queries += [(s, e) for s, e in ranges[:300]] + [(e, e + 1) for s, e in ranges[:300]]
        answers = [lookup(a, b) for a, b in queries]
        assert answers == [_overlaps_any(ranges, a, b) for a, b in queries]
        assert len(ranges) < 50 or any(answers) and not all(answers)


def test_headline_test_once_per_line_answers_as_for_each_position(texts):
    for key, (text, spans) in texts.items():
        headlines = entities.Headlines(text)
        positions = range(len(text) + 1) if key == "hostile" else [s.start for s in spans]
        answers = [headlines(p) for p in positions]
        assert answers == [entities.title_case_line(text, p) for p in positions], key
    assert any(entities.Headlines(HOSTILE)(p) for p in range(len(HOSTILE)))


def test_a_long_text_repeating_the_seeds_gets_the_same_mentions_in_every_repeat(texts):
    """The repairs that look beyond one name (a name cut short, a bare surname later on) find
    the same in the last repeat of a seed as in the first ones: nothing falls out of a lookup
    as the text grows."""
    text, spans = texts["long"]
    mentions = entities.mentions_for(text, spans)
    seeds = [p.read_text(encoding="utf-8") for p in seed_paths()]
    per_part: dict[int, list] = {}
    for part in re.finditer(r"Part (\d+)\. Call [^\n]*\n\n", text):
        i = int(part.group(1))
        start = part.end()
        end = start + len(seeds[i % len(seeds)])
        per_part[i] = [(s.start - start, s.end - start, s.source, surface, label, entity_id)
                       for s, surface, label, entity_id in mentions if start <= s.start < end]
    assert len(per_part) > 40
    repaired = {m[2] for ms in per_part.values() for m in ms}
    assert {"extended", "surname"} <= repaired, repaired
    for i, found in per_part.items():
        if i >= len(seeds):  # the first of each seed may differ: a surname follows a full name
            assert found == per_part[i % len(seeds) + len(seeds)], i


def test_full_names_by_word_give_every_name_a_short_one_is_part_of():
    """hints._FullNames: the full names a short name may be part of, asked by word instead of
    of every full name met (quadratic in a long document), are all that part_of accepts, in
    the order met (the first shortest wins a tie)."""
    from casework.index.hints import _FullNames
    from casework.index.names import part_of, tokens

    fulls = ["harald nygaard", "donald trump", "donald j. trump", "ivanka trump", "h. nygaard",
             "omar garcía harfuch", "joaquín guzmán loera", "theresa may", "may jordan"]
    shorts = ["trump", "h. nygaard", "nygaard", "donald", "j.", "garcía harfuch", "may", "h.",
              "guzmán", "d. trump", "x", ""]
    names = _FullNames()
    for key in fulls:
        names.add(key)
    for short in shorts:
        brute = [k for k in fulls if part_of(tokens(short), tokens(k))]
        got = names.holding(tokens(short))
        assert [k for k in got if part_of(tokens(short), tokens(k))] == brute, short


def _rows(mentions) -> list[tuple]:
    return [(s.start, s.end, s.label, s.sent_start, s.sent_end, s.source, surface, label, eid)
            for s, surface, label, eid in mentions]


def test_a_long_text_done_window_by_window_gets_the_mentions_of_one_pass(texts, monkeypatch):
    """Issue 22: a long text's mentions are made a window of lines at a time, from spans held
    as a SpanArray, so what is held does not grow with the text; each window must give what
    the whole text in one pass gave (the repairs that look past a name stay in its window)."""
    from casework.index.span_array import SpanArray

    text, spans = texts["long"]
    whole = _rows(entities.mentions_for(text, spans))  # 0.3 MB: one window
    monkeypatch.setattr(entities, "WINDOW_CHARS", 5_000)
    assert len(list(entities._windows(text, spans))) > 30
    assert _rows(entities.mentions_for(text, spans)) == whole
    assert _rows(entities.mentions_for(text, SpanArray(spans))) == whole
    assert {"extended", "surname", "model"} <= {row[5] for row in whole}


def test_results_lines_are_repaired_as_a_scan_of_every_span_did():
    """results.repair finds the spans over a results line's field by bisection (a scan of every
    span per field took minutes on a document full of tables); on score lines and table rows
    with spans over, inside and across the fields, it keeps and drops what the scan did."""
    from casework.index import models, results

    rng = random.Random(7)
    teams = ["Motherwell", "Celtic", "Dundee United", "Kilmarnock", "Paris St Germain",
             "NY RANGERS", "Willem II Tilburg"]
    lines, spans, pos = [], [], 0
    for i in range(400):
        a, b = rng.sample(teams, 2)
        line = (f"{a} {rng.randint(0, 5)} {b} {rng.randint(0, 5)}" if i % 3
                else f"{a} 10 13 5 91 81 25" if i % 2 else f"{a} said on Monday")
        for _ in range(rng.randint(0, 3)):
            s = pos + rng.randint(0, len(line) - 2)
            e = min(pos + len(line), s + rng.randint(1, 25))
            spans.append(models.Span(s, e, rng.choice(["ORG", "PERSON", "CARDINAL"]), pos,
                                     pos + len(line)))
        lines.append(line)
        pos += len(line) + 1
    text = "\n".join(lines)
    spans.sort(key=lambda s: s.start)

    def scanned(spans):  # the scan over every span that results.repair replaced
        dropped, added = set(), []
        for a, b, source in results._fields(text):
            over = [i for i, s in enumerate(spans) if s.start < b and a < s.end
                    and s.label in ("ORG", "PERSON") and i not in dropped]
            if source == results.TABLE and not over:
                continue
            if over:
                longest = max((spans[i] for i in over), key=lambda s: s.end - s.start)
                label, sent = longest.label, (longest.sent_start, longest.sent_end)
            else:
                label, sent = "ORG", (text.rfind("\n", 0, a) + 1, b)
            if source == results.TEAM:
                label = "ORG"
            dropped.update(over)
            line_end = text.find("\n", b)
            sent = (min(sent[0], a), max(sent[1], b, line_end if line_end != -1 else len(text)))
            added.append(models.Span(a, b, label, sent[0], sent[1], source))
        kept = [s for i, s in enumerate(spans) if i not in dropped]
        return sorted(kept + added, key=lambda s: (s.start, s.end))

    repaired = results.repair(text, spans, ("ORG", "PERSON"))
    assert repaired == scanned(spans)
    assert len(repaired) != len(spans)  # fields were repaired
