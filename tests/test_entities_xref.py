"""Co-occurrence by sentence, PMI ranking, related documents with idf + text similarity."""

from __future__ import annotations

import pytest

from casework.index.api import open_index

from conftest import cli_json, run_cli


def test_cooccur_prints_every_sentence_with_both(seeds_index):
    found, proc = cli_json("cooccur", "Sheinbaum", "Harfuch", index=seeds_index)
    assert proc.returncode == 0 and found["sentences"]
    with open_index(seeds_index) as cw:
        doc_texts = {s["doc_id"]: cw.document(s["doc_id"]).text for s in found["sentences"]}
    for s in found["sentences"]:
        assert s["text"].replace(" ", "") in doc_texts[s["doc_id"]].replace("\n", "").replace(" ", "")
    human = run_cli("cooccur", "Sheinbaum", "Harfuch", index=seeds_index)
    assert human.returncode == 0 and "Sheinbaum" in human.stdout
    none = run_cli("cooccur", "Tequila", "FBI", index=seeds_index)
    assert none.returncode == 1


def test_cooccurring_is_ranked_by_association_not_raw_counts(seeds_index):
    card, _ = cli_json("entity", "Claudia Sheinbaum", index=seeds_index)
    ranked = card["cooccurring"]
    strong = [c for c in ranked if c["count"] >= 2]
    assert strong and ranked[: len(strong)] == strong
    assert [c["score"] for c in strong] == sorted((c["score"] for c in strong), reverse=True)
    # Mexico shares more sentences than Morena but is everywhere: it must rank lower.
    names = [c["name"] for c in ranked]
    assert names.index("Morena") < names.index("Mexico")


def test_related_blends_entities_and_text(seeds_index):
    with open_index(seeds_index) as cw:
        doc_id = cw.entity("Mexico").documents[0].doc_id
        related = cw.related(doc_id)
    assert related.related and related.related[0].doc_id != doc_id
    assert 0 < related.related[0].score <= 1.0
    assert "Claudia Sheinbaum" in related.related[0].shared


def test_export_streams_csv_and_jsonl_with_ids_labels_aliases_offsets(seeds_index):
    import csv
    import io
    import json

    proc = run_cli("export", "entities", "--format", "jsonl", index=seeds_index)
    assert proc.returncode == 0, proc.stderr
    entities = [json.loads(line) for line in proc.stdout.splitlines()]
    mencho = next(e for e in entities if any(a["text"] == "El Mencho" for a in e["aliases"]))
    assert mencho["label"] == "PERSON" and {"entity_id", "documents", "mentions"} <= set(mencho)
    proc = run_cli("export", "mentions", index=seeds_index)
    table = list(csv.DictReader(io.StringIO(proc.stdout)))
    with open_index(seeds_index) as cw:
        for row in table[:50]:
            text = cw.document(row["doc_id"]).text
            assert text[int(row["start"]) : int(row["end"])] == row["text"]
    assert {r["entity_id"] for r in table} >= {mencho["entity_id"]}
    proc = run_cli("export", "cooccurrences", "--format", "csv", index=seeds_index)
    pairs = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert pairs and all(int(p["sentences"]) >= 1 and p["entity_a"] < p["entity_b"] for p in pairs)
    assert run_cli("export", "people", index=seeds_index).returncode == 2


def test_export_through_the_api_counts_what_it_streams_and_refuses_unknown_kinds(seeds_index):
    import io
    import json

    from casework.index import CaseworkError

    out = io.StringIO()
    with open_index(seeds_index) as cw:
        n = cw.export("entities", "jsonl", out)
        assert n == len(out.getvalue().splitlines()) > 20
        assert {"entity_id", "name", "label", "aliases"} <= set(json.loads(out.getvalue().split("\n")[0]))
        with pytest.raises(CaseworkError, match="cannot export 'people'"):
            cw.export("people", "csv", io.StringIO())


def test_export_cells_are_inert():
    from casework.index.export import _cell

    assert _cell("=HYPERLINK(\"x\")").startswith("'=")
    assert "\x1b" not in _cell("a\x1b]52;c;x\x07b")
