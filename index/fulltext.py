"""Whoosh side of the index: schema, writing (derived from the catalog), searching, snippets.

Document text is not stored in Whoosh; snippets are highlighted from the catalog's copy, which
keeps the segments small (cold queries read less) and the text in one place.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from casework.index import whoosh_imports  # noqa: F401  (before whoosh: see its docstring)
from whoosh import fields, formats, index, qparser
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, Tokenizer
from whoosh.support.charset import accent_map

from casework.index.entities import ENTITY_FIELDS


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
_WORD = re.compile(r"[\w\*]+(?:\.?[\w\*]+)*")
_ACCENTS = str.maketrans(accent_map)


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
        words = "\n".join(_WORD.findall(value)).lower().translate(_ACCENTS).split("\n")
        if words == [""]:  # no words at all
            return
        poses: dict[str, list[int]] = {}
        for pos, word in enumerate(words):
            found = poses.get(word)
            if found is None:
                poses[word] = [pos]
            else:
                found.append(pos)
        yield from _word_values(self, poses)


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
        names = [_WORD.findall(line) for line in value.split("\n")]
        words = iter("\n".join(w for name in names for w in name).lower().translate(_ACCENTS)
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
        title=text_field(stored=True, field_boost=2.0),
        body=text_field(stored=False),
        entity=names_field(),
    )
    for name in ENTITY_FIELDS:
        schema.add(name, names_field())
    return schema


@dataclass(frozen=True)
class FulltextEntry:
    doc_id: str
    path: str
    title: str
    body: str
    entities: dict[str, list[str]]

    def fingerprint(self, sha256: str) -> str:
        """Changes whenever what Whoosh should hold for this document changes."""
        h = hashlib.sha1(sha256.encode())
        h.update(self.path.encode("utf-8", "backslashreplace"))
        h.update(self.title.encode("utf-8", "backslashreplace"))
        for field in sorted(self.entities):
            h.update(field.encode())
            h.update("\n".join(self.entities[field]).encode("utf-8", "backslashreplace"))
        return h.hexdigest()


def whoosh_fields(entry: FulltextEntry) -> dict[str, str]:
    """The Whoosh document written for an entry."""
    doc = {
        "doc_id": entry.doc_id,
        "path": entry.path,
        "title": entry.title,
        "body": entry.body,
        "entity": "\n".join(n for names in entry.entities.values() for n in names),
    }
    for field, names in entry.entities.items():
        if field in ENTITY_FIELDS:
            doc[field] = "\n".join(names)
    return doc


class Fulltext:
    def __init__(self, path: Path):
        self.path = path
        self._ix = None

    @property
    def ix(self):
        if self._ix is None:
            self._ix = index.open_dir(str(self.path))
        return self._ix

    def reopen(self) -> None:
        """Forget the open index, so the next use reads the directory as it is now."""
        self._ix = None

    @classmethod
    def create(cls, path: Path) -> "Fulltext":
        path.mkdir(parents=True, exist_ok=True)
        index.create_in(str(path), make_schema())
        return cls(path)

    def write(
        self,
        upserts: Iterable[FulltextEntry],
        deletes: Iterable[str],
        big: bool = False,
        on_written: Callable[[FulltextEntry], None] | None = None,
        procs: int = 1,
    ) -> int:
        """Apply changes in one Whoosh commit; returns the number of documents written.

        Segments are not compound: Whoosh reads a compound file whole into memory on open, and
        non-compound segments made cold queries ~30-40% faster and cold RSS ~290 MB -> ~25 MB at
        20k documents (FIELD-NOTES); measured again on bench/corpus.py at 2,000 documents, one
        merged segment each, a whole-process cold query (Whoosh imports, open, top 10): median
        144 ms and 31 MB non-compound against 158 ms and 86 MB compound. After a big build the
        segments are merged into one, since every extra segment costs a cold query another set
        of file opens and term lookups.

        A big first build with ``procs`` > 1 (the indexer's --jobs) analyses in that many
        processes and keeps one segment each: writing 3,000 news articles took 19 s with two
        against 31 s with one, while merging the two segments at the end took it back to 37 s.
        A later query pays a few extra file opens for the second segment.

        Postings are pooled and written per term (segment_writer.py), the same bytes as
        Whoosh's writer: 20,000 news articles' full-text write went from 143 to 75 s.
        """
        # imported here: whoosh.multiproc brings multiprocessing, which searches never need
        from casework.index.segment_writer import FastMpWriter, FastSegmentWriter

        fresh = big and procs > 1 and self.ix.doc_count_all() == 0
        if fresh:
            writer = FastMpWriter(self.ix, procs=procs, limitmb=128, compound=False)
        else:
            writer = FastSegmentWriter(self.ix, limitmb=128, compound=False)
        n = 0
        try:
            for doc_id in deletes:
                writer.delete_by_term("doc_id", doc_id)
            for entry in upserts:
                writer.update_document(**whoosh_fields(entry))
                if on_written:
                    on_written(entry)
                n += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit(optimize=big and not fresh, merge=True)
        self._ix = None
        self.write_common_postings()
        return n

    def write_common_postings(self) -> int:
        """Write the common words' postings file of each segment that lacks one (segments of an
        index written before postings_file.py existed); new segments get theirs as they are
        written. Returns how many were written. Only speed depends on them: a failure to
        write one is left for the next run to try again."""
        from functools import partial

        from casework.index import postings_file
        from casework.index.rank import read_postings

        try:
            return postings_file.ensure(self.ix, partial(read_postings, values=True))
        except Exception:  # the commit is done: a segment without the file is still searched
            return 0

    def doc_ids(self) -> set[str]:
        """The ids of the documents Whoosh holds. Its lexicon of ids (read whole: fast) keeps a
        deleted document's id until the segment is merged away, so the ids of deleted
        documents (few: those replaced or removed since) are checked for a live one."""
        with self.ix.searcher() as s:
            ids = {t.decode("utf-8") for t in s.reader().lexicon("doc_id")}
            gone = set()
            for sub, _ in s.leaf_searchers():
                reader = sub.reader()
                if reader.has_deletions():
                    gone.update(reader.stored_fields(d).get("doc_id") for d in
                                reader.deleted_docs_set)
            ids.difference_update(d for d in gone if d and s.document_number(doc_id=d) is None)
            return ids

    def doc_count(self) -> int:
        return self.ix.doc_count()


# -- searching ---------------------------------------------------------------------------------

SEARCH_FIELDS = ["title", "body", "entity"]


def make_parser(schema) -> qparser.QueryParser:
    """Whoosh's parser with AND by default, fuzzy ``term~``, and every field addressable."""
    parser = qparser.MultifieldParser(
        SEARCH_FIELDS, schema, fieldboosts={"title": 2.0, "body": 1.0, "entity": 0.5}
    )
    parser.add_plugin(qparser.FuzzyTermPlugin())
    return parser


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
    pattern = None
    if len(words) <= _MAX_PATTERN_WORDS and "\u0130" not in text:  # İ: its lowercase is 2 chars
        pattern = _candidates(frozenset(words))
    for m in (pattern or _WORD).finditer(text, 0, limit):
        if m.end() == limit < len(text):  # perhaps a longer word cut at the limit
            return
        word = m.group().lower().translate(_ACCENTS)
        if word in words:
            yield m.start(), m.end(), word


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


def lead_snippet(text: str, chars: int = 200) -> str:
    """The opening of a document, for hits that matched outside the body."""
    head = _one_line(text[: chars + 1])
    return head[:chars] + ("…" if len(text) > chars else "")


def _one_line(text: str) -> str:
    return text.replace("\n", " ").replace("\t", " ")
