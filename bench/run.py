"""Every indexing and search bench at one or more scales, printed as one JSON object.

    python bench/run.py [--docs 2000 20000 100000] [--jobs 2] [--runs 10] [--baseline-max 20000]

For each scale: builds the corpus (bench/corpus.py), indexes it with ``casework index --jobs N``
against bare spaCy NER (bench/index_throughput.py) into bench/out/index-<docs>, re-indexes it
unchanged and with one file changed (bench/incremental.py), times cold and warm searches
(bench/search_latency.py), and the explorer's first paint, keystroke-to-results and RSS on that
index (bench/tui_latency.py). Bare spaCy runs only up to ``--baseline-max`` documents (it is as
long as the indexing itself). With several scales, ``growth`` gives each figure's ratio
between consecutive scales. ``--docs 2000`` (the default) takes ~5 minutes on a quiet 2-core
machine; 20,000 about 35 minutes more; 100,000 about 2 hours (NER of 55M words).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import asyncio  # noqa: E402

import incremental  # noqa: E402
import index_throughput  # noqa: E402
import search_latency  # noqa: E402
import tui_latency  # noqa: E402
from _common import machine  # noqa: E402
from corpus import OUT  # noqa: E402


def one_scale(docs: int, jobs: int, runs: int, baseline: bool) -> dict:
    index = OUT / f"index-{docs}"
    if index.exists():
        shutil.rmtree(index)
    throughput = index_throughput.run(docs, jobs, index, baseline=baseline)
    return {
        "index_throughput": throughput,
        "incremental": incremental.run(docs, index),
        "search_latency": search_latency.run(index, runs),
        "tui": tui(index),
    }


def tui(index: Path) -> dict:
    queries = tui_latency.NEWS_QUERIES
    out = tui_latency.first_paint(index, queries)
    out.update(asyncio.run(tui_latency.keystroke_latency(index, queries)))
    return out


def headline(r: dict) -> dict:
    t, i, s, u = r["index_throughput"], r["incremental"], r["search_latency"], r["tui"]
    base = t.get("baseline_spacy_ner") or {}
    return {
        "index_seconds": t["casework"]["seconds"],
        "baseline_seconds": base.get("seconds"),
        "ratio_vs_spacy": t.get("ratio"),
        "peak_rss_mb": t["casework"]["peak_rss_mb"],
        "reindex_unchanged_s": i["unchanged"]["seconds"],
        "one_changed_updated": i["one_changed"]["updated"],
        "one_changed_s": i["one_changed"]["seconds"],
        "cold_search_median_ms": max(v["median_ms"] for v in s["cold_median_ms"].values()),
        "warm_search_p95_ms": s["warm"]["p95_ms"],
        "tui_first_paint_s": u["first_paint_s"],
        "tui_keystroke_p95_ms": u["typing_keystroke_to_results_ms"]["p95"],
        "tui_peak_rss_mb": u["peak_rss_after_session_mb"],
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, nargs="+", default=[2000])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--baseline-max", type=int, default=20000,
                    help="run bare spaCy for comparison only up to this many documents")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    scales = {str(d): one_scale(d, args.jobs, args.runs, d <= args.baseline_max) for d in args.docs}
    heads = {d: headline(r) for d, r in scales.items()}
    keys = list(heads)
    growth = {
        f"{a}->{b}": {k: round(heads[b][k] / heads[a][k], 2) if heads[a][k] and heads[b][k]
                      else None for k in heads[a]}
        for a, b in zip(keys, keys[1:])
    }
    print(json.dumps({"bench": "run", "headline": heads, "growth": growth, "scales": scales,
                      "seconds": round(time.perf_counter() - started, 1), "machine": machine()}))


if __name__ == "__main__":
    main()
