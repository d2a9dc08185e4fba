"""Queries: Whoosh's query language as casework reads it, with caps on what a query may cost.

Shared by both engines, and on Whoosh's public API only: parsing (AND by default, fuzzy
``term~``, every field addressable, an operator dangling at the end left out), the caps on
wildcard and fuzzy expansion, the words a query matched (for snippets), and spelling
suggestions.
"""

from __future__ import annotations

import copy
import re
import time

from whoosh import qparser
from whoosh import query as wq
from whoosh.spelling import Corrector

from casework.index.entities import ENTITY_FIELDS
from casework.index.errors import QueryError
from casework.index.fulltext import spelling
from casework.index.fulltext.schema import (
    KEYWORD_META_FIELDS,
    STEM_FIELD,
    MetaTokenizer,
    TEXT_META_FIELDS,
    make_schema,
    stemmer,
)

SEARCH_FIELDS = ["title", "body", "entity"]
NO_STEMS_NOTE = ("this index finds words as typed only; casework index --rebuild gives it "
                 "word forms (travel: travelled, travels)")
# Metadata fields (schema.py), searched when named only; ``path`` is the file's path by words
META_FIELDS = ("path", *TEXT_META_FIELDS, *KEYWORD_META_FIELDS)
DATE_FIELDS = tuple(f for f, kind in KEYWORD_META_FIELDS.items() if kind == "date")
META_FIELDS_NOTE = ("this index has no {fields} field{s} to search (it was built before "
                    "metadata fields); casework index --rebuild adds them")
# Keyword fields hold no positions: a quoted phrase in one is its words each
_NO_POSITIONS = frozenset({"path", *KEYWORD_META_FIELDS})

# Wildcard and fuzzy terms expand over the vocabulary; cap the expansion so `*a*` on a big
# index answers in bounded time instead of building a query of every term.
MAX_EXPANSION = 1024
MAX_EXPANDING_TERMS = 8
# All expansions of one query together: each expanded term costs a posting matcher per segment.
MAX_TOTAL_EXPANSION = 4096
MAX_FUZZY_DISTANCE = 2
FUZZY_PREFIX = 1
EXPANSION_BUDGET_S = 2.0
TIME_LIMIT_S = 10.0
MAX_QUERY_CHARS = 2000
# Query words found in these fields are marked in a hit's snippet (of its body text): a match
# on `person:trump` marks "Trump" where the text names him.
HIGHLIGHT_FIELDS = frozenset({"title", "body", "entity", *ENTITY_FIELDS, *TEXT_META_FIELDS})
# Spelling suggestions cost a fuzzy walk of the vocabulary per word: offer them for short
# queries only (a 300-word query with no hits would otherwise spend seconds per word).
MAX_SUGGEST_WORDS = 6
# Operators at the end of a query, with nothing after them to join: a query being typed
# ("trump AND", "trump OR"). Whoosh's parser would search each as a word ("and", in nearly
# every document: ~120 ms a key at 100,000 articles); they are left out, so the query asks for
# what comes before them. An operator alone stays a word, as Whoosh reads it.
_DANGLING_OPERATORS = re.compile(r"(?:\s+(?:AND|OR|NOT|ANDNOT|ANDMAYBE))+$")


# The scoring both engines share: each field's weight in a search of all of them, and BM25's
# parameters (Whoosh's BM25F scores each field on its own and sums them). Chosen on a
# known-item set of 3,823 news articles (bench/search_quality.py --grid): three remembered body
# words, AND and OR, and two entity names of the article. The title is also the body's first
# line, so a title weight above zero counts its words twice: the old title x2 (query) x2
# (stored field boost) put the OR set at MRR 0.32 (tantivy 0.66). 300 items: title 0.25, K1 0.9
# gave AND 0.977 / OR 0.933; title 1.0, K1 1.2 0.977 / 0.83; title 0 0.978 / 0.96 but a word
# only in the title would then score nothing; K1 0.7 adds ~0.02 to OR, B moves it ~0.01.
# Word forms (the stem field) at 0.1 / 0.25 / 0.5 / 1.0: another form of a remembered word
# found at MRR 0.943 / 0.943 / 0.946 / 0.948 (0 without), AND 0.973 / 0.973 / 0.973 / 0.971,
# OR 0.933 / 0.937 / 0.943 / 0.944.
FIELD_BOOSTS = {"title": 0.25, "body": 1.0, "entity": 0.5, STEM_FIELD: 0.5}
BM25_B = 0.75
BM25_K1 = 0.9


def weighting():
    """Whoosh's BM25F with the shared parameters (rank.py computes the same)."""
    from whoosh import scoring

    return scoring.BM25F(B=BM25_B, K1=BM25_K1)


def make_parser(schema) -> qparser.QueryParser:
    """Whoosh's parser with AND by default, fuzzy ``term~``, and every field addressable."""
    searched = [*SEARCH_FIELDS, *([STEM_FIELD] if STEM_FIELD in schema else [])]
    # a word the analyzer splits ("ARL-2291", "4,500", "al-Qaeda", "9/11") is its parts in a
    # row, not each part anywhere in the document (Whoosh's default: 89 of 3,788 articles for
    # "2,500", 78 as a phrase). Set on the parser's copy of the schema; the stem field has no
    # positions and keeps Whoosh's AND, which _cap drops.
    schema = copy.copy(schema)
    schema._fields = dict(schema._fields)
    # an index written before the metadata fields is parsed as a new one is (their terms then
    # match nothing there, and the hits say why: missing_meta_fields)
    missing = missing_meta_fields(schema)
    if missing:
        current = _current_schema()
        for name in missing:
            schema._fields[name] = current[name]
    for name in schema.names():
        if name != STEM_FIELD and schema[name].format.supports("positions"):
            field = schema._fields[name] = copy.copy(schema[name])
            field.multitoken_query = "phrase"
    parser = qparser.MultifieldParser(searched, schema, fieldboosts=dict(FIELD_BOOSTS),
                                      phraseclass=ExactPhrase)
    parser.add_plugin(qparser.FuzzyTermPlugin())
    return parser


_CURRENT: list = []


def _current_schema():
    """The schema a new index is written with (made once, for parsing an older index's queries)."""
    if not _CURRENT:
        _CURRENT.append(make_schema())
    return _CURRENT[0]


def missing_meta_fields(schema) -> list[str]:
    """The metadata fields ``schema`` (an index's) lacks, or holds as an older index did
    (``path`` as one whole ID)."""
    missing = [name for name in META_FIELDS if name not in schema]
    if "path" in schema and not isinstance(getattr(schema["path"], "analyzer", None),
                                           MetaTokenizer):
        missing.insert(0, "path")
    return missing


def meta_note(schema, q) -> str | None:
    """What to tell a reader whose query names a metadata field the index lacks."""
    lacking = set(missing_meta_fields(schema))
    if not lacking:
        return None
    try:
        named = {getattr(leaf, "fieldname", None) for leaf in q.leaves()}
    except Exception:
        return None
    found = [name for name in META_FIELDS if name in named and name in lacking]
    if not found:
        return None
    return META_FIELDS_NOTE.format(fields=", ".join(f"{f}:" for f in found),
                                   s="s" if len(found) > 1 else "")


class ExactTerm(wq.Term):
    """A word typed in quotes: searched as typed, never corrected (or stemmed)."""


class ExactPhrase(wq.Phrase):
    """A quoted phrase. Quoted alone, a word becomes an ExactTerm with the field's boost
    (Whoosh's Phrase made a plain Term and dropped the boost)."""

    def normalize(self):
        if len(self.words) == 1:
            term = ExactTerm(self.fieldname, self.words[0], boost=self.boost)
            if self.char_ranges:  # where the word was typed, for spelling suggestions
                term.startchar, term.endchar = self.char_ranges[0]
            return term
        if self.fieldname in _NO_POSITIONS and self.words:
            return wq.And([ExactTerm(self.fieldname, w) for w in self.words], boost=self.boost)
        return super().normalize()


class DamerauFuzzy(wq.FuzzyTerm):
    """``word~``: the index's words within Damerau distance ``maxdist`` of it, the first letter
    included (spelling.py), in place of Whoosh's Levenshtein walk with the first letter kept.
    ``vocabulary`` is set by the index before the engines expand the term; without it,
    Whoosh's own walk."""

    vocabulary = None

    def _btexts(self, ixreader):
        if self.vocabulary is None:
            yield from super()._btexts(ixreader)
            return
        for word in spelling.within(self.vocabulary, self.text, self.maxdist):
            if (self.fieldname, word) in ixreader:
                yield word


# Entity fields as the explorer and `casework entities` print their labels ([PER], NORP, ...),
# any case: `per:trump`, `PER:trump`, `PERSON:trump` and `person:trump` are one field.
FIELD_ALIASES = {"per": "person", "nrp": "norp", "evt": "event", "prd": "product",
                 "art": "work_of_art", "lng": "language"}
_FIELD_REF = re.compile(r"(?:^|(?<=[\s(+-]))([A-Za-z_]+):(?!//)")
_QUOTED = re.compile(r'"[^"]*"?')


def searchable_fields(schema) -> list[str]:
    """The fields a query may name: those ``schema`` holds, and the metadata fields always
    (an index built before them searches them as nothing, and says so)."""
    return [name for name in ("title", "body", "entity", *ENTITY_FIELDS) if name in schema] \
        + list(META_FIELDS)


# ``created:2024``, ``modified:2024-03..2024-06``, ``created:..2019``: the date: filter's syntax
# (compiled on first use, by re's cache: most queries name no date)
_DATE_REF = rf"(?:^|(?<=[\s(+-]))({'|'.join(DATE_FIELDS)}):([^\s()\"\[{{]+)"


def _dated(text: str) -> str:
    """``text`` with each ``created:``/``modified:`` range as the date terms that cover it
    (schema.date_tokens): ``created:2024-11..2025`` is ``(created:2024-11 OR created:2024-12
    OR created:2025)``. A value that is no date is a QueryError."""
    if not any(f"{name}:" in text for name in DATE_FIELDS):
        return text
    from casework.index.dates import parse_range  # the date: filter's reading of a range

    blanked = _QUOTED.sub(lambda m: " " * len(m.group()), text)
    out, at = [], 0
    for m in re.finditer(_DATE_REF, blanked):
        if "*" in m.group(2) or "?" in m.group(2):  # a wildcard over the date terms: as typed
            continue
        value, caret, boost = m.group(2).partition("^")  # created:2024^2 weighs the range
        try:
            start, end = parse_range(value)
        except ValueError as exc:
            raise QueryError(f"{m.group(1)}: {exc}") from None
        terms = [f"{m.group(1)}:{t}" for t in date_terms(start, end)]
        out.append(text[at:m.start()])
        out.append(terms[0] if len(terms) == 1 and not caret else f"({' OR '.join(terms)})")
        out.append(caret + boost)
        at = m.end()
    out.append(text[at:])
    return "".join(out)


def _month_days(y: int, m: int) -> int:
    if m == 2:
        return 29 if y % 4 == 0 and (y % 100 != 0 or y % 400 == 0) else 28
    return 30 if m in (4, 6, 9, 11) else 31


def date_terms(start: str, end: str) -> list[str]:
    """The fewest date tokens (schema.date_tokens: millennium, century, decade, year, month,
    day) that cover the ISO days ``start``..``end``: a few for most ranges, ~130 at most."""
    y, m, d = map(int, start.split("-"))
    last = tuple(map(int, end.split("-")))
    out: list[str] = []
    while (y, m, d) <= last:
        if (m, d) == (1, 1):
            span = next((s for s in (1000, 100, 10, 1)
                         if y % s == 0 and (y + s - 1, 12, 31) <= last), 0)
            if span:
                digits = f"{y:04d}"
                keep = {1000: 1, 100: 2, 10: 3, 1: 4}[span]
                out.append(digits[:keep] + "x" * (4 - keep))
                y += span
                continue
        if d == 1 and (y, m, _month_days(y, m)) <= last:
            out.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
            continue
        out.append(f"{y:04d}-{m:02d}-{d:02d}")
        if d < _month_days(y, m):
            d += 1
        else:
            y, m, d = (y + 1, 1, 1) if m == 12 else (y, m + 1, 1)
    return out


def _fields_named(text: str, schema) -> str:
    """``text`` with each field name as the index names it (``PER:`` -> ``person:``); a
    QueryError naming the fields if one is unknown."""
    valid = searchable_fields(schema)
    blanked = _QUOTED.sub(lambda m: " " * len(m.group()), text)
    out, at = [], 0
    for m in _FIELD_REF.finditer(blanked):
        name = m.group(1).lower()
        name = FIELD_ALIASES.get(name, name)
        if name not in valid:
            raise QueryError(f"unknown field {m.group(1)!r}; fields: {', '.join(valid)} "
                             f"(or a label as printed: {', '.join(sorted(FIELD_ALIASES))})")
        out.append(text[at:m.start(1)] + name)
        at = m.end(1)
    out.append(text[at:])
    return "".join(out)


def parse(parser: qparser.QueryParser, text: str):
    """``(cleaned text, query)``, the query's expanding terms capped; QueryError when ``text``
    cannot be a query (empty, too long, no searchable terms, too many expanding terms)."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"query is too long ({len(text)} characters; at most {MAX_QUERY_CHARS})")
    cleaned = "".join(ch if ch.isprintable() else " " for ch in text).strip()
    if not cleaned:
        raise QueryError("empty query")
    cleaned = _fields_named(cleaned, parser.schema)
    try:
        q = parser.parse(_dated(_DANGLING_OPERATORS.sub("", cleaned)))
    except QueryError:
        raise
    except Exception as exc:  # whoosh raises assorted errors on odd syntax
        raise QueryError(f"cannot parse query {cleaned!r}: {exc}") from None
    if isinstance(q, type(wq.NullQuery)):
        raise QueryError(f"query {cleaned!r} has no searchable terms")
    return cleaned, _names_nearby(_cap(q), cleaned, parser.schema)


# Names typed as names: capitalised words in a row ("Steve Bannon Nancy Pelosi") are searched
# as typed (each word, ANDed), and a document whose entity names hold two of them side by side
# ("steve bannon", "nancy pelosi": a whole name, not words of two) scores higher by
# NAME_PAIR_BOOST times the pair's score there, as Solr's pf2 does for any words. Pairs, not
# the whole run: names typed side by side are not one phrase. The pairs only add to a score,
# never decide a match. Chosen on bench/search_quality.py's two-name set (400 items, entity
# weight 0.5): no pairs 0.863; pairs in the entity names at 0.5 / 1.0 / 2.0: 0.871 / 0.874 /
# 0.874; in the body at 0.5 / 1.0: 0.865 / 0.863; both at 0.5: 0.872. On names of any document
# frequency (no MAX_DF): none 0.775, entity names at 1.0 0.792 (tantivy 0.763). Raising the
# entity field's weight to 1.0 instead: names 0.875 but OR 0.908 -> 0.857.
NAME_PAIR_BOOST = 1.0
NAME_PAIR_FIELDS = ("entity",)
MAX_NAME_PAIRS = 4
_NAME_WORD = re.compile(r"[A-Z][\w'’.&-]*")
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"})


def name_pairs(text: str) -> list[str]:
    """The pairs of capitalised words typed side by side in ``text``, outside quotes."""
    blanked = _QUOTED.sub(" | ", text)
    pairs, last = [], None
    for token in blanked.split():
        if _NAME_WORD.fullmatch(token) and token not in _OPERATORS:
            if last is not None:
                pairs.append(f"{last} {token}")
            last = token
        else:
            last = None
    return pairs[:MAX_NAME_PAIRS]


def _names_nearby(q, text: str, schema):
    pairs = name_pairs(text)
    if not pairs or q is wq.NullQuery:
        return q
    phrases = []
    for pair in pairs:
        for field in NAME_PAIR_FIELDS:
            if field not in schema:
                continue
            words = [t.text for t in schema[field].analyzer(pair)]
            if len(words) > 1:
                phrases.append(wq.Phrase(field, words, boost=NAME_PAIR_BOOST))
    if not phrases:
        return q
    return wq.AndMaybe(q, wq.Or(phrases) if len(phrases) > 1 else phrases[0])


def expanding_leaves(q) -> list:
    """The wildcard, prefix, fuzzy and range terms of ``q``."""
    try:
        return [leaf for leaf in q.leaves() if isinstance(leaf, wq.MultiTerm)]
    except RecursionError:
        raise QueryError("query is nested too deeply") from None


def _cap(q):
    """Bound what each wildcard, prefix, fuzzy, range or regex term may cost.

    At most MAX_EXPANDING_TERMS of them per query. Fuzzy distance is capped at 2: Whoosh's
    Levenshtein walk of the term index at ``~3`` took 2 s on the two seed documents and ``~9``
    longer. Each engine then expands them within MAX_EXPANSION words each, MAX_TOTAL_EXPANSION
    together and EXPANSION_BUDGET_S.
    """
    leaves = expanding_leaves(q)
    terms = len({(type(leaf), getattr(leaf, "text", None)) for leaf in leaves})
    if terms > MAX_EXPANDING_TERMS:
        raise QueryError(
            f"too many wildcard, fuzzy or range terms ({terms}; at most {MAX_EXPANDING_TERMS})"
        )
    for leaf in leaves:
        if isinstance(leaf, wq.FuzzyTerm):
            leaf.maxdist = min(leaf.maxdist, MAX_FUZZY_DISTANCE)
            # Without a vocabulary (DamerauFuzzy), the first letter is taken as typed: Whoosh
            # compares every term of the field by edit distance, ~100 ms of a cold
            # `presdent~` at 2,000 documents; terms sharing the first letter are a twentieth.
            leaf.prefixlength = max(leaf.prefixlength, FUZZY_PREFIX)

    def node(n):
        # word forms for words typed plainly: not for quoted ones, phrases, wildcards or fuzzy
        # terms (which would expand over stems)
        if getattr(n, "fieldname", None) == STEM_FIELD and type(n) is not wq.Term:
            return wq.NullQuery
        # `field:*` is Every(field), which walks every posting of every term in the field;
        # every document has a title and a body, so match all documents cheaply instead.
        if isinstance(n, wq.Every):
            return wq.Every()
        if type(n) is wq.FuzzyTerm:
            return DamerauFuzzy(n.fieldname, n.text, boost=n.boost, maxdist=n.maxdist,
                                prefixlength=n.prefixlength)
        if type(n) is wq.Or:
            return _stems_apart(n)
        if isinstance(n, wq.And) and all(getattr(s, "fieldname", None) == STEM_FIELD
                                          for s in n.subqueries):
            return wq.NullQuery  # a split word's stems, anywhere: its parts are found as typed
        return n

    # not normalized after: Whoosh's normalize() would flatten the Or that keeps stems apart
    return q.accept(node)


def _stems_apart(q):
    """A word's fields as (title OR body OR entity) OR stem. Whoosh adds an Or's parts in a
    tree ordered by each part's document count, and a word's stem is in as many documents as
    the word itself, a tie Whoosh breaks by the matchers' memory addresses: the sum's last bit,
    and so the order of equal documents, came out either way. Two parts add the same in any
    order."""
    if any(s is wq.NullQuery for s in q.subqueries):  # a stem dropped (above)
        kept = [s for s in q.subqueries if s is not wq.NullQuery]
        if len(kept) <= 1:
            return kept[0] if kept else wq.NullQuery
        q = wq.Or(kept, boost=q.boost)
    stems = [s for s in q.subqueries if type(s) is wq.Term and s.fieldname == STEM_FIELD]
    if not stems or len(stems) == len(q.subqueries):
        return q
    rest = [s for s in q.subqueries if not (type(s) is wq.Term and s.fieldname == STEM_FIELD)]
    return wq.Or([wq.Or(rest) if len(rest) > 1 else rest[0], *stems], boost=q.boost)


# A word is corrected when no document holds it, or when at most RARE_WORD documents do and a
# word one edit away is in CORRECT_RATIO times as many. It is then searched as ``word~`` would
# be (itself if held, and the words near it): the nearest word alone was wrong when several
# are near ("sids" is "side", "sides", "kids"; 300 one-typo queries: MRR 0.86), and with the
# others the query's other words pick the document (0.943). Correcting rare words as well
# (held by at most 3, 5 documents): 0.948, 0.955, but OR queries lose ~0.003 a step and a rare
# real word ("dome") is shown as corrected: 3 it is.
RARE_WORD = 3
CORRECT_RATIO = 20


def without_stems(q):
    """``q`` searching exact words only."""
    return q.accept(lambda n: wq.NullQuery if getattr(n, "fieldname", None) == STEM_FIELD
                    and n.is_leaf() else n).normalize()


def corrections(q, vocabulary: spelling.Vocabulary, reader) -> dict[str, tuple[str, int]]:
    """{typed word: (nearest word, distance)} for the words of ``q`` typed without quotes or
    syntax that the index lacks or holds far less than a near spelling."""
    decided: dict[str, tuple[str, int] | None] = {}
    for leaf in q.leaves():
        if type(leaf) is not wq.Term or leaf.fieldname == STEM_FIELD or leaf.text in decided \
                or leaf.fieldname in _NO_POSITIONS:  # a name, address or type: as typed
            continue
        word = leaf.text
        decided[word] = None
        if len(word) < 3 or not word.isalpha() or len(decided) > MAX_SUGGEST_WORDS * 2:
            continue
        held = vocabulary.held(word)  # the file is read only for a rare or unknown word
        if held > RARE_WORD or _in_field(reader, leaf.fieldname, word) \
                or (not held and _has_forms(reader, word)):
            continue
        # two edits only for a long word that has no word one edit away: the edits of its
        # edits are ~200,000 strings to look up (~100 ms), one edit's ~600 (~1 ms)
        near = vocabulary.near(word, 1)
        if not near and not held and len(word) > 7:
            near = vocabulary.near(word, 2)
        for found, distance, n in near[:1]:
            if n > held * CORRECT_RATIO:
                decided[word] = (found, distance)
    return {w: c for w, c in decided.items() if c}


def fuzzed(q, corrected: dict[str, tuple[str, int]], vocabulary: spelling.Vocabulary):
    """``q`` with each corrected word searched as ``word~`` (at its correction's distance)."""

    def node(n):
        if type(n) is wq.Term and n.fieldname != STEM_FIELD and n.text in corrected:
            fuzzy = DamerauFuzzy(n.fieldname, n.text, boost=n.boost,
                                 maxdist=corrected[n.text][1], prefixlength=0)
            fuzzy.vocabulary = vocabulary
            return fuzzy
        return n

    return q.accept(node)


def _has_forms(reader, word: str) -> bool:
    """Whether the index holds another form of ``word`` ("kill": "killed"): not a typo."""
    if STEM_FIELD not in reader.schema:
        return False
    try:
        return (STEM_FIELD, stemmer().stemWord(word)) in reader
    except Exception:
        return False


def _in_field(reader, field: str, word: str) -> bool:
    if field in ("title", "body", "entity"):
        return False  # the body holds the others' words: the vocabulary said
    try:
        return (field, word) in reader
    except Exception:
        return False


def respelt(q, text: str, corrected: dict[str, tuple[str, int]], quote: bool = False) -> str:
    """``text`` with each corrected word replaced (or, with ``quote``, put in quotes so it is
    searched as typed)."""
    spans = sorted({(leaf.startchar, leaf.endchar, leaf.text) for leaf in q.leaves()
                    if type(leaf) is wq.Term and leaf.fieldname != STEM_FIELD
                    and leaf.text in corrected
                    and getattr(leaf, "startchar", None) is not None})
    out, at = [], 0
    for start, end, word in spans:
        if start < at:
            continue
        typed = text[start:end]
        out.append(text[at:start])
        # a word typed after a lone quote ('"unclosd') keeps the one quote pair, not two
        out.append(f'"{typed.strip(chr(34))}"' if quote else _same_case(typed, corrected[word][0]))
        at = end
    out.append(text[at:])
    return "".join(out)


def _same_case(typed: str, word: str) -> str:
    if typed.isupper() and len(typed) > 1:
        return word.upper()
    if typed[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def expansion_deadline() -> float:
    return time.monotonic() + EXPANSION_BUDGET_S


def words(searcher, q) -> frozenset[str]:
    """The query's words, as the index holds them, expanded (wildcards, fuzzy) and capped.

    Not Whoosh's Query.existing_terms: it reuses its ``fieldname`` argument as a loop variable,
    so it drops every leaf after the first whose field differs from the first term's.
    """
    # each segment's own reader: their expansions are cached, and Whoosh's fuzzy walk over a
    # multi-segment reader compares every term by edit distance (1 s at 2,000 documents)
    readers = [sub.reader() for sub, _ in searcher.leaf_searchers()]
    found: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, wq.Not):  # words the hits do not contain
            return
        if isinstance(node, wq.AndNot):
            walk(node.a)
            return
        if not node.is_leaf():
            for child in node.children():
                walk(child)
            return
        for reader in readers:
            for field, text in node.expanded_terms(reader, phrases=True):
                if field in HIGHLIGHT_FIELDS:
                    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
                    found.add(text)

    try:
        walk(q)
    except Exception:  # highlighting is a nicety; a query that ran must not fail on it
        return frozenset()
    return frozenset(found)


def stems(q) -> frozenset[str]:
    """The word-form stems ``q`` searches (the stem field's terms)."""
    try:
        return frozenset(leaf.text for leaf in q.leaves()
                         if type(leaf) is wq.Term and leaf.fieldname == STEM_FIELD)
    except Exception:
        return frozenset()


def suggest(searcher, q, text: str) -> str | None:
    """``text`` with its words unknown to the index replaced by the nearest known ones."""
    if len(text.split()) > MAX_SUGGEST_WORDS:
        return None
    try:
        # prefix=1: the first letter is taken as typed, which cuts the fuzzy walk of the
        # term index per word by an order of magnitude. A word searched in title, body and
        # entity names is looked up once, in the body's words (which hold nearly all of
        # the others'): Whoosh walked each field's vocabulary for it.
        body = _Closest(searcher.reader().corrector("body"))
        corrected = searcher.correct_query(
            q, text, prefix=1, correctors={"body": body},
            aliases={field: "body" for field in SEARCH_FIELDS})
    except Exception:
        return None
    if corrected.query != q and corrected.string and corrected.string != text:
        return corrected.string
    return None


class _Closest(Corrector):
    """A corrector that offers the commonest word at the smallest distance, each word looked
    up once.

    Whoosh's takes the commonest word within distance 2: "senat" became "set", not "senate".
    Walking the vocabulary at distance 1 first is also the cheaper walk, and most typos are
    one edit away.
    """

    def __init__(self, inner: Corrector):
        self.inner = inner
        self.seen: dict[tuple, list[str]] = {}

    def suggest(self, text, limit=5, maxdist=2, prefix=0):
        key = (text, maxdist, prefix)
        if key not in self.seen:
            found: list[str] = []
            for distance in range(1, maxdist + 1):
                found = self.inner.suggest(text, limit=1, maxdist=distance, prefix=prefix)
                if found:
                    break
            self.seen[key] = found
        return self.seen[key]
