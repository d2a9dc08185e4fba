"""From raw NER spans to entities: span cleanup, matching keys, stable ids, corpus-wide grouping.

Pure Python over the catalog; no spaCy here.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import unicodedata
from array import array
from bisect import bisect_left
from collections import defaultdict
from typing import TYPE_CHECKING, Sequence

from casework.index import models, results
from casework.index.catalog import Catalog
from casework.index.errors import QueryError
from casework.index.memo import memo
from casework.index.patterns import PATTERN_LABELS, normal_form
from casework.index.span_array import SpanArray

if TYPE_CHECKING:  # records are made on first use (models.py): these only annotate
    from casework.index.models import Span

# spaCy labels kept as entities. Numbers, dates, times, money and quantities are left out: in an
# entity list they crowd out the people and organisations a reader follows across documents.
NER_LABELS = (
    "PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "LAW", "WORK_OF_ART",
    "LANGUAGE",
)
# e-mail addresses, phone numbers, URLs, IBANs: found by rule (patterns.py), resolved like names
KEPT_LABELS = NER_LABELS + PATTERN_LABELS


# The short tags people read in listings and legends ("Sheinbaum[PER]").
LABEL_TAGS = {
    "PERSON": "PER", "ORG": "ORG", "GPE": "GPE", "LOC": "LOC", "NORP": "NRP", "FAC": "FAC",
    "EVENT": "EVT", "PRODUCT": "PRD", "LAW": "LAW", "WORK_OF_ART": "ART", "LANGUAGE": "LNG",
    "EMAIL": "EML", "PHONE": "TEL", "URL": "URL", "IBAN": "IBN",
}
_LABEL_NAMES = {
    **{label.casefold(): label for label in KEPT_LABELS},
    **{tag.casefold(): label for label, tag in LABEL_TAGS.items()},
    "work of art": "WORK_OF_ART", "work-of-art": "WORK_OF_ART",
}


def label_of(name: str) -> str:
    """The stored label for any way a person writes one: PER, per, Person, PERSON -> PERSON;
    NRP -> NORP, ART -> WORK_OF_ART. QueryError listing the valid ones for anything else."""
    label = _LABEL_NAMES.get(name.strip().casefold())
    if label is None:
        valid = ", ".join(f"{tag} ({label})" if tag != label else label
                          for label, tag in LABEL_TAGS.items())
        raise QueryError(f"unknown label {name!r}; one of: {valid}")
    return label


def label_field(label: str) -> str:
    """The full-text field for a label: PERSON -> person, WORK_OF_ART -> work_of_art."""
    return label.lower()


# the full-text index's label fields: pattern entities are searched through the "entity" field
# until the full-text schema gives them fields of their own
ENTITY_FIELDS = tuple(label_field(label) for label in NER_LABELS)

_QUOTES = "\"'“”‘’«»„‟‹›`´"
_TRAILING_PUNCT = ",;:!?)]}"
_LEADING_PUNCT = "([{"
_LEADING_ARTICLE = re.compile(r"^(?:the|The|THE)\s+")
_POSSESSIVE = re.compile(r"(?:'s|’s|'S|’S)$")
_SPACES = re.compile(r"\s+")
# a number or a date the model ran a name into: "Austria 1996-12-07", "Andrew Park 72"
_TRAILING_DATE = re.compile(r"\s+\d{4}-\d\d-\d\d$")
_TRAILING_NUMBER = re.compile(r"\s+\d[\d.,:/-]*$")
_NO_NUMBERS = frozenset({"PERSON", "GPE", "NORP"})  # "Channel 4", "Area 51", "Route 66" may


def clean_span(text: str, span: Span) -> Span | None:
    """Trim quotes, possessive 's, a leading 'the' and stray punctuation from a span.

    Returns the trimmed span (offsets still into ``text``), or None if nothing name-like is left.
    """
    start, end = span.start, span.end
    while True:
        before = (start, end)
        while start < end and (text[start].isspace() or text[start] in _QUOTES + _LEADING_PUNCT):
            start += 1
        while end > start and (text[end - 1].isspace() or text[end - 1] in _QUOTES + _TRAILING_PUNCT):
            end -= 1
        m = _POSSESSIVE.search(text, start, end)
        if m and end - start > 2:
            end = m.start()
        m = _LEADING_ARTICLE.match(text[start:end])
        if m and end - start > m.end():
            start += m.end()
        m = _TRAILING_DATE.search(text, start, end) or (
            span.label in _NO_NUMBERS and _TRAILING_NUMBER.search(text, start, end))
        if m and any(ch.isalpha() for ch in text[start : m.start()]):
            end = m.start()
        if (start, end) == before:
            break
    surface = text[start:end]
    if end - start < 2 or not any(ch.isalnum() for ch in surface) or surface.lower() == "the":
        return None
    return models.Span(start, end, span.label, span.sent_start, span.sent_end, span.source)


# A quoted nickname inside a name: ``Joaquin “El Chapo” Guzman`` is compared as Joaquin Guzman.
_INNER_QUOTED = re.compile(r"(?<=\w)\s+[“\"«][^”\"»\n]{1,40}[”\"»]\s+(?=\w)")


def without_nickname(name: str) -> str:
    """The name with a quoted nickname inside it left out: the name people read."""
    return _INNER_QUOTED.sub(" ", name) if ('"' in name or "“" in name or "«" in name) else name


_KEY_CACHE: dict[str, str] = {}


def match_key(name: str) -> str:
    """How names are compared: accents and case folded, quotes and spacing normalised, a
    quoted nickname inside a name left out."""
    # one resolution asks ~4 times per distinct text (~125,000 calls at 3,824 news articles),
    # and a watcher resolves again after every change
    return memo(_KEY_CACHE, name, _match_key)


def _match_key(name: str) -> str:
    if name.isascii():  # most names: nothing to decompose (5x faster over a corpus's forms)
        if '"' in name:
            name = without_nickname(name)
        return _SPACES.sub(" ", name).strip().casefold()
    name = without_nickname(name)
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("’", "'").replace("‘", "'")
    return _SPACES.sub(" ", stripped).strip().casefold()


def form_key(surface: str, label: str) -> str:
    """The key resolution groups a mention's text by: a pattern entity's normal form (one phone
    number written three ways is one entity), else :func:`match_key`."""
    if label in PATTERN_LABELS:
        return normal_form(label, surface)
    return match_key(surface)


_ID_CACHE: dict[tuple[str, str], str] = {}


def entity_id_for(label: str, key: str) -> str:
    """Stable across runs and machines: the same label and name give the same id."""
    # asked for every entity each resolution (~30,000 at 3,824 news articles)
    found = _ID_CACHE.get((label, key))
    if found is None:
        if len(_ID_CACHE) > 1_000_000:
            _ID_CACHE.clear()
        found = _ID_CACHE[label, key] = hashlib.sha1(
            f"{label}\x00{key}".encode("utf-8")).hexdigest()[:10]
    return found


_OPEN_QUOTES = "“«\""
_CLOSE_QUOTES = "”»\""


def _trimmed(text: str, start: int, end: int, like: Span, source: str) -> Span | None:
    while start < end and (text[start].isspace() or text[start] in ",;"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;"):
        end -= 1
    piece = models.Span(start, end, like.label, like.sent_start, like.sent_end, source)
    return clean_span(text, piece)


def split_nickname(text: str, span: Span) -> list[tuple[Span, str]]:
    """A span that swallowed a quoted nickname becomes the nickname and the name around it.

    Handles ``“El Mencho” Nemesio Oseguera`` (the model's span starting inside the quotes),
    ``Nemesio “El Mencho” Oseguera`` and ``Joaquin “El Chapo`` (closing quote just outside).
    Returns ``(span, role)`` pairs with role "name", "nickname" or "" (left as it was).
    """
    s, e = span.start, span.end
    inner = text[s:e]
    opens = [i for i, ch in enumerate(inner) if ch in _OPEN_QUOTES and ch != '"']
    closes = [i for i, ch in enumerate(inner) if ch in _CLOSE_QUOTES and ch != '"']
    straight = [i for i, ch in enumerate(inner) if ch == '"']
    before = text[max(0, s - 2) : s]
    opened_before = any(ch in _OPEN_QUOTES for ch in before)
    q1 = q2 = None
    if opens and closes and opens[0] < closes[0]:
        q1, q2 = s + opens[0], s + closes[0]
    elif len(straight) >= 2:
        q1, q2 = s + straight[0], s + straight[1]
    elif closes and opened_before and not opens:
        q1, q2 = s - 1 - (len(before) - 1 - max(i for i, ch in enumerate(before) if ch in _OPEN_QUOTES)), s + closes[0]
    elif (straight or opens) and e < len(text) and text[e] in _CLOSE_QUOTES:
        q1, q2 = s + (opens or straight)[0], e
    elif len(straight) == 1 and opened_before:
        q1, q2 = s - 1, s + straight[0]
    if q1 is None:
        return [(span, "")]
    out = []
    nick = _trimmed(text, q1 + 1, q2, span, "split")
    if nick is not None:
        out.append((nick, "nickname"))
    for a, b in ((s, q1), (q2 + 1, e)):
        if b - a >= 2:
            part = _trimmed(text, max(a, s), min(b, e), span, "split")
            if part is not None and any(ch.isupper() for ch in text[part.start : part.end]):
                out.append((part, "name"))
    return sorted(out, key=lambda pr: pr[0].start) or [(span, "")]


_WORD = re.compile(r"[^\W\d_][\w’'-]*")
# A photo credit ("Rogel Blanquet/Getty Images") or a byline ("By Jane Roe"): the name of whoever
# took the picture or wrote the piece, not someone the document is about.
_CREDIT_AFTER = re.compile(r"\s?/\s?[A-Z]")
_CREDIT_BEFORE = re.compile(
    r"^[ \t(\[]*(?:By|BY|Photo(?:graph)?s?(?: by)?|Image(?: by)?|Credit|Pictured|Reporting by|"
    r"Writing by|Editing by)[:\s]\s*(?:[A-Z][\w’'.-]*\s+){0,3}$"
)
_SENTENCE_END = re.compile(r"[.!?]\s|\n")
_GENERATION = frozenset({"jr", "sr", "ii", "iii", "iv"})
_NOT_SURNAME = frozenset({"GPE", "LOC", "ORG", "FAC", "NORP"})


def _is_credit(text: str, span: Span) -> bool:
    if _CREDIT_AFTER.match(text, span.end) or "/" in text[span.start : span.end]:
        return True
    line_start = text.rfind("\n", 0, span.start) + 1
    return bool(_CREDIT_BEFORE.search(text[line_start : span.start]))


def _name_words(surface: str) -> list[str]:
    return _WORD.findall(surface)


def _capitalised(word: str) -> bool:
    return word[:1].isupper() and not word.isupper()


def title_case_line(text: str, pos: int) -> bool:
    """The line holding ``pos`` is a headline in title case ("Trump Says He Will Lead"): the
    model's spans there run over several words that are no name."""
    a = text.rfind("\n", 0, pos) + 1
    b = text.find("\n", pos)
    words = _WORD.findall(text[a : b if b != -1 else len(text)])
    return len(words) >= 4 and sum(w[:1].isupper() for w in words) >= 0.6 * len(words)


class Headlines:
    """:func:`title_case_line` read once per line: a long line (an article written as one
    paragraph) holds hundreds of names, and reading the line for each was most of the time
    left after the overlap checks (1 MB: 4.4 of 6.6 s)."""

    def __init__(self, text: str):
        self.text = text
        # an array, not a list of int objects: a long text has millions of lines
        self.newlines = array("q", (m.start() for m in re.finditer("\n", text)))
        self.lines: dict[int, bool] = {}

    def __call__(self, pos: int) -> bool:
        line = bisect_left(self.newlines, pos)  # the same for every pos title_case_line
        found = self.lines.get(line)            # reads as one line, its newline included
        if found is None:
            found = self.lines[line] = title_case_line(self.text, pos)
        return found


class _Overlaps:
    """Whether ``[a, b)`` overlaps any of a fixed set of ranges, in one bisect: the ranges
    sorted by start, with the furthest end reached so far. A scan of every mention for every
    name made storing one long document’s mentions grow with their square (1 MB: 22 s)."""

    def __init__(self, ranges):
        ranges = sorted(ranges)
        self.starts = [s for s, _ in ranges]
        self.reach = list(itertools.accumulate((e for _, e in ranges), max))

    def __call__(self, a: int, b: int) -> bool:
        i = bisect_left(self.starts, b)  # the ranges starting before b ...
        return i > 0 and self.reach[i - 1] > a  # ... one of them ends after a


def _extend_name(text: str, span: Span, taken: _Overlaps, own: dict,
                 others: dict[str, int], headline: Headlines) -> Span:
    """A person's name cut short ("Omar García" before "Harfuch") takes the next words that
    continue it: capitalised, right after one space, in no other mention, written in this
    document only capitalised, more than once, and never inside a span of another kind
    ("Trump Congress", "Tapper Sunday" are left alone), and not in a headline."""
    if headline(span.start):
        return span
    end = span.end
    for _ in range(2):
        m = re.match(r" ([A-Z][^\W\d_][\w’'-]*)\b", text[end : end + 40])
        if m is None:
            break
        a, b = end + 1, end + m.end()
        word = m.group(1)
        if taken(a, b) or not _capitalised(word):
            break
        seen = own.get(word.casefold(), (0, 0))  # (capitalised, lower case) in this document
        if seen[1] or seen[0] < 2 or word.casefold() in _stop_words() or others.get(word):
            break
        end = b
    if end == span.end:
        return span
    return models.Span(span.start, end, span.label, span.sent_start, max(span.sent_end, end),
                       "extended")


def _stop_words() -> frozenset[str]:
    # spaCy's stop-word file, read without importing spaCy; nlp.py loads only on the write
    # path (its patterns were ~1.6 ms of a cold search)
    from casework.index.nlp import stop_words

    return stop_words()


def _word_cases(text: str) -> dict[str, tuple[int, int]]:
    """Per word (case folded): how often this text writes it capitalised and in lower case."""
    cap: dict[str, int] = defaultdict(int)
    low: dict[str, int] = defaultdict(int)
    for m in _WORD.finditer(text):  # not findall: a list of every word of a 50 MB text
        word = m.group()            # was ~450 MB, the peak of storing it
        if word[:1].isupper():
            cap[word.casefold()] += 1
        elif word[:1].islower():
            low[word.casefold()] += 1
    return {w: (cap.get(w, 0), low.get(w, 0)) for w in set(cap) | set(low)}


def _sentence_of(text: str, a: int, b: int) -> tuple[int, int]:
    start = 0
    for m in _SENTENCE_END.finditer(text, max(0, a - 400), a):
        start = m.end()
    m = _SENTENCE_END.search(text, b)
    return start, (m.start() + 1 if m else len(text))


# where a word may start as the surname pattern below sees it, by its leading letters: every
# place that pattern matches a surname is among the places listed under the surname's letters
_WORD_START = re.compile(r"(?<![\w’'-])[^\W\d_]+")
_LETTERS = re.compile(r"[^\W\d_]+")


def _word_starts(text: str, lo: int = 0, hi: int | None = None) -> dict[str, array]:
    # arrays of machine ints, not lists of int objects: a 10 MB text's 1.6 M starts took 64 MB
    starts: dict[str, array] = {}
    for m in _WORD_START.finditer(text, lo, len(text) if hi is None else hi):
        found = starts.get(m.group())
        if found is None:
            found = starts[m.group()] = array("q")
        found.append(m.start())
    return starts


def _surname_matches(text: str, starts: dict[str, array], tail: str):
    """``(start, end)`` of each match re.finditer gives for ``tail`` as a word in ``text``,
    looked for at the tail's word starts only: one scan of the whole text per surname grew
    with the square of a long document's names."""
    pattern = re.compile(r"(?<![\w’'-])" + re.escape(tail) + r"(?![\w-])")
    after = 0  # finditer's matches do not overlap: each is searched from the last one's end
    for p in starts.get(_LETTERS.match(tail).group(), ()):
        m = pattern.match(text, p) if p >= after else None
        if m is not None:
            after = m.end()
            yield p, after


class _Surnames:
    """A bare surname later in a document that named the person in full ("Lila Abed" ...
    "Abed added") is that person, though the model missed it. Left out when two full names in
    the document share the surname, or the surname is a stop word or written in lower case here.

    ``collect`` reads the full names of the whole document (window by window); ``find`` then
    looks for the surnames in one window of it: a surname is one line's words, so no match
    crosses a window's edge, and a window's finds are the whole text's that lie in it."""

    def __init__(self, text: str):
        self.text = text
        self.by_surname: dict[str, set[str]] = defaultdict(set)
        self.first_at: dict[str, int] = {}
        self.tails: list[str] | None = None

    def collect(self, spans) -> None:
        text = self.text
        for span in spans:
            if span.label != "PERSON":
                continue
            words = _name_words(text[span.start : span.end])
            while words and words[-1].rstrip(".").casefold() in _GENERATION:
                words.pop()  # "John Mills Jr": the surname is Mills
            if len(words) < 2 or not all(_capitalised(w) for w in words):
                continue
            tails = [words[-1]] + ([" ".join(words[-2:])] if len(words) > 2 else [])
            for tail in tails:
                self.by_surname[tail].add(" ".join(words))
                self.first_at[tail] = min(self.first_at.get(tail, span.end), span.end)

    def _looked_for(self, cases: dict[str, tuple[int, int]] | None) -> list[str]:
        """The surnames to look for, longest first; ``cases``: _word_cases(text), if made."""
        if self.tails is None:
            stop = _stop_words()
            self.tails = []
            for tail in sorted(self.by_surname, key=len, reverse=True):
                if len(self.by_surname[tail]) != 1 or len(tail) < 3 \
                        or tail.casefold() in stop:
                    continue
                if cases is None:
                    cases = _word_cases(self.text)
                if any(cases.get(w.casefold(), (0, 0))[1] for w in tail.split()):
                    continue
                self.tails.append(tail)
        return self.tails

    def find(self, spans: list[Span], lo: int, hi: int,
             cases: dict[str, tuple[int, int]] | None = None) -> list[Span]:
        """The surnames in ``text[lo:hi]`` that overlap none of ``spans`` (that window's)."""
        if not self.by_surname:
            return []
        text = self.text
        starts = None
        taken = _Overlaps((s.start, s.end) for s in spans)
        # the surnames found so far, sorted: they never overlap one another, so the last
        # starting before b is the one that could reach past a
        found_starts: list[int] = []
        found_ends: list[int] = []
        found = []
        for tail in self._looked_for(cases):
            if starts is None:
                starts = _word_starts(text, lo, hi)
            for a, b in _surname_matches(text, starts, tail):
                i = bisect_left(found_starts, b)
                if a < self.first_at[tail] or taken(a, b) or (i > 0 and found_ends[i - 1] > a):
                    continue
                sa, sb = _sentence_of(text, a, b)
                found.append(models.Span(a, b, "PERSON", sa, sb, "surname"))
                i = bisect_left(found_starts, a)
                found_starts.insert(i, a)
                found_ends.insert(i, b)
        return found


# A long text's mentions are made a window at a time, each window whole lines, no span
# crossing its end and none ending in its last _WINDOW_MARGIN characters: what one name's
# repairs look at (the words after it, a results line, a later surname) lies on its own line,
# and a nickname joins a name at most 3 characters before it (_name_around_nickname), so each
# window gives what the whole text gave there, and what is held at once is a window's Span
# objects, not the document's (a 50 MB text: ~1 M).
WINDOW_CHARS = 1_000_000
_WINDOW_MARGIN = 4


def _windows(text: str, spans: Sequence[Span], size: int | None = None):
    """``(lo, hi, i, j)``: the windows of ``text`` and the spans (sorted by start) in each."""
    size = size or WINDOW_CHARS
    n, end = len(spans), len(text)
    if end <= size:
        yield 0, end, 0, n
        return
    if isinstance(spans, SpanArray):
        starts, ends = spans.starts, spans.ends
    else:
        starts, ends = array("q", (s.start for s in spans)), array("q", (s.end for s in spans))
    lo = first = i = 0
    reach = -1  # the furthest end of the spans before the cut looked at
    while end - lo > size:
        c = text.find("\n", lo + size)
        cut = None
        while c != -1:
            k = c + 1
            while i < n and starts[i] < k:
                reach = max(reach, ends[i])
                i += 1
            if reach <= k - _WINDOW_MARGIN:
                cut = k
                break
            c = text.find("\n", k)
        if cut is None:
            break
        yield lo, cut, first, i
        lo, first = cut, i
    yield lo, end, first, n


class Mentions(Sequence):
    """A document's mentions in order of start, each read as (span, surface text, label,
    entity_id), made from their spans when read (see mentions_for)."""

    def __init__(self, text: str, spans: SpanArray):
        self.text, self.spans = text, spans
        # one surface string and one id per (label, surface), shared by its repeats: a long
        # text's mentions held a string of each per mention (50 MB file: ~0.9 M of each)
        self.named: dict[tuple[str, str], tuple[str, str]] = {}

    def _mention(self, p: Span) -> tuple[Span, str, str, str]:
        surface = self.text[p.start : p.end]
        got = self.named.get((p.label, surface))
        if got is None:
            got = self.named[p.label, surface] = (
                surface, entity_id_for(p.label, form_key(surface, p.label)))
        return p, got[0], p.label, got[1]

    def __len__(self) -> int:
        return len(self.spans)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return self._mention(self.spans[i])

    def __iter__(self):
        return map(self._mention, self.spans)


def mentions_for(text: str, spans: Sequence[Span]) -> Mentions:
    """Clean and repair spans and give each an entity: (span, surface text, label, entity_id).

    The label is the model's; the corpus-wide resolver (casework.index.resolve) decides the
    final label and entity. Photo credits and bylines are dropped; a person's name cut short is
    extended; a nickname inside a name leaves the name whole (one mention, compared and shown
    as "Joaquin Guzman"; resolve.store_hints records the nickname); a bare
    surname after the full name is added where the model missed it.

    ``spans`` sorted by start (a SpanArray for a long text); the mentions come as a sequence
    over a SpanArray (the surface of each is the text of its span). A long text is done a
    window at a time (_windows): first the words the model put in places and organisations,
    then each window's names, then each window's surnames, once the full names of the whole
    text are known.
    """
    windows = list(_windows(text, spans))

    def repaired(lo: int, hi: int, i: int, j: int) -> list[Span]:
        return results.repair(text, [spans[k] for k in range(i, j)], NER_LABELS, lo, hi)

    # words the model put in a place, an organisation, a date or a number: no surname
    # (a surname it misreads comes out EVENT or PRODUCT: "Harfuch" on the seeds)
    other_words: dict[str, int] = defaultdict(int)
    for window in windows:
        for raw in repaired(*window):
            if raw.label in _NOT_SURNAME or raw.label not in KEPT_LABELS:
                for word in _WORD.findall(text[raw.start : raw.end]):
                    other_words[word] += 1
    long_text = len(text) >= 2**31
    names = SpanArray(long_text=long_text)  # each window's names, in its order
    patterned = SpanArray(long_text=long_text)  # e-mail addresses, phone numbers ...
    bounds = []  # per window: (lo, hi, its first name, its first patterned find)
    surnames = _Surnames(text)
    state = _NameState(text)
    for window in windows:
        bounds.append((window[0], window[1], len(names), len(patterned)))
        for piece, is_pattern in _window_names(text, repaired(*window), other_words, state):
            (patterned if is_pattern else names).append(piece)
    surnames.collect(names)  # every full name, before any window's surnames
    out = SpanArray(long_text=long_text)
    for i, (lo, hi, first_name, first_pattern) in enumerate(bounds):
        last_name, last_pattern = (bounds[i + 1][2:] if i + 1 < len(bounds)
                                   else (len(names), len(patterned)))
        kept = [names[k] for k in range(first_name, last_name)]
        here = kept + surnames.find(kept, lo, hi, state.own)
        here.extend(patterned[k] for k in range(first_pattern, last_pattern))
        here.sort(key=lambda p: p.start)
        out.extend(here)
    return Mentions(text, out)


class _NameState:
    """What the names of every window share: how the text writes each word (made when a
    person's name first needs it) and which lines are headlines."""

    def __init__(self, text: str):
        self.text = text
        self.own: dict[str, tuple[int, int]] | None = None
        self.headlines: Headlines | None = None

    def cases(self) -> dict[str, tuple[int, int]]:
        if self.own is None:
            self.own, self.headlines = _word_cases(self.text), Headlines(self.text)
        return self.own


def _window_names(text: str, spans: list[Span], other_words: dict[str, int],
                  state: _NameState):
    """(span, is a pattern find) of the names among one window's repaired spans, in order."""
    pieces: list[tuple[Span, str]] = []
    everything = [(raw.start, raw.end) for raw in spans]
    patterned: list[Span] = []
    for raw in spans:
        if raw.label not in KEPT_LABELS:
            continue
        if raw.label in PATTERN_LABELS:  # exact already: quotes and brackets belong to a URL
            patterned.append(raw)
            continue
        span = clean_span(text, raw)
        if span is None or (span.label == "PERSON" and _is_credit(text, span)):
            continue
        pieces.extend(split_nickname(text, span))
    taken = [(p.start, p.end) for p, _ in pieces] + everything
    wholes: dict[int, Span] = {}
    absorbed: set[int] = set()
    for i, (piece, role) in enumerate(pieces):
        if role == "name" and piece.label == "PERSON" and i not in absorbed:
            found = _name_around_nickname(text, pieces, i)
            if found is not None:
                wholes[i], parts = found[0], found[2]
                absorbed.update(parts)
    # the mentions a cut-short name may not run into; the name's own range need not be left
    # out, as it ends before the words an extension looks at
    taken_at = _Overlaps(taken)
    del taken, everything
    for i, (piece, role) in enumerate(pieces):
        if i in wholes:
            yield wholes[i], False
            continue
        if i in absorbed:
            continue
        if piece.label == "PERSON" and role != "nickname":
            piece = _extend_name(text, piece, taken_at, state.cases(), other_words,
                                 state.headlines)
        yield piece, False
    for p in patterned:
        yield p, True


def _name_around_nickname(text: str, pieces: list[tuple[Span, str]], i: int):
    """For a name piece just before a quoted nickname ("Joaquin" of ``Joaquin “El Chapo”
    Guzman``): ``(whole span, surface, pieces taken in)``, the surface leaving the quoted part
    out ("Joaquin Guzman"); None when no name continues right after the nickname."""
    piece = pieces[i][0]
    if i + 1 >= len(pieces) or pieces[i + 1][1] != "nickname":
        return None
    nick = pieces[i + 1][0]
    gap = text[piece.end : nick.start]
    if len(gap) > 3 or not any(ch in _OPEN_QUOTES for ch in gap):
        return None
    if i + 2 < len(pieces) and pieces[i + 2][1] == "name" \
            and re.fullmatch(r"[”»\"]?\s?", text[nick.end : pieces[i + 2][0].start]):
        tail = pieces[i + 2][0]
        end, parts = tail.end, {i + 1, i + 2}
    else:
        m = re.match(r"[”»\"]\s([A-Z][^\W\d_][\w’'-]*(?: [A-Z][^\W\d_][\w’'-]*)?)",
                     text[nick.end : nick.end + 60])
        if m is None or m.group(1).split()[0].casefold() in _stop_words():
            return None
        end, parts = nick.end + m.end(), {i + 1}
        if any(p.start < end and nick.end < p.end for p, _ in pieces[i + 2 :]):
            return None
    whole = models.Span(piece.start, end, "PERSON", piece.sent_start, max(piece.sent_end, end),
                        "name with nickname")
    return whole, text[piece.start : end], parts


# Alias reasons that link a form to its entity only loosely: a short form given to a person in
# one document only, and the defaults for a form joined through others with no rule of its own
# (resolve._write). A document that names an entity only by such forms carries those forms,
# not the entity's name and other aliases.
WEAK_REASONS = frozenset({"in document", "linked", "full name"})


class EntityFieldValues:
    """``values(doc_id)``: per label field, the names and aliases of the entities a document
    mentions, for its full-text entry; plain queries read them too (the ``entity`` field).

    Every confident alias of an entity goes in, so ``person:"El Mencho"`` finds a document
    that only says "Oseguera" once the two are one entity; but only where the document names
    the entity by its name or a confident alias: one that names it by a weak form alone (see
    WEAK_REASONS) carries just that form, so searching an entity's name does not find every
    document a loose link touched. The entities' names are read once, when made: a join of
    entities and aliases per document took ~0.9 ms (17 s of writing 20,000 articles, in the
    process that feeds Whoosh's writers). With ``lazy`` (a run writing a few documents: a
    watcher's change), only the entities those documents mention are read, when first asked:
    reading every entity was ~0.15 s of one change at 3,824 news articles.
    """

    def __init__(self, catalog: Catalog, lazy: bool = False):
        self.catalog = catalog
        self.names: dict[str, tuple[str, set[str]]] = {}
        self.lazy = lazy
        self.read: set[str] = set()  # lazy: the entity ids read so far (hidden ones too)
        if not lazy:
            self._add(catalog.entity_names_and_alias_reasons())

    def _add(self, rows) -> None:
        for entity_id, label, name, alias, reason in rows:
            found = self.names.get(entity_id)
            if found is None:
                found = self.names[entity_id] = (label_field(label), {name})
            if alias and reason not in WEAK_REASONS:
                found[1].add(alias)

    def __call__(self, doc_id: str) -> dict[str, list[str]]:
        values: dict[str, set[str]] = defaultdict(set)
        weak: dict[str, set[str]] = defaultdict(set)
        rows = self.catalog.entity_texts_in_document(doc_id)
        if self.lazy:
            unread = {r[0] for r in rows} - self.read
            if unread:
                self._add(self.catalog.entity_names_and_alias_reasons(sorted(unread)))
                self.read |= unread
        for entity_id, text in rows:
            found = self.names.get(entity_id)  # none for a hidden entity's mentions
            if found is None:
                continue
            if text in found[1]:
                values[found[0]].update(found[1])
            else:
                weak[found[0]].add(text)
        for field, texts in weak.items():
            values[field].update(texts)
        return {field: sorted(names) for field, names in values.items()}
