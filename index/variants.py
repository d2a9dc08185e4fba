"""Forms that are variants of one name, for entity resolution (casework.index.resolve): known
abbreviations and country variants (U.S. / US / USA / United States / America), dotted acronyms,
company suffixes (Meridian Advisory Ltd. / Meridian Advisory), spellings (Kim Jong-un / Kim Jong
Un), initials (DEA / Drug Enforcement Administration), plurals of organisations, and a form with
a word that is no name in front of it ("However Trump")."""

from __future__ import annotations

import re
from collections import defaultdict

from casework.index.forms import Forms
from casework.index.labels import PLACES, Tally, family
from casework.index.memo import memo
from casework.index.names import initials, tokens

_KNOWN_ABBREVIATIONS = {
    "us": "united states", "u.s.": "united states", "usa": "united states",
    "u.s.a.": "united states", "united states of america": "united states",
    "uk": "united kingdom", "u.k.": "united kingdom", "un": "united nations",
    "u.n.": "united nations", "eu": "european union", "e.u.": "european union",
}
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
_LETTERS = re.compile(r"[\W_]+")
_BARE_CACHE: dict[str, str] = {}
_LETTERS_CACHE: dict[str, str] = {}


def _bare_company(key: str) -> str:
    return _COMPANY_SUFFIX.sub("", key)


def _letters(key: str) -> str:
    return _LETTERS.sub("", key)


def link_abbreviations(forms: Forms, t: Tally) -> None:
    """Known abbreviations, country variants and dotted acronyms (U.S. = US = United States =
    America; F.B.I. = FBI)."""
    by_target: dict[str, list[str]] = defaultdict(list)
    for key in t.surfaces:
        target = _KNOWN_ABBREVIATIONS.get(key) or _COUNTRY_VARIANTS.get(key)
        if target is None and "." in key and t.shown[key].replace(".", "").isupper():
            target = key.replace(".", "")
        if target is not None and t.majority[key] not in ("PERSON", "NORP"):
            by_target[target].append(key)
    for target, keys in by_target.items():
        head = target if target in t.surfaces else max(keys, key=lambda k: (t.count[k], k))
        for key in keys:
            if key != head:
                forms.link(key, head, "known abbreviation")


def link_company_names(forms: Forms, t: Tally) -> None:
    """Company forms: "Meridian Advisory Ltd." and "Meridian Advisory Ltd" are "Meridian Advisory"."""
    by_company: dict[str, list[str]] = defaultdict(list)
    for key in t.surfaces:
        bare = memo(_BARE_CACHE, key, _bare_company)
        if bare != key and bare and t.majority[key] not in PLACES:
            by_company[bare].append(key)
    for bare, keys in by_company.items():
        head = bare if bare in t.surfaces else max(keys, key=lambda k: (t.count[k], k))
        for key in keys:
            if key != head:
                forms.link(key, head, "company name")


def link_spellings(forms: Forms, t: Tally) -> None:
    """Spellings: "Kim Jong-un" and "Kim Jong Un", "Donald Trump Jr." and "Donald Trump Jr"."""
    by_letters: dict[str, list[str]] = defaultdict(list)
    for key in t.surfaces:
        if len(t.words[key]) >= 2:
            by_letters[memo(_LETTERS_CACHE, key, _letters)].append(key)
    for keys in by_letters.values():
        if len(keys) > 1 and len({family(t.majority[k]) for k in keys}) == 1:
            head = max(keys, key=lambda k: (t.count[k], k))
            for key in keys:
                if key != head:
                    forms.link(key, head, "spelling")


def link_initials(forms: Forms, t: Tally) -> None:
    """Initials: an all-caps form spelled by the capitals of exactly one multi-word name."""
    by_initials: dict[str, list[str]] = defaultdict(list)
    for key in t.surfaces:
        if t.majority[key] != "PERSON":
            ini = initials(t.shown[key])
            if ini:
                by_initials[ini].append(key)
    for key in t.surfaces:
        word = t.shown[key].replace(".", "")
        if 2 <= len(word) <= 6 and word.isupper() and word.isalpha():
            found = by_initials.get(word, [])
            if len({forms.find(k) for k in found}) == 1:
                forms.link(key, found[0], "initials")


def link_plurals(forms: Forms, t: Tally) -> None:
    """Plurals of organisations and groups: National Guards -> National Guard."""
    for key in t.surfaces:
        if key.endswith("s") and key[:-1] in t.surfaces and t.majority[key] in ("ORG", "NORP") \
                and t.majority[key[:-1]] in ("ORG", "NORP"):
            forms.link(key, key[:-1], "plural")


def link_after_sentence_words(forms: Forms, t: Tally, sentence_words: set[str]) -> None:
    """A word that is not a name at the front of a form ("However Trump", "Regarding Boyette"):
    the form is the rest of it."""
    for key in t.surfaces:
        toks = t.words[key]
        if len(toks) >= 2 and toks[0] in sentence_words and not t.shown[key][:1].islower():
            rest = key.split(" ", 1)[1] if " " in key else ""
            if rest in t.surfaces:
                forms.link(key, rest, "linked")
