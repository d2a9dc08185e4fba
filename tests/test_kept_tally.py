"""A watcher's tally brought up to date from what changed (casework.index.kept_tally) is the
tally counted from every row (labels.tally): the same forms in the same order (the rules go
through them and link in that order), counts, votes, labels and texts shown, through a run of random changes to the
rows and the voting hints of a real index's catalog."""

from __future__ import annotations

import random

from casework.index import hint_totals, kept_tally, resolve
from casework.index.catalog import Catalog
from casework.index.labels import tally, tally_rows
from casework.index.nlp import stop_words
from casework.index.store import IndexDir


def _as_dicts(t):
    """The forms in order, with each one's texts in order; the rest by key."""
    return {name: dict(getattr(t, name)) for name in ("majority", "count", "shown", "words",
                                                       "votes", "found_again")} | {
        "surfaces": [(k, list(c.items())) for k, c in t.surfaces.items()]}


def _full(hints, rows):
    return tally(None, hints, tally_rows(rows))


def test_a_kept_tally_is_the_whole_count_after_every_change(seeds_index):
    """And the sets of forms resolution makes from it (resolve._form_sets), brought up to date
    from the forms counted again and the words whose cases changed, are those made afresh."""
    catalog = Catalog(IndexDir(seeds_index).catalog, readonly=True)
    try:
        rows = [tuple(r) for r in catalog.mention_texts_by_source()]
        hints, _ = hint_totals.read(catalog)
        cases = catalog.word_case_totals()
    finally:
        catalog.close()
    rows.sort()
    hints = list(hints)
    assert len(rows) > 50 and any(h.rule == "label" for h in hints)
    rng = random.Random(20)
    key = "test-kept-tally"
    kept_tally._KEPT.pop(key, None)
    reordered = 0
    non_names: set[str] = set()
    for step in range(60):
        if step:
            rows = _changed(rows, rng)
            hints = _changed_hints(hints, rows, rng)
        before = kept_tally._KEPT.get(key)
        order = list(before.tally.surfaces) if before else None
        got = kept_tally.tally_again(key, hints, rows)
        want = _full(hints, rows)
        assert _as_dicts(got) == _as_dicts(want), f"step {step}"
        if step:
            cases = _changed_cases(cases, got, rng)
        kept_sets = resolve._form_sets(key, got, cases, stop_words(),
                                       kept_tally.last_change(key))
        fresh = resolve._form_sets("fresh", want, cases, stop_words(), None)
        assert kept_sets.run and not fresh.run
        assert (kept_sets.non_names, kept_sets.places, kept_sets.person_shaped,
                kept_sets.nationalities) == (fresh.non_names, fresh.places,
                                             fresh.person_shaped, fresh.nationalities), step
        non_names.update(fresh.non_names)
        reordered += order is not None and order != list(got.surfaces)[:len(order)]
        got.surfaces["made by a rule"]["x"] += 0  # the caller's to change: not kept
    assert "made by a rule" not in kept_tally._KEPT[key].tally.surfaces
    assert reordered  # the runs placed forms again, not only counted them
    assert len(non_names) > len(fresh.non_names)  # words became names and names words
    kept_tally._KEPT.pop(key, None)
    resolve._FORM_SETS.pop(key, None)


def _changed(rows, rng):
    rows = list(rows)
    for _ in range(rng.randint(1, 6)):
        kind = rng.random()
        i = rng.randrange(len(rows))
        text, label, source, n = rows[i]
        if kind < 0.25:  # a text no longer mentioned
            del rows[i]
        elif kind < 0.5:  # counted more or less
            rows[i] = (text, label, source, max(1, n + rng.choice((-1, 1, 3))))
        elif kind < 0.65:  # written another way: the same form, or a form of its own
            rows.append((rng.choice((text.upper(), text + "s", "Zz " + text)), label,
                         "model", rng.randint(1, 3)))
        elif kind < 0.8:  # found again by the re-scan, or marked by the watch list
            rows.append((text, label, rng.choice(("rescan", "watch")), rng.randint(1, 2)))
        else:  # a new name
            rows.append((f"Name{rng.randrange(1000)} Person", rng.choice(("PERSON", "ORG")),
                         "model", rng.randint(1, 4)))
    merged = {}
    for text, label, source, n in rows:  # one row per (text, label, source), as SQL groups
        merged[text, label, source] = n
    return sorted((t, l, s, n) for (t, l, s), n in merged.items())


def _changed_cases(cases, t, rng):
    """Some one-word forms now written mostly in lower case, only at sentence starts, or as
    names."""
    cases = dict(cases)
    words = [k for k in t.surfaces if len(t.words[k]) == 1]
    for _ in range(rng.randint(0, 4)):
        cases[rng.choice(words)] = rng.choice(((9, 1, 2, 0), (1, 0, 3, 0), (0, 6, 1, 0),
                                               (0, 1, 0, 5)))
    return cases


def _changed_hints(hints, rows, rng):
    hints = list(hints)
    hint_type = type(hints[0])
    for _ in range(rng.randint(0, 2)):
        text = rng.choice(rows)[0]
        if rng.random() < 0.5 and hints:
            del hints[rng.randrange(len(hints))]
        elif rng.random() < 0.5:
            hints.append(hint_type("label", text, rng.choice(("PERSON", "ORG", "GPE")), 1))
        else:  # a nickname, maybe only ever seen inside a name
            hints.append(hint_type("nickname", rng.choice((text, f"El Nick{rng.randrange(50)}")),
                                   text, 1))
    return sorted(set(hints))


def test_the_wanted_forms_kept_are_those_asked_afresh_after_every_change(seeds_index):
    """A watcher's re-scan forms (recall._Wanted), brought up to date from the aliases, counts,
    rows and word cases that moved, are those wanted_forms asks of every alias afresh."""
    from collections import Counter
    from types import SimpleNamespace

    from casework.index import recall

    catalog = Catalog(IndexDir(seeds_index).catalog, readonly=True)
    try:
        rows = sorted(tuple(r) for r in catalog.form_tally_by_source()
                      or catalog.mention_texts_by_source())
        cases = dict(catalog.word_case_totals())
        reads = recall._AliasReads(catalog)
    finally:
        catalog.close()
    pairs = Counter((e, t) for t, e in reads.texts)
    linked = Counter(reads.linked)
    assert len(pairs) > 20
    rng = random.Random(23)
    kept = recall._Wanted()
    last_pairs, last_linked = set(), {}
    flipped = set()
    for step in range(120):
        if step:
            kind = rng.random()
            entity, text = rng.choice(sorted(pairs))
            if kind < 0.25:  # an entity gains or loses aliases elsewhere
                linked[entity] = rng.choice((1, 2, 5))
            elif kind < 0.5:  # a word written otherwise: in lower case, or capitalised far
                # more often than found (each run reads the cases afresh)
                cases = dict(cases)
                word = rng.choice(sorted(t for _, t in pairs if " " not in t))
                n = sum(row[3] for row in rows if row[0] == word and row[2] != recall.SOURCE)
                cases[rng.choice((word, word.replace(".", ""))).casefold()] = rng.choice(
                    ((30 + 10 * n, 1, 1, 0), (0, 10 * n + 20, 0, 0), (0, 1, 0, 0)))
            elif kind < 0.7:  # found more or less often
                rows = _changed(rows, rng)
            elif kind < 0.85:  # an alias gone
                del pairs[entity, text]
            else:  # an alias of another entity, or a new one
                pairs[rng.choice(sorted(linked)), rng.choice((text, text.upper(), "NRK"))] += 1
        # every other run tells what it may have moved (resolution_rows.rows_again does),
        # with more than moved
        now_pairs, now_linked = +pairs, +linked
        said = step % 2 == 1
        written = SimpleNamespace(
            alias_pairs=now_pairs, linked=now_linked, serial=step + 1,
            base=step if said else 0,
            moved_pairs=(now_pairs.keys() ^ last_pairs) | set(rng.sample(sorted(now_pairs), 3))
            if said else set(),
            moved_entities={e for e, _ in now_linked.items() ^ last_linked.items()}
            | set(rng.sample(sorted(now_linked), 3)) if said else set())
        last_pairs, last_linked = set(now_pairs), dict(now_linked)
        got = set(kept.update(written, rows, cases))
        found, by_model = Counter(), Counter()
        for text, _label, source, n in rows:
            if source != recall.SOURCE:
                found[text] += n
            if source in ("model", recall.TEAM):
                by_model[text] += n
        want = {text for entity, text in written.alias_pairs
                if recall._wanted(text, (entity,), found, by_model, cases, written.linked)}
        assert got == want, step
        if step:
            flipped |= got ^ previous
        previous = got
    assert len(flipped) > 5  # forms came and went


def test_forms_sharing_a_text_are_told_apart_as_the_rows_change():
    """A phone number the patterns read (its normal form) and the model read as a number (its
    text) is a text of two forms: resolution makes both forms' rows again each run
    (resolution_rows.rows_again), so which form a text maps to follows a full run."""
    key = "test-shared-forms"
    kept_tally._KEPT.pop(key, None)
    phone = "+47 22 33 44 55"
    rows = [("Maria Costa", "PERSON", "model", 2), (phone, "PHONE", "pattern", 1)]
    kept_tally.tally_again(key, [], sorted(rows))
    assert kept_tally.shared_forms(key) == set()
    rows.append((phone, "CARDINAL", "model", 1))
    kept_tally.tally_again(key, [], sorted(rows))
    assert kept_tally.shared_forms(key) == {"+4722334455", phone}
    rows.remove((phone, "PHONE", "pattern", 1))
    kept_tally.tally_again(key, [], sorted(rows))
    assert kept_tally.shared_forms(key) == set()
    kept_tally._KEPT.pop(key, None)
