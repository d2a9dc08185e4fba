"""Every indexing and search bench at one or more scales, printed as one JSON object.

    python bench/run.py [--docs 2000 20000] [--jobs 2] [--runs 10]

For each scale: builds the corpus (bench/corpus.py), indexes it with ``casework index --jobs N``
against bare spaCy NER (bench/index_throughput.py) into bench/out/index-<docs>, re-indexes it
unchanged and with one file changed (bench/incremental.py), and times cold and warm searches
(bench/search_latency.py). With several scales, ``growth`` gives each figure's ratio between
consecutive scales. ``--docs 2000`` takes ~10 minutes on a loaded 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import incremental  # noqa: E402
import index_throughput  # noqa: E402
import search_latency  # noqa: E402
from _common import machine  # noqa: E402
from corpus import OUT  # noqa: E402


def one_scale(docs: int, jobs: int, runs: int) -> dict:
    index = OUT / f"index-{docs}"
    if index.exists():
        shutil.rmtree(index)
    throughput = index_throughput.run(docs, jobs, index)
    return {
        "index_throughput": throughput,
        "incremental": incremental.run(docs, index),
        "search_latency": search_latency.run(index, runs),
    }


def headline(r: dict) -> dict:
    t, i, s = r["index_throughput"], r["incremental"], r["search_latency"]
    return {
        "index_seconds": t["casework"]["seconds"],
        "baseline_seconds": t["baseline_spacy_ner"]["seconds"],
        "ratio_vs_spacy": t["ratio"],
        "peak_rss_mb": t["casework"]["peak_rss_mb"],
        "reindex_unchanged_s": i["unchanged"]["seconds"],
        "one_changed_updated": i["one_changed"]["updated"],
        "cold_search_median_ms": max(v["median_ms"] for v in s["cold_median_ms"].values()),
        "warm_search_p95_ms": s["warm"]["p95_ms"],
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, nargs="+", default=[2000])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args(argv)
    started = time.perf_counter()
    scales = {str(d): one_scale(d, args.jobs, args.runs) for d in args.docs}
    heads = {d: headline(r) for d, r in scales.items()}
    keys = list(heads)
    growth = {
        f"{a}->{b}": {k: round(heads[b][k] / heads[a][k], 2) if heads[a][k] else None
                      for k in heads[a]}
        for a, b in zip(keys, keys[1:])
    }
    print(json.dumps({"bench": "run", "headline": heads, "growth": growth, "scales": scales,
                      "seconds": round(time.perf_counter() - started, 1), "machine": machine()}))


if __name__ == "__main__":
    main()
