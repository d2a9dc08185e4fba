"""What only a document's text shows about its names, recorded when it is stored so that entity
resolution (casework.index.resolve) is catalog reads plus dict work over distinct forms:
nicknames, acronyms in parentheses, label cues, the full name a short one follows, and how the
text writes the words of its names (word cases)."""

from __future__ import annotations

import re

from casework.index.catalog import Catalog
from casework.index.entities import KEPT_LABELS, Headlines, Mentions, match_key, without_nickname
from casework.index.results import TEAM
from casework.index.names import INITIAL_NAME, nickname_like, one_person, part_of, person_like, tokens

_TITLES = re.compile(
    r"(?:President|Secretary|Minister|minister|secretary|Mr\.?|Mrs\.?|Ms\.?|Dr\.?|Senator|"
    r"Governor|General|Judge|consultant|analyst|director|lawyer|spokesman|spokeswoman)\s+$"
)
_ORG_NEXT = re.compile(
    r"^[’']?s?\s+(?:party|movement|cartel|cartels|newspaper|group|gang|company|bank|agency|"
    r"ministry)\b"
)
_ORG_HEADS = frozenset(
    "patrol department agency administration institution institute guard guards force cartel "
    "bureau ministry party congress university project initiative commission council court "
    "office service corporation company bank group army navy police association foundation "
    "committee".split()
)
_ACRONYM_AFTER = re.compile(r"^\s*\(([A-Z][A-Z0-9.&-]{1,9})\)")
_KNOWN_AS = re.compile(r"^,?\s+(?:known as|alias|aka|nicknamed|dubbed)\s+[“\"«]([^”\"»\n]{2,40})[”\"»]")
_OPEN = "“«\""
_CLOSE = "”»\""
_NAME_WORD = re.compile(r"[^\W\d_][\w’'.-]*")
_NEXT_CAPITALISED = re.compile(r" [A-Z]")
# Capitalised mid-sentence: after a lower-case word, a comma, a capitalised word or a title.
# Anything else (a sentence start, a hashtag, a number, a headline's first word) counts as a start.
_MID_SENTENCE = re.compile(r"(?:[a-z,;)]|\b(?:Mr|Mrs|Ms|Dr|St|Gen|Sen|Rep|Gov|Lt|Col|Sgt)\.|[A-Z][a-z]+) +[\"“‘']?$")


def store_hints(catalog: Catalog, doc_id: str, text: str, mentions: list, spans=()) -> None:
    """Record what only the text shows: nicknames, acronyms in parentheses, label cues, the full
    name a short one follows, and how the text writes the words of its names."""
    rows: list[tuple[str, str, str, str]] = []
    # mentions_for's come in order, as a compact sequence (sorted, they were a list again)
    ordered = mentions if isinstance(mentions, Mentions) \
        else sorted(mentions, key=lambda m: m[0].start)
    full_seen: dict[str, str] = {}  # key -> surface of each full person name met so far
    full_names = _FullNames()  # the same keys by word, so a short name meets only its own
    headline = Headlines(text)  # each line read once: per name, it was half of the hints' time
    for i, (span, surface, _label, _eid) in enumerate(ordered):
        after = text[span.end : span.end + 60]
        before = text[max(0, span.start - 40) : span.start]
        m = _ACRONYM_AFTER.match(after)
        if m and len(surface.split()) >= 2:
            rows.append((doc_id, "acronym", m.group(1), surface))
        m = _KNOWN_AS.match(after)
        if m:
            rows.append((doc_id, "nickname", m.group(1).strip(" .,"), surface))
        if span.source == "name with nickname":
            inner = re.search(r"[“«\"]([^”»\"]{2,40})[”»\"]", text[span.start : span.end])
            if inner:
                rows.append((doc_id, "nickname", inner.group(1).strip(), surface))
        quoted = before[-1:] in _OPEN and after[:1] in _CLOSE
        if quoted and nickname_like(surface):
            # a quoted phrase is a nickname only right beside a person's name: “El Mencho”
            # Nemesio Oseguera; never "Streep, “The Post”" (a title, after a comma)
            for j in (i - 1, i + 1):
                if 0 <= j < len(ordered):
                    other = ordered[j]
                    gap = text[other[0].end : span.start] if j < i else text[span.end : other[0].start]
                    if other[0].label == "PERSON" and len(_NAME_WORD.findall(other[1])) >= 2 \
                            and re.fullmatch(r"\s?[“”«»\"]\s?", gap):
                        rows.append((doc_id, "nickname", surface, other[1]))
        cue = None
        if span.source == TEAM:
            cue = "ORG"  # a team in a score line ("Motherwell 2 Celtic 1")
        elif _TITLES.search(before) or INITIAL_NAME.match(surface):
            cue = "PERSON"
        elif _ORG_NEXT.match(after) or surface.split()[-1].lower() in _ORG_HEADS:
            cue = "ORG"
        elif span.source in ("split", "name with nickname") and not quoted \
                and any(ch.isupper() for ch in surface):
            cue = "PERSON"  # the name beside a swallowed nickname
        if cue:
            rows.append((doc_id, "label", surface, cue))
        # a short name after the one full person name it is part of, in this document
        words = _NAME_WORD.findall(surface)
        short = tokens(match_key(surface))
        fits = {k: full_seen[k] for k in full_names.holding(short)
                if len(tokens(k)) > len(words) and part_of(short, tokens(k))}
        if words and fits and not quoted and _label != "NORP" and one_person(list(fits)):
            best = min(fits, key=lambda k: len(tokens(k)))  # "Donald Trump", not "Donald J."
            rows.append((doc_id, "surname", surface, fits[best]))
        if span.label == "PERSON" and person_like(without_nickname(surface)) \
                and not headline(span.start):
            key = match_key(surface)
            if key not in full_seen:
                full_seen[key] = surface
                full_names.add(key)
    catalog.put_hints(doc_id, rows)
    catalog.put_word_cases(doc_id, _word_cases(text, ordered, spans))


class _FullNames:
    """Full-name keys by their words, in the order met: the keys a short name can be part of
    (names.part_of) are those holding each of its words, or for an initial ("h.") a word with
    that first letter. Asking every full name met so far made a long document's hints grow
    with the square of its names (a 50 MB file sat here for minutes)."""

    def __init__(self):
        self.order: dict[str, int] = {}
        self.by_word: dict[str, set[str]] = {}
        self.by_letter: dict[str, set[str]] = {}

    def add(self, key: str) -> None:
        self.order[key] = len(self.order)
        for tok in tokens(key):
            self.by_word.setdefault(tok, set()).add(key)
            self.by_letter.setdefault(tok[:1], set()).add(key)

    def holding(self, short: list[str]) -> list[str]:
        """Every key part_of(short, key) may hold for (a superset), in the order met."""
        if not short:
            return list(self.order)
        found: set[str] | None = None
        for tok in short:
            bare = tok.rstrip(".")
            keys = self.by_letter.get(bare, set()) if len(bare) == 1 else self.by_word.get(tok, set())
            found = keys if found is None else found & keys
            if not found:
                return []
        return sorted(found, key=self.order.__getitem__)


def _word_cases(text: str, mentions: list, spans=()) -> list[tuple[str, int, int, int, int]]:
    """(word, lower, mid, start, other) for the words of this document's mentions; other: how
    often the model put the word in a date, time or number ("May", "Jan", "Thursday")."""
    wanted = {w.casefold() for _, surface, _, _ in mentions for w in _NAME_WORD.findall(surface)}
    if not wanted:
        return []
    counts: dict[str, list[int]] = {}
    for span in spans:
        if span.label not in KEPT_LABELS:
            for w in _NAME_WORD.findall(text[span.start : span.end]):
                if w.casefold() in wanted:
                    counts.setdefault(w.casefold(), [0, 0, 0, 0])[3] += 1
    for m in _NAME_WORD.finditer(text):
        word = m.group()
        key = word.casefold()
        if key not in wanted:
            continue
        c = counts.setdefault(key, [0, 0, 0, 0])
        if word[:1].islower():
            c[0] += 1
        elif _NEXT_CAPITALISED.match(text, m.end()):
            continue  # inside a longer name ("Special Counsel"): says nothing of the word alone
        elif _MID_SENTENCE.search(text[max(0, m.start() - 8) : m.start()]):
            c[1] += 1
        else:
            c[2] += 1
    return [(w, *c) for w, c in counts.items()]
