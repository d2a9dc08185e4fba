"""A long-lived process's tally of the collection's forms (labels.Tally), brought up to date
from what changed since its last resolution instead of counted again.

A watcher's change moves the totals of a few dozen texts among ~42,000 rows at 20,000 news
articles; counting every row again was ~0.2 s of each change. Each resolution compares the rows
(text, raw_label, source, n) and the hints that vote (label cues, nicknames) with those it kept,
counts again only the forms they touch (labels.tally over their rows and hints: a form's counts
depend on its own rows and hints only), and keeps the rest. The forms (Tally.surfaces) come
out in the order a full tally gives them, which the rules go through them and link in: forms
made by a row in the order of their first such row, the rows being sorted by (text, raw_label,
source); then forms only a nickname names, in the order of their first nickname hint. The other
dicts are only read by key (a new form is added at their end).
"""

from __future__ import annotations

import bisect
import itertools
import operator
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from casework.index.entities import PATTERN_LABELS, form_key, match_key
from casework.index.labels import AGAIN_SOURCES, Tally, _Counts, tally, tally_rows

_VOTING_HINTS = ("label", "nickname")


@dataclass
class _Kept:
    rows: list[tuple[str, str, str, int]] = field(default_factory=list)  # sorted
    row_set: set[tuple[str, str, str, int]] = field(default_factory=set)
    events: dict[str, list] = field(default_factory=dict)  # form -> its voting hints, in order
    pairs: dict[str, set[tuple[str, str]]] = field(default_factory=dict)  # form -> (text, label)
    first: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # form -> first row
    placed: list[tuple[tuple[str, str, str], str]] = field(default_factory=list)  # sorted
    # texts with a row under a pattern label (entities.PATTERN_LABELS): the only ones that can
    # be texts of two forms (a phone number's normal form, and its text as the model read it)
    pattern_texts: set[str] = field(default_factory=set)
    tally: Tally | None = None
    # which call this was (_RUNS), the one before it, and the forms it counted again (None:
    # every one): what a caller that keeps values per form needs to bring them up to date
    run: int = 0
    prior: int = 0
    dirty: set[str] | None = None
    # the rows the call before this one counted, and those that differ from them now
    rows_before: list | None = None
    changed: set | None = None


# per catalog (Catalog.kept_key): what the last resolution counted
_KEPT: dict[str, _Kept] = {}
_RUNS = itertools.count(1)


def last_change(key: str) -> tuple[int, int, set[str] | None]:
    """(this tally's run, the run before it, the forms it counted again or None for all) of
    the last :func:`tally_again` under ``key``; (0, 0, None) if none."""
    kept = _KEPT.get(key)
    return (kept.run, kept.prior, kept.dirty) if kept is not None else (0, 0, None)


def forget() -> None:
    _KEPT.clear()


def tally_again(key: str, hints: list, rows: list[tuple[str, str, str, int]]) -> Tally:
    """The tally labels.tally gives for ``rows`` (form_tally_by_source: sorted) and ``hints``,
    from what was kept under ``key`` for the rows and hints of the last call. A Tally's dicts
    are the caller's; the counters in them are shared with the next call's and not changed."""
    events: dict[str, list] = defaultdict(list)
    for h in hints:
        if h.rule in _VOTING_HINTS:
            events[match_key(h.a)].append(h)
    kept = _KEPT.get(key)
    if kept is None or not in_order(rows):
        made = _whole(hints, rows, events)
        made.run, made.prior = next(_RUNS), kept.run if kept is not None else 0
        _KEPT[key] = made
        return _copy(made.tally)
    kept.prior, kept.run = kept.run, next(_RUNS)
    try:
        return _again(kept, hints, rows, events)
    except BaseException:  # what is kept may be half brought up to date: count all next time
        del _KEPT[key]
        raise


def rows_change(key: str, rows: list) -> tuple[list, set] | None:
    """(the rows the call before the last counted, the rows that differ between them) if the
    last :func:`tally_again` under ``key`` counted ``rows`` (this very list) from those."""
    kept = _KEPT.get(key)
    if kept is None or kept.rows is not rows or kept.changed is None:
        return None
    return kept.rows_before, kept.changed


def _again(kept: _Kept, hints: list, rows: list, events: dict) -> Tally:
    row_set = set(rows)
    changed = row_set.symmetric_difference(kept.row_set)
    kept.rows_before, kept.changed = kept.rows, changed
    dirty = {form_key(text, label) for text, label, _, _ in changed}
    dirty.update(k for k in events.keys() | kept.events.keys()
                 if events.get(k) != kept.events.get(k))
    for text in {r[0] for r in changed}:  # a text's forms under its other labels too
        held = rows_of(rows, text)
        dirty.update(form_key(text, label) for _, label, _, _ in held)
        if any(label in PATTERN_LABELS for _, label, _, _ in held):
            kept.pattern_texts.add(text)
        else:
            kept.pattern_texts.discard(text)
    kept.dirty = dirty
    if not dirty:
        kept.rows, kept.row_set, kept.events = rows, row_set, events
        return _copy(kept.tally)

    # each dirty form's (text, label) pairs now, and its rows and hints
    pairs = kept.pairs
    for text, label, _, _ in changed:
        pairs.setdefault(form_key(text, label), set()).add((text, label))
    sub_rows = []
    for k in dirty:
        held = set()
        for text, label in pairs.get(k, ()):
            its = [row for row in rows_of(rows, text) if row[1] == label]
            if its:
                sub_rows.extend(its)
                held.add((text, label))
        if held:
            pairs[k] = held
        else:
            pairs.pop(k, None)
    sub_rows.sort()
    sub = tally(None, [h for h in hints if h.rule in _VOTING_HINTS and match_key(h.a) in dirty],
                tally_rows(sub_rows))

    t = kept.tally
    first = kept.first
    firsts: dict[str, tuple[str, str, str]] = {}
    for text, label, source, _ in sub_rows:
        if source != "rescan":
            firsts.setdefault(form_key(text, label), (text, label, source))
    reorder = False
    placed = kept.placed
    for k in dirty:
        now, was = firsts.get(k), first.get(k)
        # a form made or gone, moved, or only a nickname names it: placed again
        if now is None or was != now or k not in t.surfaces or k not in sub.surfaces:
            reorder = True
        if was != now:
            if was is not None:
                del placed[bisect.bisect_left(placed, (was, k))]
                del first[k]
            if now is not None:
                bisect.insort(placed, (now, k))
                first[k] = now
    fresh = Tally()
    fresh.found_again = _found_again(kept.tally.found_again, changed, rows)
    for name in ("surfaces", "votes", "majority", "count", "shown", "words"):
        old, new = getattr(t, name), getattr(sub, name)
        now = dict(old)
        for k in dirty:
            if k in new:
                now[k] = new[k]
            else:
                now.pop(k, None)
        setattr(fresh, name, defaultdict(_Counts, now) if name in ("surfaces", "votes")
                else now)
    if reorder:  # the rules go through the forms in the surfaces' order: a full tally's
        order = [k for _, k in placed]
        made = set(order)
        order += [k for k in dict.fromkeys(match_key(h.a) for h in hints
                                           if h.rule == "nickname") if k not in made]
        surfaces = fresh.surfaces
        fresh.surfaces = defaultdict(_Counts, zip(order, map(surfaces.__getitem__, order)))
    kept.rows, kept.row_set, kept.events, kept.tally = rows, row_set, events, fresh
    return _copy(fresh)


def _whole(hints: list, rows: list, events: dict) -> _Kept:
    """Counted from every row and hint, with what the next call compares."""
    kept = _Kept(rows=rows, row_set=set(rows), events=events)
    kept.tally = tally(None, hints, tally_rows(rows))
    for text, label, source, _ in rows:
        k = form_key(text, label)
        kept.pairs.setdefault(k, set()).add((text, label))
        if source != "rescan":
            kept.first.setdefault(k, (text, label, source))
        if label in PATTERN_LABELS:
            kept.pattern_texts.add(text)
    kept.placed = sorted((first, k) for k, first in kept.first.items())
    return kept


def shared_forms(key: str) -> set[str]:
    """The forms of the last tally under ``key`` that share a text with another form."""
    kept = _KEPT.get(key)
    if kept is None:
        return set()
    shared: set[str] = set()
    for text in kept.pattern_texts:
        forms = {form_key(text, label) for _, label, source, _ in rows_of(kept.rows, text)
                 if source != "rescan"}
        if len(forms) > 1:
            shared |= forms
    return shared


def rows_of(rows: list, text: str) -> list:
    """The rows of one text, from rows sorted by text (``in_order``)."""
    i = j = bisect.bisect_left(rows, (text,))
    while j < len(rows) and rows[j][0] == text:
        j += 1
    return rows[i:j]


def in_order(rows: list) -> bool:
    """The rows are in Python's order (bisect finds a text's rows): SQL's ORDER BY over UTF-8
    text is, and a value no str (a NULL) makes it False."""
    try:
        return all(map(operator.le, rows, itertools.islice(rows, 1, None)))
    except TypeError:
        return False


def _found_again(before: Counter, changed, rows: list) -> Counter:
    """labels.tally's found_again, with the texts of the changed rows counted again."""
    now = Counter(before)
    for text in {r[0] for r in changed}:
        n = sum(row[3] for row in rows_of(rows, text) if row[2] in AGAIN_SOURCES)
        if n:
            now[text] = n
        else:
            now.pop(text, None)
    return now


def _copy(t: Tally) -> Tally:
    """A Tally whose dicts the rules may add to (resolve._watched_forms does) without touching
    what is kept."""
    out = Tally()
    out.surfaces = defaultdict(_Counts, t.surfaces)
    out.votes = defaultdict(_Counts, t.votes)
    out.found_again = Counter(t.found_again)
    out.majority, out.count, out.shown, out.words = (dict(t.majority), dict(t.count),
                                                     dict(t.shown), dict(t.words))
    return out
