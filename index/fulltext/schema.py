"""The Whoosh schema: fields, analyzers, and the bulk formats that write what they make.

Document text is not stored in Whoosh; snippets are highlighted from the catalog's copy, which
keeps the segments small (cold queries read less) and the text in one place. Only Whoosh's
public API is used here: both engines (plain.py, _whoosh/) write with these fields.
"""

from __future__ import annotations

import re
from array import array
from typing import TYPE_CHECKING, Callable, Iterator

from whoosh import fields, formats
from whoosh.analysis import (
    CharsetFilter,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    Token,
    Tokenizer,
)
from whoosh.support.charset import accent_map

from casework.index.entities import ENTITY_FIELDS

if TYPE_CHECKING:
    from casework.index.fulltext import FulltextEntry

# Whoosh pickles the schema into each index's TOC, these classes by module and name. Indexes
# written before full text was a package name them ``casework.index.fulltext.TextPositions``
# and so on: the package re-exports them under those names, and new indexes are written with
# the same names (``__module__`` below), so an index opens whichever side of the move wrote it.
PICKLED_AS = "casework.index.fulltext"


class NameListTokenizer(Tokenizer):
    """Tokenises newline-separated names, leaving a wide position gap between names.

    So ``person:"Harfuch Claudia"`` cannot match across the end of one name and the start of
    the next, while ``person:"Omar García Harfuch"`` and ``person:harfuch`` both match.
    """

    GAP = 100

    def __init__(self):
        self.inner = RegexTokenizer()

    def __eq__(self, other):
        return type(other) is type(self)

    def __call__(self, value, positions=False, chars=False, start_pos=0, start_char=0, **kw):
        pos, char = start_pos, start_char
        for line in value.split("\n"):
            last = pos - 1
            for token in self.inner(
                line, positions=positions, chars=chars, start_pos=pos, start_char=char, **kw
            ):
                if positions:
                    last = token.pos
                yield token
            pos = last + 1 + self.GAP
            char += len(line) + 1


def text_analyzer():
    # No stemming and no stop words: exact search must be exact ("the cartel" is a phrase).
    return WordTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


# RegexTokenizer's default expression, its group made non-capturing so findall gives whole words
# (snippets.py finds words with it too); ACCENTS folds as CharsetFilter(accent_map) does
WORD = re.compile(r"[\w\*]+(?:\.?[\w\*]+)*")
ACCENTS = str.maketrans(accent_map)

# A number written with thousands separators ("4,500", "4.500", "4 500", "1,234,567.89"): WORD
# splits it at commas and spaces ("4", "500"), so `4500` missed it. Its groups joined (and a
# decimal point's part kept: "1234567.89", a word as WORD reads one) are indexed as one more
# word. The groups after the first are three digits, all behind one separator; not inside a
# longer word or after a list's comma ("1,2,300"); a decimal comma ("1.234,56") stays a word
# of its own after the joined "1234". ASCII digits only, so the joined word needs no folding.
NUMBER = re.compile(
    r"(?<![\w*])(?<![\w*][.,])"
    r"[0-9]{1,3}(?P<sep>[,. \u00a0\u202f\u2009])[0-9]{3}(?:(?P=sep)[0-9]{3})*"
    r"(?!(?P=sep)[0-9])(?:\.[0-9]+)?(?![\w*])(?!\.[\w*])")


def joined_number(m: re.Match) -> str:
    """The digits of a NUMBER match as one word: "4,500" -> "4500", "1,234.5" -> "1234.5"."""
    number = m.group()
    sep = m.group("sep")
    if sep == ".":
        return number.replace(".", "")
    head, dot, decimals = number.partition(".")
    return head.replace(sep, "") + dot + decimals


# NUMBER's lookbehinds are tried at every char (~0.25 ms a news article); this finds where the
# first number may start in a fifth of that, and two articles in three have none
_NUMBER_HINT = re.compile(r"[0-9][,. \u00a0\u202f\u2009][0-9]{3}")


def joined_numbers(text: str, start: int = 0, end: int | None = None):
    """(start, end, joined word) of each number with separators in ``text``, in order."""
    end = len(text) if end is None else end
    hint = _NUMBER_HINT.search(text, start, end)
    if hint is None:
        return
    # lookbehinds see the chars before pos; a number starts at most 2 digits before its hint
    for m in NUMBER.finditer(text, max(start, hint.start() - 2), end):
        yield m.start(), m.end(), joined_number(m)


class WordTokenizer(Tokenizer):
    """RegexTokenizer's words, and each number with separators also as its joined word.

    Indexing, the joined word comes before the number's first part, at the position of its
    last part (so a phrase "4500 dollars" finds "4,500 dollars"). A query that is one such
    number alone (`4,500`) is its joined word only, which finds "4,500", "4.500" and "4500";
    a quoted phrase keeps the parts as typed. Indexes written before keep RegexTokenizer in
    their pickled schema, and so their queries too.
    """

    def __init__(self):
        self.inner = RegexTokenizer()

    def __eq__(self, other):
        return type(other) is type(self)

    def __call__(self, value, positions=False, chars=False, start_pos=0, start_char=0,
                 mode="", tokenize=True, **kw):
        numbers = list(joined_numbers(value)) if tokenize else []
        if not numbers:
            yield from self.inner(value, positions=positions, chars=chars, start_pos=start_pos,
                                  start_char=start_char, mode=mode, tokenize=tokenize, **kw)
            return
        if mode == "query":
            if len(numbers) == 1 and all(
                    numbers[0][0] <= m.start() and m.end() <= numbers[0][1]
                    for m in WORD.finditer(value)):
                t = Token(positions, chars, mode=mode, **kw)
                t.text, t.boost, t.stopped = numbers[0][2], 1.0, False
                if positions:
                    t.pos = start_pos
                if chars:
                    t.startchar, t.endchar = start_char + numbers[0][0], start_char + numbers[0][1]
                yield t
                return
            numbers = []  # in a phrase, the parts as typed
        at = iter(numbers)
        number = next(at, None)
        for t in self.inner(value, positions=positions, chars=True, start_pos=start_pos,
                            start_char=0, mode=mode, **kw):
            text, startchar, endchar = t.text, t.startchar, t.endchar
            if number is not None and startchar == number[0]:
                t.text = number[2]
                if positions:
                    t.pos += len(WORD.findall(value, number[0], number[1])) - 1
                t.startchar, t.endchar = start_char + number[0], start_char + number[1]
                yield t
                t.text, t.startchar, t.endchar = text, startchar, endchar
                if positions:
                    t.pos -= len(WORD.findall(value, number[0], number[1])) - 1
                number = next(at, None)
            t.startchar, t.endchar = start_char + startchar, start_char + endchar
            yield t


class TextPositions(formats.Positions):
    """Whoosh's Positions format, writing the words that text_analyzer() makes, in bulk.

    Whoosh runs each word through a chain of generators (tokenizer, lowercase, accent folding)
    and then the format's loop, several Python calls per word: most of Whoosh's write, which
    was most of casework's own indexing time besides NER (2,000 news articles: ~15 of ~20 s,
    in two processes). Here the words are found with one findall, lowercased and folded as one
    string, and counted in one loop. The same terms, positions and weights as the analyzer
    (tests/test_rank.py checks); queries still go through text_analyzer().
    """

    def word_values(self, value, analyzer, **kwargs):
        if kwargs.get("start_pos", 0) or kwargs.get("chars") or not isinstance(value, _BODY):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        big = isinstance(value, LongText) or len(value) > PIECE_CHARS
        poses: dict[str, list[int] | array] = {}
        base = 0
        joined = isinstance(getattr(analyzer, "items", [None])[0], WordTokenizer)
        for piece in _pieces(value):
            words = "\n".join(WORD.findall(piece)).lower().translate(ACCENTS).split("\n")
            if words == [""]:  # no words at all
                continue
            for pos, word in enumerate(words, base):
                found = poses.get(word)
                if found is None:
                    poses[word] = array("I", (pos,)) if big else [pos]
                else:
                    found.append(pos)
            if joined:
                _add_joined_numbers(piece, poses, base)
            base += len(words)
        yield from _word_values(self, poses)


# Past this many characters a value is analysed a piece at a time, cut at whitespace (which no
# word crosses), and a word's positions are kept in an array: a 50 MB body's words in one list
# were 8 M strings (~500 MB) and its positions 8 M int objects (~300 MB), most of the peak of
# the full-text write (bench/big_file.py).
PIECE_CHARS = 1 << 20
_SPACE = re.compile(r"\s")


class LongText(tuple):
    """A long body given to Whoosh as a way to read it, not as a str: TextPositions and
    StemFrequency take its pieces as _pieces cuts them from the whole (the same terms and
    positions), read as they go (``read``: the text in pieces of any size, from the catalog).
    At the 200 MB cap the whole str was 400-800 MB of the full-text write's peak. A tuple
    (empty) only because Whoosh indexes nothing but a str, a list or a tuple."""

    read: Callable[[], Iterator[str]]

    def __new__(cls, read: Callable[[], Iterator[str]]) -> "LongText":
        self = super().__new__(cls)
        self.read = read
        return self

    def pieces(self, size: int | None = None) -> Iterator[str]:
        """What ``_pieces(whole text, size)`` gives, from the pieces ``read`` gives."""
        size = size or PIECE_CHARS
        parts = self.read()
        buf, more = "", True

        def fill(n: int) -> bool:  # buf longer than n, or the text ends first
            nonlocal buf, more
            while more and len(buf) <= n:
                got = next(parts, None)
                if got is None:
                    more = False
                else:
                    buf += got
            return len(buf) > n

        while fill(size):
            at = size
            while True:  # the first whitespace at or after ``size``, reading on to find it
                found = _SPACE.search(buf, at)
                if found is not None or not more:
                    break
                at = len(buf)
                fill(len(buf))
            if found is None:
                break
            yield buf[:found.start()]
            buf = buf[found.start():]
        yield buf


_BODY = (str, LongText)  # what TextPositions and StemFrequency analyse themselves


def _pieces(value: str | LongText, size: int | None = None):
    """``value`` in pieces of about ``size`` characters, each cut just before whitespace."""
    if isinstance(value, LongText):
        yield from value.pieces(size)
        return
    size = size or PIECE_CHARS
    start, end = 0, len(value)
    while end - start > size:
        found = _SPACE.search(value, start + size)
        if found is None:
            break
        yield value[start:found.start()]
        start = found.start()
    yield value[start:] if start else value


def _add_joined_numbers(value: str, poses: dict[str, list[int] | array], base: int = 0) -> None:
    """Each number with separators' joined word at its last part's position, as
    WordTokenizer makes them. Positions are counted by finding the words between numbers
    again: only in texts that hold such a number. ``base``: the position of the value's
    first word (a piece of a long body)."""
    pos, at = base, 0
    for start, end, joined in joined_numbers(value):
        pos += len(WORD.findall(value, at, start))
        parts = len(WORD.findall(value, start, end))
        found = poses.get(joined)
        if found is None:
            poses[joined] = [pos + parts - 1]
        elif pos + parts - 1 not in found:
            found.append(pos + parts - 1)
            poses[joined] = array("I", sorted(found)) if isinstance(found, array) else sorted(found)
        pos += parts
        at = end


class NamePositions(formats.Positions):
    """Whoosh's Positions format, writing the words that names_analyzer() makes, in bulk (as
    TextPositions does for text): each line is a name, and NameListTokenizer.GAP positions
    lie between one name's last word and the next name's first. The entity fields were ~15%
    of Whoosh's write. The same terms, positions and weights (tests/test_rank.py checks).
    """

    def word_values(self, value, analyzer, **kwargs):
        if kwargs.get("start_pos", 0) or kwargs.get("chars") or not isinstance(value, str):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        names = [WORD.findall(line) for line in value.split("\n")]
        words = iter("\n".join(w for name in names for w in name).lower().translate(ACCENTS)
                     .split("\n"))
        poses: dict[str, list[int]] = {}
        start = 0
        for name in names:
            for pos, word in zip(range(start, start + len(name)), words):
                found = poses.get(word)
                if found is None:
                    poses[word] = [pos]
                else:
                    found.append(pos)
            start += len(name) + NameListTokenizer.GAP
        yield from _word_values(self, poses)


# A word found once in a document (most are) has its one position encoded as Whoosh does,
# kept here: Whoosh pickles a list per word and document (~1 us; ~800,000 at 2,000 articles)
_ONE_POSITION: dict[int, bytes] = {}


def _word_values(fmt: formats.Positions, poses: dict[str, list[int]]):
    fb = fmt.field_boost
    for word, poslist in poses.items():
        if len(poslist) == 1 and poslist[0] < 65536:
            encoded = _ONE_POSITION.get(poslist[0])
            if encoded is None:
                encoded = _ONE_POSITION[poslist[0]] = fmt.encode(poslist)
        else:
            encoded = fmt.encode(poslist)
        yield word, len(poslist), len(poslist) * fb, encoded


def text_field(**kwargs) -> fields.TEXT:
    field = fields.TEXT(analyzer=text_analyzer(), phrase=True, **kwargs)
    field.format = TextPositions(field_boost=field.format.field_boost)
    return field


# Word forms: the body's words stemmed (Snowball English, by PyStemmer), searched beside the
# exact fields at a lower weight, so `travel` finds "travelled". No positions: a phrase or a
# quoted word is exact, never stemmed. Indexes written before this field search without it.
STEM_FIELD = "stem"
STEM_LANGUAGE = "english"


class SnowballFilter(Filter):
    """Stems each token with PyStemmer's Snowball (a C extension; Whoosh's own Snowball is pure
    Python, ~10x slower). Pickled into the schema by language name only."""

    def __init__(self, language: str = STEM_LANGUAGE):
        self.language = language

    def __eq__(self, other):
        return type(other) is type(self) and other.language == self.language

    def __getstate__(self):
        return {"language": self.language}

    def __setstate__(self, state):
        self.language = state["language"]

    def __call__(self, tokens):
        stem = stemmer(self.language).stemWord
        for t in tokens:
            t.text = stem(t.text)
            yield t


_STEMMERS: dict = {}


def stemmer(language: str = STEM_LANGUAGE):
    """PyStemmer's stemmer for ``language``, made once (it keeps a cache of stemmed words)."""
    found = _STEMMERS.get(language)
    if found is None:
        import Stemmer

        found = _STEMMERS[language] = Stemmer.Stemmer(language)
    return found


# The stem field's words are split at dots too, so the parts of a dotted word are found
# ("amazon" finds "Amazon.com", "twitter" finds "pic.twitter.com"), while the exact fields keep
# the whole word (hyphens, @ and commas split words in every field: "ARL-2291" is arl 2291).
PART = re.compile(r"\w+")


def stem_analyzer():
    return RegexTokenizer(PART) | LowercaseFilter() | CharsetFilter(accent_map) | SnowballFilter()


class StemFrequency(formats.Frequency):
    """Whoosh's Frequency format, writing the stems that stem_analyzer() makes in bulk: the
    words found with one findall, folded as one string, stemmed in one stemWords call."""

    def word_values(self, value, analyzer, **kwargs):
        if kwargs.get("start_pos", 0) or kwargs.get("chars") or not isinstance(value, _BODY):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        counts: dict[str, int] = {}
        for piece in _pieces(value):  # a long text a piece at a time (see PIECE_CHARS)
            words = "\n".join(PART.findall(piece)).lower().translate(ACCENTS).split("\n")
            if words == [""]:
                continue
            for stem in stemmer().stemWords(words):
                counts[stem] = counts.get(stem, 0) + 1
        fb = self.field_boost
        for stem, n in counts.items():
            yield stem, n, n * fb, formats.pack_uint(n)


def stem_field() -> fields.TEXT:
    field = fields.TEXT(analyzer=stem_analyzer(), phrase=False)
    field.format = StemFrequency(field_boost=field.format.field_boost)
    return field


def names_analyzer():
    return NameListTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


def names_field() -> fields.TEXT:
    field = fields.TEXT(analyzer=names_analyzer(), phrase=True)
    field.format = NamePositions(field_boost=field.format.field_boost)
    return field


# Metadata as fields: searched only when named (``from:alice``), never by a bare word, so a
# plain query costs no more than before. Words (text_analyzer, with positions): a document's
# author and an e-mail's subject. Keywords (MetaTokenizer, no positions): the rest, each kind
# split as people search it. Indexes written before these fields search without them, and
# say so when a query names one (query.META_FIELDS_NOTE).
TEXT_META_FIELDS = ("author", "subject")
KEYWORD_META_FIELDS = {
    "from": "address", "to": "address", "cc": "address",
    "type": "keyword", "ext": "ext",
    "created": "date", "modified": "date",
    "message_id": "keyword", "in_reply_to": "keyword",
}
# Patterns of values being written, compiled on first use (re's cache): a search never needs
# them, and each compile was ~0.1 ms of every cold one
_ISO_DAY = r"(\d{4})-(\d{2})-(\d{2})"
_ADDRESS = r"^(.*?)<([^<>]*)>\s*$"


def date_tokens(value: str) -> list[str]:
    """What MetaTokenizer makes of a date: the day, month, year, decade, century and
    millennium, so a range is a handful of terms (query.date_terms) whatever it spans."""
    m = re.search(_ISO_DAY, value)
    if not m:
        return []
    y = m.group(1)
    return [m.group(0), f"{y}-{m.group(2)}", y, y[:3] + "x", y[:2] + "xx", y[:1] + "xxx"]


def _fold(value: str) -> str:
    return " ".join(value.lower().translate(ACCENTS).split())


def address_tokens(line: str) -> list[str]:
    """``Alice Smith <alice.smith@mail.example.com>``: the address whole, its domain and the
    domains above it (not a bare top-level one), its local part and that part's pieces, and
    the display name whole and by word."""
    line = _fold(line)
    m = re.match(_ADDRESS, line)
    name, address = (m.group(1), m.group(2).strip()) if m else ("", line)
    if "@" not in address:  # no address: a name alone (or something else) by its words
        name, address = line, ""
    out = []
    if address:
        out.append(address)
        local, _, domain = address.rpartition("@")
        while "." in domain:
            out.append(domain)
            domain = domain.split(".", 1)[1]
        out.append(local)
        out += PART.findall(local)
    name = name.strip().strip("\"'").strip()
    if name:
        out.append(name)
        out += WORD.findall(name)
    return out


def path_tokens(value: str) -> list[str]:
    """Each folder's and the file's name, whole and by word, and the file name without its
    extension: ``/case/Invoices 2024/report.pdf`` has invoices, 2024, report and report.pdf."""
    out = []
    for part in re.split(r"[/\\]+", _fold(value)):
        if part:
            out.append(part)
            out += PART.findall(part)
            stem = part.rsplit(".", 1)[0]
            if stem and stem != part:
                out.append(stem)
    return out


def _keyword(value: str) -> str:
    return _fold(value).strip("<>").strip()


_INDEX_TOKENS = {
    "address": lambda v: [t for line in v.split("\n") for t in address_tokens(line)],
    "path": path_tokens,
    "keyword": lambda v: [_keyword(line) for line in v.split("\n")],
    "ext": lambda v: [line.strip().lower() for line in v.split("\n")],
    "date": lambda v: [t for line in v.split("\n") for t in date_tokens(line)],
}
# as typed: one term (``from:alice@example.com``, ``from:example.com``, ``from:"Alice
# Smith"``), a path's steps each (``path:case/invoices``: both), ``ext:.pdf`` as ``pdf``
_QUERY_TOKENS = {
    "address": lambda v: [_keyword(v).strip("\"'")],
    "path": lambda v: [p for p in re.split(r"[/\\]+", _fold(v)) if p],
    "keyword": lambda v: [_keyword(v)],
    "ext": lambda v: [_fold(v).lstrip(".")],
    "date": lambda v: [v.strip().lower()],
}


class MetaTokenizer(Tokenizer):
    """The terms of one metadata field, by ``kind`` (_INDEX_TOKENS): lower case, accents
    folded, each term once. A query's text is read as typed (_QUERY_TOKENS), not split as the
    document's value is: ``from:example.com`` looks up the domain. Pickled by kind only."""

    def __init__(self, kind: str = "keyword"):
        self.kind = kind

    def __eq__(self, other):
        return type(other) is type(self) and other.kind == self.kind

    def __getstate__(self):
        return {"kind": self.kind}

    def __setstate__(self, state):
        self.kind = state["kind"]

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="", **kw):
        if mode == "query" or not tokenize:
            texts = _QUERY_TOKENS[self.kind](value) if tokenize else [_fold(value)]
        else:
            texts = dict.fromkeys(_INDEX_TOKENS[self.kind](value))
        token = Token(positions, chars, removestops=removestops, mode=mode, **kw)
        for pos, text in enumerate(t for t in texts if t):
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token


def meta_field(kind: str, stored: bool = False) -> fields.TEXT:
    return fields.TEXT(analyzer=MetaTokenizer(kind), phrase=False, stored=stored)


# No field of adjacent word pairs for phrase queries (Elasticsearch's index_phrases): tried,
# it made "white house" one term lookup (~20x faster at 20,000 articles) but its millions of
# distinct pairs made Whoosh's write ~4x longer (about 11 minutes of 20,000 articles' ~30),
# and indexing time is the figure that grows with every document a user adds.
def make_schema() -> fields.Schema:
    schema = fields.Schema(
        doc_id=fields.ID(stored=True, unique=True),
        # searchable by its folders' and file name's words (``path:invoices``); indexes written
        # before held it whole, as an ID no query named
        path=meta_field("path", stored=True),
        # no stored field boost: query.FIELD_BOOSTS weighs the title once (indexes written
        # before keep title weights doubled, which only ranks their title words higher)
        title=text_field(stored=True),
        body=text_field(stored=False),
        entity=names_field(),
    )
    schema.add(STEM_FIELD, stem_field())
    for name in ENTITY_FIELDS:
        schema.add(name, names_field())
    for name in TEXT_META_FIELDS:
        schema.add(name, text_field())
    for name, kind in KEYWORD_META_FIELDS.items():
        schema.add(name, meta_field(kind))
    return schema


def whoosh_fields(entry: FulltextEntry) -> dict[str, str]:
    """The Whoosh document written for an entry."""
    from casework.index.doctypes import extensions  # writing only

    doc = {
        "doc_id": entry.doc_id,
        "path": entry.path,
        "title": entry.title,
        "body": entry.body,
        STEM_FIELD: entry.body,
        "entity": "\n".join(n for names in entry.entities.values() for n in names),
    }
    for field, names in entry.entities.items():
        if field in ENTITY_FIELDS:
            doc[field] = "\n".join(names)
    doc.update({
        "author": entry.author,
        "subject": entry.subject,
        "from": entry.sender,
        "to": "\n".join(entry.to),
        "cc": "\n".join(entry.cc),
        "type": "\n".join(v for v in (entry.kind, entry.content_type.split(";", 1)[0]) if v),
        "ext": "\n".join(extensions(entry.path)),
        "created": entry.created,
        "modified": entry.modified,
        "message_id": entry.message_id,
        "in_reply_to": entry.in_reply_to,
    })
    return doc


for _cls in (NameListTokenizer, WordTokenizer, TextPositions, NamePositions, SnowballFilter,
             StemFrequency, MetaTokenizer):
    _cls.__module__ = PICKLED_AS
