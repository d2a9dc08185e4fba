"""The engine through its public API on real parts: incremental indexing, search syntax,
index directory rules, span cleanup."""

from __future__ import annotations

import json
import os

import pytest

from casework.index import open_index
from casework.index.entities import clean_span, match_key
from casework.index.errors import IndexBusy, IndexIncompatible, QueryError
from casework.index.models import Span
from casework.index.store import MARKER, IndexDir, WriteLock


def test_unchanged_reindex_adds_nothing(make_index, seeds_copy):
    first = make_index(seeds_copy)
    assert (first.added, first.documents) == (2, 2)
    again = make_index(seeds_copy)
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 2)
    assert again.entities == first.entities and again.mentions == first.mentions


def test_unchanged_reindex_writes_a_missing_common_postings_file(make_index, seeds_copy):
    """An index written before postings_file.py existed gets each segment's file on its next
    run, even when nothing changed (search reads Whoosh's blocks until then)."""
    make_index(seeds_copy)
    fulltext = make_index.path / "fulltext"
    written = sorted(p.name for p in fulltext.glob("*.cwp"))
    assert written
    for p in fulltext.glob("*.cwp"):
        p.unlink()
    again = make_index(seeds_copy)
    assert again.unchanged == 2
    assert sorted(p.name for p in fulltext.glob("*.cwp")) == written


def test_changed_file_is_updated_and_deleted_file_removed(make_index, seeds_copy, fulltext_engine):
    make_index(seeds_copy)
    files = sorted(seeds_copy.glob("*.txt"))
    files[0].write_text(files[0].read_text() + "\nThe Zetas cartel met Genaro García Luna in Tijuana.\n")
    files[1].unlink()
    report = make_index(seeds_copy)
    assert (report.added, report.updated, report.removed, report.documents) == (0, 1, 1, 1)
    with open_index(make_index.path) as cw:
        assert cw.search("Tijuana").total == 1
        assert cw.search("Harfuch").total == 1  # only the surviving document
        assert all(e.documents == 1 for e in cw.entities(limit=500)), "counts follow removals"


def _written_and_implied(index_path):
    """Per document: the fingerprint of what Whoosh was last given, and of what the catalog
    implies now (its text, and its entities' current names and aliases, read here with one
    join per document); and those names."""
    from casework.index.catalog import Catalog
    from casework.index.entities import WEAK_REASONS, label_field
    from casework.index.sync import fulltext_entry

    catalog = Catalog(index_path / "catalog.sqlite", readonly=True)
    try:
        out = {}
        for doc_id in catalog.doc_ids():
            # an entity's name and confident aliases where the document names it by one of
            # them; else only the weak forms it uses (entities.EntityFieldValues)
            confident: dict[str, tuple[str, set[str]]] = {}
            for entity_id, label, name, alias, reason in catalog.conn.execute(
                """SELECT e.entity_id, e.label, e.name, a.text, a.reason FROM entities e
                   LEFT JOIN aliases a ON a.entity_id = e.entity_id
                   WHERE e.entity_id IN (SELECT entity_id FROM mentions WHERE doc_id = ?)""",
                (doc_id,),
            ):
                found = confident.setdefault(entity_id, (label_field(label), {name}))
                if alias and reason not in WEAK_REASONS:
                    found[1].add(alias)
            names: dict[str, set[str]] = {}
            for entity_id, text in catalog.conn.execute(
                    "SELECT DISTINCT entity_id, text FROM mentions WHERE doc_id = ?", (doc_id,)):
                if entity_id in confident:
                    field, forms = confident[entity_id]
                    names.setdefault(field, set()).update(forms if text in forms else {text})
            names = {field: sorted(found) for field, found in names.items()}
            row = catalog.document_row(doc_id)
            entry = fulltext_entry(row, names)  # the metadata as sync gives it
            out[doc_id] = (row["ft_hash"], entry.fingerprint(row["sha256"]), names)
        return out
    finally:
        catalog.close()


def test_an_indexed_document_is_written_again_when_its_entities_change(make_index, seeds_copy):
    """Whoosh holds each document's entities by their current names and aliases: a later run
    that renames or links an entity writes again the entries of documents indexed before that
    mention it, so person:NAME finds them by the new names."""
    first = sorted(seeds_copy.glob("*.txt"))[0]
    make_index(first)
    (doc_id, (written, implied, names_before)), = _written_and_implied(make_index.path).items()
    assert written == implied
    report = make_index(seeds_copy)
    assert (report.added, report.unchanged) == (1, 1)
    after = _written_and_implied(make_index.path)
    assert after[doc_id][2] != names_before  # guard: the second document changed the first's
    assert all(written == implied for written, implied, _ in after.values())


def test_touched_but_identical_file_is_unchanged(make_index, seeds_copy):
    make_index(seeds_copy)
    f = sorted(seeds_copy.glob("*.txt"))[0]
    os.utime(f, (1, 1))
    report = make_index(seeds_copy)
    assert (report.updated, report.unchanged) == (0, 2)


def test_single_file_indexing_does_not_remove_its_neighbours(make_index, seeds_copy):
    make_index(seeds_copy)
    one = sorted(seeds_copy.glob("*.txt"))[0]
    report = make_index(one)
    assert report.removed == 0 and report.documents == 2


@pytest.mark.parametrize(
    "query, expected",
    [
        ("Harfuch", 2),
        ("Harfuch AND Tijuana", 0),
        ("Harfuch OR Tijuana", 2),
        ('"New Generation Cartel"', 2),
        ('"Generation New Cartel"', 0),
        ("Sheinbaum NOT Harfuch", 0),
        ("cartel*", 2),
        ("harfuhc~2", 2),
        ("sheinbam~", 2),
        ("person:Sheinbaum", 2),
        ("gpe:mexico", 2),
        ("title:violence", 1),
        # accents folded: one text says Rubén; the other names the same man (his aliases are
        # in the entity field once resolution merged them)
        ("Ruben", 2),
    ],
)
def test_query_syntax(seeds_index, query, expected, fulltext_engine):
    with open_index(seeds_index) as cw:
        assert cw.search(query).total == expected


@pytest.mark.parametrize(
    "typed, meant",
    [("Sheinbam", "sheinbaum"), ("afte", "after"), ("abou", "about"),
     ("assassinatio cartel", "assassination cartel"), ("person:sheinbam", "person:sheinbaum")],
)
def test_suggestion_is_the_commonest_of_the_closest_words(seeds_index, typed, meant,
                                                           fulltext_engine):
    """Whoosh's corrector offered the commonest word within two edits ("afte" -> "at"); the
    closest come first. (An exact search: otherwise the typo is searched corrected.)"""
    with open_index(seeds_index) as cw:
        result = cw.search(typed, exact=True)
        assert result.total == 0 and result.suggestion == meant
        later = cw.search(typed, suggest=False, exact=True)  # hits first, then it asks
        assert later.total == 0 and later.suggestion is None
        assert cw.suggest(typed) == meant


@pytest.mark.parametrize(
    "typed, meant",
    [("Sheinbam", "sheinbaum"), ("Shienbaum", "sheinbaum"), ("heinbaum", "sheinbaum"),
     ("harfcuh cartel", "harfuch"), ("person:sheinbam", "sheinbaum")],
)
def test_a_misspelt_word_is_searched_as_the_words_near_it_and_says_so(seeds_index, typed, meant,
                                                                     fulltext_engine):
    """A transposition is one edit, and the first letter may be the typo."""
    with open_index(seeds_index) as cw:
        result = cw.search(typed)
        exactly = cw.search(typed, exact=True)
        quoted = cw.search(result.as_typed)
    assert result.total > 0 and exactly.total == 0 and quoted.total == 0
    assert [w for _, w in result.corrections] == [meant]
    assert meant in result.corrected.lower() and meant in result.terms
    assert typed.split()[0].split(":")[-1] in result.as_typed and '"' in result.as_typed


def test_a_known_word_is_not_corrected(seeds_index, fulltext_engine):
    with open_index(seeds_index) as cw:
        result = cw.search("cartel")
    assert result.corrections == [] and result.corrected is None


def test_fuzzy_counts_a_transposition_as_one_edit(seeds_index, fulltext_engine):
    with open_index(seeds_index) as cw:
        assert cw.search("shienbaum~1").total > 0
        assert "sheinbaum" in cw.search("heinbaum~").terms


def test_no_suggestion_for_a_query_that_cannot_run(seeds_index, fulltext_engine):
    with open_index(seeds_index) as cw:
        assert cw.suggest("   ") is None
        assert cw.suggest("zzzzqqqq") is None


def test_entity_field_phrases_do_not_run_across_names(seeds_index, fulltext_engine):
    with open_index(seeds_index) as cw:
        assert cw.search('person:"Claudia Sheinbaum"').total == 2
        names = [e.name for e in cw.entities(label="PERSON", limit=500)]
        assert "Claudia Sheinbaum" in names


def test_hits_are_paged(seeds_index, fulltext_engine):
    with open_index(seeds_index) as cw:
        everything = cw.search("Mexico", limit=10)
        second = cw.search("Mexico", limit=1, offset=1)
    assert everything.total == 2 and second.total == 2
    assert [h.doc_id for h in second.hits] == [everything.hits[1].doc_id]


def test_empty_query_is_a_query_error(seeds_index, fulltext_engine):
    with open_index(seeds_index) as cw, pytest.raises(QueryError):
        cw.search("   ")


def test_index_of_another_schema_version_says_to_rebuild(make_index, seeds_copy):
    make_index(seeds_copy)
    marker = make_index.path / MARKER
    meta = json.loads(marker.read_text())
    marker.write_text(json.dumps({**meta, "schema_version": 999}))
    with pytest.raises(IndexIncompatible, match="rebuild"):
        open_index(make_index.path)
    with pytest.raises(IndexIncompatible, match="--rebuild"):
        make_index(seeds_copy)
    report = make_index(seeds_copy, rebuild=True)
    assert report.documents == 2
    with open_index(make_index.path) as cw:
        assert cw.search("Harfuch").total == 2


def test_foreign_directory_is_never_written(make_index, seeds_copy):
    make_index.path.mkdir()
    keep = make_index.path / "thesis.txt"
    keep.write_text("not yours")
    with pytest.raises(IndexIncompatible, match="not a casework index"):
        make_index(seeds_copy)
    assert [p.name for p in make_index.path.iterdir()] == ["thesis.txt"]


def test_second_writer_is_told_who_holds_the_lock(tmp_path):
    index_dir = IndexDir(tmp_path / "ix")
    with WriteLock(index_dir):
        with pytest.raises(IndexBusy, match=f"process {os.getpid()}"):
            with WriteLock(index_dir):
                pass
    with WriteLock(index_dir):  # released
        pass


@pytest.mark.parametrize(
    "surface, cleaned",
    [
        ("the Jalisco New Generation Cartel", "Jalisco New Generation Cartel"),
        ("The Trump Administration’s", "Trump Administration"),
        ("“El Mencho”", "El Mencho"),
        ("Sheinbaum's", "Sheinbaum"),
        ("Mexico,", "Mexico"),
        ("U.S.", "U.S."),
        ("the", None),
        ("“", None),
    ],
)
def test_span_noise_is_trimmed(surface, cleaned):
    text = f"xx {surface} yy"
    span = clean_span(text, Span(3, 3 + len(surface), "ORG", 0, len(text)))
    if cleaned is None:
        assert span is None
    else:
        assert text[span.start : span.end] == cleaned


def test_match_key_folds_case_accents_and_quotes():
    assert match_key("Rubén  OSEGUERA") == match_key("ruben oseguera")
    assert match_key("O’Neil") == match_key("O'Neil")


def test_a_relative_folder_is_stored_with_absolute_paths(make_index, seeds_copy, monkeypatch):
    monkeypatch.chdir(seeds_copy.parent)
    make_index(type(seeds_copy)(seeds_copy.name))
    with open_index(make_index.path) as cw:
        hit = cw.search("Harfuch").hits[0]
        assert hit.path == str(seeds_copy / hit.path.rsplit("/", 1)[-1])
    monkeypatch.chdir("/")
    again = make_index(seeds_copy)
    assert (again.added, again.removed, again.unchanged) == (0, 0, 2)
