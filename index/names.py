"""Rules on the words of names, for entity resolution: the tokens of a match key, initials,
whether one name is part of another, whether two full names can be one person, what reads as a
person's full name, and which words are no names at all (casework.index.resolve).

Pure functions of strings (and the collection's word-case counts): no catalog, no model.
"""

from __future__ import annotations

import re

from casework.index.memo import memo
from casework.index.nlp import stop_words

_TOKEN_SPLIT = re.compile(r"[\s\-]+")
_STOP = frozenset("of the and for de la del y on against in".split())
_GENERATION = frozenset("jr jr. sr sr. ii iii iv".split())
INITIAL_NAME = re.compile(r"^(?:[A-Z]\.\s?){1,2}[A-Z][a-z][\w’'-]+$")  # B. Young, J.R. Smith
_PERSON_WORD = re.compile(
    r"(?:[A-Z][a-z]*\.|(?:[a-z]{1,3}-)?[A-Z][\w’'-]*[a-z]|de|la|del|van|von|der|bin|al|da|le|di|y)$")

_TOKEN_CACHE: dict[str, list[str]] = {}


def tokens(key: str) -> list[str]:
    """The words of a match key, split at spaces and hyphens."""
    toks = _TOKEN_CACHE.get(key)
    if toks is None:
        if len(_TOKEN_CACHE) > 1_000_000:
            _TOKEN_CACHE.clear()
        toks = _TOKEN_CACHE[key] = [t for t in _TOKEN_SPLIT.split(key) if t]
    return toks


_INITIALS_CACHE: dict[str, str] = {}
_PERSON_SHAPE_CACHE: dict[str, tuple[str, str] | None] = {}


def initials(text: str) -> str:
    """The capitals of a name of two or more capitalised words ("DEA"), else ''."""
    return memo(_INITIALS_CACHE, text, _initials)


def _initials(text: str) -> str:
    words = [w for w in re.split(r"[\s\-]+", text) if w and w.lower() not in _STOP]
    if len(words) < 2 or not all(w[:1].isupper() for w in words):
        return ""
    return "".join(w[0] for w in words)


def acronym_fits(acronym: str, name: str) -> bool:
    """An acronym can stand for a name: one of its letters at least starts a word of the name.
    Loose on purpose ("VVD" for "People's Party for Freedom and Democracy", "CJNG" for "Jalisco
    New Generation Cartel"), it still refuses a link in parentheses after a name: "(PDF)" after
    "Soviet Union", "World Bank" and "International Criminal Court" on 3,824 news articles."""
    starts = {w[0].upper() for w in re.split(r"[\s\-]+", name) if w}
    return any(ch in starts for ch in acronym.upper() if ch.isalpha())


def all_caps(text: str) -> bool:
    if not text.isupper():  # most names: no list of letters (54,000 calls a resolution)
        return False
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 2 and all(ch.isupper() for ch in letters)


def _same_word(short: str, long: str) -> bool:
    """"h." (an initial) stands for "harald"; otherwise words are equal."""
    if short == long:
        return True
    bare = short.rstrip(".")
    return len(bare) == 1 and long[:1] == bare and len(long) > 1


def part_of(short: list[str], long: list[str]) -> bool:
    """The words of ``short`` appear in ``long`` in order (initials standing for words)."""
    it = iter(long)
    return all(any(_same_word(tok, other) for other in it) for tok in short)


def compatible(a: str, b: str) -> bool:
    """Two full names that can be one person: one's words inside the other's, the same
    generation ("Donald Trump" and "Donald J. Trump", not "Donald Trump Jr.")."""
    ta, tb = tokens(a), tokens(b)
    if {t for t in ta if t in _GENERATION} != {t for t in tb if t in _GENERATION}:
        return False
    short, long = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    return part_of(short, long)


def one_person(keys: list[str]) -> bool:
    """True when the full names all fit one person (each pair compatible)."""
    return all(compatible(a, b) for i, a in enumerate(keys) for b in keys[i + 1 :])


def person_like(surface: str, non_name=None) -> bool:  # non_name(first word, last word)
    """Reads as a person's full name: two to five capitalised words (initials and particles
    allowed), no stop word, no punctuation between them: not "Source:-Al Jazeera" nor
    "Will Lead Donald Trump"."""
    ends = person_ends(surface)
    if ends is None:
        return False
    return not (non_name and non_name(*ends))


def person_ends(surface: str) -> tuple[str, str] | None:
    """(first word, last word), case folded, if the surface is shaped as a person's full
    name (person_like without its test of the two words), else None."""
    return memo(_PERSON_SHAPE_CACHE, surface, _person_shape)


def _person_shape(surface: str) -> tuple[str, str] | None:
    """(first word, last word), case folded, of a surface shaped as a person's full name."""
    words = surface.split(" ")
    if not 2 <= len(words) <= 5 or not all(_PERSON_WORD.match(w) for w in words):
        return None
    if not words[0][:1].isupper() or not words[-1][:1].isupper():
        return None
    stop = stop_words()
    # the last word may be one ("Theresa May"); others not ("Will Lead", "However Trump")
    if any(w.casefold() in stop for w in words[:-1] if w[:1].isupper()):
        return None
    return words[0].casefold(), words[-1].casefold()


def nickname_like(surface: str) -> bool:
    """One to three capitalised words, none of them a stop word: "El Mencho", not "The Post"."""
    words = surface.split()
    return 1 <= len(words) <= 3 and all(w[:1].isupper() for w in words) \
        and words[0].casefold() not in stop_words()


def sentence_word(word: str, cases: dict, stop: frozenset[str]) -> bool:
    """A pronoun or stop word ("It", "His", "However"), or a word the collection capitalises
    only at the start of a sentence and writes in lower case elsewhere ("Learn", "Regarding")."""
    if word in stop:
        return True
    lower, mid, start, _other = cases.get(word, (0, 0, 0, 0))
    # and is written in lower case somewhere: a country that starts every line of a results
    # table ("Zimbabwe 245 all out" on CoNLL-2003) never is
    return mid == 0 and start >= 2 and lower >= 1


def non_name(word: str, cases: dict, stop: frozenset[str]) -> bool:
    """A sentence word (above), or one the collection mostly writes in lower case ("Special"),
    or mostly inside dates and numbers ("Jan", "Thursday")."""
    lower, mid, start, other = cases.get(word, (0, 0, 0, 0))
    return sentence_word(word, cases, stop) or lower > mid or 2 * other > mid + start
