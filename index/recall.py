"""Recall beyond the model: find every occurrence of the names resolution knows.

After resolution, each document is re-scanned for the surface forms of known entities, on
token boundaries and case-sensitive (so "US" never matches "us"); matches the model missed
become mentions with source "rescan". On the seeds the model tags CJNG in 2 of its 12
occurrences and never a bare "Harfuch" as a person; the re-scan finds the rest.

Incremental: the form set of the last pass is kept (table recall_forms) with each document's
content hash (recall_docs). A changed document is scanned for every form; the others only for
forms that are new since the last pass (and only if their text contains one); mentions of
forms that disappeared are dropped.

The scan splits text into words and single punctuation marks with one regular expression, and
looks up the word sequences that start with a form's first two words. It was spaCy's tokenizer and
PhraseMatcher: tokenizing the whole corpus a second time, ~8 of the ~30 s that indexing 2,000
news articles takes besides NER, and the largest part of casework's own indexing time.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left, bisect_right
from itertools import accumulate, compress, count
from typing import Callable, Iterable, Iterator

from casework.index import kept_tally, watchlist
from casework.index.catalog import Catalog
from casework.index.memo import memo
from casework.index.models import Progress
from casework.index.resolve import IN_DOCUMENT, Totals, written_now
from casework.index.nlp import split_text
from casework.index.results import TEAM
from casework.index.span_array import Sentences

SOURCE = "rescan"
# Above this many new forms, scanning every document is cheaper than a substring pre-filter.
_PREFILTER_MAX = 200
_SENTENCE_END = re.compile(r"[.!?]\s|\n")
# A long text is matched a window at a time, cut on paragraph boundaries: the token list of a
# whole 50 MB text (~32 M strings and as many running sums) took several GB.
WINDOW_CHARS = 1_000_000


class _AliasReads:
    """What the re-scan reads of the aliases resolution wrote: aliases per entity, the texts
    (not given in one document only) with their entity, and with its entity and label."""

    def __init__(self, catalog: Catalog):
        self.linked = catalog.alias_counts_by_entity()
        self.texts = [tuple(r) for r in catalog.alias_texts_except(IN_DOCUMENT)]
        self.key_entity = {  # a form's entity in the collection (not one in one document)
            r[0]: (r[1], r[2]) for r in catalog.alias_entities_except(IN_DOCUMENT)}

    @classmethod
    def of_written(cls, written) -> "_AliasReads | None":
        """The same reads made from what the resolution wrote (resolve.written_now): reading
        them back was ~0.25 s of a watcher's change that moved an alias. None when a text is
        an alias of two entities: which one the catalog's reads keep is the table's order."""
        reads = cls.__new__(cls)
        linked: dict[str, int] = {}
        texts, key_entity = [], {}
        entities = written.entities
        for (entity_id, text, _key, reason), n in written.aliases.items():
            linked[entity_id] = linked.get(entity_id, 0) + n
            if reason == IN_DOCUMENT:
                continue
            texts.append((text, entity_id))
            if n > 1:
                texts.extend([(text, entity_id)] * (n - 1))
            entity = entities.get(entity_id)
            if entity is not None:
                before = key_entity.get(text)
                if before is not None and before[0] != entity_id:
                    return None
                key_entity[text] = (entity_id, entity[1])
        reads.linked, reads.texts, reads.key_entity = linked, texts, key_entity
        return reads


# Per catalog path: (the value the resolution written left, _AliasReads of it). Only
# resolution writes aliases and entities, and a resolution that changed them leaves a new
# value (catalog.resolved): a watcher's change that moves no alias reads them from here.
_ALIAS_READS: dict[str, tuple[str, _AliasReads]] = {}


def _alias_reads(catalog: Catalog) -> _AliasReads:
    written = catalog.resolution_written() if catalog.has_resolved_state() else None
    path = catalog.kept_key()
    kept = _ALIAS_READS.get(path)
    if written is not None and kept is not None and kept[0] == written:
        return kept[1]
    made = written_now(catalog) if written is not None else None
    reads = (made is not None and _AliasReads.of_written(made)) or _AliasReads(catalog)
    if written is None:
        _ALIAS_READS.pop(path, None)
    else:
        _ALIAS_READS[path] = (written, reads)
    return reads


def wanted_forms(catalog: Catalog, read: Totals | None = None) -> set[str]:
    """Surface forms worth looking for: acronyms, names the model found at least twice, and
    every form of an entity that rules linked (a single capitalised one-off like "Security"
    would match every heading). ``read``: what the resolution just before read of the
    totals, which are the same for this."""
    written = written_now(catalog) if read is not None else None
    if written is not None and written.per is not None:  # a watcher's: what changed, again
        return _Wanted.of(catalog.kept_key()).update(written, read.by_source, read.cases)
    aliases = _alias_reads(catalog)
    linked = aliases.linked
    if read is not None or catalog.has_resolved_state():  # the running totals (resolved.py)
        found, by_model = _found_counts(
            read.by_source if read is not None else catalog.form_tally_by_source())
        cases = read.cases if read is not None else catalog.word_case_sums()
    else:
        found = catalog.mention_counts_by_text_except(SOURCE)
        by_model = catalog.mention_counts_by_text("model")
        for text, n in catalog.mention_counts_by_text(TEAM).items():  # a team in a score line
            by_model[text] = by_model.get(text, 0) + n
        cases = catalog.word_case_totals()
    return {text for text, entity_id in aliases.texts
            if _wanted(text, (entity_id,), found, by_model, cases, linked)}


def _found_counts(rows) -> tuple[dict[str, int], dict[str, int]]:
    """Per text, from the totals by source (text, raw_label, source, n): its mentions but the
    re-scan's, and those the model found."""
    found: dict[str, int] = {}
    by_model: dict[str, int] = {}
    for text, _label, source, n in rows:
        if source != SOURCE:
            found[text] = found.get(text, 0) + n
        if source in ("model", TEAM):  # a team in a score line
            by_model[text] = by_model.get(text, 0) + n
    return found, by_model


def _wanted(text: str, entity_ids, found: dict, by_model: dict, cases: dict,
            linked: dict) -> bool:
    """Whether wanted_forms looks for ``text``, an alias of these entities."""
    shape = memo(_SHAPES, text, _shape)
    if shape is None:
        return False
    bare, one_word = shape
    # a word in capitals the collection mostly writes in lower case is a shouted word
    # ("RESULTS" in a headline), not an acronym
    acronym = bool(bare) and not _mostly_lower(bare, cases)
    if not acronym and one_word and (
            not by_model.get(text) or _seldom_a_name(text, found.get(text, 0), cases)):
        return False  # a single word only the rules found ("Minister" after "Propaganda
        # Minister") or the model seldom takes for a name is not looked for everywhere
    return acronym or found.get(text, 0) >= 2 or any(linked.get(e, 0) >= 2 for e in entity_ids)


class _Wanted:
    """A watcher's wanted forms, kept with what decided them and brought up to date from what
    differs: the aliases (resolution_rows.Written: each (entity, text) and each entity's count),
    the rows of the totals (found, found by the model) and the words' cases. A text is asked
    again only if one of them moved for it; asking every alias was ~0.15 s of a change at
    20,000 documents, with reading the aliases written."""

    _KEPT: dict[str, "_Wanted"] = {}

    @classmethod
    def of(cls, key: str) -> "_Wanted":
        kept = cls._KEPT.get(key)
        if kept is None:
            kept = cls._KEPT[key] = cls(key)
        return kept

    def __init__(self, key: str = "") -> None:
        self.key = key  # the catalog's (Catalog.kept_key)
        self.pairs: set[tuple[str, str]] | None = None  # (entity_id, text), not in one document
        self.linked: dict[str, int] = {}
        self.serial = 0  # of the Written last read
        self.by_source: list = []  # sorted
        self.cases: dict = {}
        self.entities_of: dict[str, set[str]] = {}  # text -> its entities
        self.texts_of_entity: dict[str, set[str]] = {}
        self.texts_of_word: dict[str, set[str]] = {}  # case-folded word -> texts
        self.found: dict[str, int] = {}
        self.by_model: dict[str, int] = {}
        self.forms: set[str] = set()

    def update(self, written, by_source: list, cases: dict) -> set[str]:
        pairs, linked = written.alias_pairs, written.linked
        if by_source and type(by_source[0]) is not tuple:  # a full resolution's reads
            by_source = [tuple(row) for row in by_source]
        change = kept_tally.rows_change(self.key, by_source)
        if change is not None and change[0] is self.by_source:  # the tally compared them
            moved_rows = change[1]
        else:
            if not kept_tally.in_order(by_source):
                by_source = sorted(by_source)
            moved_rows = set(by_source).symmetric_difference(self.by_source)
        if self.pairs is None:
            self.pairs = set()
            moved_pairs, moved_entities = set(pairs), set(linked)
            asked = None  # every text
        else:
            if written.base and written.base == self.serial:  # rows_again says what moved
                moved_pairs = {p for p in written.moved_pairs
                               if (p in pairs) != (p in self.pairs)}
                moved_entities = {e for e in written.moved_entities
                                  if linked.get(e) != self.linked.get(e)}
            else:
                moved_pairs = pairs.keys() ^ self.pairs
                moved_entities = {e for e, _ in linked.items() ^ self.linked.items()}
            asked = {text for _, text in moved_pairs}
            asked.update(t for e in moved_entities for t in self.texts_of_entity.get(e, ()))
            asked.update(t for w, _ in cases.items() ^ self.cases.items()
                         for t in self.texts_of_word.get(w, ()))
            asked.update(row[0] for row in moved_rows)
        for pair in moved_pairs:
            entity_id, text = pair
            entities = self.entities_of.setdefault(text, set())
            if pair in pairs:
                if not entities:
                    for word in _words_asked(text):
                        self.texts_of_word.setdefault(word, set()).add(text)
                entities.add(entity_id)
                self.texts_of_entity.setdefault(entity_id, set()).add(text)
                self.pairs.add(pair)
            else:
                entities.discard(entity_id)
                self.texts_of_entity.get(entity_id, set()).discard(text)
                self.pairs.discard(pair)
        for entity_id in moved_entities:
            _put(self.linked, entity_id, linked.get(entity_id, 0))
        for text in {row[0] for row in moved_rows}:
            found, by_model = _found_counts(kept_tally.rows_of(by_source, text))
            _put(self.found, text, found.get(text, 0))
            _put(self.by_model, text, by_model.get(text, 0))
        self.serial, self.by_source, self.cases = written.serial, by_source, cases
        entities_of = self.entities_of
        if asked is None:
            asked = set(entities_of)
        else:
            self.forms = self.forms - asked
        self.forms |= {text for text in asked if entities_of.get(text)
                       and _wanted(text, entities_of[text], self.found, self.by_model, cases,
                                   linked)}
        return self.forms

    def key_entity(self, entities: dict) -> "_KeyEntity | None":
        """text -> (entity_id, label) as _AliasReads.key_entity gives it, asked text by text;
        None if a text is an alias of two entities (the catalog's reads keep one by the
        table's order)."""
        if any(len(e) > 1 for e in self.entities_of.values()):
            return None
        return _KeyEntity(self.entities_of, entities)


class _KeyEntity:
    """_AliasReads.key_entity's ``get``, asked of a watcher's kept entities per text."""

    def __init__(self, entities_of: dict, entities: dict):
        self._of, self._entities = entities_of, entities

    def get(self, text, default=None):
        for entity_id in self._of.get(text, ()):
            entity = self._entities.get(entity_id)
            if entity is not None:
                return entity_id, entity[1]
        return default


def _words_asked(text: str) -> set[str]:
    """The case-folded words whose cases _wanted reads for ``text``."""
    shape = memo(_SHAPES, text, _shape)
    words = {text.casefold()}
    if shape is not None and shape[0]:
        words.add(shape[0].casefold())
    return words


def _put(counts: dict, text: str, n: int) -> None:
    if n:
        counts[text] = n
    else:
        counts.pop(text, None)



_SHAPES: dict[str, tuple[str, bool] | None] = {}


def _shape(text: str) -> tuple[str, bool] | None:
    """What wanted_forms asks of a form's own text, kept across a watcher's changes: None if
    it is never looked for (one letter, not capitalised), else (its letters if it is shaped
    as an acronym, else "", whether it is one word)."""
    if len(text) < 2 or not text[:1].isupper():
        return None
    bare = text.replace(".", "")
    return (bare if bare.isupper() and bare.isalpha() and len(bare) >= 2 else "",
            " " not in text)


def _mostly_lower(word: str, cases: dict) -> bool:
    """Written mostly in lower case, or never inside a sentence (only in headlines)."""
    lower, mid, start, _other = cases.get(word.casefold(), (0, 0, 0, 0))
    return (lower > 2 * (mid + start) and lower >= 3) or (mid == 0 and start >= 3)


def _seldom_a_name(word: str, found: int, cases: dict) -> bool:
    """A single word the model took for a name in under a tenth of the places the documents
    that mention it write it alone and capitalised: "Minister", tagged PERSON 8 times, would
    have been found again 968 times on 3,824 news articles."""
    lower, mid, start, _other = cases.get(word.casefold(), (0, 0, 0, 0))
    return mid + start >= 20 and found < 0.1 * (mid + start)


def rescan(catalog: Catalog, read: Totals | None = None) -> int:
    """Bring rescan mentions in line with the current forms; returns mentions added+removed.
    ``read``: what the resolution just before read of the totals (resolve.Totals)."""
    catalog.ensure_recall_tables()
    now = wanted_forms(catalog, read)
    before = catalog.recall_forms()
    gone, new = before - now, now - before
    changed = 0
    if gone:
        changed += catalog.delete_mentions_of_texts(SOURCE, gone)
    # asked of the catalog, not read whole: every document's hash per change grew with them
    unread = catalog.documents_not_rescanned()
    full = [doc_id for doc_id, _ in unread]
    rest = catalog.documents_rescanned() if new else []
    if full and now:
        changed += _scan(catalog, full, now, prefilter=False)
    if rest:
        changed += _scan(catalog, rest, new, prefilter=len(new) <= _PREFILTER_MAX)
    catalog.put_recall_pass(now if new or gone else None, unread)
    return changed


# words and single punctuation marks: forms and texts are split the same way, so "U.S." is
# U . S . in both, and "Harfuch's" holds "Harfuch"
_TOKEN = re.compile(r"\w+|[^\w\s]")
# the same tokens as a split: [gap, token, gap, token, ..., gap], so offsets are running sums
# of lengths (one match object per token was a third of the scan)
_PIECES = re.compile(r"(\w+|[^\w\s])")


class _Matcher:
    """Finds every occurrence of a set of forms, as sequences of tokens; with ``fold``, of
    case-folded forms in the case-folded words of a text (the watch list's names)."""

    def __init__(self, forms: Iterable[str], fold: bool = False):
        self.fold = fold
        self.forms: set[tuple[str, ...]] = set()
        self.single: set[str] = set()
        # longer forms by their first two words: "The" starts hundreds of forms, "The New" few
        lengths: dict[tuple[str, str], set[int]] = {}
        for form in forms:
            words = tuple(_TOKEN.findall(form))
            if len(words) == 1:
                self.single.add(words[0])
            elif words:
                self.forms.add(words)
                lengths.setdefault(words[:2], set()).add(len(words))
        self.lengths = {pair: sorted(n) for pair, n in lengths.items()}
        self.first = self.single | {first for first, _ in self.lengths}

    def __call__(self, text: str) -> list[tuple[int, int]]:
        """(start, end) character offsets of every occurrence, overlapping ones included."""
        pieces = _PIECES.split(text)
        words = pieces[1::2]
        if self.fold:  # word by word, so offsets stay those of the text
            words = list(map(str.casefold, words))
        hits = list(compress(count(), map(self.first.__contains__, words)))
        if not hits:
            return []
        ends = list(accumulate(map(len, pieces)))  # token i is text[ends[2i]:ends[2i + 1]]
        last = len(words) - 1
        found = []
        for i in hits:
            word = words[i]
            if word in self.single:
                found.append((ends[2 * i], ends[2 * i + 1]))
            if i == last:
                continue
            for n in self.lengths.get((word, words[i + 1]), ()):
                if i + n > last + 1:  # near the end a slice is cut short: no longer form fits
                    break
                if n == 2 or tuple(words[i : i + n]) in self.forms:
                    found.append((ends[2 * i], ends[2 * i + 2 * n - 1]))
        return found


_LAST_MATCHER: list = [frozenset(), None]  # the forms of the last _Matcher made, and it


def warm(catalog: Catalog) -> None:
    """Ready a long-lived process (a watcher) for its first re-scan while nothing changes: the
    forms looked for, what is kept of each, and their matcher (~0.2 s of the first change at
    20,000 documents)."""
    if catalog.has_resolved_state():
        read = Totals(catalog.form_tally_by_source(), catalog.word_case_sums())
        _matcher_for(wanted_forms(catalog, read))


def _matcher_for(forms: set[str]) -> _Matcher:
    """A _Matcher of these forms: the last one made while the forms are the same (a watcher's
    changes mostly look for the same forms)."""
    if _LAST_MATCHER[1] is None or _LAST_MATCHER[0] != forms:
        _LAST_MATCHER[:] = [frozenset(forms), _Matcher(forms)]
    return _LAST_MATCHER[1]


def _key_entity(catalog: Catalog):
    """Each alias text's entity (not one given in one document): a watcher's, asked of what
    it keeps; else read."""
    written = written_now(catalog)
    kept = _Wanted._KEPT.get(catalog.kept_key())
    if written is not None and written.per is not None and kept is not None \
            and kept.serial == written.serial:
        found = kept.key_entity(written.entities)
        if found is not None:
            return found
    return _alias_reads(catalog).key_entity


def _scan(catalog: Catalog, doc_ids: list[str], forms: set[str], prefilter: bool) -> int:
    matcher = _matcher_for(forms)
    key_entity = _key_entity(catalog)
    added = 0
    for doc_id in doc_ids:
        text = catalog.text_of(doc_id) or ""
        if prefilter and not any(f in text for f in forms):
            continue
        taken = _Taken(catalog.iter_mention_spans_in(doc_id))
        here = taken.here
        starts, reach, sentences = taken.starts, taken.reach, taken.sentences
        last_end = -1
        # a long text is matched, and its finds stored, a window at a time: finds never cross
        # a window's edge, so the windows' finds in turn are all the finds in order
        for offset, piece, _ in _windows(text):
            rows = []
            finds = sorted(matcher(piece), key=lambda span: (span[0], span[0] - span[1]))
            for a, b in finds:
                a, b = a + offset, b + offset
                i = bisect_left(starts, b)
                if (i and reach[i - 1] > a) or last_end > a:
                    continue
                form = text[a:b]
                found = here.get(form) or key_entity.get(form)
                if found is None:
                    continue
                last_end = b
                entity_id, label = found
                sa, sb = _sentence(text, a, b, sentences)
                rows.append((doc_id, a, b, form, label, label, entity_id, sa, sb, SOURCE))
            del finds
            catalog.add_mentions(rows)
            added += len(rows)
    return added


class _Taken:
    """A document's mentions as the re-scan needs them, read from a cursor into arrays: where
    they start, the furthest end reached so far, the entity each text has here, the model's
    sentences. A list of rows held every mention's row (a 50 MB text: ~1 M rows, ~400 MB).

    A find overlapping a mention is dropped: the mentions that start before the find ends
    reach furthest at reach[i - 1]; the finds kept never overlap and come in start order, so
    the last one kept reaches furthest (a scan of every mention per find was ~40% of the
    re-scan)."""

    def __init__(self, rows: Iterable[tuple]):
        self.starts, self.reach = array("q"), array("q")
        # a form found again takes the entity its other mentions have in this document
        self.here: dict[str, tuple[str, str]] = {}
        self.sentences = Sentences(self._read(rows))

    def _read(self, rows: Iterable[tuple]) -> Iterator[tuple[int, int]]:
        furthest = -1
        for start, end, sent_start, sent_end, text, entity_id, label in rows:
            self.starts.append(start)
            furthest = max(furthest, end)
            self.reach.append(furthest)
            if entity_id:
                self.here[text] = (entity_id, label)
            yield sent_start, sent_end


def find_watched(catalog: Catalog, entries: list[dict],
                 notify: Callable[[Progress], None] | None = None) -> int:
    """Mark every occurrence of the watch list's names as a mention (source ``watch``), before
    resolution, which makes each entry one entity (resolve._link_watched); returns the
    documents whose marks changed.

    Names are matched on word boundaries with case folded (a list writes "ACME SHELL LTD" or
    "Acme Shell Ltd"), but a find written all in lower case is no name ("us" for "US"). A
    find on exactly a mention the model made is that mention (it joins the entity by its
    text); one that covers shorter mentions takes their place (they are kept aside and come
    back if the name leaves the list); one inside or across a longer mention is left to it.
    Incremental as rescan is: a changed document is read for every name, the others only for
    names new since the last pass, and documents marked before are read again whenever the
    list changes; a list of up to _PREFILTER_MAX names reads only texts that hold one of
    them as a substring.
    """
    now = watchlist.forms(entries)
    before = catalog.watch_forms()
    if not now and not before:
        return 0  # no watch list, none before: nothing to write, not even a table
    catalog.ensure_watch_tables()
    new, gone = set(now) - before, before - set(now)
    scanned = catalog.watch_scanned()
    docs = catalog.document_hashes()
    redo = {r["doc_id"] for r in docs if scanned.get(r["doc_id"]) != r["sha256"]}
    for doc_id in redo:
        catalog.forget_covered(doc_id)  # of an older text; the indexer dropped its marks
    if new or gone:  # a document already marked is read again whole: marks never overlap
        redo |= {r["doc_id"] for r in catalog.watch_mention_texts()}
    changed: set[str] = set()
    for doc_id in redo:
        if catalog.undo_watch_marks(doc_id):
            changed.add(doc_id)
            catalog.drop_rescan_of(doc_id)
    if now:
        rest = [r["doc_id"] for r in docs if r["doc_id"] not in redo] if new else []
        total = len(redo) + len(rest)
        step = _progress(notify, total)
        changed |= _mark_watched(catalog, sorted(redo), now, step)
        if rest:
            changed |= _mark_watched(catalog, rest, {f: now[f] for f in new}, step)
    catalog.put_watch_pass(now, docs)
    catalog.mark_documents_stale(changed)  # their entity fields changed
    return len(changed)


def _progress(notify: Callable[[Progress], None] | None, total: int) -> Callable[[], None]:
    done = count(1)

    def step() -> None:
        n = next(done)
        if notify is not None and (n % 200 == 0 or n == total):
            notify(Progress("watch", n, total))

    if notify is not None:
        notify(Progress("watch", 0, total))
    return step


def _mark_watched(catalog: Catalog, doc_ids: list[str], forms: dict[str, str],
                  step: Callable[[], None]) -> set[str]:
    matcher = _Matcher(forms, fold=True)
    # a text without a form's longest word holds no form: a substring test per form is
    # cheaper than splitting the text into words, up to a few hundred forms
    needles = {max(f.split(" "), key=len) for f in forms} if len(forms) <= _PREFILTER_MAX else ()
    changed = set()
    for doc_id in doc_ids:
        step()
        text = catalog.text_of(doc_id) or ""
        if needles:
            folded = text.casefold()
            if not any(n in folded for n in needles):
                continue
        finds = [(a, b) for a, b in _windowed(matcher, text) if _written_as_a_name(text[a:b])]
        if not finds:
            continue
        rows, covered = _marks(doc_id, text, finds, forms, catalog.mention_spans_in(doc_id))
        if not rows:
            continue  # every find is a mention already: nothing changes here
        # re-scan finds give way to watched names: dropped, and the re-scan that follows
        # reads the document again around the marks
        catalog.drop_rescan_of(doc_id)
        rows, covered = _marks(doc_id, text, finds, forms, catalog.mention_spans_in(doc_id))
        if covered:
            catalog.cover_mentions(doc_id, covered)
        catalog.add_mentions(rows)
        changed.add(doc_id)
    return changed


def _marks(doc_id: str, text: str, finds: list[tuple[int, int]], forms: dict[str, str],
           taken: list) -> tuple[list[tuple], list[tuple[int, int]]]:
    """The mentions to add for these finds, and the spans of the mentions they cover."""
    starts = [r["start"] for r in taken]
    reach = list(accumulate((r["end"] for r in taken), max))
    spans = {(r["start"], r["end"]) for r in taken}
    sentences = Sentences((r["sent_start"], r["sent_end"]) for r in taken)
    kept_end = -1
    covered: list[tuple[int, int]] = []
    rows = []
    # the longest find at a place first; one overlapping a find kept is dropped
    for a, b in sorted(finds, key=lambda span: (span[0], span[0] - span[1])):
        if kept_end > a:
            continue
        if (a, b) in spans:  # the model's mention of the name: it joins by its text
            kept_end = b
            continue
        i = bisect_left(starts, a)
        inside = taken[i:bisect_left(starts, b)]
        if (i and reach[i - 1] > a) or any(r["end"] > b for r in inside):
            continue  # inside or across a longer name: that name stands
        kept_end = b
        covered.extend((r["start"], r["end"]) for r in inside)
        found = text[a:b]
        label = forms.get(watchlist.fold(found), "ORG")
        sa, sb = _sentence(text, a, b, sentences)
        rows.append((doc_id, a, b, found, label, label, "", sa, sb, watchlist.SOURCE))
    return rows, covered


def _written_as_a_name(found: str) -> bool:
    """Not all in lower case: "us" is not the listed "US", "apple" not "Apple" (a script
    without case passes)."""
    return any(c.isupper() for c in found) or not any(c.islower() for c in found)


def _windows(text: str):
    """(offset, piece, last) of a text in windows of WINDOW_CHARS cut on paragraph, line or
    word boundaries (no form crosses one)."""
    if len(text) <= WINDOW_CHARS:
        return [(0, text, True)]
    return split_text(text, WINDOW_CHARS)


def _windowed(matcher: _Matcher, text: str) -> list[tuple[int, int]]:
    return [(a + offset, b + offset) for offset, piece, _ in _windows(text)
            for a, b in matcher(piece)]


def _sentence(text: str, a: int, b: int, known: Sentences) -> tuple[int, int]:
    # the sentence known to the model that holds the find: found by bisection (a walk over
    # every sentence per find was quadratic, minutes on a 50 MB text)
    starts, ends = known.starts, known.ends
    i = bisect_right(starts, a) - 1
    while i >= 0 and starts[i] <= a:
        s, e = starts[i], ends[i]
        if b <= e:
            return s, e
        if a - s > 10_000:
            break
        i -= 1
    start = 0
    for m in _SENTENCE_END.finditer(text, max(0, a - 400), a):
        start = m.end()
    m = _SENTENCE_END.search(text, b)
    return start, (m.start() + 1 if m else len(text))
