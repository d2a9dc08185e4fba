"""Pattern entities: e-mail addresses, phone numbers, URLs and IBANs, found by rule, not model.

Run at index time beside NER on each document's text (never cached: a regular-expression pass
is cheaper than a cache read). Each find is a ``models.Span`` with source ``"pattern"``;
:func:`normal_form` is the key resolution groups them by, so one number written three ways is
one entity:

- EMAIL: lowercased (``John.Doe@Example.ORG`` = ``john.doe@example.org``);
- PHONE: E.164 by phonenumbers (``+1 202-555-0143`` = ``(202) 555-0143`` when the default
  region is US). Numbers without a country code are read in :data:`DEFAULT_REGION` (US, or
  ``$CASEWORK_PHONE_REGION``); only numbers phonenumbers holds valid are kept;
- URL: scheme and host lowercased, default port, fragment and trailing slash dropped,
  ``www.x.org/a`` read as ``http://www.x.org/a``;
- IBAN: compact and uppercase, kept only when its check digits hold (python-stdnum).
"""

from __future__ import annotations

import heapq
import os
import re
from typing import Iterator

from casework.index import models
from casework.index.span_array import SpanArray

PATTERN_LABELS = ("EMAIL", "PHONE", "URL", "IBAN")
SOURCE = "pattern"
DEFAULT_REGION = os.environ.get("CASEWORK_PHONE_REGION", "US").upper()

_EMAIL = re.compile(r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
                    r"\.[A-Za-z]{2,24}(?![\w@])")
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"'`{}|\\^\[\]]+", re.IGNORECASE)
_URL_TRAIL = ".,;:!?)]}'\"”’»"
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,34}\b")
# a cheap pre-filter before phonenumbers (whose own matcher is ~50x slower over long text):
# 7 to 15 digits with the separators people write
_PHONE = re.compile(r"(?<![\w+.,/-])(?:\+|00)?\(?\d[\d \t().\-/]{5,22}\d(?![\w/]|[.,]\d)")
_SENTENCE_END = re.compile(r"[.!?]\s|\n")


def find(text: str, region: str = DEFAULT_REGION) -> list[models.Span]:
    """Every pattern entity in ``text``, in order, none overlapping another."""
    found = [*_emails(text), *_urls(text), *_ibans(text), *_phones(text, region)]
    found.sort(key=lambda s: (s.start, -(s.end - s.start)))
    out: list[models.Span] = []
    last_end = -1
    for span in found:
        if span.start >= last_end:
            out.append(span)
            last_end = span.end
    return out


def merge(model_spans: list[models.Span], pattern_spans: list[models.Span]) -> list[models.Span]:
    """The model's spans, less those a pattern find overlaps (a model span around an address
    or a number is a worse name for it), plus the pattern finds."""
    if not pattern_spans:
        return model_spans
    starts = [p.start for p in pattern_spans]
    from bisect import bisect_left

    def kept():
        for span in model_spans:
            i = bisect_left(starts, span.end)  # pattern finds starting before this span ends
            if i and pattern_spans[i - 1].end > span.start:
                continue
            if i < len(pattern_spans) and pattern_spans[i].start < span.end:
                continue
            yield span

    if isinstance(model_spans, SpanArray):  # a long text's, kept compact (both sorted)
        out = SpanArray.like(model_spans)
        out.extend(heapq.merge(kept(), pattern_spans, key=lambda s: s.start))
        return out.sorted()
    return sorted([*kept(), *pattern_spans], key=lambda s: s.start)


def normal_form(label: str, surface: str, region: str = DEFAULT_REGION) -> str:
    """The key one entity is known by (see the module's docstring); the surface if it has none."""
    if label == "EMAIL":
        return surface.strip().lower()
    if label == "IBAN":
        return re.sub(r"\s+", "", surface).upper()
    if label == "URL":
        return _normal_url(surface)
    if label == "PHONE":
        number = _phone(surface, region)
        if number is not None:
            import phonenumbers

            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return surface


def _span(text: str, a: int, b: int, label: str) -> models.Span:
    start = 0
    for m in _SENTENCE_END.finditer(text, max(0, a - 400), a):
        start = m.end()
    m = _SENTENCE_END.search(text, b)
    return models.Span(a, b, label, start, m.start() + 1 if m else len(text), SOURCE)


def _emails(text: str) -> Iterator[models.Span]:
    if "@" not in text:
        return
    for m in _EMAIL.finditer(text):
        yield _span(text, m.start(), m.end(), "EMAIL")


def _urls(text: str) -> Iterator[models.Span]:
    for m in _URL.finditer(text):
        a, b = m.start(), m.end()
        while b > a and text[b - 1] in _URL_TRAIL:
            if text[b - 1] == ")" and text.count("(", a, b) >= text.count(")", a, b):
                break  # https://en.wikipedia.org/wiki/Foo_(bar) keeps its bracket
            b -= 1
        if b - a > len("www.x.y") and "." in text[a:b]:
            yield _span(text, a, b, "URL")


def _normal_url(surface: str) -> str:
    from urllib.parse import urlsplit, urlunsplit  # index time only: off a cold search

    url = surface if "://" in surface else "http://" + surface
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return surface.lower()
    scheme = parts.scheme.lower()
    if port and not (scheme, port) in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    path = parts.path.rstrip("/")
    return urlunsplit((scheme, host, path, parts.query, ""))


def _ibans(text: str) -> Iterator[models.Span]:
    from stdnum import iban

    for m in _IBAN.finditer(text):
        surface = m.group()
        # the pattern may run on into the next capitalised word: try shorter endings
        compact_ends = [i + 1 for i, ch in enumerate(surface) if ch != " "]
        for n in range(len(compact_ends), 14, -1):
            candidate = surface[: compact_ends[n - 1]]
            if iban.is_valid(candidate):
                yield _span(text, m.start(), m.start() + len(candidate), "IBAN")
                break


def _phone(surface: str, region: str):
    import phonenumbers

    try:
        number = phonenumbers.parse(surface, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def _phones(text: str, region: str) -> Iterator[models.Span]:
    for m in _PHONE.finditer(text):
        surface = m.group().rstrip(" \t.-/(")
        digits = sum(ch.isdigit() for ch in surface)
        if not 7 <= digits <= 15 or surface.count("(") != surface.count(")"):
            continue
        if re.fullmatch(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}", surface):
            continue  # a date
        if _phone(surface, region) is not None:
            yield _span(text, m.start(), m.start() + len(surface), "PHONE")
