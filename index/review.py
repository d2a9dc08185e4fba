"""The review queue: pairs of entities that are likely one, which resolution left apart because
no rule was sure, each with its reason and a score, for the reader to accept (a merge) or reject
(an ``apart`` judgement: never merged, never offered again).

- ``short form``: a one-word name that is part of full person names ("Bannon", "Steve Bannon");
  scored by the share of documents where it followed that full name, else split evenly among
  the full names it fits (resolution joins it itself only when one name has 75% of them);
- ``initials``: "S. Bannon" and the full names it fits, when more than one does;
- ``given name``: the same surname after a given name and its short form ("Steve Bannon",
  "Stephen Bannon"; "Alex" / "Alexander");
- ``middle name``: one full name inside the other ("Donald Trump", "Donald J. Trump");
- ``spelling``: names of one kind that differ by one letter ("Sheinbaum", "Sheinbuam").

Reads the catalog only; accepting and rejecting are curation judgements (casework.index.curation).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from difflib import SequenceMatcher

from casework.index import curation, hint_totals
from casework.index.catalog import Catalog
from casework.index.entities import match_key
from casework.index.labels import family
from casework.index.models import EntitySummary, MergeSuggestion
from casework.index.names import INITIAL_NAME, all_caps, compatible, part_of, person_like, tokens
from casework.index.resolve import IN_DOCUMENT

# short forms of given names that news writes for the same person (both directions checked)
_GIVEN_NAMES = {
    "steve": "stephen steven", "bill": "william", "billy": "william", "will": "william",
    "bob": "robert", "bobby": "robert", "rob": "robert", "mike": "michael", "jim": "james",
    "jimmy": "james", "joe": "joseph", "tom": "thomas", "tommy": "thomas", "dick": "richard",
    "rick": "richard", "dave": "david", "danny": "daniel", "tony": "anthony", "andy": "andrew",
    "ted": "edward edmund theodore", "ed": "edward", "pat": "patrick patricia", "kate":
    "katherine catherine", "liz": "elizabeth", "beth": "elizabeth", "betty": "elizabeth",
    "jenny": "jennifer", "peggy": "margaret", "sue": "susan", "matt": "matthew", "greg":
    "gregory", "tim": "timothy", "jeff": "jeffrey", "ron": "ronald", "don": "donald",
    "johnny": "john", "jon": "jonathan", "larry": "lawrence", "jerry":
    "gerald jerome", "chuck": "charles", "charlie": "charles", "hank": "henry", "harry": "henry",
    "fred": "frederick", "frank": "francis franklin", "vlad": "vladimir", "sasha": "alexander",
    "nick": "nicholas", "sam": "samuel samantha", "ben": "benjamin", "chris": "christopher",
    "alex": "alexander alexandra", "dan": "daniel", "abe": "abraham", "kim": "kimberly",
}
_SCORES = {"given name": 0.9, "given name prefix": 0.7, "middle name": 0.85, "initials": 0.8, "short form": 0.8,
           "spelling": 0.75}
_SHORT_LABELS = ("PERSON", "ORG")  # a bare surname the model took for an organisation too


def _given_variants(a: str, b: str) -> float:
    """How sure two given names are one person's: a listed short form (0.9), or one the start
    of the other, three letters at least and two more (0.7: "Alex" / "Alexander", but also
    "Emmanuel" / "Emmanuelle"); else 0."""
    if a == b:
        return 0.0
    if b in _GIVEN_NAMES.get(a, "").split() or a in _GIVEN_NAMES.get(b, "").split():
        return _SCORES["given name"]
    short, long = sorted((a, b), key=len)
    if len(short) >= 3 and len(long) >= len(short) + 2 and long.startswith(short) and short.isalpha():
        return _SCORES["given name prefix"]
    return 0.0


def _keep_first(a, b) -> tuple:
    """The entity to keep in a merge first: the most mentioned, then the longer name
    ("Michael Flynn" over "Mike Flynn")."""
    rank = lambda r: (r["mentions"], len(r["name"]), r["name"])  # noqa: E731
    return (a, b) if rank(a) >= rank(b) else (b, a)


def _one_letter_apart(key: str) -> set[str]:
    """The key and each string made by deleting one letter: two keys sharing one differ by one
    letter changed, added or dropped (a symmetric-delete neighbourhood, no pair-by-pair scan)."""
    return {key} | {key[:i] + key[i + 1 :] for i in range(len(key))}


class _Queue:
    def __init__(self, rows: list, apart: set[frozenset[str]]):
        self.rows = {r["entity_id"]: r for r in rows}
        self.apart = apart
        self.found: dict[frozenset[str], tuple[float, str, str, str, str]] = {}

    def offer(self, keep: str, other: str, reason: str, detail: str, score: float) -> None:
        """Entity ``other`` may be entity ``keep`` (which would stay, its name shown)."""
        pair = frozenset((keep, other))
        if keep == other or pair in self.apart or score < 0.05:
            return
        if pair not in self.found or self.found[pair][0] < score:
            self.found[pair] = (round(score, 3), keep, other, reason, detail)

    def suggestions(self, limit: int) -> list[MergeSuggestion]:
        def summary(entity_id: str) -> EntitySummary:
            r = self.rows[entity_id]
            return EntitySummary(r["entity_id"], r["name"], r["label"], r["documents"], r["mentions"])

        ranked = sorted(self.found.values(), key=lambda f: (
            -f[0], -(self.rows[f[1]]["mentions"] + self.rows[f[2]]["mentions"]), f[1], f[2]))
        return [MergeSuggestion(summary(keep), summary(other), reason, detail, score)
                for score, keep, other, reason, detail in ranked[:limit]]


def suggestions(catalog: Catalog, limit: int = 50) -> list[MergeSuggestion]:
    """Likely-same pairs of entities, best first (see the module's rules)."""
    rows = list(catalog.entities_by_mentions())
    used: dict[str, tuple[int, str]] = {}  # a form's entity in the collection: its most-used
    for a in catalog.aliases_by_entity():
        key = match_key(a["text"])
        if a["reason"] != IN_DOCUMENT and a["count"] > used.get(key, (-1, ""))[0]:
            used[key] = (a["count"], a["entity_id"])
    entity_of_key = {key: entity_id for key, (_, entity_id) in used.items()}
    apart = set()
    for j in curation.load(curation.judgements_path(catalog)):
        if j.get("op") == "apart" and j.get("a") in entity_of_key and j.get("b") in entity_of_key:
            apart.add(frozenset((entity_of_key[j["a"]], entity_of_key[j["b"]])))
    queue = _Queue(rows, apart)
    key_of = {r["entity_id"]: match_key(r["name"]) for r in rows}
    # full names only: not "Will Lead Donald Trump" nor "James Corden Helps Samuel L. Jackson"
    persons = [r for r in rows if r["label"] == "PERSON" and person_like(r["name"])]
    by_surname: dict[str, list] = defaultdict(list)
    for r in persons:
        by_surname[tokens(key_of[r["entity_id"]])[-1]].append(r)
    _short_forms(catalog, queue, rows, key_of, by_surname)
    _full_names(queue, key_of, by_surname)
    _spellings(queue, rows, key_of)
    return queue.suggestions(limit)


def _short_forms(catalog: Catalog, queue: _Queue, rows, key_of, by_surname) -> None:
    """A one-word name, or an initial and a surname, beside the full names it fits."""
    followed: dict[str, Counter[str]] = defaultdict(Counter)  # short key -> full key -> docs
    for h in hint_totals.read(catalog)[1]:
        followed[h.short][h.full] += 1
    for r in rows:
        entity_id, key = r["entity_id"], key_of[r["entity_id"]]
        toks = tokens(key)
        initial = INITIAL_NAME.match(r["name"]) is not None
        if not toks or r["label"] not in _SHORT_LABELS or all_caps(r["name"]) \
                or not r["name"][:1].isupper() or (len(toks) != 1 and not initial):
            continue
        # as resolution: "Brexit" (587) is not "Tory Brexit" (7), a short form far more common
        # than the full name is something else
        fits = [f for f in by_surname.get(toks[-1], ()) if f["entity_id"] != entity_id
                and r["mentions"] <= 5 * max(f["mentions"], 2)
                and (len(toks) == 1 or (len(tokens(key_of[f["entity_id"]])) == len(toks)
                                        and part_of(toks, tokens(key_of[f["entity_id"]]))))]
        among = "only" if len(fits) == 1 else f"and {len(fits) - 1} other full name(s)"
        votes = followed.get(key, Counter())
        total = sum(votes[key_of[f["entity_id"]]] for f in fits)
        for f in fits:
            name = f["name"]
            if initial:
                queue.offer(f["entity_id"], entity_id, "initials",
                            f"{r['name']} fits {name} {among}",
                            _SCORES["initials"] / len(fits))
            elif total:
                n = votes[key_of[f["entity_id"]]]
                queue.offer(f["entity_id"], entity_id, "short form",
                            f"{r['name']} followed {name} in {n} of the {total} documents "
                            "where it followed a full name", _SCORES["short form"] * n / total)
            else:
                queue.offer(f["entity_id"], entity_id, "short form",
                            f"{r['name']} is the surname of {name} {among}",
                            _SCORES["short form"] / len(fits))


def _full_names(queue: _Queue, key_of, by_surname) -> None:
    """Two full names with one surname: a given name and its short form, or a middle name."""
    for group in by_surname.values():
        if len(group) < 2 or len(group) > 200:  # "Smith" in a phone book: no use asking
            continue
        for i, a in enumerate(group):
            ta = tokens(key_of[a["entity_id"]])
            for b in group[i + 1 :]:
                tb = tokens(key_of[b["entity_id"]])
                keep, other = _keep_first(a, b)
                given = _given_variants(ta[0], tb[0]) if len(ta) == len(tb) and ta[1:] == tb[1:] else 0
                if given:
                    queue.offer(keep["entity_id"], other["entity_id"], "given name",
                                f"{ta[0].title()} and {tb[0].title()} may be one given name", given)
                elif len(ta) != len(tb) and ta[0] == tb[0] and compatible(key_of[a["entity_id"]],
                                                                          key_of[b["entity_id"]]):
                    longer = a if len(ta) > len(tb) else b
                    queue.offer(keep["entity_id"], other["entity_id"], "middle name",
                                f"{longer['name']} adds a middle name or initial",
                                _SCORES["middle name"])


def _spellings(queue: _Queue, rows, key_of) -> None:
    """Names of one kind, six letters or more, one letter apart ("Sheinbaum" / "Sheinbuam")."""
    by_variant: dict[tuple[str, str], list] = defaultdict(list)
    for r in rows:
        letters = "".join(ch for ch in key_of[r["entity_id"]] if ch.isalnum())
        if len(letters) >= 6 and not any(ch.isdigit() for ch in letters):
            for v in _one_letter_apart(letters):
                by_variant[(family(r["label"]), v)].append((letters, r))
    for group in by_variant.values():
        if not 2 <= len(group) <= 10:
            continue
        for i, (la, a) in enumerate(group):
            for lb, b in group[i + 1 :]:
                if la == lb or a["entity_id"] == b["entity_id"]:
                    continue
                keep, other = _keep_first(a, b)
                ratio = SequenceMatcher(None, la, lb).ratio()
                queue.offer(keep["entity_id"], other["entity_id"], "spelling",
                            f"{other['name']} is {keep['name']} one letter apart",
                            _SCORES["spelling"] * ratio)
