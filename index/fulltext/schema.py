"""The Whoosh schema: fields, analyzers, and the bulk formats that write what they make.

Document text is not stored in Whoosh; snippets are highlighted from the catalog's copy, which
keeps the segments small (cold queries read less) and the text in one place. Only Whoosh's
public API is used here: both engines (plain.py, _whoosh/) write with these fields.
"""

from __future__ import annotations

import re
from array import array
from typing import TYPE_CHECKING

from whoosh import fields, formats
from whoosh.analysis import CharsetFilter, Filter, LowercaseFilter, RegexTokenizer, Tokenizer
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
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


# RegexTokenizer's default expression, its group made non-capturing so findall gives whole words
# (snippets.py finds words with it too); ACCENTS folds as CharsetFilter(accent_map) does
WORD = re.compile(r"[\w\*]+(?:\.?[\w\*]+)*")
ACCENTS = str.maketrans(accent_map)


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
        if kwargs.get("start_pos", 0) or kwargs.get("chars") or not isinstance(value, str):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        big = len(value) > PIECE_CHARS
        poses: dict[str, list[int] | array] = {}
        base = 0
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
            base += len(words)
        yield from _word_values(self, poses)


# Past this many characters a value is analysed a piece at a time, cut at whitespace (which no
# word crosses), and a word's positions are kept in an array: a 50 MB body's words in one list
# were 8 M strings (~500 MB) and its positions 8 M int objects (~300 MB), most of the peak of
# the full-text write (bench/big_file.py).
PIECE_CHARS = 1 << 20
_SPACE = re.compile(r"\s")


def _pieces(value: str, size: int | None = None):
    """``value`` in pieces of about ``size`` characters, each cut just before whitespace."""
    size = size or PIECE_CHARS
    start, end = 0, len(value)
    while end - start > size:
        found = _SPACE.search(value, start + size)
        if found is None:
            break
        yield value[start:found.start()]
        start = found.start()
    yield value[start:] if start else value


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
        if kwargs.get("start_pos", 0) or kwargs.get("chars") or not isinstance(value, str):
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


# No field of adjacent word pairs for phrase queries (Elasticsearch's index_phrases): tried,
# it made "white house" one term lookup (~20x faster at 20,000 articles) but its millions of
# distinct pairs made Whoosh's write ~4x longer (about 11 minutes of 20,000 articles' ~30),
# and indexing time is the figure that grows with every document a user adds.
def make_schema() -> fields.Schema:
    schema = fields.Schema(
        doc_id=fields.ID(stored=True, unique=True),
        path=fields.ID(stored=True),
        # no stored field boost: query.FIELD_BOOSTS weighs the title once (indexes written
        # before keep title weights doubled, which only ranks their title words higher)
        title=text_field(stored=True),
        body=text_field(stored=False),
        entity=names_field(),
    )
    schema.add(STEM_FIELD, stem_field())
    for name in ENTITY_FIELDS:
        schema.add(name, names_field())
    return schema


def whoosh_fields(entry: FulltextEntry) -> dict[str, str]:
    """The Whoosh document written for an entry."""
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
    return doc


for _cls in (NameListTokenizer, TextPositions, NamePositions, SnowballFilter, StemFrequency):
    _cls.__module__ = PICKLED_AS
