"""How far one change can reach in entity resolution: the connected components of the forms
when every pair that a resolution rule may compare is joined. Prints one JSON object.

    python bench/resolve_components.py --catalog DIR/catalog.sqlite

A rule compares forms that share a key: an abbreviation's target, a company name without its
suffix, the letters of a spelling, initials, a plural, the rest after a first word, a hint's
pair (acronym, nickname, a short form after a full name), a full name and the bare words of its
first and last word (they decide whether it reads as a name), a short form and the full names
holding its words (when no document says which one it followed), an initial name and the
names ending in its surname. Resolving only the component of a change is exact only if the
component is closed under these; it pays only if components are small. On 3,824 news articles
(spaCy; 33,455 forms): 7,117 components, the largest 25,851 forms (77%): so resolution still
runs its rules over every form (index/resolve.py).
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter, defaultdict
from pathlib import Path

from casework.index import hint_totals
from casework.index.catalog import Catalog
from casework.index.entities import match_key
from casework.index.labels import tally
from casework.index.names import INITIAL_NAME, initials, part_of, tokens
from casework.index.variants import _COMPANY_SUFFIX, _COUNTRY_VARIANTS, _KNOWN_ABBREVIATIONS, _LETTERS


def components(catalog: Catalog) -> Counter:
    hints, surname_hints = hint_totals.read(catalog)
    t = tally(catalog, hints)
    keys = list(t.surfaces)
    parent = {k: k for k in keys}

    def find(k: str) -> str:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    def union(a: str, b: str) -> None:
        if a in parent and b in parent:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[ra] = rb

    buckets: dict[tuple, list[str]] = defaultdict(list)
    for k in keys:
        toks, shown = tokens(k), t.shown[k]
        target = _KNOWN_ABBREVIATIONS.get(k) or _COUNTRY_VARIANTS.get(k) or (
            k.replace(".", "") if "." in k else None)
        if target:
            buckets[("abbreviation", target)] += [k, target]
        bare = _COMPANY_SUFFIX.sub("", k)
        if bare != k:
            buckets[("company", bare)] += [k, bare]
        if len(toks) >= 2:
            buckets[("spelling", _LETTERS.sub("", k))].append(k)
            buckets[("rest", k)] += [k, k.split(" ", 1)[1] if " " in k else ""]
            words = shown.split(" ")
            buckets[("ends", k)] += [k, words[0].casefold(), words[-1].casefold()]
        if initials(shown):
            buckets[("initials", initials(shown))].append(k)
        word = shown.replace(".", "")
        if 2 <= len(word) <= 6 and word.isupper() and word.isalpha():
            buckets[("initials", word)].append(k)
        if k.endswith("s"):
            buckets[("plural", k[:-1])] += [k, k[:-1]]
    for members in buckets.values():
        for other in members[1:]:
            union(members[0], other)
    for h in hints:
        union(match_key(h.a), match_key(h.b))
    followed = set()
    for h in surname_hints:
        union(h.short, h.full)
        followed.add(h.short)
    full_by_token: dict[str, set[str]] = defaultdict(set)
    by_surname: dict[str, list[str]] = defaultdict(list)
    for k in keys:
        if len(tokens(k)) >= 2:
            by_surname[tokens(k)[-1]].append(k)
            if t.majority[k] == "PERSON":
                for tok in tokens(k):
                    full_by_token[tok].add(k)
    for k in keys:
        toks = tokens(k)
        if not toks:
            continue
        if INITIAL_NAME.match(t.shown[k]):
            for m in by_surname.get(toks[-1], ()):
                if len(tokens(m)) == len(toks) and part_of(toks, tokens(m)):
                    union(k, m)
        if k not in followed:
            for c in set.intersection(*(full_by_token.get(tok, set()) for tok in toks)):
                if len(tokens(c)) > len(toks) and part_of(toks, tokens(c)):
                    union(k, c)
    return Counter(find(k) for k in keys)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--catalog", type=Path, required=True)
    args = ap.parse_args()
    catalog = Catalog(args.catalog, readonly=True)
    started = time.process_time()
    sizes = components(catalog)
    catalog.close()
    forms = sum(sizes.values())
    largest = sizes.most_common(1)[0][1] if sizes else 0
    print(json.dumps({"forms": forms, "components": len(sizes), "largest": largest,
                      "largest_share": round(largest / max(forms, 1), 3),
                      "next_largest": [n for _, n in sizes.most_common(6)[1:]],
                      "cpu_seconds": round(time.process_time() - started, 2)}))


if __name__ == "__main__":
    main()
