"""Snippets: the window of a document's text holding the most query words, with match ranges.

Highlighted from the catalog's copy of the text (Whoosh stores none); the words are those
the full-text layer says a query matched, in the index's analysed forms.
"""

from __future__ import annotations

import functools
import heapq
import re

from casework.index.fulltext.schema import ACCENTS as _ACCENTS
from casework.index.fulltext.schema import WORD as _WORD
from casework.index.fulltext.schema import joined_numbers

SNIPPET_CHARS = 240
SNIPPET_SURROUND = 80
# Highlighting reads a hit's text only this far past its first match, looking for the window
# with the most distinct query words, and gives up looking for a first match after
# SNIPPET_SEEK_CHARS. Whoosh's highlighter tokenised each hit's whole text and scored every
# fragment: about half of a warm search at 20,000 articles.
SNIPPET_SCAN_CHARS = 3_000
SNIPPET_SEEK_CHARS = 200_000

def best_snippet(text: str, words: frozenset[str] | set[str]) -> tuple[str, list[tuple[int, int]]] | None:
    """The window of ``text`` (about SNIPPET_CHARS long) holding the most distinct query words,
    as ``(snippet, [(start, end), ...])``, or None when no word occurs.

    ``words`` are analysed forms (lowercase, accents folded), as in the index. Reading stops
    once a window holds every word, or SNIPPET_SCAN_CHARS past the first match, so a hit costs a
    few hundred words, not its whole text. Newlines become spaces one for one, so the ranges
    stay true.
    """
    if not words or not text:
        return None
    span = SNIPPET_CHARS - SNIPPET_SURROUND
    matches: list[tuple[int, int, str]] = []
    best = (0, 0)  # (distinct words, index of the window's first match)
    first = 0
    stop_at = None
    for start, end, word in _word_matches(text, words):
        if stop_at is not None:
            if start >= stop_at:
                break
        elif matches and start > matches[0][0] + SNIPPET_SCAN_CHARS:
            break
        elif start > SNIPPET_SEEK_CHARS and not matches:
            return None
        matches.append((start, end, word))
        if stop_at is not None:
            continue
        while end - matches[first][0] > span:
            first += 1
        distinct = len({m[2] for m in matches[first:]})
        if distinct > best[0]:
            best = (distinct, first)
            if distinct == len(words):  # cannot do better: read on only to the window's end
                stop_at = matches[first][0] - SNIPPET_SURROUND + SNIPPET_CHARS
    if not matches:
        return None
    anchor = matches[best[1]][0]
    start = _word_start(text, max(0, anchor - SNIPPET_SURROUND))
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        end = _word_end(text, end, floor=anchor)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix) - start
    ranges = [(a + shift, b + shift) for a, b, _ in matches if a >= start and b <= end]
    return prefix + _one_line(text[start:end]) + suffix, ranges


# Past this many words (a wildcard's expansions), one alternative each makes the pattern slower
# to match than the analyzer is to run
_MAX_PATTERN_WORDS = 24


def _word_matches(text: str, words: frozenset[str] | set[str]):
    """(start, end, word) for each word of ``text`` that text_analyzer() makes one of ``words``,
    in order.

    Whoosh's analyzer, a chain of generators, cost ~1 us a word (``immigra*``: ~30 ms for 20
    hits at 100,000 articles). Here its tokenizer's expression finds the words and each is
    lowercased and folded as its filters do; for a few ASCII words a regular expression finds
    only the candidates (accented letters and case included, :func:`_candidates`), each then
    folded alike, so the matches are the analyzer's either way.
    """
    limit = min(len(text), SNIPPET_SEEK_CHARS + SNIPPET_SCAN_CHARS + SNIPPET_CHARS)
    found = _plain_word_matches(text, words, limit)
    if _numbers_in(words):
        # a number's joined word comes before its first part, as the analyzer gives them
        found = heapq.merge(_number_matches(text, words, limit), found,
                            key=lambda m: (m[0], -m[1]))
    yield from found


def _plain_word_matches(text: str, words, limit: int):
    pattern = None
    if len(words) <= _MAX_PATTERN_WORDS and "\u0130" not in text:  # İ: its lowercase is 2 chars
        pattern = _candidates(frozenset(words))
    for m in (pattern or _WORD).finditer(text, 0, limit):
        if m.end() == limit < len(text):  # perhaps a longer word cut at the limit
            return
        word = m.group().lower().translate(_ACCENTS)
        if word in words:
            yield m.start(), m.end(), word


def _numbers_in(words) -> bool:
    """Whether ``words`` may hold a number's joined word (schema.NUMBER): only then is the
    text searched for numbers with separators."""
    return any(w[:1].isdigit() and w.replace(".", "").isdigit() for w in words)


def _number_matches(text: str, words, limit: int):
    """(start, end, joined word) of each number with separators whose joined word is one of
    ``words``: "4,500" when 4500 matched."""
    for start, end, joined in joined_numbers(text, 0, limit):
        if end == limit < len(text):
            return
        if joined in words:
            yield start, end, joined


@functools.lru_cache(maxsize=64)
def _candidates(words: frozenset[str]) -> re.Pattern | None:
    """A pattern matching, as whole words of RegexTokenizer, every raw form of ``words`` and a
    few more, which :func:`_word_matches` drops; None unless every word is ASCII.

    A raw word folds to an ASCII word letter for letter (lowercase and accent_map change no
    ASCII letter into another, and map one char to one): each of its letters is that letter
    in either case, or a word char outside ASCII. Classes listing every accented form made
    compiling cost ~10 ms a word.
    """
    if not words or not all(w.isascii() and _WORD.fullmatch(w) for w in words):
        return None
    forms = ["".join(map(_raw_forms, w)) for w in sorted(words, key=len, reverse=True)]
    # not inside a longer word: RegexTokenizer's words are runs of [\w*] joined by single dots
    return re.compile(rf"(?<![\w*])(?<![\w*]\.)(?:{'|'.join(forms)})(?![\w*])(?!\.[\w*])")


def _raw_forms(c: str) -> str:
    """A pattern for the chars of a raw word that may fold to the ASCII char ``c``. Both cases
    are spelt out: re.IGNORECASE made compiling ~40 ms slower."""
    if c.isalpha():
        return rf"(?:[{c}{c.upper()}]|(?![\x00-\x7f])\w)"
    if c.isalnum() or c == "_":
        return rf"(?:{c}|(?![\x00-\x7f])\w)"
    return re.escape(c)


def _word_start(text: str, i: int) -> int:
    """Move ``i`` forward to the start of the next word, unless that is more than 20 chars on."""
    if i == 0 or not text[i - 1].isalnum():
        return i
    j = i
    while j < len(text) and j - i < 20 and text[j].isalnum():
        j += 1
    while j < len(text) and j - i < 20 and not text[j].isalnum():
        j += 1
    return j if j - i < 20 else i


def _word_end(text: str, i: int, floor: int) -> int:
    """Move ``i`` back to the end of a word (never before ``floor``)."""
    j = i
    while j > floor and j - i > -20 and text[j - 1].isalnum() and text[j].isalnum():
        j -= 1
    return j if j > floor else i


def term_spans(text: str, terms) -> list[tuple[int, int]]:
    """(start, end) of each word of ``text`` that the index's analyzer makes one of ``terms``
    (analysed forms: a SearchResult's ``terms``), in order, over the whole text (a 2 MB
    document: ~20-60 ms, so callers on a screen run it off the screen's thread)."""
    words = frozenset(terms)
    if not words or not text:
        return []
    pattern = None
    if len(words) <= _MAX_PATTERN_WORDS and "\u0130" not in text:
        pattern = _candidates(words)
    spans = [m.span() for m in (pattern or _WORD).finditer(text)
             if m.group().lower().translate(_ACCENTS) in words]
    if not _numbers_in(words):
        return spans
    numbers = [(s, e) for s, e, _ in _number_matches(text, words, len(text))]
    if not numbers:
        return spans
    # "4,500" whole when its joined word matched; a part inside a marked number is not marked
    # again, so n / N step once per number
    out: list[tuple[int, int]] = []
    for span in heapq.merge(numbers, spans, key=lambda m: (m[0], -m[1])):
        if not out or span[0] >= out[-1][1]:
            out.append(span)
    return out


def word_forms(text: str, stems, limit: int = SNIPPET_SEEK_CHARS) -> set[str]:
    """The words of ``text`` (its first ``limit`` chars) whose stem is one of ``stems``, in the
    index's analysed forms: the other forms of a searched word to mark ("travelled" for
    travel). Candidates are found by a pattern of the stems' first letters (a Snowball stem
    is its word's start but for a last letter or two: "happi" of "happy"), then stemmed."""
    if not stems or not text:
        return set()
    from casework.index.fulltext.schema import stemmer

    prefixes = sorted({s[:-1] if len(s) > 3 else s for s in stems}, key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, prefixes)) + r")\w*",
                         re.IGNORECASE)
    found = {m.group().lower().translate(_ACCENTS) for m in pattern.finditer(text, 0, limit)}
    stem = stemmer().stemWord
    return {w for w in found if stem(w) in stems}


def lead_snippet(text: str, chars: int = 200) -> str:
    """The opening of a document, for hits that matched outside the body."""
    head = _one_line(text[: chars + 1])
    return head[:chars] + ("…" if len(text) > chars else "")


def _one_line(text: str) -> str:
    return text.replace("\n", " ").replace("\t", " ")
