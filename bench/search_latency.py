"""Search latency, cold (whole process) and warm (open index, snippets), as one JSON object.

    python bench/search_latency.py --index bench/out/index-2000 [--runs 10]

Cold: ``casework search QUERY --json --index DIR`` as a fresh process, wall time from spawn to
exit, median of ``--runs`` per query (imports, opening SQLite and Whoosh, parsing, searching,
snippets for the first 10 hits, JSON out). Warm: one open index (as the TUI holds it),
``Casework.search(query, limit=20)`` with snippets, 30 times per query; p50 and p95 over all,
and per kind the first run (``first_ms``: no decoded postings or expansions cached yet).
Repeats are answered from rank.py's caches of term and phrase scores, so ``warm_new`` also
times queries the open index has not seen, 10 of each kind, once each (words read and
unpickled from the segments, as when a person types a new query).
Five kinds of query: term, phrase, fuzzy, wildcard, entity filter.
Targets (issue 6): cold median <= 250 ms at 100,000 docs; warm p95 <= 50 ms.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import CASEWORK, compile_bytecode, machine  # noqa: E402

QUERIES = {
    "term": "senate",
    "phrase": '"white house"',
    "fuzzy": "presdent~",
    "wildcard": "immigra*",
    "entity": "person:trump",
}

# Queries asked once each in warm_new: none of them is in QUERIES
NEW_QUERIES = {
    "term": ["police", "economy", "election", "korea", "brexit", "obama", "syria", "facebook",
             "climate", "refugees"],
    "phrase": ['"prime minister"', '"north korea"', '"united states"', '"new york"',
               '"foreign policy"', '"tax reform"', '"health care"', '"supreme court"',
               '"climate change"', '"human rights"'],
    "fuzzy": ["goverment~", "elecion~", "ecnomy~", "polise~", "senat~", "congres~", "minster~",
              "campain~", "voteres~", "refugess~"],
    "wildcard": ["tax*", "elect*", "gover*", "polic*", "econ*", "milit*", "financ*", "terror*",
                 "refug*", "democra*"],
    "entity": ["person:obama", "gpe:china", "org:congress", "norp:democrats", "person:clinton",
               "gpe:russia", "org:fbi", "person:putin", "loc:europe", "person:merkel"],
}


def cold(index: Path, query: str, runs: int) -> dict:
    samples, total = [], None
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.run([*CASEWORK, "search", query, "--json", "--index", str(index)],
                              capture_output=True, text=True)
        samples.append(time.perf_counter() - started)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"search {query!r} exited {proc.returncode}: {proc.stderr[-1000:]}")
        total = json.loads(proc.stdout)["total"] if proc.returncode == 0 else 0
    return {"median_ms": round(statistics.median(samples) * 1000, 1),
            "min_ms": round(min(samples) * 1000, 1), "hits": total}


def warm(index: Path, runs: int) -> dict:
    from casework.index import open_index

    cw = open_index(index)
    per_kind, every = {}, []
    for kind, query in QUERIES.items():
        started = time.perf_counter()
        cw.search(query)  # first query of a kind warms the caches (expansions, postings)
        first = time.perf_counter() - started
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            result = cw.search(query, limit=20)
            samples.append(time.perf_counter() - started)
            assert result.total == 0 or result.hits[0].snippet
        every += samples
        per_kind[kind] = {"first_ms": _ms(first), "p50_ms": _ms(statistics.median(samples)),
                          "p95_ms": _ms(_p95(samples))}
    return {"p50_ms": _ms(statistics.median(every)), "p95_ms": _ms(_p95(every)),
            "by_kind": per_kind}


def warm_new(index: Path) -> dict:
    from casework.index import open_index

    cw = open_index(index)
    cw.search("zebra")  # opens the searcher; a word none of the queries below holds
    per_kind, every = {}, []
    for kind, queries in NEW_QUERIES.items():
        samples = []
        for query in queries:
            started = time.perf_counter()
            result = cw.search(query, limit=20)
            samples.append(time.perf_counter() - started)
            assert result.total == 0 or result.hits[0].snippet
        every += samples
        per_kind[kind] = {"p50_ms": _ms(statistics.median(samples)), "p95_ms": _ms(_p95(samples))}
    return {"p50_ms": _ms(statistics.median(every)), "p95_ms": _ms(_p95(every)),
            "by_kind": per_kind}


def _p95(samples: list[float]) -> float:
    return sorted(samples)[max(0, round(0.95 * len(samples)) - 1)]


def _ms(s: float) -> float:
    return round(s * 1000, 2)


def import_floor(runs: int, code: str = "import casework.tui.cli") -> float:
    """A process that only imports casework's CLI module: the floor under every cold query.
    With ``code="pass"``: the interpreter's own start (site-packages .pth files included)."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        samples.append(time.perf_counter() - started)
    return _ms(statistics.median(samples))


def run(index: Path, runs: int = 10) -> dict:
    from casework.index import open_index

    compile_bytecode()
    with open_index(index) as cw:
        docs = cw.document_count()
    return {
        "bench": "search_latency",
        "index": str(index),
        "docs": docs,
        "cold_median_ms": {k: cold(index, q, runs) for k, q in QUERIES.items()},
        "import_floor_ms": import_floor(runs),
        "python_startup_ms": import_floor(runs, "pass"),
        "warm": warm(index, 3 * runs),
        "warm_new": warm_new(index),
        "queries": QUERIES,
        "targets": {"cold_median_ms_max": 250, "warm_p95_ms_max": 50},
        "machine": machine(),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args(argv)
    print(json.dumps(run(args.index, args.runs)))


if __name__ == "__main__":
    main()
