"""Dates and money amounts in a document's text, normalised at index time.

Dates: regexes for the explicit forms first ("2024-11-03", "Feb. 22, 2025", "22 February 2025",
"March 2025"), then spaCy's DATE spans that the regexes did not cover, read by dateparser's
``parse()`` — not ``search_dates``, which read "May I ask" as a date and split "Feb. 22, 2025"
(FIELD-NOTES). A span with no month and no year ("Tuesday", "last week") is left out: without
the day the article was written it names no day. A month with no year ("in March") takes the
year of the document's latest explicit date before it, else of the file's mtime.
Each date is a range of ISO days: a day is (d, d), a month its first and last day, a year
Jan 1 to Dec 31.

Money: amounts with a currency sign or code ("$4.5 million", "MXN 12,000", "€3bn") and
spaCy's MONEY spans, as (amount, currency).

dateparser (~50-110 ms to import, more on the first parse) is imported only here, only
while indexing.
"""

from __future__ import annotations

import calendar
import re
from bisect import bisect_left, bisect_right
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING

from casework.index import models
from casework.index.span_array import Sentences

if TYPE_CHECKING:
    from casework.index.models import Span

MAX_SENTENCE = 600  # characters of sentence kept with a date or amount

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
_MONTH = (r"(?P<month>Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|"
          r"June?|July?|Aug(?:ust|\.)?|Sept?(?:ember|\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|"
          r"Dec(?:ember|\.)?)")
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_EXPLICIT = [
    re.compile(rf"\b(?P<year>(?:19|20)\d\d)-(?P<month>0[1-9]|1[0-2])-(?P<day>0[1-9]|[12]\d|3[01])\b"),
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b"),
    re.compile(rf"\b{_DAY}\s+{_MONTH},?\s+{_YEAR}\b"),
    re.compile(rf"\b{_MONTH},?\s+{_YEAR}\b"),
    re.compile(rf"\b(?P<year>(?:19|20)\d\d)-(?P<month>0[1-9]|1[0-2])\b(?!-\d)"),
]
_HAS_MONTH = re.compile(rf"\b{_MONTH}(?!\w)", re.IGNORECASE)
_HAS_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_HAS_DAY = re.compile(r"(?<![\d-])[0-3]?\d(?:st|nd|rd|th)?(?![\d-])")
_RELATIVE = re.compile(r"\b(?:ago|last|next|this|past|previous|coming|today|yesterday|tomorrow|"
                       r"recent|earlier|later|since|decades?|centur(?:y|ies)|weeks?|days?)\b",
                       re.IGNORECASE)

# Money: a sign or code before the number, or a currency word after it.
_SIGNS = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "MX$": "MXN"}
_CODES = ("USD", "MXN", "EUR", "GBP", "JPY", "CAD", "CNY", "CHF")
_WORDS = {"dollars": "USD", "dollar": "USD", "pesos": "MXN", "peso": "MXN", "euros": "EUR",
          "euro": "EUR", "pounds": "GBP", "yen": "JPY"}
_SCALE = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "billion": 1e9,
          "bn": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12}
_NUMBER = r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_SCALE_RE = r"(?:\s?(?P<scale>thousand|million|billion|trillion|bn|mn|tn|[mkb])\b)?"
_MONEY = [
    re.compile(rf"(?P<sign>US\$|MX\$|\$|€|£|¥)\s?{_NUMBER}{_SCALE_RE}"),
    re.compile(rf"\b(?P<code>{'|'.join(_CODES)})\s?{_NUMBER}{_SCALE_RE}"),
    re.compile(rf"{_NUMBER}{_SCALE_RE}\s(?P<code>{'|'.join(_CODES)})\b"),
    re.compile(rf"{_NUMBER}{_SCALE_RE}\s(?P<word>{'|'.join(_WORDS)})\b", re.IGNORECASE),
]


def month_number(name: str) -> int:
    return int(name) if name.isdigit() else _MONTHS[name.lower().rstrip(".")[:3]]


def day_range(year: int, month: int | None = None, day: int | None = None) -> tuple[str, str] | None:
    """The first and last ISO day of a year, a month or a day; None if no such day."""
    try:
        if month is None:
            return f"{year:04d}-01-01", f"{year:04d}-12-31"
        if day is None:
            last = calendar.monthrange(year, month)[1]
            return f"{year:04d}-{month:02d}-01", f"{year:04d}-{month:02d}-{last:02d}"
        iso = date(year, month, day).isoformat()
        return iso, iso
    except ValueError:
        return None


class _Sentences:
    """Sentence bounds from the annotator's spans; a plain split where no span says."""

    def __init__(self, text: str, spans: list[Span]):
        self.text = text
        self.bounds = Sentences((s.sent_start, s.sent_end) for s in spans
                                if s.sent_end > s.sent_start)

    def around(self, start: int, end: int) -> tuple[int, int]:
        starts, ends = self.bounds.starts, self.bounds.ends
        i = bisect_right(starts, start) - 1
        if i >= 0 and ends[i] >= end:
            a, b = starts[i], ends[i]
        else:
            text = self.text
            a = max(text.rfind(". ", 0, start) + 2, text.rfind("\n", 0, start) + 1, 0)
            stops = [p for p in (text.find(". ", end), text.find("\n", end)) if p != -1]
            b = min(stops) + 1 if stops else len(text)
        if b - a > MAX_SENTENCE:
            a, b = max(a, start - MAX_SENTENCE // 2), min(b, end + MAX_SENTENCE // 2)
        return a, b

    def sentence(self, a: int, b: int) -> str:
        return " ".join(self.text[a:b].split())


class _Taken:
    """The date spans kept so far: disjoint (a span is kept only if it overlaps none), so in
    order of start their ends rise too, and only the last one starting before ``end`` can
    overlap. Asking every kept span made a long document's dates grow with the square of its
    DATE spans (a 50 MB file sat here for minutes)."""

    def __init__(self):
        self.starts: list[int] = []
        self.ends: list[int] = []

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect_left(self.starts, end)
        return i > 0 and self.ends[i - 1] > start

    def add(self, start: int, end: int) -> None:
        i = bisect_left(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, end)


def extract_dates(text: str, spans: list[Span], mtime: float = 0.0,
                  metadata: dict | None = None) -> list:
    """Every date in ``text``, by position: explicit forms, then the model's DATE spans; first
    the dates the file's metadata names (``created``, ``date``), at offset -1."""
    sentences = _Sentences(text, spans)
    found: list[tuple[int, int, int, int | None, int | None]] = []  # start, end, y, m, d
    taken = _Taken()
    for pattern in _EXPLICIT:
        for m in pattern.finditer(text):
            if taken.overlaps(m.start(), m.end()):
                continue
            parts = m.groupdict()
            day = int(parts["day"]) if parts.get("day") else None
            found.append((m.start(), m.end(), int(parts["year"]), month_number(parts["month"]), day))
            taken.add(m.start(), m.end())
    found.sort()
    years = _YearsBefore(found)
    fallback_year = datetime.fromtimestamp(mtime, timezone.utc).year if mtime > 0 else None
    for span in spans:
        if span.label != "DATE" or taken.overlaps(span.start, span.end):
            continue
        piece = text[span.start : span.end]
        read = _read_date_span(piece, years.before(span.start) or fallback_year)
        if read is not None:
            found.append((span.start, span.end, *read))
            years.read(span.start, *read)
            taken.add(span.start, span.end)
    out = _metadata_dates(metadata or {})
    for start, end, year, month, day in sorted(found):
        iso = day_range(year, month, day)
        if iso and month is None and day is None:  # "2019-2020", "between 2018 and 2021"
            last = max(int(y) for y in _HAS_YEAR.findall(text[start:end]) or [year])
            iso = (iso[0], f"{max(last, year):04d}-12-31")
        if iso is None:
            continue
        a, b = sentences.around(start, end)
        out.append(models.DateMention(start, end, " ".join(text[start:end].split()), iso[0], iso[1],
                               a, b, sentences.sentence(a, b)))
    return out


def _metadata_dates(metadata: dict) -> list:
    out = []
    for key in ("created", "date", "modified"):
        value = str(metadata.get(key) or "")
        m = _EXPLICIT[0].search(value)
        iso = m and day_range(int(m["year"]), int(m["month"]), int(m["day"]))
        if iso:
            out.append(models.DateMention(-1, -1, value[:40], iso[0], iso[1], -1, -1,
                                   f"(document metadata: {key} {value[:40]})"))
    return out


class _YearsBefore:
    """The year of the last date with a month found before an offset, as a DATE span's hint:
    first among those read from DATE spans (in the order read), else among the explicit ones
    (sorted by start: one bisect). Scanning every date found for every span grew with the
    square of a long document's dates."""

    def __init__(self, explicit: list):
        dated = [(f[0], f[2]) for f in explicit if f[3] is not None]
        self.starts = [start for start, _ in dated]
        self.years = [year for _, year in dated]
        self.spans: list[tuple[int, int]] = []  # (start, year) read from DATE spans, with a month

    def read(self, start: int, year: int, month: int | None, day: int | None) -> None:
        if month is not None:
            self.spans.append((start, year))

    def before(self, offset: int) -> int | None:
        for start, year in reversed(self.spans):  # spans come in order: the last one, at once
            if start < offset:
                return year
        i = bisect_left(self.starts, offset)
        return self.years[i - 1] if i else None


def warm() -> None:
    """dateparser's import and first parse, which builds its time-zone patterns (~0.5 s, the
    first changed file's in a watcher), done while nothing changes."""
    _read_date_span("the 3rd of March", 2025)


def _read_date_span(piece: str, year_hint: int | None) -> tuple[int, int | None, int | None] | None:
    """(year, month, day) of a DATE span, its precision taken from what the text names."""
    if _RELATIVE.search(piece):
        return None
    month_m = _HAS_MONTH.search(piece)
    year_m = _HAS_YEAR.search(piece)
    if year_m is None and (month_m is None or year_hint is None):
        return None
    if month_m is None:  # "2024", "the year 2020", "2019-2020": the (first) year
        return int(year_m.group(0)), None, None
    # "May" alone is too often a verb or a name; a month word needs a day or a year with it,
    # or to be a whole DATE span the model found ("in March").
    rest = piece[: month_m.start()] + " " + piece[month_m.end():]
    has_day = _HAS_DAY.search(_HAS_YEAR.sub(" ", rest)) is not None
    import dateparser  # index time only: ~50-110 ms to import

    base = datetime(year_m and int(year_m.group(0)) or year_hint, 12, 31)
    parsed = dateparser.parse(piece, languages=["en"], settings={
        "RELATIVE_BASE": base, "PREFER_DATES_FROM": "past", "PREFER_DAY_OF_MONTH": "first",
        "REQUIRE_PARTS": ["month"]})
    if parsed is None:
        return None
    year = int(year_m.group(0)) if year_m else year_hint
    return year, parsed.month, parsed.day if has_day else None


def extract_money(text: str, spans: list[Span]) -> list:
    """Every money amount in ``text``: signs and codes first, then the model's MONEY spans."""
    sentences = _Sentences(text, spans)
    found: list[tuple[int, int, float, str]] = []
    taken = _Taken()

    def scan(start: int, piece: str) -> bool:
        hit = False
        for pattern in _MONEY:
            for m in pattern.finditer(piece):
                s, e = start + m.start(), start + m.end()
                if taken.overlaps(s, e):
                    continue
                parsed = _amount(m)
                if parsed is None:
                    continue
                found.append((s, e, *parsed))
                taken.add(s, e)
                hit = True
        return hit

    scan(0, text)
    for span in spans:
        if span.label == "MONEY" and not taken.overlaps(span.start, span.end):
            scan(span.start, text[span.start : span.end])
    out = []
    for start, end, amount, currency in sorted(found):
        a, b = sentences.around(start, end)
        out.append(models.MoneyMention(start, end, text[start:end], amount, currency, a, b,
                                sentences.sentence(a, b)))
    return out


def _amount(m: re.Match) -> tuple[float, str] | None:
    parts = m.groupdict()
    try:
        value = float(parts["num"].replace(",", ""))
    except ValueError:
        return None
    scale = (parts.get("scale") or "").lower()
    value *= _SCALE.get(scale, 1.0)
    if parts.get("sign"):
        currency = _SIGNS[parts["sign"]]
    elif parts.get("code"):
        currency = parts["code"]
    else:
        currency = _WORDS[parts["word"].lower()]
    return value, currency


def parse_range(value: str) -> tuple[str, str]:
    """``2025``, ``2025-02``, ``2025-02-03`` or ``A..B`` (either end open) as ISO days;
    ValueError with a readable message otherwise."""
    low, sep, high = value.partition("..")
    if not sep:
        high = low
    start = _bound(low, first=True) if low else "0000-01-01"
    end = _bound(high, first=False) if high else "9999-12-31"
    if start > end:
        raise ValueError(f"the date range {value!r} ends before it starts")
    return start, end


def _bound(value: str, first: bool) -> str:
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", value.strip())
    rng = m and day_range(int(m.group(1)), m.group(2) and int(m.group(2)),
                          m.group(3) and int(m.group(3)))
    if not rng:
        raise ValueError(f"not a date: {value!r} (use YYYY, YYYY-MM or YYYY-MM-DD, "
                         f"and A..B for a range)")
    return rng[0] if first else rng[1]
