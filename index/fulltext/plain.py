"""The plain engine: full text on Whoosh's public API only, no part of ``_whoosh/``.

Whoosh's own segment writer, matchers, scoring, term expansion and corrector. Chosen
with ``CASEWORK_FULLTEXT=plain``, and used whenever the installed Whoosh is not the version
``_whoosh/`` was written for. It reads and writes the same index as the fast engine, and
gives the same hits in the same order (tests/test_fulltext_equivalence.py), more slowly.
"""

from __future__ import annotations

import time

from whoosh import query as wq
from whoosh.collectors import TimeLimitCollector, TopCollector
from whoosh.searching import TimeLimit

from casework.index.fulltext import query

NAME = "plain"
WRITER_MB = 128


def writer(ix, procs: int = 1):
    """Whoosh's writer; with ``procs`` > 1 its multi-process one, a segment per process.

    Segments are not compound: Whoosh reads a compound file whole into memory on open
    (FIELD-NOTES: cold queries ~30-40% faster non-compound, cold RSS ~290 MB -> ~25 MB at 20k).
    """
    if procs > 1:
        # imported here: whoosh.multiproc brings multiprocessing, which searches never need
        from whoosh.multiproc import MpWriter

        return MpWriter(ix, procs=procs, multisegment=True, limitmb=WRITER_MB, compound=False)
    return ix.writer(limitmb=WRITER_MB, compound=False)


def upkeep(ix) -> int:
    """Nothing kept beside Whoosh's files."""
    return 0


def expand(searcher, q):
    """``q`` ready for Whoosh's matchers: its ANDNOT and ANDMAYBE made safe
    (:func:`_safe_binary`), and each wildcard, prefix, fuzzy and range term replaced by the
    words Whoosh expands it to, within query.py's caps: an OR of them, boosted as the term was.

    Whoosh drops a term's boost when it expands to one word (a title match then counts once,
    not twice); the fast engine keeps it, and so does this. Each segment is expanded on its own
    reader: Whoosh's fuzzy walk over a multi-segment reader compares every term by edit
    distance. Words are taken in each segment's order up to the caps, as the fast engine takes
    them; past a cap the two may keep different words of a segment.
    """
    q = q.accept(_safe_binary)
    leaves = query.expanding_leaves(q)
    if not leaves:
        return q
    readers = [sub.reader() for sub, _ in searcher.leaf_searchers()]
    deadline = query.expansion_deadline()
    budget = query.MAX_TOTAL_EXPANSION
    replaced = {}
    for leaf in leaves:
        if id(leaf) in replaced:
            continue
        words: dict[str, None] = {}
        for reader in readers:
            taken = 0
            limit = min(query.MAX_EXPANSION, budget)
            for _, word in leaf.expanded_terms(reader):
                if taken >= limit or time.monotonic() > deadline:
                    break
                words[word.decode("utf-8") if isinstance(word, bytes) else word] = None
                taken += 1
            budget -= taken
        replaced[id(leaf)] = _either(leaf.fieldname, sorted(words), leaf.boost)
    return q.accept(lambda node: replaced.get(id(node), node))


def _safe_binary(node):
    """ANDNOT and ANDMAYBE in other words, with the same documents and scores, for Whoosh's
    matchers of these two miss documents (whoosh-reloaded 2.7.5, matching/binary.py; found by
    tests/test_fulltext_equivalence.py against the fast engine and checked by hand):

    - ``a ANDNOT b`` as ``a`` required to match ``NOT b`` (a's scores): AndNotMatcher skips
      ``b`` forward at the start only when both start on the same document, so when ``b``'s
      first match comes before ``a``'s, ``a``'s first document is kept even if ``b`` holds it
      (a segment's first hit of ``entity:omar ANDNOT a*`` came back);
    - ``a ANDMAYBE b`` as ``a OR (b required to match a)`` (a's documents, a + b's scores):
      AndMaybeMatcher.skip_to moves ``b`` to the id asked for, not to where ``a`` landed, so
      inside an AND (``"x y" ANDMAYBE ties NOT develop``) ``b``'s score was left out.
    """
    if isinstance(node, wq.AndNot):
        return wq.Require(node.a, wq.Not(node.b))
    if isinstance(node, wq.AndMaybe):
        return wq.Or([node.a, wq.Require(node.b, node.a)])
    return node


def _either(fieldname: str, words: list[str], boost: float):
    terms = [wq.Term(fieldname, w) for w in words]
    if not terms:
        return wq.NullQuery
    if len(terms) == 1:
        terms[0].boost = boost
        return terms[0]
    return wq.Or(terms, boost=boost)


def top(searcher, q, limit: int, deadline: float) -> tuple[int, list[tuple[int, float]]]:
    """(number of matching documents, the top ``limit`` as (docnum, score), best first), by
    Whoosh's own collector.

    One pass that scores and counts every match: with block-quality skipping or matcher
    replacement on, Whoosh's count can come out short (1,396 matches of "senate" at 20,000
    articles were counted as 319).
    """
    collector = TopCollector(limit=limit, usequality=False, replace=0)
    # No SIGALRM: signals only work on the main thread, and the TUI searches from a worker.
    timed = TimeLimitCollector(collector, timelimit=max(0.0, deadline - time.monotonic()),
                               use_alarm=False)
    try:
        searcher.search_with_collector(q, timed)
    except TimeLimit:
        pass  # partial results, still ranked
    results = timed.results()
    return len(results), [(hit.docnum, hit.score) for hit in results]
