"""The reader's curation layer: merge, split, rename, relabel, hide, undo; durable across --rebuild."""

from __future__ import annotations

import json

import pytest

from casework.index.api import open_index
from casework.index.errors import CaseworkError

from conftest import cli_json, run_cli


def test_curation_round_trip_and_rebuild(make_index, seeds_copy):
    make_index(seeds_copy)
    index = make_index.path
    with open_index(index) as cw:
        assert "merged" in cw.merge_entities("Joaquin Guzman", "Juarez")
        card = cw.entity("Juarez")
        assert card.name == "Joaquin Guzman" and "Juarez" in {a.text for a in card.aliases}
        assert {a.reason for a in card.aliases if a.text == "Juarez"} == {"merged by you"}
        cw.rename_entity("Joaquin Guzman", "Joaquín Guzmán")
        cw.relabel_entity("Morena", "NORP")
        cw.hide_entity("Citizens")
        cw.split_alias("Claudia Sheinbaum", "Sheinbaum")
        assert cw.entity("Joaquin Guzman").name == "Joaquín Guzmán"
        assert cw.entity("Morena").label == "NORP"
        with pytest.raises(CaseworkError):
            cw.entity("Citizens")
        assert cw.entity("Sheinbaum").entity_id != cw.entity("Claudia Sheinbaum").entity_id
        shown = cw.document(cw.entity("Mexico").documents[0].doc_id).entities
        assert all(m.entity_id for m in shown) and "Citizens" not in {m.text for m in shown}
    lines = (index / "curation.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["op"] for line in lines] == ["merge", "rename", "relabel", "hide", "split"]

    proc = run_cli("index", str(seeds_copy), "--rebuild", index=index)
    assert proc.returncode == 0, proc.stderr
    card, _ = cli_json("entity", "Juarez", index=index)
    assert card["name"] == "Joaquín Guzmán"
    proc = run_cli("entity", "Citizens", index=index)
    assert proc.returncode != 0 and "no entity" in proc.stderr

    proc = run_cli("entity", "undo", index=index)
    assert proc.returncode == 0 and "undid" in proc.stdout
    sheinbaum, _ = cli_json("entity", "Sheinbaum", index=index)
    assert sheinbaum["name"] == "Claudia Sheinbaum"
    for _ in range(4):
        assert run_cli("entity", "undo", index=index).returncode == 0
    proc = run_cli("entity", "undo", index=index)
    assert proc.returncode == 2 and "nothing to undo" in proc.stderr
    assert cli_json("entity", "Juarez", index=index)[0]["name"] == "Juarez"


def test_merge_makes_entity_search_find_the_other_names(make_index, seeds_copy):
    make_index(seeds_copy)
    index = make_index.path
    before, _ = cli_json("search", 'person:"Eduardo Guerrero"', index=index)
    proc = run_cli("entity", "merge", "Eduardo Guerrero", "Lila Abed", index=index)
    assert proc.returncode == 0, proc.stderr
    after, _ = cli_json("search", 'person:"Lila Abed"', index=index)
    assert {h["doc_id"] for h in after["hits"]} >= {h["doc_id"] for h in before["hits"]}
    assert cli_json("entity", "Lila Abed", index=index)[0]["name"] == "Eduardo Guerrero"


def test_bad_curation_is_one_line_and_exit_2(seeds_index, tmp_path):
    for args in (("entity", "relabel", "Mexico", "PLANET"), ("entity", "split", "Mexico", "Trump"),
                 ("entity", "merge", "Mexico", "no such thing")):
        proc = run_cli(*args, index=seeds_index)
        assert proc.returncode in (1, 2) and proc.stderr.count("\n") == 1, proc.stderr
        assert "Traceback" not in proc.stderr


def test_merge_keeps_the_kept_entitys_id_and_label(make_index, seeds_copy):
    make_index(seeds_copy)
    with open_index(make_index.path) as cw:
        keep = cw.entity("Joaquin Guzman")
        cw.merge_entities(keep.entity_id, "Mexico")  # Mexico has far more GPE mentions
        merged = cw.entity("Mexico")
        assert (merged.entity_id, merged.label, merged.name) == (keep.entity_id, keep.label, keep.name)


def test_hidden_entities_do_not_count_in_result_rows(make_index, seeds_copy):
    from casework.index import open_index

    make_index(seeds_copy)
    with open_index(make_index.path) as cw:
        hit = cw.search("Harfuch").hits[0]
        before = hit.entities
        visible = {m.entity_id for m in cw.document(hit.doc_id).entities}
        assert before == len(visible)
        cw.hide_entity("Mexico")
        after = next(h for h in cw.search("Harfuch").hits if h.doc_id == hit.doc_id).entities
        assert after == before - 1 == len({m.entity_id for m in cw.document(hit.doc_id).entities})
        listed = next(d for d in cw.documents() if d.doc_id == hit.doc_id)
        assert listed.entities == after
