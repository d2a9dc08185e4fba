"""The two full-text engines give the same answers: the fast one (fulltext/_whoosh/, Whoosh's
private internals) and the plain one (Whoosh's public API alone), on one index both wrote.

The corpus: 320 documents made of the seeds' paragraphs (and sentences), recombined with a
fixed seed, with names in the entity fields; written in three commits, the first and third by
the fast engine and the second by the plain one, some documents replaced, so the index has
several segments and deleted documents. 1,000 queries come from a seeded generator over the
index's own words: terms, AND / OR / NOT / ANDNOT, phrases taken from the text, ``term~``,
wildcards and prefixes, ranges, boosts, groups, field queries (``title:``, ``person:``, ...).

Compared for each query: the error (as text) when it cannot run; else the total, every hit's
id in order (a full ranking, not a page) and score, the words a snippet marks, and the
suggestion when nothing matched; and a page from the middle. Scores are floats summed in a
different order by each engine (rank.py sums per field and term; Whoosh's matchers per
document, or in a preloaded array on small indexes), so two scores are the same when within
a relative 1e-9 (found: below 1e-15); hits whose scores are the same in that sense are a tie,
and a tie's hits may come in either order (each engine puts the lower document number first,
but a difference in the last bit can turn a tie around), as long as the same documents hold
the same places.
"""

from __future__ import annotations

import math
import random
import re

import pytest

from casework.index.errors import QueryError
from casework.index.fulltext import FulltextEntry, create_fulltext, open_fulltext
from casework.index.location import seed_paths

QUERIES = 1000
DOCUMENTS = 320
REL_TOL = 1e-9
NAMES = {
    "person": ["Claudia Sheinbaum", "Omar García Harfuch", "El Mencho",
               "Andrés Manuel López Obrador", "Nemesio Rubén Oseguera Cervantes", "Donald Trump"],
    "org": ["Jalisco New Generation Cartel", "CJNG", "Sinaloa Cartel", "Morena"],
    "gpe": ["Mexico", "Jalisco", "United States", "Tijuana", "Guadalajara"],
}


def _pieces() -> list[str]:
    """The seeds' paragraphs, long ones also cut into sentences."""
    pieces = []
    for path in seed_paths():
        for para in path.read_text(encoding="utf-8").split("\n"):
            para = para.strip()
            if len(para.split()) < 4:
                continue
            pieces.append(para)
            if len(para) > 400:
                pieces += [s for s in re.split(r"(?<=[.!?])\s+", para) if len(s.split()) > 3]
    return pieces


def _entries(rng: random.Random, pieces: list[str], ids) -> list[FulltextEntry]:
    out = []
    for i in ids:
        body = "\n".join(rng.sample(pieces, rng.randint(1, 5)))
        words = body.split()
        start = rng.randrange(max(1, len(words) - 8))
        title = " ".join(words[start : start + rng.randint(2, 8)])
        entities = {field: [n for n in names if n.lower() in body.lower()]
                    for field, names in NAMES.items()}
        out.append(FulltextEntry(f"e{i:04d}", f"/c/{_FOLDERS[i % 3]}/e{i:04d}.{_KINDS[i % 4]}",
                                 title, body, {f: n for f, n in entities.items() if n},
                                 **_metadata(i)))
    return out


# metadata fields (schema.py), from each document's number: the corpus's words stay as before
_FOLDERS = ("mail", "invoices", "Notes 2024")
_KINDS = ("eml", "pdf", "docx", "txt")
_PEOPLE = ("Ana Lilia Pérez <ana@example.org>", "Omar <omar@sspc.example.mx>",
           "desk@example.org", "Rosa Icela <rosa@example.mx>")


def _metadata(i: int) -> dict:
    kind = {"eml": "email", "txt": "text"}.get(_KINDS[i % 4], _KINDS[i % 4])
    meta = {"kind": kind, "created": f"20{20 + i % 6}-{1 + i % 12:02d}-{1 + i % 28:02d}",
            "modified": f"2024-{1 + i % 12:02d}-15", "author": _PEOPLE[i % 4].split("<")[0]}
    if kind == "email":
        j = i // 4  # every fourth document is a message: each sender in turn
        meta.update(sender=_PEOPLE[j % 4], to=(_PEOPLE[(j + 1) % 4], _PEOPLE[(j + 2) % 4]),
                    cc=(_PEOPLE[(j + 3) % 4],) if i % 3 else (), subject=f"Note {i % 7} cartel",
                    message_id=f"<m{i}@example.org>", content_type="message/rfc822")
    return meta


META_QUERIES = ["from:ana@example.org", "from:example.org", "from:example.mx", "from:omar",
                'from:"Ana Lilia Pérez"', "to:rosa", "cc:desk@example.org", "subject:cartel",
                "subject:note", "author:rosa", "type:email", "type:pdf", "type:message/rfc822",
                "path:invoices", 'path:"notes 2024"', "path:mail/e0006", "ext:pdf", "ext:.txt",
                "created:2021", "created:2022-03..2023-06", "created:..2021-02",
                "modified:2024-05", "message_id:<m8@example.org>"]


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    """(fast, plain), each a FulltextIndex on the same directory."""
    path = tmp_path_factory.mktemp("equivalence") / "fulltext"
    rng = random.Random(19)
    pieces = _pieces()
    create_fulltext(path, engine="fast").index(_entries(rng, pieces, range(200)))
    open_fulltext(path, engine="plain").index(
        _entries(rng, pieces, [*range(200, 280), *range(0, 200, 9)]), [f"e{i:04d}" for i in (3, 4)])
    open_fulltext(path, engine="fast").index(
        _entries(rng, pieces, [*range(280, DOCUMENTS), *range(1, 280, 13)]))
    fast, plain = open_fulltext(path, engine="fast"), open_fulltext(path, engine="plain")
    assert (fast.engine, plain.engine) == ("fast", "plain")
    searcher = fast._current()
    assert len(searcher.leaf_searchers()) >= 2 and searcher.reader().has_deletions()
    yield fast, plain
    fast.close()
    plain.close()


def _vocabulary(ft) -> dict[str, list[str]]:
    reader = ft._current().reader()
    fields = ("body", "title", *NAMES)
    return {f: sorted({t.decode("utf-8") for t in reader.lexicon(f)}) for f in fields}


def _phrase(rng: random.Random, pieces: list[str]) -> str:
    words = re.findall(r"\w+", rng.choice(pieces))
    start = rng.randrange(max(1, len(words) - 3))
    return '"' + " ".join(words[start : start + rng.randint(2, 3)]) + '"'


def generated_queries(vocabulary: dict[str, list[str]], n: int, seed: int = 1919) -> list[str]:
    """``n`` queries over the index's words, from a seeded generator."""
    rng = random.Random(seed)
    pieces = _pieces()
    body = vocabulary["body"]
    common = [w for w in body if len(w) > 3]

    def word() -> str:
        return rng.choice(common if rng.random() < 0.7 else body)

    def atom() -> str:
        kind = rng.random()
        if kind < 0.35:
            return word()
        if kind < 0.5:
            return _phrase(rng, pieces)
        if kind < 0.58:
            return word() + rng.choice(["~", "~", "~2", "~1"])
        if kind < 0.66:
            w = rng.choice(common)
            return w[: rng.randint(1, 4)] + "*"
        if kind < 0.7:
            w = rng.choice(common)
            return rng.choice([w[0] + "*" + w[-1], w[:2] + "?" + w[3:], "*" + w[-3:]])
        if kind < 0.8:
            field = rng.choice([*NAMES, "entity"])
            names = vocabulary.get(field) or vocabulary["person"]
            name = rng.choice(names)
            return f"{field}:{name}"
        if kind < 0.86:
            return f"title:{rng.choice(vocabulary['title'])}"
        if kind < 0.88:
            a, b = sorted(rng.sample(body, 2))
            return f"[{a} TO {b}]" if rng.random() < 0.5 else f"body:[{a[0]} TO {b[0]}]"
        if kind < 0.92:
            return f"{word()}^{rng.choice([2, 3, 0.5])}"
        if kind < 0.96:
            return f"({word()} OR {word()})"
        if kind < 0.98:
            return f"person:{_phrase(rng, [n for names in NAMES.values() for n in names])}"
        return rng.choice(META_QUERIES)

    queries = []
    for _ in range(n):
        parts = [atom()]
        for _ in range(rng.choice([0, 0, 1, 1, 1, 2, 3])):
            parts.append(rng.choice(["", "", "AND ", "OR ", "OR ", "NOT ", "ANDNOT ", "ANDMAYBE "])
                         + atom())
        query = " ".join(parts)
        if sum(query.count(c) for c in "*?~[") > 2:  # within the expansion caps: see below
            query = parts[0]
        queries.append(query)
    return queries


# Shapes where the engines once differed: Whoosh's AndNotMatcher and AndMaybeMatcher miss
# documents (plain.py works around them), rank.py took a NOT inside an OR and failed, and
# shapes rank.py does not take were answered by Whoosh with wildcards scored as constants.
HANDPICKED = [
    "entity:omar ANDNOT a*",
    "injuries ANDNOT begin~ OR person:manuel NOT soon",
    "(founding OR clear) NOT path OR foreign OR title:injuries",
    'act NOT re?orms ANDMAYBE "setting fire to" h*s',
    '"Trump Administration s" ANDMAYBE ties NOT develop',
    "cartel OR NOT mexico",
    # names typed as names: pairs of capitalised words add a phrase in the entity names
    "Claudia Sheinbaum Omar García Harfuch",
    "Donald Trump Mexico OR Jalisco New Generation Cartel",
    "El Mencho NOT Sinaloa Cartel",
    "Nemesio Rubén Oseguera Cervantes cartel~ United States",
]


def _answer(ft, query: str, **kwargs):
    try:
        found = ft.search(query, **kwargs)
    except QueryError as exc:
        return str(exc)
    return found


def same_ranking(a: list[tuple[str, float]], b: list[tuple[str, float]]) -> bool:
    """The same documents at the same places with the same scores (within REL_TOL); within a
    run of tied scores, in any order."""
    if len(a) != len(b):
        return False
    if not all(math.isclose(x, y, rel_tol=REL_TOL) for (_, x), (_, y) in zip(a, b)):
        return False
    i = 0
    while i < len(a):
        j = i + 1
        while j < len(a) and math.isclose(a[j][1], a[i][1], rel_tol=REL_TOL):
            j += 1
        if {d for d, _ in a[i:j]} != {d for d, _ in b[i:j]}:
            return False
        i = j
    return True


def test_same_ranking_sees_a_difference_and_forgives_a_tie():
    ranking = [("a", 3.0), ("b", 2.0), ("c", 2.0 * (1 + 1e-12)), ("d", 1.0)]
    assert same_ranking(ranking, list(ranking))
    assert same_ranking(ranking, [ranking[0], ranking[2], ranking[1], ranking[3]])  # a tie
    assert not same_ranking(ranking, [ranking[1], ranking[0], *ranking[2:]])  # not a tie
    assert not same_ranking(ranking, ranking[:3])
    assert not same_ranking(ranking, [*ranking[:3], ("d", 1.001)])
    assert not same_ranking(ranking, [*ranking[:3], ("e", 1.0)])


def test_both_engines_answer_1000_generated_queries_alike(engines):
    fast, plain = engines
    queries = generated_queries(_vocabulary(fast), QUERIES)
    assert len(set(queries)) > 900
    queries += HANDPICKED
    differences = []
    outcomes = {"hits": 0, "none": 0, "error": 0, "reordered ties": 0}
    for query in queries:
        one, other = _answer(fast, query, limit=DOCUMENTS), _answer(plain, query, limit=DOCUMENTS)
        if isinstance(one, str) or isinstance(other, str):
            outcomes["error"] += 1
            if one != other:
                differences.append((query, "error", one, other))
            continue
        outcomes["hits" if one.total else "none"] += 1
        ranked = [(h.doc_id, h.score) for h in one.hits]
        ranked_plain = [(h.doc_id, h.score) for h in other.hits]
        if one.total != other.total or one.total != len(ranked):
            differences.append((query, "total", one.total, other.total))
        elif not same_ranking(ranked, ranked_plain):
            differences.append((query, "ranking", ranked[:5], ranked_plain[:5]))
        elif (one.words, one.suggestion) != (other.words, other.suggestion):
            differences.append((query, "words or suggestion", (sorted(one.words), one.suggestion),
                                (sorted(other.words), other.suggestion)))
        outcomes["reordered ties"] += ranked != ranked_plain
    assert not differences, f"{len(differences)} of {len(queries)} differ, first: {differences[:3]}"
    # the generator is not degenerate: most queries find something, some find nothing
    assert outcomes["hits"] > 600 and outcomes["none"] > 20, outcomes


def test_metadata_fields_find_the_same_documents_on_both_engines(engines):
    fast, plain = engines
    for query in META_QUERIES:
        one, other = fast.search(query, limit=DOCUMENTS), plain.search(query, limit=DOCUMENTS)
        assert 0 < one.total < DOCUMENTS - 2, query  # a field, not every document
        assert one.total == other.total, query
        assert same_ranking([(h.doc_id, h.score) for h in one.hits],
                            [(h.doc_id, h.score) for h in other.hits]), query


def test_a_page_is_the_same_slice_of_the_ranking_on_both_engines(engines):
    fast, plain = engines
    for query in generated_queries(_vocabulary(fast), 200, seed=7):
        whole = _answer(fast, query, limit=DOCUMENTS)
        if isinstance(whole, str) or whole.total < 12:
            continue
        ranked = [(h.doc_id, h.score) for h in whole.hits]
        for ft in (fast, plain):
            page = ft.search(query, limit=6, offset=5)
            assert page.total == whole.total, query
            # a tie cut by the page's edges may show different members of it
            at = [(h.doc_id, h.score) for h in page.hits]
            assert all(math.isclose(s, r, rel_tol=REL_TOL) for (_, s), (_, r) in
                       zip(at, ranked[5:11])), query
            assert same_ranking(at, ranked[5:11]) or _tie_at_edges(ranked, 5, 11), query


def _tie_at_edges(ranked, start: int, end: int) -> bool:
    def tied(i, j):
        return 0 <= i < len(ranked) and 0 <= j < len(ranked) and math.isclose(
            ranked[i][1], ranked[j][1], rel_tol=REL_TOL)
    return tied(start - 1, start) or tied(end - 1, end)


def test_the_plain_engine_runs_without_whooshs_internals(engines, monkeypatch):
    """plain mode never calls into _whoosh/: with its functions made to fail, it still searches
    and suggests (the fixture wrote one commit with it)."""
    import importlib

    from casework.index.fulltext import _whoosh
    from casework.index.fulltext._whoosh import rank

    # the module, not the function _whoosh/__init__ re-exports under the same name
    expand = importlib.import_module("casework.index.fulltext._whoosh.expand")

    def broken(*args, **kwargs):
        raise AssertionError("the plain engine reached _whoosh/")

    for module, names in ((_whoosh, ("writer", "upkeep", "expand", "top")),
                          (rank, ("rank", "top", "_scores")), (expand, ("expand", "_capped"))):
        for name in names:
            monkeypatch.setattr(module, name, broken)
    _, plain = engines
    assert plain.search("cartel OR mexico").total > 0
    assert plain.search("cart* sheinbau~").total > 0
    assert plain.suggest("cartell") == "cartel"
