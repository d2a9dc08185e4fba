"""Recall beyond the model: known names found again on token boundaries, incrementally."""

from __future__ import annotations

import csv
import io
import re
import sqlite3

from casework.index.api import open_index
from casework.index.store import IndexDir

from conftest import run_cli


def _mentions(index) -> list[dict]:
    proc = run_cli("export", "mentions", index=index)
    assert proc.returncode == 0, proc.stderr
    return list(csv.DictReader(io.StringIO(proc.stdout)))


def test_every_cjng_and_harfuch_is_found_and_marked(seeds_index):
    rows = _mentions(seeds_index)
    with open_index(seeds_index) as cw:
        texts = {d.doc_id: cw.document(d.doc_id).text for d in cw.documents()}
        cartel = cw.entity("CJNG").entity_id
        harfuch = cw.entity("Harfuch")
    occurrences = sum(len(re.findall(r"\bCJNG\b", t)) for t in texts.values())
    cjng = [r for r in rows if r["text"] == "CJNG"]
    assert occurrences >= 11 and len(cjng) == occurrences
    assert {r["entity_id"] for r in cjng} == {cartel}
    assert {r["source"] for r in cjng} == {"model", "rescan"}
    bare = [r for r in rows if r["text"] == "Harfuch"]
    assert len(bare) == sum(len(re.findall(r"(?<!García )\bHarfuch\b", t)) for t in texts.values())
    assert harfuch.label == "PERSON" and {r["entity_id"] for r in bare} == {harfuch.entity_id}
    # Case-sensitive: the pronoun "us" is never the United States.
    assert not [r for r in rows if r["text"].lower() == "us" and r["text"] != "US"]


def test_rescan_is_incremental_and_follows_new_names(make_index, seeds_copy):
    make_index(seeds_copy)
    catalog = IndexDir(make_index.path).catalog
    conn = sqlite3.connect(catalog)
    before = conn.execute("SELECT COUNT(*) FROM mentions WHERE source = 'rescan'").fetchone()[0]
    conn.close()
    report = make_index(seeds_copy)
    assert report.added == report.updated == 0
    (seeds_copy / "extra.txt").write_text(
        "Analysts said CJNG cells regrouped. Harfuch said the CJNG was weakened.\n", encoding="utf-8")
    make_index(seeds_copy)
    conn = sqlite3.connect(catalog)
    rows = conn.execute(
        """SELECT m.text, m.source FROM mentions m JOIN documents d ON d.doc_id = m.doc_id
           WHERE d.path LIKE '%extra.txt'"""
    ).fetchall()
    after = conn.execute("SELECT COUNT(*) FROM mentions WHERE source = 'rescan'").fetchone()[0]
    conn.close()
    assert [t for t, _ in rows].count("CJNG") == 2 and "Harfuch" in [t for t, _ in rows]
    assert after >= before


def test_forms_are_found_whole_on_token_boundaries_up_to_the_last_word():
    from casework.index.recall import _Matcher

    match = _Matcher({"New York", "New York Times", "U.S.", "US", "Harfuch"})
    text = "The New York Times and U.S. officials: us, USA, Harfuch's team. In New York"
    found = sorted(text[a:b] for a, b in match(text))
    assert found == ["Harfuch", "New York", "New York", "New York Times", "U.S."]
    assert match("") == [] and match("New") == []
    # forms that share their first word, or their first two, and one word that is also a form
    match = _Matcher({"The Associated Press", "The Hague", "The Hague Court", "Hague"})
    text = "The Hague Court, The Associated Press and The Hague; the Hague. The"
    found = sorted(text[a:b] for a, b in match(text))
    assert found == ["Hague", "Hague", "Hague", "The Associated Press", "The Hague",
                     "The Hague", "The Hague Court"]


def _resolution_tables(conn) -> dict[str, list]:
    return {
        "entities": conn.execute("SELECT * FROM entities ORDER BY entity_id").fetchall(),
        "aliases": conn.execute("SELECT * FROM aliases ORDER BY entity_id, text").fetchall(),
        "mentions": conn.execute("SELECT * FROM mentions ORDER BY doc_id, start, end").fetchall(),
        "sentences": conn.execute("SELECT * FROM entity_sentences ORDER BY entity_id").fetchall(),
        "meta": conn.execute("SELECT * FROM meta ORDER BY 1").fetchall(),
    }


def test_counts_after_the_rescan_are_what_resolving_again_gives(make_index, seeds_copy):
    """Re-scan finds never vote, so after the re-scan only counts are brought up to date
    (resolve.recount), not a second resolution: resolving again must change nothing, in a
    first run, a run that adds names, and one that takes them away."""
    from casework.index import resolve
    from casework.index.catalog import Catalog

    extra = seeds_copy / "extra.txt"
    steps = [
        None,
        "Zacarías Ortega met analysts. Zacarías Ortega said CJNG cells regrouped; Harfuch said "
        "the CJNG was weakened. Ortega left.\n",
        "Nothing of note happened here today.\n",
    ]
    for step in steps:
        if step is not None:
            extra.write_text(step, encoding="utf-8")
        report = make_index(seeds_copy)
        assert report.mentions > 0
        catalog = Catalog(IndexDir(make_index.path).catalog)
        try:
            after_recount = _resolution_tables(catalog.conn)
            resolve.resolve(catalog)
            assert _resolution_tables(catalog.conn) == after_recount
            catalog.conn.rollback()
        finally:
            catalog.close()
