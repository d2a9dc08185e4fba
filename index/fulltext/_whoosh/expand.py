"""Wildcard, prefix, fuzzy and range terms expanded within query.py's caps, each segment's
words kept for the next query (Whoosh expands again for every size estimate)."""

from __future__ import annotations

import time
from collections import OrderedDict

from casework.index.fulltext import query
from casework.index.fulltext._whoosh import term_seek


def expand(searcher, q):
    """``q`` with each wildcard, prefix, fuzzy and range term's expansion capped (query.py's
    caps) and kept per segment; the terms stay in the tree for rank.py to sum.

    Whoosh also expands each term again for every size estimate, so the first expansion is
    kept and reused.
    """
    deadline = query.expansion_deadline()
    budget = [query.MAX_TOTAL_EXPANSION]
    for leaf in query.expanding_leaves(q):
        leaf._btexts = _capped(leaf, deadline, budget)
    return q


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
                        if len(terms) >= min(query.MAX_EXPANSION, budget[0]) \
                                or time.monotonic() > deadline:
                            complete = len(terms) >= query.MAX_EXPANSION
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
