"""Full-text search: Whoosh's query language, snippets with match ranges, spelling suggestions."""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict

from casework.index import whoosh_imports  # noqa: F401  (before whoosh: see its docstring)
from whoosh import query as wq
from whoosh.collectors import TimeLimitCollector, TopCollector
from whoosh.searching import TimeLimit
from whoosh.spelling import Corrector

from casework.index import rank, term_seek
from casework.index.catalog import Catalog
from casework.index.entities import ENTITY_FIELDS
from casework.index.errors import IndexIncompatible, QueryError
from casework.index.fulltext import SEARCH_FIELDS, Fulltext, best_snippet, lead_snippet, make_parser
from casework.index.models import Hit, SearchResult

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
HIGHLIGHT_FIELDS = frozenset({"title", "body", "entity", *ENTITY_FIELDS})
# Spelling suggestions cost a fuzzy walk of the vocabulary per word: offer them for short
# queries only (a 300-word query with no hits would otherwise spend seconds per word).
MAX_SUGGEST_WORDS = 6
# Operators at the end of a query, with nothing after them to join: a query being typed
# ("trump AND", "trump OR"). Whoosh's parser would search each as a word ("and", in nearly
# every document: ~120 ms a key at 100,000 articles); they are left out, so the query asks for
# what comes before them. An operator alone stays a word, as Whoosh reads it.
_DANGLING_OPERATORS = re.compile(r"(?:\s+(?:AND|OR|NOT|ANDNOT|ANDMAYBE))+$")


class Searcher:
    """Keeps a Whoosh searcher open between queries (warm) and refreshes it when the index
    changes. Thread-safe: the TUI searches from a worker thread."""

    def __init__(self, fulltext: Fulltext, catalog: Catalog):
        self.fulltext = fulltext
        self.catalog = catalog
        self._searcher = None
        self._parser = None
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None

    def doc_count(self) -> int:
        """Documents in the full-text index, from the searcher that serves queries (warm)."""
        with self._lock:
            return self._current().doc_count()

    def _current(self):
        if self._searcher is None:
            self._searcher = self.fulltext.ix.searcher()
            self._parser = make_parser(self.fulltext.ix.schema)
        else:
            try:
                self._searcher = self._searcher.refresh()
            except Exception:  # Whoosh cannot refresh a searcher of an empty index: reopen
                self._reopen()
                self._searcher = self.fulltext.ix.searcher()
        return self._searcher

    def parse(self, text: str):
        if len(text) > MAX_QUERY_CHARS:
            raise QueryError(f"query is too long ({len(text)} characters; at most {MAX_QUERY_CHARS})")
        cleaned = "".join(ch if ch.isprintable() else " " for ch in text).strip()
        if not cleaned:
            raise QueryError("empty query")
        try:
            q = self._parser.parse(_DANGLING_OPERATORS.sub("", cleaned))
        except Exception as exc:  # whoosh raises assorted errors on odd syntax
            raise QueryError(f"cannot parse query {cleaned!r}: {exc}") from None
        if isinstance(q, type(wq.NullQuery)):
            raise QueryError(f"query {cleaned!r} has no searchable terms")
        q = _cap_expansions(q)
        return cleaned, q

    def search(self, text: str, limit: int = 20, offset: int = 0, suggest: bool = True
               ) -> SearchResult:
        """Hits for ``text``; with ``suggest`` and no hits, a spelling suggestion too (a walk
        of the vocabulary: the explorer shows the hits first and asks :meth:`suggest` after)."""
        with self._lock:
            try:
                return self._search(text, limit, offset, suggest, last_try=False)
            except (QueryError, IndexIncompatible):
                raise
            except Exception:
                # Whoosh opens a segment's column files (stored fields, lengths) by name when
                # first read, so a --rebuild that swaps the index directory between opening
                # and reading leaves the open reader finding nothing ("'NoneType' object is not
                # subscriptable" from stored_fields). Read again from what is there now, once.
                self._reopen()
                return self._search(text, limit, offset, suggest, last_try=True)

    def suggest(self, text: str) -> str | None:
        """The query with its unknown words replaced by near ones from the index, or None."""
        with self._lock:
            try:
                searcher = self._current()
                cleaned, q = self.parse(text)
            except Exception:  # a query that cannot run has nothing to suggest
                return None
            return self._suggest(searcher, q, cleaned)

    def _reopen(self) -> None:
        if self._searcher is not None:
            try:
                self._searcher.close()
            except Exception:  # its files may be gone already
                pass
        self._searcher = None
        self.fulltext.reopen()

    def _search(self, text: str, limit: int, offset: int, suggest: bool, last_try: bool
                ) -> SearchResult:
        try:
            searcher = self._current()
        except Exception as exc:  # the full-text index vanished or broke under an open session
            self._searcher = None
            raise IndexIncompatible(
                f"cannot read the full-text index at {self.fulltext.path} "
                f"({type(exc).__name__}: {exc}); rebuild it with: casework index --rebuild "
                f"--index {self.fulltext.path.parent} FOLDER"
            ) from None
        cleaned, q = self.parse(text)
        try:
            if rank.supported(q):
                deadline = time.monotonic() + TIME_LIMIT_S
                total, top = rank.rank(searcher, q, offset + limit, deadline)
            else:
                total, top = _whoosh_rank(searcher, q, offset + limit)
        except QueryError:
            raise
        except Exception as exc:
            if not last_try:
                raise
            raise QueryError(f"cannot run query {cleaned!r}: {exc}") from None
        page = top[offset : offset + limit]
        hits = self._hits(searcher, page, _words(searcher, q) if page else frozenset())
        suggestion = None
        if total == 0 and suggest:
            suggestion = self._suggest(searcher, q, cleaned)
        return SearchResult(
            query=text, total=total, hits=hits, suggestion=suggestion, offset=offset
        )

    def _hits(self, searcher, page: list[tuple[int, float]], words: frozenset[str]) -> list[Hit]:
        stored = [searcher.stored_fields(docnum) for docnum, _ in page]
        counts = self.catalog.entity_counts([f["doc_id"] for f in stored])
        hits = []
        for fields, (_, score) in zip(stored, page):
            doc_id = fields["doc_id"]
            text = self.catalog.text_of(doc_id) or ""
            formatted = best_snippet(text, words)
            if formatted:
                snippet, ranges = formatted
            else:
                snippet, ranges = lead_snippet(text), []
            hits.append(
                Hit(
                    doc_id=doc_id,
                    title=fields.get("title", ""),
                    path=fields.get("path", ""),
                    score=round(float(score or 0.0), 4),
                    snippet=snippet,
                    highlights=[list(r) for r in ranges],
                    entities=counts.get(doc_id, 0),
                )
            )
        return hits

    def _suggest(self, searcher, q, text: str) -> str | None:
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


def _whoosh_rank(searcher, q, limit: int) -> tuple[int, list[tuple[int, float]]]:
    """Whoosh's own ranking, for query shapes rank.py does not take (slower, same answers).

    One pass that scores and counts every match: with block-quality skipping or matcher
    replacement on, Whoosh's count can come out short (1,396 matches of "senate" at 20,000
    articles were counted as 319).
    """
    collector = TopCollector(limit=limit, usequality=False, replace=0)
    # No SIGALRM: signals only work on the main thread, and the TUI searches from a worker.
    timed = TimeLimitCollector(collector, timelimit=TIME_LIMIT_S, use_alarm=False)
    try:
        searcher.search_with_collector(q, timed)
    except TimeLimit:
        pass  # partial results, still ranked
    results = timed.results()
    return len(results), [(hit.docnum, hit.score) for hit in results]


def _words(searcher, q) -> frozenset[str]:
    """The query's words, as the index holds them, expanded (wildcards, fuzzy) and capped.

    Not Whoosh's Query.existing_terms: it reuses its ``fieldname`` argument as a loop variable,
    so it drops every leaf after the first whose field differs from the first term's.
    """
    # each segment's own reader: their expansions are cached, and Whoosh's fuzzy walk over a
    # multi-segment reader compares every term by edit distance (1 s at 2,000 documents)
    readers = [sub.reader() for sub, _ in searcher.leaf_searchers()]
    words: set[str] = set()

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
                    words.add(text)

    try:
        walk(q)
    except Exception:  # highlighting is a nicety; a query that ran must not fail on it
        return frozenset()
    return frozenset(words)


def _cap_expansions(q):
    """Bound what each wildcard, prefix, fuzzy, range or regex term costs.

    Each expands to at most MAX_EXPANSION vocabulary terms, all of them together within
    EXPANSION_BUDGET_S, and at most MAX_EXPANDING_TERMS of them per query. Fuzzy distance is
    capped at 2: Whoosh's Levenshtein walk of the term index at ``~3`` took 2 s on the two
    seed documents and ``~9`` longer; Whoosh also expands each term again for every size
    estimate, so the first expansion is kept and reused.
    """
    try:
        leaves = [leaf for leaf in q.leaves() if isinstance(leaf, wq.MultiTerm)]
    except RecursionError:
        raise QueryError("query is nested too deeply") from None
    terms = len({(type(leaf), getattr(leaf, "text", None)) for leaf in leaves})
    if terms > MAX_EXPANDING_TERMS:
        raise QueryError(
            f"too many wildcard, fuzzy or range terms ({terms}; at most {MAX_EXPANDING_TERMS})"
        )
    deadline = time.monotonic() + EXPANSION_BUDGET_S
    budget = [MAX_TOTAL_EXPANSION]
    for leaf in leaves:
        if isinstance(leaf, wq.FuzzyTerm):
            leaf.maxdist = min(leaf.maxdist, MAX_FUZZY_DISTANCE)
            # The first letter is taken as typed: Whoosh compares every term of the field by
            # edit distance, ~100 ms of a cold `presdent~` at 2,000 documents and growing with
            # the vocabulary; terms sharing the first letter are about a twentieth of it.
            leaf.prefixlength = max(leaf.prefixlength, FUZZY_PREFIX)
        leaf._btexts = _capped(leaf, deadline, budget)
    # `field:*` is Every(field), which walks every posting of every term in the field; every
    # document has a title and a body, so match all documents cheaply instead.
    return q.accept(lambda node: wq.Every() if isinstance(node, wq.Every) else node)


# Expansions of a term over one segment's vocabulary, kept while the searcher stays open: a
# segment never changes, and Whoosh's fuzzy walk is pure Python (~60 ms a query over three
# fields at 2,000 news articles, the bulk of a warm fuzzy search). Keyed by segment id.
_EXPANSIONS: OrderedDict[tuple, list[bytes]] = OrderedDict()
_EXPANSIONS_MAX = 512


def _capped(leaf, deadline: float, budget: list[int]):
    btexts = leaf._btexts
    expanded: dict[int, list[bytes]] = {}
    # TermRange has start/end instead of text
    what = (type(leaf).__name__, leaf.fieldname, getattr(leaf, "text", None),
            getattr(leaf, "start", None), getattr(leaf, "end", None),
            getattr(leaf, "startexcl", None), getattr(leaf, "endexcl", None),
            getattr(leaf, "maxdist", None), getattr(leaf, "prefixlength", None))

    def first_terms(ixreader):
        key = id(ixreader)
        if key not in expanded:
            segment = getattr(ixreader, "segment", None)
            segment = segment() if callable(segment) else None  # a MultiReader's is None
            cache_key = (segment.segment_id(), *what) if segment is not None else None
            terms = _EXPANSIONS.get(cache_key) if cache_key else None
            if terms is None:
                terms = []
                complete = True
                if time.monotonic() < deadline:
                    term_seek.speed_up(ixreader)
                    for btext in btexts(ixreader):
                        if len(terms) >= min(MAX_EXPANSION, budget[0]) or time.monotonic() > deadline:
                            complete = len(terms) >= MAX_EXPANSION
                            break
                        terms.append(btext)
                else:
                    complete = False
                if cache_key and complete:  # a cut made by this query's budget is not reused
                    _EXPANSIONS[cache_key] = terms
                    if len(_EXPANSIONS) > _EXPANSIONS_MAX:
                        _EXPANSIONS.popitem(last=False)
            else:
                _EXPANSIONS.move_to_end(cache_key)
                terms = terms[: max(0, budget[0])]
            budget[0] -= len(terms)
            expanded[key] = terms
        return iter(expanded[key])

    return first_terms
