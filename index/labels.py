"""The forms of a collection's mentions and the labels they vote for, for entity resolution
(casework.index.resolve): the model's label per mention, context cues counted double, an
acronym's PERSON votes counted ORG, and the vote that gives a cluster its label."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from casework.index.catalog import Catalog
from casework.index.entities import KEPT_LABELS, form_key, match_key
from casework.index.names import all_caps, tokens

CUE_WEIGHT = 2
PLACES = {"GPE", "LOC", "FAC", "NORP"}
_LABEL_ORDER = {label: i for i, label in enumerate(KEPT_LABELS)}


class _Counts(Counter):
    """A Counter made empty without Counter.__init__'s update call: a tally makes two per form
    (~70,000 at 3,824 news articles), and that call was most of making them."""

    __init__ = dict.__init__


@dataclass
class Tally:
    """Per surface-form key: its texts with their mentions, and its label votes; derived from
    them, its majority label, its mention count and the text it is shown by. The rules go
    through ``surfaces`` in its order; the other dicts are read by key (a watcher's tally,
    kept_tally, keeps only the surfaces' order)."""

    surfaces: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(_Counts))
    votes: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(_Counts))
    found_again: Counter[str] = field(default_factory=Counter)  # by the re-scan or the watch
    # list: not a vote
    majority: dict[str, str] = field(default_factory=dict)
    count: dict[str, int] = field(default_factory=dict)
    shown: dict[str, str] = field(default_factory=dict)
    # its words (names.tokens), asked for by most rules for every form: a lookup here is a
    # third of the cost of the call
    words: dict[str, list[str]] = field(default_factory=dict)


# The sources of mentions found again (the re-scan's, the watch list's marks): counted, never a
# vote; a re-scan find makes no form of its own, a watch list's mark does.
AGAIN_SOURCES = ("rescan", "watch")


def tally_rows(by_source) -> list[tuple[str, str, bool, bool, int]]:
    """:func:`tally`'s rows from the totals by source (text, raw_label, source, n)."""
    return [(text, raw_label, source in AGAIN_SOURCES, source == "watch", n)
            for text, raw_label, source, n in by_source]


def tally(catalog: Catalog, hints: list, rows=None) -> Tally:
    """Count the forms of the collection's mentions and their votes, cues from ``hints``
    (hint_totals.read) included; ``rows`` are the mentions counted by text and label,
    tuples (text, raw_label, again, watch, n) (default: the catalog's mention_texts_by_label)."""
    t = Tally()
    surfaces, votes, found_again = t.surfaces, t.votes, t.found_again
    for text, raw_label, again, watch, n in catalog.mention_texts_by_label() if rows is None \
            else rows:
        if again:
            found_again[text] += n
            if watch:  # a form the watch list found: there, but no vote (resolve gives its
                # entity the list's label)
                key = form_key(text, raw_label)
                surfaces[key][text] += 0
                votes[key][raw_label] += 0
            continue
        key = form_key(text, raw_label)
        surfaces[key][text] += n
        if raw_label == "PERSON" and all_caps(text):
            raw_label = "ORG"  # NATO, FBI: an acronym is not a person's name
        votes[key][raw_label] += n
    for h in hints:
        if h.rule == "label" and match_key(h.a) in votes:
            votes[match_key(h.a)][h.b] += CUE_WEIGHT * h.n
        if h.rule == "nickname" and match_key(h.a) not in surfaces:
            surfaces[match_key(h.a)][h.a] += 0  # a nickname only ever seen inside a name
            votes[match_key(h.a)]["PERSON"] += 0
    t.majority = {k: vote(v) for k, v in votes.items()}
    t.count = {k: sum(c.values()) for k, c in surfaces.items()}
    # most forms have one text: it is the one shown, with no max to take (a watcher tallies
    # every form after each change)
    t.shown = {k: next(iter(c)) if len(c) == 1 else max(c.items(), key=_by_count_and_text)[0]
               for k, c in surfaces.items()}
    t.words = {k: tokens(k) for k in surfaces}
    return t


def _by_count_and_text(kv: tuple[str, int]) -> tuple[int, str]:
    return kv[1], kv[0]


def place_words(t: Tally, keys=None) -> set[str]:
    """Single words the model calls a place or an organisation and hardly ever a person
    ("Congress", "Kremlin"): they end no person's name. ``keys``: of these forms only (default:
    every form)."""
    return {k for k in (t.surfaces if keys is None else keys)
            if len(t.words[k]) == 1 and t.count[k] >= 3
            and t.majority[k] in PLACES | {"ORG"} and t.votes[k]["PERSON"] < 0.2 * t.count[k]}


def vote(counter: Counter[str]) -> str:
    """The label with most votes; a tie goes to the label KEPT_LABELS lists first."""
    if len(counter) == 1:  # most forms: one label
        return next(iter(counter))
    return max(counter.items(), key=lambda kv: (kv[1], -_LABEL_ORDER.get(kv[0], 99)))[0]


def cluster_label(keys: list[str], votes: dict[str, Counter[str]]) -> str:
    """The vote over all the mentions of a cluster's forms."""
    total: Counter[str] = Counter()
    for k in keys:
        total.update(votes[k])
    return vote(total)


def family(label: str) -> str:
    """Labels a spelling variant may differ in: places among themselves, the rest alone."""
    return "place" if label in ("GPE", "LOC", "FAC") else label
