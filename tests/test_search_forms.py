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


NAMED = {
    # both hold every word of "Steve Bannon Nancy Pelosi"; only n1 names the two people
    "n1": ("Steve Bannon spoke, and Nancy Pelosi answered him.",
           {"person": ["Steve Bannon", "Nancy Pelosi"]}),
    "n2": ("Nancy Reagan and Steve Jobs: Bannon, Pelosi. Bannon, Pelosi, Bannon, Pelosi.",
           {"person": ["Nancy Reagan", "Steve Jobs", "Bannon", "Pelosi"]}),
    "n3": ("Steve Bannon alone.", {"person": ["Steve Bannon"]}),
}


@pytest.fixture(scope="module", params=["fast", "plain"])
def named(request, tmp_path_factory):
    path = tmp_path_factory.mktemp("named") / "fulltext"
    create_fulltext(path, engine=request.param).index(
        FulltextEntry(d, f"/{d}.txt", "", text, names) for d, (text, names) in NAMED.items())
    found = open_fulltext(path, engine=request.param)
    yield found
    found.close()


def test_names_typed_side_by_side_rank_the_document_naming_them_first(named):
    found = named.search("Steve Bannon Nancy Pelosi")
    assert [h.doc_id for h in found.hits] == ["n1", "n2"]
    # the same words in lower case: no names typed, and n2's repeated words win
    assert [h.doc_id for h in named.search("steve bannon nancy pelosi").hits] == ["n2", "n1"]


def test_a_name_pair_only_adds_to_a_score_and_never_decides_a_match(named):
    for typed, lower, total in [("Bannon Steve", "bannon steve", 3),  # in no name: still found
                                ("Steve Bannon OR Reagan", "steve bannon OR reagan", 3),
                                ('"Steve Bannon" Pelosi', '"steve bannon" pelosi', 1),
                                ("Steve Bannon NOT Pelosi", "steve bannon NOT pelosi", 1)]:
        assert named.search(typed).total == named.search(lower).total == total, typed


def test_name_pairs_score_alike_on_both_engines(tmp_path):
    # the fast engine reads the pairs' positions in the AND's documents only (phrase_within)
    path = tmp_path / "fulltext"
    create_fulltext(path).index(
        FulltextEntry(d, f"/{d}.txt", "", text, names) for d, (text, names) in NAMED.items())
    for typed in ("Steve Bannon Nancy Pelosi", "Steve Bannon", "Nancy Pelosi OR Steve Jobs"):
        fast, plain = (open_fulltext(path, engine=e).search(typed) for e in ("fast", "plain"))
        assert [(h.doc_id, round(h.score, 9)) for h in fast.hits] == \
            [(h.doc_id, round(h.score, 9)) for h in plain.hits], typed
        assert fast.hits


def _presidents(tmp_path, n: int):
    """An open full-text index of ``n`` documents, each "the travel of a president"."""
    path = tmp_path / "fulltext"
    create_fulltext(path).index(
        FulltextEntry(f"d{i}", f"/d{i}.txt", "", "the travel of a president", {})
        for i in range(n))
    return open_fulltext(path)


def test_the_spelling_file_is_read_only_for_a_word_two_edits_from_any(tmp_path):
    # its read was most of a cold search past the imports: a common word needs no correcting,
    # and the ~600 strings one edit away are looked up in the term index
    ft = _presidents(tmp_path, 5)
    assert ft.search("travel president").total == 5
    found = ft.search("presdent")
    assert found.corrections == {"presdent": "president"} and found.total == 5
    assert ft.search("presdent~").total == 5
    assert ft._vocabulary._counts is False  # not read
    found = ft.search("prasidant")  # two edits: every word of the file is measured
    assert found.corrections == {"prasidant": "president"} and found.total == 5
    assert ft._vocabulary._counts


def test_two_edits_find_what_the_edits_of_edits_find(seeds_index):
    # distance 2 measures every word of the vocabulary (rapidfuzz); it must find exactly the
    # words the edits of the one-edit strings reach, over the seeds' real vocabulary
    from casework.index.fulltext import spelling

    ft = open_fulltext(seeds_index / "fulltext")
    ft.search("cartel")
    vocabulary = ft._vocabulary
    counts = vocabulary.counts
    assert counts and len(counts) > 500
    for typed in ("cartle", "govrnmnet", "prseident", "mexcio", "oseguerra", "sheinbuam"):
        ring = spelling.edits(typed)
        expected = {w for e in ring for w in spelling.edits(e) | {e}
                    if w in counts and w != typed}
        found = {w for w, _, _ in vocabulary.near(typed, 2)}
        assert found == expected, typed
        assert all(d == (1 if w in ring else 2) for w, d, _ in vocabulary.near(typed, 2))


def test_the_query_as_typed_after_a_lone_quote_is_quoted_once(tmp_path):
    # "search for ... instead" offers the typed word as a phrase; typed after an unclosed quote
    # it became '""prasidant"', which searches something else
    ft = _presidents(tmp_path, 3)
    for typed in ('"prasidant', "prasidant"):
        found = ft.search(typed)
        assert found.corrections == {"prasidant": "president"}, typed
        assert found.as_typed == '"prasidant"', typed
