"""Search stays honest (issue 20 point 6): a document matches an entity's name through its
resolved entities only where it names the entity by a confident form; one that names it by a
loose link alone carries that form, not the entity's name."""

from __future__ import annotations

from pathlib import Path

from casework.index.indexer import build
from casework.index.store import IndexDir

from conftest import cli_json
from test_entities_traps import ReplayAnnotator

DOCS = {
    "named": "Donald Trump met the press on Monday. Trump said the talks went well.",
    "loose": "The vote was close. However Trump was absent on Tuesday.",
    # the model takes "However" for a name (it does, on long news text): a word that is no name
    "weather": "It rained all day. However, the match went on.",
}
TAGS = {"Donald Trump": "PERSON", "Trump": "PERSON", "However Trump": "PERSON",
        "However": "PERSON"}


def _index(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / f"{name}.txt").write_text(text + "\n", encoding="utf-8")
    index = tmp_path / "index"
    build(IndexDir(index), [folder], annotator=ReplayAnnotator(TAGS))
    return index


def _titles(query: str, index: Path) -> set[str]:
    found, _ = cli_json("search", query, index=index)
    return {Path(h["path"]).stem for h in found["hits"]}


def test_a_loose_link_alone_does_not_make_a_document_match_the_entitys_name(tmp_path):
    index = _index(tmp_path)
    card, _ = cli_json("entity", "However Trump", index=index)
    assert card["name"] == "Donald Trump"
    assert {a["reason"] for a in card["aliases"] if a["text"] == "However Trump"} == {"linked"}
    assert _titles('"Donald Trump"', index) == {"named"}
    assert _titles('person:"Donald Trump"', index) == {"named"}
    # the form it does use still finds it, by text and as a person
    assert _titles("person:trump", index) >= {"named", "loose"}
