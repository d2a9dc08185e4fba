"""Corpus-wide entity resolution: one entity per person or organisation, one label per entity.

Mentions are grouped by surface form (``match_key``: accents and case folded). Forms are then
linked by rules, each link keeping its rule name as the alias ``reason``:

- ``partial name``: a surname or part of a name -> the full person name it followed in the
  documents where it did (when 75% of them agree: Trump -> Donald Trump, not Ivanka Trump);
  without such documents, the one full person name in the corpus that contains it;
- ``in document``: a short form that follows another full name in one document is that person
  there only ("Trump" after "Ivanka Trump"; "May" after "Theresa May");
- ``nickname``: a quoted nickname right beside a person's name, or "X, known as “Y”";
- ``acronym``: "Jalisco New Generation Cartel (CJNG)" anywhere in the corpus;
- ``initials``: DEA <-> Drug Enforcement Administration; H. Nygaard -> Harald Nygaard;
- ``known abbreviation``: U.S. / US / USA / United States / America, UK / Britain;
- ``company name``: Meridian Advisory Ltd. / Ltd / Meridian Advisory; ``spelling``: Kim Jong-un /
  Kim Jong Un; ``plural``: National Guards -> National Guard (ORG and NORP only).

No link joins two different full person names, or a nationality word and a person (_Forms), so
weak links cannot chain. Words that are no names (stop words; words the collection writes
mostly in lower case, only at sentence starts, or in dates) are no entity. Names that merely
share words are never linked (Mexico / Mexico City). The label is PERSON for a cluster that a
surname joined to a full name; otherwise a vote over its mentions, where context cues (a title
before the name, "party" after it, an organisational head word) count double and an acronym's
PERSON votes count ORG.

Hints that need the document text (quotes, parentheses, cues, the full name a short one
follows, how each word is capitalised) are extracted when a document is stored
(casework.index.hints) so resolution itself is catalog reads plus dict work over distinct
forms. Between runs the catalog keeps what the last one wrote and running totals of what it
reads (catalog.resolved): a run after a change reads the totals, runs the rules over every
form and writes only the rows that differ, which leaves what a full resolution leaves
(tests/test_entities_incremental.py). A long-lived process (a watcher) also keeps in memory
what it wrote last, used while the catalog still holds the random value that write left
(_written_before), each form's pure derived values (memo.memo) and the hints (hint_totals),
and readies them before its first change (warm). It brings up to date, from what changed,
rather than makes again: the tally (kept_tally: the forms whose totals or voting hints moved),
the sets of forms the rules ask of each form alone (_form_sets), the full names containing
each form's words (surnames.Containing) and the rows written (resolution_rows.rows_again:
only forms that may give something else). What a resolution read of the totals goes on to
the re-scan that follows it (Totals), and what the re-scan finds is mapped in the same run
(map_found). The linking rules themselves still pass over every form: a link depends on the
forms' order and on every link before it, and running them only near the change was
measured and left (on 3,824 news articles 77% of the forms are one component of the keys the
rules compare).

The reader's watch list (casework.index.watchlist) is linked first: each entry's names are one
entity, shown by the listed name with the FtM schema's label and flagged as watched (the
mentions recall.find_watched marked count like re-scan finds: they do not vote). The reader's
judgements (casework.index.curation) are applied last.

This module is the driver: it runs the rules in their order and writes the result. The rules
live beside it: ``names`` (words of names), ``forms`` (the union-find), ``labels`` (forms, votes
and priors), ``variants`` (abbreviations, companies, spellings, initials, plurals) and
``surnames`` (short forms of person names); the rows written are made in ``resolution_rows``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from casework.index import curation, hint_totals, kept_tally, watchlist
from casework.index.catalog import Catalog
from casework.index.entities import KEPT_LABELS, match_key, without_nickname
from casework.index.forms import Forms
from casework.index.hints import store_hints
from casework.index.resolution_rows import IN_DOCUMENT, Result, Written, rows, rows_again, written_of
from casework.index.labels import Tally, place_words, tally, tally_rows
from casework.index.names import (
    acronym_fits,
    all_caps,
    non_name,
    person_ends,
    sentence_word,
    tokens,
)
from casework.index.nlp import stop_words
from casework.index.surnames import (
    Containing,
    in_document_names,
    link_initial_names,
    link_partial_names,
)
from casework.index.variants import (
    link_abbreviations,
    link_after_sentence_words,
    link_company_names,
    link_initials,
    link_plurals,
    link_spellings,
)

__all__ = ["IN_DOCUMENT", "Totals", "map_found", "recount", "resolve", "store_hints", "warm"]

# A run storing more files than this resolves in full: the triggers that keep the totals
# (catalog.resolved) tripled the cost of storing mentions (3,000 synthetic documents stored
# again: 1.9 -> 5.9 s CPU), more than one full resolution at 20,000 documents (~5 s).
BULK_STORE = 1000


@dataclass
class Totals:
    """What a resolution read of the collection's totals, for the re-scan that follows it in
    the same run (recall.wanted_forms reads the same again: ~0.2 s of a watcher's change):
    mentions by text, the model's label and source; word cases. What the resolution writes
    leaves them as read, for that use: it maps mentions to entities anew and drops re-scan
    finds, which the re-scan does not count."""

    by_source: list[tuple[str, str, str, int]] = field(default_factory=list)
    cases: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)


def resolve(catalog: Catalog, judgements: list[dict] | None = None,
            count: bool = True, read: Totals | None = None) -> set[str] | None:
    """Rebuild entities and aliases from mentions, hints and the reader's judgements.

    Without ``count`` the entities' documents, mentions and sentences are left for
    :func:`recount` (an index run recounts after its re-scan anyway: counting twice was ~0.6 s
    of one changed file at 3,824 news articles).

    The rules run over every form each time; what they read comes from running totals and
    what they write is the difference from the last run (catalog.resolved), so one changed
    file no longer rewrites every mention, entity and alias. ``read``, if given, is filled
    with what it read of the totals (for recall.rescan). Returns the entities whose name,
    label or aliases changed, or None after a full write (the first, or of a catalog without
    the kept state): the caller compares signatures then."""
    catalog.ensure_hints_table()
    incremental = catalog.has_resolved_state()
    if incremental:
        old = _written_before(catalog)
        run = _rules(catalog, True, judgements, read, old)
        touched = _write_changes(catalog, run, old)
        if count:
            catalog.count_changed()
        return touched
    run = _rules(catalog, False, judgements, read)
    result = run.result
    _write(catalog, result, count)
    catalog.keep_resolved_state(result.mapping, result.in_document, run.by_source, run.cases,
                                recount_all=not count)
    _WRITTEN[catalog.kept_key()] = (catalog.stamp_resolution(), run.written())
    return None


def warm(catalog: Catalog) -> None:
    """Ready a long-lived process (a watcher) for its first change while nothing changes: the
    rules run once without writing, so the values they keep per form are there, and what the
    catalog holds of the last resolution is kept as written (the first change after a start
    cost ~0.5 s more than the next at 20,000 documents). A catalog without the kept state is
    left to its first resolution."""
    written = catalog.resolution_written() if catalog.has_resolved_state() else None
    if written is None or not catalog.has_hint_stamps():
        return
    held = _written_before(catalog)
    run = _rules(catalog, True, None, None)
    made = run.written()
    # what a run over the same content makes, with what it made per form (the next run
    # makes again only some of it), if the catalog holds just that
    same = _diff(held, made).empty()
    _WRITTEN[catalog.kept_key()] = (written, made if same else held)


@dataclass
class _Run:
    """A run of the rules: what to write (every row: ``result``; or what a watcher's last
    run wrote, changed: ``patched``), the totals it read, and what its Written keeps."""

    result: Result | None
    patched: Written | None
    by_source: list
    cases: dict
    non_names: set[str]
    shared: set[str]
    tally_run: int
    patchable: bool = True

    def written(self) -> Written:
        if self.patched is not None:
            return self.patched
        return written_of(self.result, self.non_names, self.shared, self.tally_run,
                          self.patchable)


def _rules(catalog: Catalog, incremental: bool, judgements: list[dict] | None,
           read: Totals | None, before: Written | None = None) -> _Run:
    """The rules run over every form: the resolution to write, and the totals it read.
    ``before``: what the last resolution wrote (taken: a watcher's is changed into this
    run's)."""
    hints, surname_hints = hint_totals.read(catalog)
    by_source = catalog.form_tally_by_source() if incremental \
        else catalog.mention_texts_by_source()
    change = None
    if incremental and hint_totals.keeps(catalog):  # a watcher: what changed, counted again
        t = kept_tally.tally_again(catalog.kept_key(), hints, by_source)
        change = kept_tally.last_change(catalog.kept_key())
    else:
        t = tally(catalog, hints, tally_rows(by_source))
    surfaces, shown = t.surfaces, t.shown
    watched = _watched_forms(catalog, t)
    stop = stop_words()
    cases = catalog.word_case_sums() if incremental else catalog.word_case_totals()
    if read is not None:
        read.by_source, read.cases = by_source, cases
    sets = _form_sets(catalog.kept_key(), t, cases, stop, None if watched else change)
    non_names = sets.non_names - {k for _, keys in watched for k in keys}  # the reader named them
    sentence_words = {k for k in non_names if sentence_word(k, cases, stop)}
    # "Congress", "Kremlin" end no person's name ... unless a document wrote it after a
    # person's full name holding it, and it is not far more common than that name: "Havel" (8)
    # after "Vaclav Havel" (2) is his surname, though the model read the bare word as an
    # organisation; "House" (493) after "Trump White House" (15, a PERSON to the model) stays a
    # place word, as "Russia" after "Trump Russia"
    places = sets.places - {h.short for h in surname_hints if h.short in sets.places
                            and t.majority.get(h.full) == "PERSON"
                            and t.count.get(h.short, 0) <= 5 * max(t.count[h.full], 2)}
    full_names = {k for k, (first, last) in sets.person_shaped.items()
                  if first not in sentence_words and last not in places}
    full_names -= {match_key(h.a) for h in hints if h.rule == "nickname"}  # "El Mencho"
    forms = Forms(surfaces, full_names, sets.nationalities)
    forms.loners = non_names
    if judgements is None:
        judgements = curation.load(curation.judgements_path(catalog))
    forms.apart = [(j["a"], j["b"]) for j in judgements if j.get("op") == "apart"
                   and j.get("a") in surfaces and j.get("b") in surfaces]

    _link_watched(forms, watched)
    link_abbreviations(forms, t)
    link_company_names(forms, t)
    link_spellings(forms, t)
    # Hints from the text: acronyms in parentheses, nicknames next to a name. A person's name
    # has no acronym: "(D-N.Y.)" after a senator is a party and a state, "(CNN)" an employer.
    for h in hints:
        if h.rule == "nickname" or (h.rule == "acronym" and acronym_fits(h.a, h.b)
                                    and match_key(h.b) not in full_names):
            forms.link(match_key(h.a), match_key(h.b), h.rule)
    link_initials(forms, t)
    link_plurals(forms, t)
    link_after_sentence_words(forms, t, sentence_words)
    containing = _CONTAINING.setdefault(catalog.kept_key(), Containing()) if change else None
    surname_joined = link_partial_names(forms, t, surname_hints, full_names, non_names,
                                        containing)
    link_initial_names(forms, t, surname_joined)
    in_document = in_document_names(forms, t, surname_hints, full_names, non_names)

    _apply_judgements(forms, judgements, surfaces)
    run, prior, dirty = change or (0, 0, None)
    shared = kept_tally.shared_forms(catalog.kept_key()) if run else set()
    # the reader's judgements, a watch list and heads the reader chose shape rows that
    # rows_again does not make: a run with any makes every row, and the next one too
    patchable = not watched and not forms.prefer and all(j.get("op") == "apart"
                                                          for j in judgements)
    if (patchable and before is not None and before.per is not None and dirty is not None
            and before.run == prior):
        patched = rows_again(forms, t, surname_joined, non_names, in_document, before, dirty,
                             shared)
        patched.run = run
        return _Run(None, patched, by_source, cases, non_names, shared, run)
    return _Run(rows(forms, t, surname_joined, judgements, non_names, in_document, watched),
                None, by_source, cases, non_names, shared, run, patchable)


@dataclass
class _FormSets:
    """What the rules ask of each form alone: words that are no names (non_name), place words
    (labels.place_words), forms a person's full name could be (PERSON, shaped as a name: the
    first and last word, case folded, which the rules test further) and nationality words.
    ``run``: the kept tally's run they were made from (kept_tally.last_change)."""

    non_names: set[str]
    places: set[str]
    person_shaped: dict[str, tuple[str, str]]
    nationalities: set[str]
    cases: dict[str, tuple[int, int, int, int]]
    run: int = 0


# per catalog (Catalog.kept_key), a watcher's: the full names containing each form's words
# (surnames.Containing), brought up to date from the full names that came or went
_CONTAINING: dict[str, Containing] = {}
# per catalog (Catalog.kept_key), a watcher's: the last _FormSets, brought up to date from the
# forms the tally counted again and the words whose cases changed (each made over every form
# was ~0.2 s of a change at 20,000 documents)
_FORM_SETS: dict[str, _FormSets] = {}


def _form_sets(key: str, t: Tally, cases: dict, stop: frozenset[str],
               change: tuple[int, int, set[str] | None] | None) -> _FormSets:
    """The forms' sets for ``t``; ``change``: the kept tally's last_change if ``t`` is the
    kept tally's (and no watch list added forms to it), else None: made over every form, and
    not kept."""
    run, prior, dirty = change or (0, 0, None)
    kept = _FORM_SETS.pop(key, None)
    surfaces, words, shown, majority = t.surfaces, t.words, t.shown, t.majority

    def non_name_form(k: str) -> bool:
        return len(words[k]) == 1 and not all_caps(shown[k]) and non_name(k, cases, stop)

    def nationality(k: str) -> bool:
        return majority[k] == "NORP"

    def shaped(keys) -> dict[str, tuple[str, str]]:
        ends = ((k, person_ends(without_nickname(shown[k]))) for k in keys
                if majority[k] == "PERSON")
        return {k: e for k, e in ends if e is not None}

    if kept is not None and dirty is not None and kept.run == prior and run:
        # a word's cases decide only whether the form of that one word is a name
        changed_words = {w for w, _ in cases.items() ^ kept.cases.items()}
        recheck = dirty | (changed_words & surfaces.keys())
        present = [k for k in dirty if k in surfaces]
        person_shaped = {k: e for k, e in kept.person_shaped.items() if k not in dirty}
        person_shaped.update(shaped(present))
        sets = _FormSets(
            (kept.non_names - recheck) | set(filter(non_name_form, recheck & surfaces.keys())),
            (kept.places - dirty) | place_words(t, present), person_shaped,
            (kept.nationalities - dirty) | set(filter(nationality, present)), cases, run)
    else:
        sets = _FormSets(set(filter(non_name_form, surfaces)), place_words(t),
                         shaped(surfaces), set(filter(nationality, surfaces)), cases, run)
    if run:
        _FORM_SETS[key] = sets
    return sets


def _watched_forms(catalog: Catalog, t: Tally) -> list[tuple[dict, list[str]]]:
    """The watch list's entries the collection mentions, each with the keys of its names (the
    entry's own name first). Their names the text never writes are added as forms without
    mentions, so the entity is shown by the listed name and found by every listed alias."""
    entries = watchlist.load(watchlist.path_in(Path(catalog.path).parent))
    out = []
    for entry in entries:
        keys = list(dict.fromkeys(match_key(n) for n in entry["names"]))
        if not any(k in t.surfaces for k in keys):
            continue  # never mentioned: no entity
        label = watchlist.label(entry)
        for name, key in zip(entry["names"], (match_key(n) for n in entry["names"])):
            if key and key not in t.surfaces:
                t.surfaces[key][name] += 0
                t.votes[key][label] += 0
                t.count[key], t.shown[key], t.majority[key] = 0, name, label
                t.words[key] = tokens(key)
        out.append((entry, [k for k in keys if k]))
    return out


def _link_watched(forms: Forms, watched: list[tuple[dict, list[str]]]) -> None:
    """Each entry's names are one entity, shown by its own name with the list's label: the
    reader's statement, so no rule may refuse it (a pair the reader kept apart stays apart).
    Linked first, so the other rules see the names as one person."""
    for entry, keys in watched:
        head = keys[0]
        for key in keys[1:]:
            a, b = forms.find(head), forms.find(key)
            if a == b or any({forms.find(x), forms.find(y)} == {a, b} for x, y in forms.apart):
                continue
            forms.join(b, a)
            forms.reason.setdefault(key, watchlist.REASON)
            forms.short.add(key)
        forms.prefer.append(head)
        forms.prefer_label[head] = watchlist.label(entry)


def _apply_judgements(forms: Forms, judgements: list[dict], surfaces) -> None:
    """Merges and splits change the clusters; renames, relabels and hides are read in _write."""
    for j in judgements:
        op = j.get("op")
        if op == "merge" and j.get("a") in surfaces and j.get("b") in surfaces:
            a, b = forms.find(j["a"]), forms.find(j["b"])
            forms.prefer.append(j["a"])
            if j.get("label") in KEPT_LABELS:
                forms.prefer_label[j["a"]] = j["label"]
            if a != b:
                forms.parent[b] = a
                forms.reason.setdefault(j["b"], "merged by you")
                forms.short.add(j["b"])
        elif op == "split" and j.get("alias") in surfaces:
            key = j["alias"]
            root = forms.find(key)
            members = [k for k in forms.parent if forms.find(k) == root]
            rest = [k for k in members if k != key]
            for k in members:
                forms.parent[k] = k
            if rest:
                head = root if root != key else rest[0]
                for k in rest:
                    forms.parent[k] = head
            forms.reason[key] = "split by you"
            forms.short.discard(key)


def _write(catalog: Catalog, r: Result, count_mentions: bool = True) -> None:
    """Write a resolution whole."""
    catalog.map_mentions_by_text([(text, e, label) for text, (e, label) in r.mapping.items()])
    catalog.map_mentions_in_documents([(d, text, e, label)
                                       for (d, text), (e, label) in r.in_document.items()])
    if count_mentions:
        for entity_id, docs, n in catalog.entity_mention_counts():
            if entity_id in r.entities:
                r.entities[entity_id][4] = docs
                r.entities[entity_id][5] = n
    catalog.replace_entities([tuple(row) for row in r.entities.values()], r.aliases)
    catalog.replace_watched(r.watched)
    if count_mentions:
        catalog.count_entity_sentences()


# Per catalog path, (the value stamp_resolution left, what was written then). A watcher
# resolves after every change: reading back what it wrote the time before was ~15% of it.
_WRITTEN: dict[str, tuple[str, Written]] = {}


def _written_before(catalog: Catalog) -> Written:
    """What the last resolution wrote: kept in memory if this process wrote it and the catalog
    still holds it, else read from the catalog."""
    kept = _WRITTEN.pop(catalog.kept_key(), None)
    if kept is not None and kept[0] == catalog.resolution_written():
        return kept[1]
    entities, aliases = catalog.entity_and_alias_rows()
    return Written(catalog.resolved_texts(), catalog.resolved_in_document(), entities,
                    Counter(aliases))


def written_now(catalog: Catalog) -> Written | None:
    """What the last resolution wrote, if this process wrote it and the catalog still holds
    it (not taken: the next resolution still finds it)."""
    kept = _WRITTEN.get(catalog.kept_key())
    if kept is not None and kept[0] == catalog.resolution_written():
        return kept[1]
    return None


@dataclass
class _Diff:
    """What differs between two Writtens: texts mapped anew or no longer, names given in one
    document anew or no longer, entities put or dropped, aliases whose count moved (with the
    counts before and after)."""

    changed: dict
    gone: list
    doc_changed: dict
    doc_gone: list
    put: list
    drop: list
    moved: set
    before: dict
    after: dict

    def empty(self) -> bool:
        return not (self.changed or self.gone or self.doc_changed or self.doc_gone
                    or self.put or self.drop or self.moved)


def _diff(old: Written, new: Written) -> _Diff:
    """The differences; over what ``new.touched`` names if rows_again made it (what it did not
    make again is as it was), else over everything (differences of the dicts' views, in C: a
    loop over every text was a watcher's cost)."""
    docs = new.in_document
    doc_changed = dict(docs.items() - old.in_document.items())
    doc_gone = sorted(old.in_document.keys() - docs.keys())
    if new.touched is None:
        changed = dict(new.mapping.items() - old.mapping.items())
        gone = sorted(old.mapping.keys() - new.mapping.keys())
        put = sorted((e, *v) for e, v in new.entities.items() - old.entities.items())
        drop = sorted(old.entities.keys() - new.entities.keys())
        before, after = old.aliases, new.aliases
        moved = {a for a, _ in before.items() ^ after.items()}  # a count differs
        return _Diff(changed, gone, doc_changed, doc_gone, put, drop, moved, before, after)
    texts, entities, counts = new.touched
    mapping = new.mapping
    changed = {t: mapping[t] for t, was in texts.items() if t in mapping and mapping[t] != was}
    gone = sorted(t for t, was in texts.items() if was is not None and t not in mapping)
    put = sorted((e, *new.entities[e]) for e, was in entities.items()
                 if e in new.entities and new.entities[e] != was)
    drop = sorted(e for e, was in entities.items() if was is not None and e not in new.entities)
    moved = {a for a, n in counts.items() if new.aliases[a] != n}
    return _Diff(changed, gone, doc_changed, doc_gone, put, drop, moved, counts, new.aliases)


def _write_changes(catalog: Catalog, run: _Run, old: Written) -> set[str]:
    """Write what differs from the last resolution (``old``); returns the entities whose
    name, label or aliases (text and reason: what the full-text index carries) changed."""
    new = run.written()
    d = _diff(old, new)
    changed, doc_changed = d.changed, d.doc_changed
    dirty = catalog.unmapped_doc_ids() | {doc for doc, _ in d.doc_gone}
    catalog.remap_texts(changed, d.gone, dirty)
    # mapped by text again above: their in-document names go back on
    again = {k: v for k, v in new.in_document.items()
             if k[0] in dirty or k[1] in changed or k in doc_changed}
    catalog.remap_in_documents(again, d.doc_gone)

    before, after = d.before, d.after
    alias_drop = [a for a in d.moved if before.get(a, 0)]
    alias_put = [a for a in d.moved for _ in range(after.get(a, 0))]
    catalog.change_entities(d.put, d.drop, alias_put, alias_drop)
    catalog.replace_watched(run.result.watched if run.result is not None else [])

    touched = {row[0] for row in d.put} | set(d.drop)
    shown_by = defaultdict(lambda: (Counter(), Counter()))  # entity -> (text, reason) before, after
    for a in d.moved:
        shown_by[a[0]][0][(a[1], a[3])] += before.get(a, 0)
        shown_by[a[0]][1][(a[1], a[3])] += after.get(a, 0)
    touched |= {e for e, (b, a) in shown_by.items() if b != a}
    # a run that changed nothing leaves the value as it was (the re-scan keeps its reads of
    # the aliases while it holds, recall._alias_reads)
    written = catalog.resolution_written()
    if written is None or not d.empty():
        written = catalog.stamp_resolution()
    new.touched = None
    _WRITTEN[catalog.kept_key()] = (written, new)
    return touched


def map_found(catalog: Catalog) -> None:
    """Map the mentions stored or found since the last resolution wrote its mapping (the
    re-scan's finds, made after it) as the next resolution would: by text, then each
    document's own names. A full build's re-scan finds names in most documents (17,703 of
    19,998), which the first change after it remapped: ~9 s more at 20,000 documents."""
    if not catalog.has_resolved_state():
        return
    dirty = catalog.unmapped_doc_ids()
    if not dirty:
        return
    written = written_now(catalog)
    in_document = written.in_document if written is not None \
        else catalog.resolved_in_document()
    catalog.remap_texts({}, (), dirty)
    catalog.remap_in_documents({k: v for k, v in in_document.items() if k[0] in dirty}, ())


def recount(catalog: Catalog) -> None:
    """The counts resolve writes, brought up to date after the re-scan added or dropped
    mentions, without resolving again.

    Re-scan mentions never vote and never join forms (see resolve), so the entities, labels
    and aliases stand; only counts move: each entity's documents and mentions, each alias's
    count, the sentence counts. Resolving a second time cost ~8 s at 20,000 news articles;
    tests/test_entities_recall.py checks that this leaves the catalog as a second resolve did.
    """
    if catalog.has_resolved_state() and not catalog.recount_all_pending():
        catalog.count_changed()  # only what moved since the last count
        return
    catalog.recount_entities_and_aliases()
    catalog.count_entity_sentences()
    catalog.counted_all()
