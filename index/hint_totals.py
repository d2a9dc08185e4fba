"""The hints entity resolution reads (casework.index.hints stores them with each document), as
totals over the collection: every hint but the surname ones counted by (rule, a, b), and the
surname hints counted per document by (doc_id, a, b).

A one-off resolution groups them in SQL. A long-lived process (a watcher) keeps them in
memory instead, from :func:`keep` on, and brings them up to date at each resolution by reading
again only the documents whose hints were written since: each write of a document's hints
leaves a new random stamp (catalog.put_hints), so a run compares ~20,000 stamps and reads a
handful of documents, where grouping every hint and keying every surname hint again was
~0.3 s of a change at 20,000 documents. Both give the same rows in the same order (the order
the rules link in), which tests/test_entities_incremental.py holds them to.
"""

from __future__ import annotations

import bisect
import itertools
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from casework.index.catalog import Catalog
from casework.index.surnames import SurnameHint


class Hint(NamedTuple):
    """A hint counted over the collection's documents: ``n`` times (rule, a, b)."""

    rule: str
    a: str
    b: str
    n: int


@dataclass
class _Kept:
    stamps: dict[str, int] = field(default_factory=dict)
    # per document: its hints but the surname ones, as (rule, a, b), and its surname hints
    others: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    surnames: dict[str, list[SurnameHint]] = field(default_factory=dict)
    counts: Counter = field(default_factory=Counter)
    keys: list[tuple[str, str, str]] = field(default_factory=list)  # counts' keys, sorted
    docs: list[str] = field(default_factory=list)  # surnames' keys, sorted


# per catalog file: what keep() began and each read since brought up to date
_KEPT: dict[str, _Kept] = {}


def keep(catalog: Catalog) -> None:
    """Keep this catalog's hints in memory from now on (a watcher does, while it waits)."""
    kept = _KEPT.setdefault(catalog.kept_key(), _Kept())
    if catalog.has_hint_stamps():  # else the next resolution, which makes them, reads all
        _update(kept, catalog)


def forget() -> None:
    """Keep no catalog's hints any longer."""
    _KEPT.clear()


def keeps(catalog: Catalog) -> bool:
    """Whether this process keeps the catalog's hints (it is a watcher: keep)."""
    return catalog.kept_key() in _KEPT


def read(catalog: Catalog) -> tuple[list[Hint], list[SurnameHint]]:
    """Every hint but the surname ones as (rule, a, b, n), sorted; the surname hints per
    document as (doc_id, a, b, n) with their keys, sorted."""
    kept = _KEPT.get(catalog.kept_key())
    if kept is None:
        return ([Hint(*row) for row in catalog.hints_by_rule()],
                [SurnameHint.of(*row) for row in catalog.surname_hints()])
    _update(kept, catalog)
    counts = kept.counts
    return ([Hint(rule, a, b, counts[rule, a, b]) for rule, a, b in kept.keys],
            list(itertools.chain.from_iterable(kept.surnames[d] for d in kept.docs)))


def _update(kept: _Kept, catalog: Catalog) -> None:
    """Read again the hints of every document whose stamp is not the one kept."""
    stamps = catalog.hint_stamps()
    old = kept.stamps
    changed = [d for d, s in stamps.items() if old.get(d) != s]
    changed += [d for d in old if d not in stamps]
    if not changed:
        return
    for doc_id in changed:
        _drop(kept, doc_id)
    rows: dict[str, list[tuple[str, str, str]]] = {}
    for doc_id, rule, a, b in catalog.hints_of(
            None if not old else (d for d in changed if d in stamps)):
        rows.setdefault(doc_id, []).append((rule, a, b))
    for doc_id, doc_rows in rows.items():
        _add(kept, doc_id, doc_rows)
    kept.stamps = stamps


def _drop(kept: _Kept, doc_id: str) -> None:
    counts, keys = kept.counts, kept.keys
    for key in kept.others.pop(doc_id, ()):
        counts[key] -= 1
        if not counts[key]:
            del counts[key]
            del keys[bisect.bisect_left(keys, key)]
    if kept.surnames.pop(doc_id, None) is not None:
        del kept.docs[bisect.bisect_left(kept.docs, doc_id)]


def _add(kept: _Kept, doc_id: str, rows: list[tuple[str, str, str]]) -> None:
    counts, keys = kept.counts, kept.keys
    others = [row for row in rows if row[0] != "surname"]
    for key in others:
        if not counts[key]:
            bisect.insort(keys, key)
        counts[key] += 1
    if others:
        kept.others[doc_id] = others
    surnames = Counter((a, b) for rule, a, b in rows if rule == "surname")
    if surnames:
        kept.surnames[doc_id] = [SurnameHint.of(doc_id, a, b, n)
                                 for (a, b), n in sorted(surnames.items())]
        bisect.insort(kept.docs, doc_id)
