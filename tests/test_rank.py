"""Fast ranking (fulltext/_whoosh/rank.py) and snippets, checked against Whoosh's own answers.

The corpus: 400 documents made of the seeds' sentences, shuffled with a fixed seed, written in
two commits with some documents replaced, so the index has two segments and deleted
documents, the cases where offsets and deletions could go wrong.
"""

from __future__ import annotations

import random
import re

import pytest
from whoosh.collectors import TopCollector

from casework.index.fulltext import FulltextEntry, FulltextIndex, best_snippet, create_fulltext
from casework.index.fulltext import _whoosh
from casework.index.fulltext._whoosh import rank
from casework.index.location import seed_paths

QUERIES = [
    "cartel",
    "Mexico",
    "cartel violence",
    "cartel OR violence",
    "cartel NOT violence",
    "cartel ANDNOT jalisco",
    "ruben the",  # a rare word with a common one: "the" scored only where "ruben" is
    "drone AND NOT the",
    "ruben ANDMAYBE the",
    "(cartel OR army) AND NOT mencho^2",
    "title:cartel",
    "person:sheinbaum",
    '"the cartel"',
    '"jalisco new generation"',
    '"cartel leader" OR mencho',
    '"the cartels the"',
    '"security officials" AND "political leaders"',
    "cart*",
    "viol*",
    "cartell~",
    "[a TO c]",
    "ruben",
]
# Whoosh drops a wildcard or fuzzy term's boost when it expands to a single word (its
# MultiTerm.matcher builds that Term without the boost); rank.py keeps the boost, so a title
# match still counts double. For these only the count is Whoosh's.
COUNT_ONLY = ["goverment~2 mexico", "title:gov*", "sheinbau~ OR harfuc~"]


def _sentences() -> list[str]:
    text = " ".join(p.read_text(encoding="utf-8") for p in seed_paths())
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) > 3]


def _entries(rng: random.Random, sentences: list[str], ids: range) -> list[FulltextEntry]:
    out = []
    for i in ids:
        body = " ".join(rng.sample(sentences, rng.randint(3, 12)))
        title = " ".join(body.split()[: rng.randint(3, 8)])
        people = [n for n in ("Claudia Sheinbaum", "Omar García Harfuch", "El Mencho") if n in body]
        out.append(FulltextEntry(f"d{i:04d}", f"/c/d{i:04d}.txt", title, body, {"person": people}))
    return out


def two_commits(path) -> FulltextIndex:
    """The test index: 300 documents, then a second segment of 100 new documents and 40
    replaced ones (their old versions are deleted)."""
    rng = random.Random(6)
    sentences = _sentences()
    ft = create_fulltext(path, engine="fast")
    ft.index(_entries(rng, sentences, range(300)), [])
    ft.index(_entries(rng, sentences, [*range(300, 400), *range(0, 400, 10)]), [])
    return ft


def _parsed(s: FulltextIndex, text: str):
    """``text`` as the fast engine runs it: parsed, its wildcard and fuzzy terms capped."""
    return _whoosh.expand(s._current(), s.parse(text)[1])


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    ft = two_commits(tmp_path_factory.mktemp("rank") / "fulltext")
    s = ft
    whoosh_searcher = s._current()
    assert not whoosh_searcher.is_atomic(), "the test needs more than one segment"
    assert whoosh_searcher.reader().has_deletions()
    yield s, whoosh_searcher
    s.close()


def _whoosh_top(ws, q, limit):
    """Whoosh's own ranking. Below 5,000 documents Whoosh preloads an OR of many terms (as in
    a fuzzy or wildcard expansion) into an array matcher whose scores differ from the sum it
    uses on bigger indexes; rank.py always sums, so the reference takes the big-index path."""
    from whoosh import query as wq

    wq.Or.matcher_type, saved = wq.Or.DEFAULT_MATCHER, wq.Or.matcher_type
    try:
        return _whoosh_top_as_is(ws, q, limit)
    finally:
        wq.Or.matcher_type = saved


def _whoosh_top_as_is(ws, q, limit):
    c = TopCollector(limit=limit, usequality=False, replace=0)
    ws.search_with_collector(q, c)
    r = c.results()
    return len(r), [(h.docnum, h.score) for h in r]


@pytest.mark.parametrize("text", QUERIES)
def test_rank_gives_whooshs_count_order_and_scores(searcher, text):
    s, ws = searcher
    q = _parsed(s, text)
    assert rank.supported(q), q
    total, top = rank.rank(ws, q, 25)
    w_total, w_top = _whoosh_top(ws, q, 25)
    assert total == w_total == len(set(ws.docs_for_query(q)))
    assert [d for d, _ in top] == [d for d, _ in w_top]
    assert [round(x, 6) for _, x in top] == [round(x, 6) for _, x in w_top]


@pytest.mark.parametrize("text", COUNT_ONLY)
def test_rank_counts_what_whoosh_counts(searcher, text):
    s, ws = searcher
    q = _parsed(s, text)
    total, top = rank.rank(ws, q, 25)
    assert total == len(set(ws.docs_for_query(q))) > 0
    assert [x for _, x in top] == sorted((x for _, x in top), reverse=True)


def test_a_query_asked_again_gives_the_same_answer(searcher):
    """The second time, a phrase's and a term's scores come from rank.py's caches; sums are
    added into one of their parts, so a cache handing out what it holds would fail here."""
    s, ws = searcher
    # "violence cartel" scores "cartel" only where "violence" is; then "cartel" alone keeps
    # its whole sum over title, body and entity names, which the AND then uses
    for text in ('"the cartel"', '"the cartels the"', '"jalisco new generation"',
                 "cartel OR violence", "cartell~", "cartel violence", '"the cartel" OR army',
                 "violence cartel", "cartel", "violence cartel", "(cartel OR army) NOT violence"):
        q = _parsed(s, text)
        first = rank.rank(ws, q, 25)
        assert first[0] > 0, text
        assert rank.rank(ws, q, 25) == first
        w_total, w_top = _whoosh_top(ws, q, 25)
        assert first[0] == w_total and [d for d, _ in first[1]] == [d for d, _ in w_top], text


def test_blocks_read_as_whoosh_reads_them(searcher):
    """rank.py unpickles Whoosh's posting blocks itself (bytes values built by bytes(), not
    codecs.encode): every block of these terms must load to what Whoosh's reader loads."""
    import zlib

    from whoosh.matching.wrappers import FilterMatcher

    _, ws = searcher
    compared = replaced = 0
    for sub, _ in ws.leaf_searchers():
        reader = sub.reader()
        for field in ("body", "title", "entity", "person"):
            for btext in reader.lexicon(field):
                m = reader.postings(field, btext)
                m = m.child if isinstance(m, FilterMatcher) else m
                while hasattr(m, "_read_data") and m.is_active():
                    raw = m._postfile.get(m._dataoffset, m._nextoffset - m._dataoffset)
                    raw = zlib.decompress(raw) if m._compression else raw
                    replaced += rank._CODECS_ENCODE in raw
                    ours = rank._block_data(m)
                    m._read_data()
                    assert ours == m._data, (field, btext)
                    compared += 1
                    m._next_block()
    assert compared > 500 and replaced > 100  # guard: blocks with positions were compared


def test_some_queries_do_match(searcher):
    """Guard: the comparisons above would hold vacuously on an empty result."""
    s, ws = searcher
    for text in ("cartel", '"the cartel"', "cart*", "cartell~", "person:sheinbaum"):
        assert rank.rank(ws, _parsed(s, text), 5)[0] > 0, text


def test_unknown_query_shapes_go_to_whoosh(searcher):
    s, ws = searcher
    from whoosh import query as wq

    nested = wq.Or([wq.Term("body", "cartel"), wq.Term("body", "army")], minmatch=2)
    assert not rank.supported(nested)
    assert rank.supported(_parsed(s, "cartel"))


def test_snippet_prefers_the_window_with_most_query_words():
    text = ("The cartel was mentioned early. " + "Filler words go here. " * 40
            + "Later the cartel leader and the army met. " + "More filler text. " * 40)
    snippet, ranges = best_snippet(text, frozenset({"cartel", "army"}))
    marked = [snippet[a:b] for a, b in ranges]
    assert marked == ["cartel", "army"]
    assert snippet.startswith("…") and snippet.endswith("…")
    assert len(snippet) <= 242


def test_snippet_marks_folded_forms_and_keeps_ranges_true():
    text = "Nemesio Rubén Oseguera\nCervantes, known as El Mencho."
    snippet, ranges = best_snippet(text, frozenset({"ruben", "cervantes"}))
    assert [snippet[a:b] for a, b in ranges] == ["Rubén", "Cervantes"]
    assert "\n" not in snippet


def test_snippet_matches_are_the_analyzers():
    """best_snippet finds ASCII words with a regular expression over the raw text; every match
    must be a word the analyzer makes, at the same place, and none may be missed."""
    from casework.index.fulltext.schema import text_analyzer
    from casework.index.fulltext.snippets import _word_matches

    analyzer = text_analyzer()
    tricky = ("RUBÉN rubén Rubens ruben. U.S. u.s.a us-ruben ruben's Ruben*x ruben.x x.ruben "
              "ſenate SENATE İstanbul istanbul Köln koln naïve NAIVE ﬁsh Ｒｕｂｅｎ ruben_x "
              "4,500 4500 4.500 1,234,567.89 1.234.567,89 2 300 1,2,300 x4,500 4,500.x")
    texts = [p.read_text(encoding="utf-8") for p in seed_paths()] + [tricky]
    rng = random.Random(5)
    for text in texts:
        tokens = [(t.startchar, t.endchar, t.text)
                  for t in analyzer(text, chars=True, mode="index", removestops=False)]
        vocabulary = sorted({w for _, _, w in tokens})
        word_sets = [rng.sample(vocabulary, min(k, len(vocabulary)))
                     for k in (1, 2, 5, 20, 60) for _ in range(10)]  # 60: past the pattern's
        word_sets += [["ruben", "u.s", "senate", "istanbul", "koln", "naive", "fish", "s"]]
        for words in map(frozenset, word_sets):
            expected = [t for t in tokens if t[2] in words]
            assert list(_word_matches(text, words)) == expected, sorted(words)[:5]
    # guard: the tricky text does exercise the regular expression's path
    assert [w for _, _, w in _word_matches(tricky[:40], frozenset({"ruben"}))] == ["ruben"] * 3


def test_snippet_absent_words_give_none():
    assert best_snippet("nothing to see", frozenset({"cartel"})) is None
    assert best_snippet("", frozenset({"cartel"})) is None
    assert best_snippet("cartel", frozenset()) is None


def test_cached_postings_never_outlive_an_update(tmp_path):
    """Postings are cached per segment; a later commit that deletes or replaces documents in
    that segment must still be honoured (deletions are applied at query time)."""
    rng = random.Random(3)
    sentences = _sentences()
    ft = create_fulltext(tmp_path / "ft", engine="fast")
    ft.index(_entries(rng, sentences, range(120)), [])
    s = ft
    ws = s._current()
    queries = ("cartel", '"the cartel"')  # a phrase's scores are cached per segment too
    before = [rank.rank(ws, _parsed(s, text), 10) for text in queries]
    ft.index(_entries(rng, sentences, range(0, 120, 3)), [f"d{i:04d}" for i in range(1, 120, 3)])
    ws = s._current()  # refreshed: same first segment, now with deletions
    for text, earlier in zip(queries, before):
        q = _parsed(s, text)
        after = rank.rank(ws, q, 10)
        w_total, w_top = _whoosh_top(ws, q, 10)
        assert after[0] == w_total == len(set(ws.docs_for_query(q))) != earlier[0], text
        assert [d for d, _ in after[1]] == [d for d, _ in w_top], text
    s.close()


def test_a_big_first_build_in_two_processes_answers_as_one(tmp_path):
    """--jobs 2 writes a big first build in two processes (one segment each); the answers are
    those of the one-process build."""
    rng = random.Random(9)
    entries = _entries(rng, _sentences(), range(300))
    answers = []
    for procs in (1, 2):
        ft = create_fulltext(tmp_path / f"ft{procs}", engine="fast")
        assert ft.index(entries, [], big=True, procs=procs) == 300
        s = ft
        ws = s._current()
        if procs == 2:
            assert not ws.is_atomic(), "two processes, two segments"
        found = []
        for text in ("cartel", '"the cartel"', "cart*", "person:sheinbaum"):
            q = _parsed(s, text)
            total, top = rank.rank(ws, q, 300)
            found.append((total, sorted(ws.stored_fields(d)["doc_id"] for d, _ in top)))
        answers.append(found)
        s.close()
    assert answers[0] == answers[1]
    assert answers[0][0][0] > 0


def test_snippet_words_include_every_segments_expansions(searcher):
    from casework.index.fulltext.query import words as _words

    s, ws = searcher
    words = _words(ws, _parsed(s, "cartell~ NOT zzz person:sheinbaum"))
    assert {"cartel", "cartels", "sheinbaum"} <= words
    assert "zzz" not in words


@pytest.mark.parametrize("mapped", [True, False])
@pytest.mark.parametrize("read_ahead", [64, 3])
def test_memoised_term_seeks_find_what_whooshs_own_find(searcher, monkeypatch, read_ahead, mapped):
    """term_seek's binary search with remembered probes lands where Whoosh's does, for terms
    that exist, keys between them, and keys past either end (read_ahead 3: keys longer than
    the first read); reading through a memory map of the term file, or through Whoosh's file
    (a file in a compound segment cannot be mapped)."""
    from casework.index.fulltext._whoosh import term_seek

    monkeypatch.setattr(term_seek, "_READ_AHEAD", read_ahead)
    _, ws = searcher
    checked = 0
    for sub, _ in ws.leaf_searchers():
        tindex = sub.reader()._terms._tindex
        whooshs = type(tindex).closest_key_pos
        seek = term_seek._Seek(tindex)
        assert (seek.view is not None) and (seek.position is not None)
        if not mapped:
            seek.view = seek.position = None
        keys = [key for key in tindex.keys()][::7]
        probes = [b"", b"\xff\xff\xff"] + [k for key in keys for k in (key, key[:-1], key + b"\x00")]
        for key in probes:
            assert seek(key) == whooshs(tindex, key), key
            checked += 1
        assert seek.probes, "the probes were not remembered"
    assert checked > 100


def test_bulk_text_format_writes_what_the_analyzer_makes():
    """TextPositions (title and body) gives the terms, counts, weights and positions that
    Whoosh's Positions format gets from text_analyzer(), on real text and odd Unicode."""
    from whoosh import formats

    from casework.index.fulltext.schema import TextPositions, text_analyzer

    analyzer = text_analyzer()
    whooshs, ours = formats.Positions(field_boost=2.0), TextPositions(field_boost=2.0)
    texts = [p.read_text(encoding="utf-8") for p in seed_paths()] + _sentences()[:50] + [
        "", " \n ", "İstanbul Straße ÆON café Ǆ ﬁnal Ⅻ x\u0307y", "U.S. a.b.c d*e x..y 3.14 _x_",
        "El Mencho, el mencho; EL MENCHO!", "tab\there\u00a0nbsp\u2028line",
        "4,500 then 4500, 4.500 and 4 500; 1,234,567.89 or 1.234.567,89; 1,2,300 4,500,00",
    ]
    for text in texts:
        expected = sorted(whooshs.word_values(text, analyzer, mode="index"))
        assert sorted(ours.word_values(text, analyzer, mode="index")) == expected, text[:40]
    assert sorted(ours.word_values("El Mencho, el mencho", analyzer))[0][:3] == ("el", 2, 4.0)


def test_a_long_text_analysed_in_pieces_gives_what_the_whole_gives(monkeypatch):
    """A text past PIECE_CHARS is analysed a piece at a time (its words and positions held in
    pieces and arrays, not one list: a 50 MB body was most of a big file's peak); the terms,
    counts, positions and stems are those of the whole, words at the cuts included."""
    from whoosh import formats

    from casework.index.fulltext import schema

    text = "\n\n".join(p.read_text(encoding="utf-8") for p in seed_paths()) + \
        " 4,500 and 1,234,567.89 U.S. a.b.c d*e x..y İstanbul Straße tab\there\u00a0nbsp\u2028line end."
    body, stems = schema.text_field().format, schema.stem_field().format
    text_an, stem_an = schema.text_analyzer(), schema.stem_analyzer()
    whole_body = sorted(body.word_values(text, text_an, mode="index"))
    whole_stems = sorted(stems.word_values(text, stem_an, mode="index"))
    assert whole_body == sorted(formats.Positions(field_boost=body.field_boost).word_values(
        text, text_an, mode="index"))
    monkeypatch.setattr(schema, "PIECE_CHARS", 97)
    assert len(list(schema._pieces(text))) > 50
    assert "".join(schema._pieces(text)) == text
    assert sorted(body.word_values(text, text_an, mode="index")) == whole_body
    assert sorted(stems.word_values(text, stem_an, mode="index")) == whole_stems


def test_bulk_names_format_writes_what_the_analyzer_makes():
    """NamePositions (the entity fields: one name a line) gives what Whoosh's Positions format
    gets from names_analyzer(), the gap between names included."""
    from whoosh import formats

    from casework.index.fulltext.schema import NamePositions, names_analyzer

    analyzer = names_analyzer()
    whooshs, ours = formats.Positions(field_boost=1.0), NamePositions(field_boost=1.0)
    names = [line.strip() for line in _sentences()[:80]]  # long lines: positions past 256
    values = [
        "\n".join(names), "Claudia Sheinbaum\nOmar García Harfuch\nEl Mencho\nel mencho",
        "", "\n", "\n\nEl Mencho\n\n", "!!!\nÆON Straße\n...\nU.S. d*e x..y", "İstanbul\nİSTANBUL",
        "a\nb\na\nb a",
    ]
    for value in values:
        expected = sorted(whooshs.word_values(value, analyzer, mode="index"))
        assert sorted(ours.word_values(value, analyzer, mode="index")) == expected, value[:40]
    found = dict((w, v) for w, _, _, v in ours.word_values("El Mencho\nel mencho", analyzer))
    assert list(whooshs.decode_positions(found["mencho"])) == [1, 1 + 1 + 100 + 1]  # the gap
