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
(:func:`store_hints`) so resolution itself is SQL plus dict work over distinct forms.
The reader's judgements (casework.index.curation) are applied last.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

from casework.index import curation
from casework.index.catalog import Catalog
from casework.index.entities import (
    KEPT_LABELS,
    entity_id_for,
    match_key,
    title_case_line,
    without_nickname,
)
from casework.index.nlp import stop_words

HINTS_SCHEMA = """
CREATE TABLE IF NOT EXISTS entity_hints (
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    rule TEXT NOT NULL,
    a TEXT NOT NULL,
    b TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entity_hints_doc ON entity_hints(doc_id);
"""

CUE_WEIGHT = 2
# The alias reason of a short form given to a person in one document only (resolve._write).
IN_DOCUMENT = "in document"
# A short form joins the full name it followed in at least this share of the documents where
# it followed one ("Trump" after "Donald Trump", not after "Ivanka Trump").
DOMINANT_SHARE = 0.75
_PLACES = {"GPE", "LOC", "FAC", "NORP"}
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
_INITIAL_NAME = re.compile(r"^(?:[A-Z]\.\s?){1,2}[A-Z][a-z][\w’'-]+$")  # B. Young, J.R. Smith
_ACRONYM_AFTER = re.compile(r"^\s*\(([A-Z][A-Z0-9.&-]{1,9})\)")
_KNOWN_AS = re.compile(r"^,?\s+(?:known as|alias|aka|nicknamed|dubbed)\s+[“\"«]([^”\"»\n]{2,40})[”\"»]")
_OPEN = "“«\""
_CLOSE = "”»\""
_TOKEN_SPLIT = re.compile(r"[\s\-]+")
_STOP = frozenset("of the and for de la del y on against in".split())
_KNOWN_ABBREVIATIONS = {
    "us": "united states", "u.s.": "united states", "usa": "united states",
    "u.s.a.": "united states", "united states of america": "united states",
    "uk": "united kingdom", "u.k.": "united kingdom", "un": "united nations",
    "u.n.": "united nations", "eu": "european union", "e.u.": "european union",
}


def ensure_schema(catalog: Catalog) -> None:
    # statement by statement: executescript commits first, and this runs for every document
    # stored (a commit per document was ~5% of casework's own indexing work)
    for statement in HINTS_SCHEMA.split(";"):
        if statement.strip():
            catalog.conn.execute(statement)


_NAME_WORD = re.compile(r"[^\W\d_][\w’'.-]*")
_NEXT_CAPITALISED = re.compile(r" [A-Z]")
# Capitalised mid-sentence: after a lower-case word, a comma, a capitalised word or a title.
# Anything else (a sentence start, a hashtag, a number, a headline's first word) counts as a start.
_MID_SENTENCE = re.compile(r"(?:[a-z,;)]|\b(?:Mr|Mrs|Ms|Dr|St|Gen|Sen|Rep|Gov|Lt|Col|Sgt)\.|[A-Z][a-z]+) +[\"“‘']?$")


def store_hints(catalog: Catalog, doc_id: str, text: str, mentions: list, spans=()) -> None:
    """Record what only the text shows: nicknames, acronyms in parentheses, label cues, the full
    name a short one follows, and how the text writes the words of its names."""
    ensure_schema(catalog)
    conn = catalog.conn
    conn.execute("DELETE FROM entity_hints WHERE doc_id = ?", (doc_id,))
    rows: list[tuple[str, str, str, str]] = []
    ordered = sorted(mentions, key=lambda m: m[0].start)
    full_seen: dict[str, str] = {}  # key -> surface of each full person name met so far
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
        if quoted and _nickname_like(surface):
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
        if _TITLES.search(before) or _INITIAL_NAME.match(surface):
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
        fits = {k: full for k, full in full_seen.items()
                if len(_tokens(k)) > len(words) and _part_of(_tokens(match_key(surface)), _tokens(k))}
        if words and fits and not quoted and _label != "NORP" and _one_person(list(fits)):
            best = min(fits, key=lambda k: len(_tokens(k)))  # "Donald Trump", not "Donald J."
            rows.append((doc_id, "surname", surface, fits[best]))
        if span.label == "PERSON" and _person_like(without_nickname(surface)) \
                and not title_case_line(text, span.start):
            full_seen.setdefault(match_key(surface), surface)
    conn.executemany("INSERT INTO entity_hints VALUES (?, ?, ?, ?)", rows)
    catalog.put_word_cases(doc_id, _word_cases(text, ordered, spans))


_PERSON_WORD = re.compile(
    r"(?:[A-Z][a-z]*\.|(?:[a-z]{1,3}-)?[A-Z][\w’'-]*[a-z]|de|la|del|van|von|der|bin|al|da|le|di|y)$")


def _person_like(surface: str, non_name=None) -> bool:  # non_name(first word, last word)
    """Reads as a person's full name: two to five capitalised words (initials and particles
    allowed), no stop word, no punctuation between them: not "Source:-Al Jazeera" nor
    "Will Lead Donald Trump"."""
    words = surface.split(" ")
    if not 2 <= len(words) <= 5 or not all(_PERSON_WORD.match(w) for w in words):
        return False
    if not words[0][:1].isupper() or not words[-1][:1].isupper():
        return False
    stop = stop_words()
    # the last word may be one ("Theresa May"); others not ("Will Lead", "However Trump")
    if any(w.casefold() in stop for w in words[:-1] if w[:1].isupper()):
        return False
    return not (non_name and non_name(words[0].casefold(), words[-1].casefold()))


def _nickname_like(surface: str) -> bool:
    """One to three capitalised words, none of them a stop word: "El Mencho", not "The Post"."""
    words = surface.split()
    return 1 <= len(words) <= 3 and all(w[:1].isupper() for w in words) \
        and words[0].casefold() not in stop_words()


def _one_person(keys: list[str]) -> bool:
    """True when the full names all fit one person (each pair compatible)."""
    return all(_compatible(a, b) for i, a in enumerate(keys) for b in keys[i + 1 :])


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


class _Forms:
    """Union-find over surface-form keys; each joined form remembers the rule that joined it.

    A link is refused when the two groups would then hold two different full person names
    ("Donald Trump" and "Ivanka Trump"), or a nationality word and a person: a chain of weak
    links can never pull unrelated names together (it pulled "British", film titles and five
    actors into "Meryl Streep" on 3,824 news articles).
    """

    def __init__(self, keys, full_names: set[str] = frozenset(), nationalities: set[str] = frozenset()):
        self.parent = {k: k for k in keys}
        self.reason: dict[str, str] = {}
        self.short: set[str] = set()
        self.prefer: list[str] = []  # heads the reader chose by merging into them
        self.prefer_label: dict[str, str] = {}  # and the label they had then
        self.fulls: dict[str, set[str]] = {k: {k} for k in keys if k in full_names}
        self.norp: set[str] = {k for k in keys if k in nationalities}
        self.loners: set[str] = set()  # words that are no names: no rule links them

    def find(self, k: str) -> str:
        root = k
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[k] != root:
            self.parent[k], k = root, self.parent[k]
        return root

    def can_join(self, a: str, b: str) -> bool:
        """Roots a and b: joining them keeps one person per group and no nationality in it."""
        fa, fb = self.fulls.get(a, ()), self.fulls.get(b, ())
        if (fa or fb) and (a in self.norp or b in self.norp):
            return False
        return all(_compatible(x, y) for x in fa for y in fb)

    def join(self, a: str, b: str) -> None:
        self.parent[a] = b
        if a in self.fulls:
            self.fulls.setdefault(b, set()).update(self.fulls.pop(a))
        if a in self.norp:
            self.norp.add(b)

    def link(self, short: str, long: str, reason: str) -> bool:
        if short not in self.parent or long not in self.parent or short in self.loners \
                or long in self.loners:
            return False
        a, b = self.find(short), self.find(long)
        if a == b:
            if reason == "partial name" and short not in self.short:
                self.reason[short] = reason  # already joined (by a nickname): still a part
                self.short.add(short)
            return True
        if not self.can_join(a, b):
            return False
        self.join(a, b)
        self.reason.setdefault(short, reason)
        self.short.add(short)
        return True


_TOKEN_CACHE: dict[str, list[str]] = {}


def _tokens(key: str) -> list[str]:
    toks = _TOKEN_CACHE.get(key)
    if toks is None:
        if len(_TOKEN_CACHE) > 1_000_000:
            _TOKEN_CACHE.clear()
        toks = _TOKEN_CACHE[key] = [t for t in _TOKEN_SPLIT.split(key) if t]
    return toks


def _initials(text: str) -> str:
    words = [w for w in re.split(r"[\s\-]+", text) if w and w.lower() not in _STOP]
    if len(words) < 2 or not all(w[:1].isupper() for w in words):
        return ""
    return "".join(w[0] for w in words)


_GENERATION = frozenset("jr jr. sr sr. ii iii iv".split())


def _same_word(short: str, long: str) -> bool:
    """"h." (an initial) stands for "harald"; otherwise words are equal."""
    if short == long:
        return True
    bare = short.rstrip(".")
    return len(bare) == 1 and long[:1] == bare and len(long) > 1


def _part_of(short: list[str], long: list[str]) -> bool:
    """The words of ``short`` appear in ``long`` in order (initials standing for words)."""
    it = iter(long)
    return all(any(_same_word(tok, other) for other in it) for tok in short)


def _compatible(a: str, b: str) -> bool:
    """Two full names that can be one person: one's words inside the other's, the same
    generation ("Donald Trump" and "Donald J. Trump", not "Donald Trump Jr.")."""
    ta, tb = _tokens(a), _tokens(b)
    if {t for t in ta if t in _GENERATION} != {t for t in tb if t in _GENERATION}:
        return False
    short, long = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    return _part_of(short, long)


# Country names and the variants news writes for them (one table, not a rule per country).
_COUNTRY_VARIANTS = {
    "america": "united states", "the united states": "united states",
    "britain": "united kingdom", "great britain": "united kingdom",
}
# Company-form suffixes: "Meridian Advisory Ltd." is "Meridian Advisory".
_COMPANY_SUFFIX = re.compile(
    r",?\s+(?:ltd|limited|inc|incorporated|llc|l\.l\.c|plc|corp|corporation|co|gmbh|ag|as|asa|"
    r"s\.a|sa|s\.a\.s|n\.v|nv|b\.v|bv|ab|oy|s\.p\.a|spa|pty|lp|llp)\.?$"
)


def _sentence_word(word: str, cases: dict, stop: frozenset[str]) -> bool:
    """A pronoun or stop word ("It", "His", "However"), or a word the collection capitalises
    only at the start of a sentence and writes in lower case elsewhere ("Learn", "Regarding")."""
    if word in stop:
        return True
    lower, mid, start, _other = cases.get(word, (0, 0, 0, 0))
    # and is written in lower case somewhere: a country that starts every line of a results
    # table ("Zimbabwe 245 all out" on CoNLL-2003) never is
    return mid == 0 and start >= 2 and lower >= 1


def _non_name(word: str, cases: dict, stop: frozenset[str]) -> bool:
    """A sentence word (above), or one the collection mostly writes in lower case ("Special"),
    or mostly inside dates and numbers ("Jan", "Thursday")."""
    lower, mid, start, other = cases.get(word, (0, 0, 0, 0))
    return _sentence_word(word, cases, stop) or lower > mid or 2 * other > mid + start


def resolve(catalog: Catalog, judgements: list[dict] | None = None) -> None:
    """Rebuild entities and aliases from mentions, hints and the reader's judgements."""
    ensure_schema(catalog)
    conn = catalog.conn
    surfaces: dict[str, Counter[str]] = defaultdict(Counter)
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    found_again: Counter[str] = Counter()  # by the recall re-scan: counted, but not a vote
    for row in conn.execute(
        """SELECT text, raw_label, source = 'rescan' AS again, COUNT(*) AS n FROM mentions
           GROUP BY text, raw_label, again"""
    ):
        if row["again"]:
            found_again[row["text"]] += row["n"]
            continue
        key = match_key(row["text"])
        surfaces[key][row["text"]] += row["n"]
        label = row["raw_label"]
        if label == "PERSON" and _all_caps(row["text"]):
            label = "ORG"  # NATO, FBI: an acronym is not a person's name
        votes[key][label] += row["n"]
    hints = conn.execute(
        "SELECT rule, a, b, COUNT(*) AS n FROM entity_hints WHERE rule != 'surname' GROUP BY rule, a, b"
    ).fetchall()
    surname_hints = conn.execute(
        "SELECT doc_id, a, b, COUNT(*) AS n FROM entity_hints WHERE rule = 'surname' GROUP BY doc_id, a, b"
    ).fetchall()
    for h in hints:
        if h["rule"] == "label" and match_key(h["a"]) in votes:
            votes[match_key(h["a"])][h["b"]] += CUE_WEIGHT * h["n"]
        if h["rule"] == "nickname" and match_key(h["a"]) not in surfaces:
            surfaces[match_key(h["a"])][h["a"]] += 0  # a nickname only ever seen inside a name
            votes[match_key(h["a"])]["PERSON"] += 0
    majority = {k: _vote(v) for k, v in votes.items()}
    count = {k: sum(c.values()) for k, c in surfaces.items()}
    shown = {k: max(c.items(), key=lambda kv: (kv[1], kv[0]))[0] for k, c in surfaces.items()}
    stop = stop_words()
    cases = catalog.word_case_totals()
    non_names = {k for k in surfaces if len(_tokens(k)) == 1 and not _all_caps(shown[k])
                 and _non_name(k, cases, stop)}
    sentence_words = {k for k in non_names if _sentence_word(k, cases, stop)}
    # "Congress", "Kremlin" end no person's name: words the model calls a place or an
    # organisation and hardly ever a person
    places = {k for k in surfaces if len(_tokens(k)) == 1 and count[k] >= 3
              and majority[k] in _PLACES | {"ORG"} and votes[k]["PERSON"] < 0.2 * count[k]}
    full_names = {k for k in surfaces if majority[k] == "PERSON"
                  and _person_like(without_nickname(shown[k]),
                                   lambda first, last: first in sentence_words
                                   or last in places)}
    full_names -= {match_key(h["a"]) for h in hints if h["rule"] == "nickname"}  # "El Mencho"
    nationalities = {k for k in surfaces if majority[k] == "NORP"}
    forms = _Forms(surfaces, full_names, nationalities)
    forms.loners = non_names

    # Known abbreviations, country variants and dotted acronyms (U.S. = US = United States =
    # America; F.B.I. = FBI).
    by_target: dict[str, list[str]] = defaultdict(list)
    for key in surfaces:
        target = _KNOWN_ABBREVIATIONS.get(key) or _COUNTRY_VARIANTS.get(key)
        if target is None and "." in key and shown[key].replace(".", "").isupper():
            target = key.replace(".", "")
        if target is not None and majority[key] not in ("PERSON", "NORP"):
            by_target[target].append(key)
    for target, keys in by_target.items():
        head = target if target in surfaces else max(keys, key=lambda k: (count[k], k))
        for key in keys:
            if key != head:
                forms.link(key, head, "known abbreviation")

    # Company forms: "Meridian Advisory Ltd." and "Meridian Advisory Ltd" are "Meridian Advisory".
    by_company: dict[str, list[str]] = defaultdict(list)
    for key in surfaces:
        bare = _COMPANY_SUFFIX.sub("", key)
        if bare != key and bare and majority[key] not in _PLACES:
            by_company[bare].append(key)
    for bare, keys in by_company.items():
        head = bare if bare in surfaces else max(keys, key=lambda k: (count[k], k))
        for key in keys:
            if key != head:
                forms.link(key, head, "company name")

    # Spellings: "Kim Jong-un" and "Kim Jong Un", "Donald Trump Jr." and "Donald Trump Jr".
    by_letters: dict[str, list[str]] = defaultdict(list)
    for key in surfaces:
        if len(_tokens(key)) >= 2:
            by_letters[_LETTERS.sub("", key)].append(key)
    for keys in by_letters.values():
        if len(keys) > 1 and len({_family(majority[k]) for k in keys}) == 1:
            head = max(keys, key=lambda k: (count[k], k))
            for key in keys:
                if key != head:
                    forms.link(key, head, "spelling")

    # Hints from the text: acronyms in parentheses, nicknames next to a name.
    for h in hints:
        if h["rule"] in ("acronym", "nickname"):
            forms.link(match_key(h["a"]), match_key(h["b"]), h["rule"])

    # Initials: an all-caps form spelled by the capitals of exactly one multi-word name.
    by_initials: dict[str, list[str]] = defaultdict(list)
    for key in surfaces:
        if majority[key] != "PERSON":
            ini = _initials(shown[key])
            if ini:
                by_initials[ini].append(key)
    for key in surfaces:
        word = shown[key].replace(".", "")
        if 2 <= len(word) <= 6 and word.isupper() and word.isalpha():
            found = by_initials.get(word, [])
            if len({forms.find(k) for k in found}) == 1:
                forms.link(key, found[0], "initials")

    # Plurals of organisations and groups: National Guards -> National Guard.
    for key in surfaces:
        if key.endswith("s") and key[:-1] in surfaces and majority[key] in ("ORG", "NORP") \
                and majority[key[:-1]] in ("ORG", "NORP"):
            forms.link(key, key[:-1], "plural")

    # A word that is not a name at the front of a form ("However Trump", "Regarding Boyette"):
    # the form is the rest of it.
    for key in surfaces:
        toks = _tokens(key)
        if len(toks) >= 2 and toks[0] in sentence_words and not shown[key][:1].islower():
            rest = key.split(" ", 1)[1] if " " in key else ""
            if rest in surfaces:
                forms.link(key, rest, "linked")

    # Partial names -> their full name. Read first from the documents: in how many documents
    # did this short form follow each full name? It joins one that won nearly all of them.
    # Without such evidence, the one full person name in the collection that contains it.
    doc_votes: dict[str, Counter[str]] = defaultdict(Counter)
    for h in surname_hints:
        short, full = match_key(h["a"]), match_key(h["b"])
        if short in surfaces and full in full_names and (
                len(_tokens(short)) == 1 or _compatible(short, full)):  # not "Donald Trump Jr"
            doc_votes[short][full] += 1
    full_by_token: dict[str, set[str]] = defaultdict(set)
    for key in full_names:
        for tok in _tokens(key):
            full_by_token[tok].add(key)
    surname_joined: set[str] = set()
    for key in sorted(surfaces, key=lambda k: -len(_tokens(k))):
        toks = _tokens(key)
        if not toks or majority[key] in _PLACES or key in non_names or _all_caps(shown[key]):
            continue
        if len(toks) == 1 and not shown[key][:1].isupper():
            continue
        target = None
        if doc_votes.get(key):
            by_root: Counter[str] = Counter()
            for full, n in doc_votes[key].items():
                by_root[forms.find(full)] += n
            root, n = by_root.most_common(1)[0]
            if n >= DOMINANT_SHARE * sum(by_root.values()):
                target = max((f for f in doc_votes[key] if forms.find(f) == root),
                             key=lambda f: doc_votes[key][f])
                # one or two documents do not make "Jan" (242) "Jan Warren" (5) everywhere
                if n < 3 and count[key] > 5 * max(count[target], 2):
                    target = None
        else:
            candidates = set.intersection(*(full_by_token.get(t, set()) for t in toks))
            candidates = {c for c in candidates
                          if len(_tokens(c)) > len(toks) and _part_of(toks, _tokens(c))
                          and (len(toks) == 1 or _compatible(key, c))}
            if len({forms.find(c) for c in candidates}) == 1 or (
                    len(toks) >= 2 and candidates and _one_person(list(candidates))):
                target = max(candidates, key=lambda c: (count[c], c))
                # "Twitter" (323) is not "Twitter Counter" (9): a short form far more common
                # than the one name containing it, never seen after it, is something else
                if len(toks) == 1 and count[key] > 5 * max(count[target], 2):
                    target = None
        if target is not None and forms.link(key, target, "partial name"):
            surname_joined.add(key)

    # Initials with a surname: "H. Nygaard" is "Harald Nygaard" when no other name fits.
    multi = [k for k in surfaces if len(_tokens(k)) >= 2 and majority[k] in ("PERSON", "ORG")
             and k not in forms.short]
    for key in surfaces:
        if _INITIAL_NAME.match(shown[key]):
            toks = _tokens(key)
            fits = {forms.find(k) for k in multi if k != key and len(_tokens(k)) == len(toks)
                    and _part_of(toks, _tokens(k)) and _tokens(k)[-1] == toks[-1]}
            if len(fits) == 1 and forms.link(key, next(iter(fits)), "initials"):
                surname_joined.add(key)

    # What each document says that the collection does not: a short form there is the person
    # it followed (a "Trump" after "Ivanka Trump" alone), and a word otherwise no name ("May")
    # is one after its full name ("Theresa May").
    in_document: list[tuple[str, str, str, int]] = []  # (doc_id, text, full key, mentions)
    for h in surname_hints:
        short, full = match_key(h["a"]), match_key(h["b"])
        if short in surfaces and full in full_names and (
                short in non_names or forms.find(short) != forms.find(full)):
            in_document.append((h["doc_id"], h["a"], full, h["n"]))

    if judgements is None:
        judgements = curation.load(curation.judgements_path(catalog))
    _apply_judgements(forms, judgements, surfaces)
    _write(catalog, forms, surfaces, votes, count, shown, surname_joined, judgements, found_again,
           non_names, in_document)


_LETTERS = re.compile(r"[\W_]+")


def _family(label: str) -> str:
    """Labels a spelling variant may differ in: places among themselves, the rest alone."""
    return "place" if label in ("GPE", "LOC", "FAC") else label


def _all_caps(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 2 and all(ch.isupper() for ch in letters)


def _head(keys: list[str], forms: _Forms, count: dict[str, int]) -> str:
    """The name an entity is shown by: its most used full name ("Claudia Sheinbaum", not
    "Sheinbaum" nor "CJNG"), else its most used form no rule joined as a variant."""
    chosen = [k for k in forms.prefer if k in keys]
    if chosen:
        return chosen[-1]
    full = [k for k in keys if len(_tokens(k)) >= 2
            and (k not in forms.short or forms.reason.get(k) == "partial name")]
    heads = full or [k for k in keys if k not in forms.short] or keys
    return max(heads, key=lambda k: (count[k], len(_tokens(k)), k))


_LABEL_ORDER = {label: i for i, label in enumerate(KEPT_LABELS)}


def _vote(counter: Counter[str]) -> str:
    return max(counter.items(), key=lambda kv: (kv[1], -_LABEL_ORDER.get(kv[0], 99)))[0]


def _apply_judgements(forms: _Forms, judgements: list[dict], surfaces) -> None:
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


_ENTITY_COUNTS = """SELECT entity_id, COUNT(DISTINCT doc_id), COUNT(*) FROM mentions
                    WHERE entity_id != '' GROUP BY entity_id"""


def _write(catalog, forms, surfaces, votes, count, shown, surname_joined, judgements,
           found_again, non_names=frozenset(), in_document=()) -> None:
    conn = catalog.conn
    clusters: dict[str, list[str]] = defaultdict(list)
    for key in surfaces:
        clusters[forms.find(key)].append(key)
    overrides: dict[str, dict] = {}
    for j in judgements:
        key = j.get("entity")
        if j.get("op") in ("rename", "relabel", "hide") and key in surfaces:
            overrides.setdefault(forms.find(key), {})[j["op"]] = j.get("value", True)
    judged = {forms.find(k) for j in judgements for k in (j.get("a"), j.get("b"), j.get("entity"))
              if k in surfaces}
    mapping: list[tuple[str, str, str]] = []  # (surface text, entity_id, label)
    entity_rows, alias_rows = {}, []
    person_roots = {forms.find(k) for k in surname_joined}
    entity_of_root: dict[str, tuple[str, str]] = {}
    for root, keys in clusters.items():
        head = _head(keys, forms, count)
        if root in person_roots:
            label = "PERSON"
        else:
            total: Counter[str] = Counter()
            for k in keys:
                total.update(votes[k])
            label = _vote(total)
        label = forms.prefer_label.get(head, label)  # a merge keeps the kept entity's label
        entity_id = entity_id_for(label, head)
        extra = overrides.get(root, {})
        label = extra.get("relabel", label)
        name = extra.get("rename", without_nickname(shown[head]))
        # a word that is no name ("It", "However") alone in its group is no entity
        hidden = extra.get("hide", False) or (
            root not in judged and all(k in non_names for k in keys))
        for k in keys:
            mapping.extend((text, "" if hidden else entity_id, "" if hidden else label)
                           for text in surfaces[k])
        entity_of_root[root] = (entity_id, label)
        if hidden:
            continue
        entity_rows[entity_id] = [entity_id, name, label, match_key(name), 0, 0]
        for k in keys:
            reason = "name" if k == head else forms.reason.get(
                k, "full name" if len(_tokens(k)) > len(_tokens(head)) else "linked")
            for text, n in surfaces[k].items():
                alias_rows.append((entity_id, text, k, n + found_again.get(text, 0),
                                   reason if text == shown[k] or k != head else "same name"))
    # Mentions are mapped by their exact text (a primary-key lookup per row, no Python call).
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS form_map (text TEXT PRIMARY KEY, entity_id TEXT, label TEXT)"
    )
    conn.execute("DELETE FROM form_map")
    conn.executemany("INSERT OR REPLACE INTO form_map VALUES (?, ?, ?)", mapping)
    conn.execute(
        """UPDATE mentions SET (entity_id, label) =
               (SELECT f.entity_id, f.label FROM form_map f WHERE f.text = mentions.text)
           WHERE EXISTS (SELECT 1 FROM form_map f WHERE f.text = mentions.text
                         AND (f.entity_id != mentions.entity_id OR f.label != mentions.label))"""
    )
    conn.execute(  # re-scan finds of a form no longer known: gone with it
        """DELETE FROM mentions WHERE source = 'rescan'
           AND NOT EXISTS (SELECT 1 FROM form_map f WHERE f.text = mentions.text)"""
    )
    # then what each document says on its own: a short form there is the person it followed
    doc_rows, doc_alias = [], Counter()
    for doc_id, text, full, n in in_document:
        entity_id, label = entity_of_root[forms.find(full)]
        if entity_id in entity_rows:
            doc_rows.append((doc_id, text, entity_id, label))
            doc_alias[(entity_id, text)] += n
    catalog.map_mentions_in_documents(doc_rows)
    known = {(r[0], r[1]) for r in alias_rows}
    # counted as recount counts every alias: all mentions of its text
    alias_rows.extend((entity_id, text, match_key(text),
                       surfaces[match_key(text)][text] + found_again.get(text, 0), IN_DOCUMENT)
                      for (entity_id, text) in doc_alias if (entity_id, text) not in known)
    for entity_id, docs, n in conn.execute(_ENTITY_COUNTS):
        if entity_id in entity_rows:
            entity_rows[entity_id][4] = docs
            entity_rows[entity_id][5] = n
    conn.execute("DELETE FROM entities")
    conn.execute("DELETE FROM aliases")
    conn.executemany("INSERT INTO entities VALUES (?, ?, ?, ?, ?, ?)", [tuple(r) for r in entity_rows.values()])
    conn.executemany("INSERT INTO aliases VALUES (?, ?, ?, ?, ?)", alias_rows)
    _count_sentences(catalog)


def recount(catalog: Catalog) -> None:
    """The counts resolve writes, brought up to date after the re-scan added or dropped
    mentions, without resolving again.

    Re-scan mentions never vote and never join forms (see resolve), so the entities, labels
    and aliases stand; only counts move: each entity's documents and mentions, each alias's
    count, the sentence counts. Resolving a second time cost ~8 s at 20,000 news articles;
    tests/test_entities_recall.py checks that this leaves the catalog as a second resolve did.
    """
    conn = catalog.conn
    conn.execute("UPDATE entities SET documents = 0, mentions = 0")
    conn.executemany(
        "UPDATE entities SET documents = ?, mentions = ? WHERE entity_id = ?",
        [(docs, n, entity_id) for entity_id, docs, n in conn.execute(_ENTITY_COUNTS)],
    )
    # an alias counts every mention of its text, re-scan finds included (as in _write)
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS text_counts (text TEXT PRIMARY KEY, n INTEGER)")
    conn.execute("DELETE FROM text_counts")
    conn.execute("INSERT INTO text_counts SELECT text, COUNT(*) FROM mentions GROUP BY text")
    conn.execute(
        "UPDATE aliases SET count = COALESCE((SELECT n FROM text_counts t WHERE t.text = aliases.text), 0)"
    )
    _count_sentences(catalog)


def _count_sentences(catalog: Catalog) -> None:
    conn = catalog.conn
    sentences = conn.execute(
        "SELECT COUNT(*) FROM (SELECT DISTINCT doc_id, sent_start FROM mentions WHERE entity_id != '')"
    ).fetchone()[0]
    catalog.set_meta("sentences_with_entities", str(sentences))  # PMI's denominator (xref)
    conn.execute(  # and each entity's sentence count, so a card needs no scan per neighbour
        "CREATE TABLE IF NOT EXISTS entity_sentences (entity_id TEXT PRIMARY KEY, sentences INTEGER)"
    )
    conn.execute("DELETE FROM entity_sentences")
    conn.execute(
        """INSERT INTO entity_sentences SELECT entity_id, COUNT(*) FROM
               (SELECT DISTINCT entity_id, doc_id, sent_start FROM mentions WHERE entity_id != '')
           GROUP BY entity_id"""
    )
