"""`casework search`: corrections said, labels as printed, unknown fields, --explain, --batch."""

from __future__ import annotations

import csv
import io
import json

from conftest import cli_json, run_cli


def test_a_corrected_search_says_what_it_searched_on_stderr(seeds_index):
    proc = run_cli("search", "Sheinbam", index=seeds_index)
    assert proc.returncode == 0
    assert "Showing results for Sheinbaum" in proc.stderr and '"Sheinbam" instead' in proc.stderr


def test_entity_labels_are_accepted_as_printed(seeds_index):
    for field in ("PER", "per", "PERSON", "person"):
        data, proc = cli_json("search", f"{field}:harfuch", index=seeds_index)
        assert proc.returncode == 0 and data["total"] == 2, field


def test_an_unknown_field_exits_2_naming_the_fields(seeds_index):
    proc = run_cli("search", "colour:red", index=seeds_index)
    assert proc.returncode == 2
    assert "unknown field 'colour'" in proc.stderr and "person" in proc.stderr


def test_explain_shows_corrections_and_expansions(seeds_index):
    data, proc = cli_json("search", "--explain", "sheinbam cartel*", index=seeds_index)
    assert data["corrections"] == {"sheinbam": "sheinbaum"}
    assert any("cartels" in words for words in data["expansions"].values())


def test_help_shows_the_syntax_with_examples():
    out = run_cli("search", "--help").stdout
    for example in ('"white house"~5', "presdent~", "PER:harfuch", "immigra*", "--batch"):
        assert example in out


def test_batch_prints_each_querys_total_and_documents(seeds_index, tmp_path):
    queries = tmp_path / "names.txt"
    queries.write_text("Harfuch\n\nzzzqqqxx\ncolour:red\n", encoding="utf-8")
    proc = run_cli("search", "--batch", str(queries), "--json", index=seeds_index)
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [(r["query"], r["total"]) for r in rows] == [
        ("Harfuch", 2), ("zzzqqqxx", 0), ("colour:red", 0)]
    assert len(rows[0]["documents"]) == 2 and "unknown field" in rows[2]["error"]
    assert proc.returncode == 0  # something was found
    table = run_cli("search", "--batch", str(queries), "--csv", index=seeds_index).stdout
    parsed = list(csv.DictReader(io.StringIO(table)))
    assert {r["query"] for r in parsed} == {"Harfuch", "zzzqqqxx", "colour:red"}
    assert sum(r["query"] == "Harfuch" for r in parsed) == 2
    plain = run_cli("search", "--batch", str(queries), index=seeds_index)
    assert "Harfuch" in plain.stdout and plain.returncode == 0
