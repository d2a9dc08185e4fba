"""Search as people type it: word forms, words the analyzer splits, misspellings without
syntax, marks of what matched, and indexes written before word forms."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from casework.index.fulltext import FulltextEntry, create_fulltext, open_fulltext
from casework.index.fulltext.snippets import term_spans

OLD_INDEX = Path(__file__).parent / "data" / "fulltext-before-the-move"

DOCS = {
    "d1": "She travelled to Lodz in June; the travels of a reporter.",
    "d2": "Orders from Amazon.com rose; mail ops@example.org about ticket ARL-2291.",
    "d3": "The budget was 4,500 dollars, and 4 other costs were 500 each.",
    "d4": "A travel agent in Łódź met the president.",
    "d5": "Sales of 4500 units brought 1,234,567.89 euros.",
    "d6": "Tickets cost 4.500 pesos; 2 300 people and 1.234.567,89 more came.",
}


@pytest.fixture(scope="module", params=["fast", "plain"])
def ft(request, tmp_path_factory):
    path = tmp_path_factory.mktemp("forms") / "fulltext"
    create_fulltext(path, engine=request.param).index(
        FulltextEntry(d, f"/{d}.txt", text.split(";")[0][:20], text, {}) for d, text in DOCS.items())
    found = open_fulltext(path, engine=request.param)
    yield found
    found.close()


def _ids(hits) -> set[str]:
    return {h.doc_id for h in hits.hits}


def test_a_word_finds_its_other_forms_and_the_exact_form_ranks_first(ft):
    found = ft.search("travel")
    assert _ids(found) == {"d1", "d4"}
    assert found.hits[0].doc_id == "d4"  # "travel" itself, not only its forms


def test_quotes_and_exact_mode_keep_the_word_as_typed(ft):
    assert _ids(ft.search('"travel"')) == {"d4"}
    assert _ids(ft.search("travel", exact=True)) == {"d4"}


@pytest.mark.parametrize("typed, doc", [
    ("amazon.com", "d2"), ("amazon", "d2"), ("ops@example.org", "d2"), ("example", "d2"),
    ("ARL-2291", "d2"), ("arl", "d2"), ("2291", "d2"), ("4,500", "d3"),
])
def test_dotted_words_addresses_and_numbers_by_the_whole_and_by_their_parts(ft, typed, doc):
    assert doc in _ids(ft.search(typed))


def test_a_split_number_is_its_parts_in_a_row(ft):
    assert _ids(ft.search("500,4")) == set()
    assert _ids(ft.search('"4,500 dollars"')) == {"d3"}  # a phrase: the parts as typed


@pytest.mark.parametrize("typed, docs", [
    ("4500", {"d3", "d5", "d6"}), ("4,500", {"d3", "d5", "d6"}), ("4.500", {"d3", "d5", "d6"}),
    ("1234567.89", {"d5"}), ("1,234,567.89", {"d5"}), ("2300", {"d6"}), ("2,300", {"d6"}),
    ('"1234567,89"', {"d6"}), ('"4500 pesos"', {"d6"}), ("1,2,300", set()),
])
def test_a_number_with_separators_is_found_as_its_digits_joined(ft, typed, docs):
    assert _ids(ft.search(typed, exact=True)) == docs
    assert _ids(ft.search(typed)) == docs


def test_a_joined_number_marks_the_number_as_written(ft):
    found = ft.search("4500")
    marked = {d: [DOCS[d][s:e] for s, e in term_spans(DOCS[d], found.words)]
              for d in ("d3", "d5", "d6")}
    assert marked == {"d3": ["4,500"], "d5": ["4500"], "d6": ["4.500"]}
    both = term_spans(DOCS["d3"], {"4500", "4", "500"})  # a part inside a marked number: once
    assert [DOCS["d3"][s:e] for s, e in both] == ["4,500", "4", "500"]


def test_a_misspelt_word_is_corrected_and_the_matched_words_mark_the_text(ft):
    found = ft.search("presdient")
    assert found.corrections == {"presdient": "president"} and _ids(found) == {"d4"}
    assert found.as_typed == '"presdient"' and ft.search(found.as_typed).total == 0
    text = DOCS["d4"]
    assert [text[s:e] for s, e in term_spans(text, found.words)] == ["president"]


def test_marks_fold_accents_as_the_index_does(ft):
    found = ft.search("lodz")
    assert _ids(found) == {"d1", "d4"}
    assert [DOCS["d4"][s:e] for s, e in term_spans(DOCS["d4"], found.words)] == ["Łódź"]


def test_an_index_without_word_forms_searches_and_says_rebuild(tmp_path):
    folder = tmp_path / "fulltext"
    shutil.copytree(OLD_INDEX, folder)
    ft = open_fulltext(folder)
    found = ft.search("cartel")
    assert found.total == 2 and "--rebuild" in found.notes[0]
    ft.index([FulltextEntry("d9", "/d9.txt", "t", "cartels travelled", {})])
    assert ft.search("cartels").total == 1  # written without the field it lacks
