"""Dates and money amounts: read at index time from real text (the seeds plus a made-up file
of hard forms), stored in the catalog, listed by ``casework timeline`` / ``money`` and used by
the ``date:`` filter."""

from __future__ import annotations

import shutil

import pytest

from casework.index.dates import extract_dates, extract_money, parse_range
from casework.index.indexer import build
from casework.index.location import seed_paths
from casework.index.store import IndexDir

from conftest import cli_json, run_cli

HARD = """Hard forms for the date reader.

The contract was signed on Feb. 22, 2025 in Mexico City by Claudia Sheinbaum. May I ask who \
paid? The ministry said the first payment of $4.5 million arrived in March. A second transfer \
of MXN 12,000 was recorded on 2024-11-03, and the fund promised €3bn by 15 April 2026.
In May 2025, Omar García Harfuch met the governor.
"""


@pytest.fixture(scope="module")
def hard_spans(annotator):
    ((_, spans),) = list(annotator.annotate([("hard", HARD)]))
    return spans


@pytest.fixture(scope="module")
def dated_index(tmp_path_factory, annotator):
    folder = tmp_path_factory.mktemp("dated") / "docs"
    folder.mkdir()
    for p in seed_paths():
        shutil.copy(p, folder / p.name)
    (folder / "hard_forms.txt").write_text(HARD, encoding="utf-8")
    path = folder.parent / "index"
    build(IndexDir(path), [folder], annotator=annotator)
    return path


def test_hard_date_forms_are_read_as_iso_days_or_ranges(hard_spans):
    found = {d.text: (d.iso_start, d.iso_end) for d in extract_dates(HARD, hard_spans)}
    assert found["Feb. 22, 2025"] == ("2025-02-22", "2025-02-22")  # one date, not split
    assert found["2024-11-03"] == ("2024-11-03", "2024-11-03")
    assert found["15 April 2026"] == ("2026-04-15", "2026-04-15")
    assert found["May 2025"] == ("2025-05-01", "2025-05-31")
    # a month alone takes the year of the last full date before it
    assert found["March"] == ("2025-03-01", "2025-03-31")
    assert not any(t.startswith("May I") or t == "May" for t in found)  # "May I ask" is no date


def test_each_date_keeps_its_whole_sentence(hard_spans):
    feb = next(d for d in extract_dates(HARD, hard_spans) if d.text == "Feb. 22, 2025")
    assert feb.sentence.startswith("The contract was signed on Feb. 22, 2025")
    assert feb.sentence.endswith("Claudia Sheinbaum.")
    assert HARD[feb.start : feb.end] == "Feb. 22, 2025"


def test_money_amounts_are_normalised_to_amount_and_currency(hard_spans):
    found = {m.text: (m.amount, m.currency) for m in extract_money(HARD, hard_spans)}
    assert found == {"$4.5 million": (4_500_000.0, "USD"), "MXN 12,000": (12_000.0, "MXN"),
                     "€3bn": (3_000_000_000.0, "EUR")}


def test_date_ranges_for_filters():
    assert parse_range("2025-02..2025-03") == ("2025-02-01", "2025-03-31")
    assert parse_range("2024") == ("2024-01-01", "2024-12-31")
    assert parse_range("..2024-02") == ("0000-01-01", "2024-02-29")
    with pytest.raises(ValueError):
        parse_range("2025-13")


def test_timeline_lists_dated_sentences_in_day_order(dated_index):
    data, proc = cli_json("timeline", index=dated_index)
    assert proc.returncode == 0
    days = [e["iso_start"] for e in data["events"]]
    assert days == sorted(days)
    assert {"2009-01-01", "2024-11-03", "2025-02-22"} <= set(days)  # seeds and the made-up file
    feb = next(e for e in data["events"] if e["text"] == "Feb. 22, 2025")
    assert "Claudia Sheinbaum" in feb["sentence"] and feb["title"] == "Hard forms for the date reader."


def test_timeline_for_an_entity_keeps_its_sentences(dated_index):
    data, proc = cli_json("timeline", "--entity", "Harfuch", index=dated_index)
    assert proc.returncode == 0 and data["events"]
    assert all("Harfuch" in e["sentence"] for e in data["events"])


def test_timeline_human_output_and_exit_codes(dated_index):
    proc = run_cli("timeline", "contract", index=dated_index)
    assert proc.returncode == 0
    assert "2025-02-22" in proc.stdout and "«Feb. 22, 2025»" in proc.stdout
    assert run_cli("timeline", "zzzzqqq", index=dated_index).returncode == 1
    bad = run_cli("timeline", "--entity", "Nobody Atall", index=dated_index)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


def test_money_lists_amounts_for_a_query(dated_index):
    data, proc = cli_json("money", "transfer", index=dated_index)
    assert proc.returncode == 0
    assert [(a["amount"], a["currency"]) for a in data["amounts"]] == [
        (4_500_000.0, "USD"), (12_000.0, "MXN"), (3_000_000_000.0, "EUR")]
    seeds, _ = cli_json("money", "--entity", "Oseguera", index=dated_index)
    assert (15_000_000.0, "USD") in [(a["amount"], a["currency"]) for a in seeds["amounts"]]


def test_date_filter_keeps_documents_dated_in_the_range(dated_index):
    data, proc = cli_json("search", "Harfuch date:2025-02..2025-03", index=dated_index)
    assert proc.returncode == 0
    assert [h["title"] for h in data["hits"]] == ["Hard forms for the date reader."]
    data, proc = cli_json("search", "Harfuch date:1990", index=dated_index)
    assert proc.returncode == 1 and data["total"] == 0
    bad = run_cli("search", "Harfuch date:2025-13", index=dated_index)
    assert bad.returncode == 2 and "not a date" in bad.stderr and "Traceback" not in bad.stderr


def test_a_span_of_years_is_one_range(annotator):
    text = "The cartel grew in the 2018-2021 period across the country.\n"
    ((_, spans),) = list(annotator.annotate([("years", text)]))
    found = [(d.iso_start, d.iso_end) for d in extract_dates(text, spans)]
    assert found == [("2018-01-01", "2021-12-31")], [(text[s.start:s.end], s.label) for s in spans]


def test_kept_spans_answer_overlaps_as_asking_each_would():
    """dates._Taken (disjoint spans, one bisect) answers as the scan over every kept span it
    replaced, which grew with the square of a long document's dates."""
    import random

    from casework.index.dates import _Taken

    rng = random.Random(7)
    taken, kept = _Taken(), []
    for _ in range(3000):
        start = rng.randrange(0, 20000)
        end = start + rng.randrange(1, 40)
        expected = any(s < end and start < e for s, e in kept)
        assert taken.overlaps(start, end) == expected
        if not expected:
            taken.add(start, end)
            kept.append((start, end))
    assert len(kept) > 300
