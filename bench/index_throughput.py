"""Indexing throughput against bare spaCy in the same run, printed as one JSON object.

    python bench/index_throughput.py [--docs 2000] [--jobs 2] [--index DIR]

Both sides run as whole processes over the same files (bench/corpus.py), imports and model
load included, with the same number of processes:

* baseline: ``spacy.load(model)`` with everything but ``ner`` excluded, then
  ``nlp.pipe(texts, n_process=jobs, batch_size=16)`` (casework's batch size; spaCy's default
  of 256 peaks at ~3.9 GB on long documents);
* casework: ``casework index --jobs N --json`` into a fresh index: read, hash, NER (+ the cheap
  sentence splitter), store, resolve entities, write Whoosh, merge segments.

Peak RSS is sampled every 0.1 s over the process and its children (spaCy's workers).
Target (issue 6): casework words/s >= 0.85 x baseline; peak RSS <= 1.5 GB.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402
from _common import CASEWORK, du, machine, mb, run_measured  # noqa: E402

BASELINE = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    import spacy
    folder, model, jobs = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    nlp = spacy.load(model)
    nlp.select_pipes(enable=["ner"])
    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*.txt"))]
    ents = sum(len(d.ents) for d in nlp.pipe(texts, batch_size=16, n_process=jobs))
    print(json.dumps({"docs": len(texts), "words": sum(len(t.split()) for t in texts),
                      "entities": ents}))
""")


def run_baseline(folder: Path, model: str, jobs: int) -> dict:
    done, wall, peak = run_measured([sys.executable, "-c", BASELINE, str(folder), model, str(jobs)])
    out = json.loads(done.stdout.strip().splitlines()[-1])
    out.update(seconds=round(wall, 2), words_per_s=round(out["words"] / wall),
               peak_rss_mb=mb(peak))
    return out


def casework_index(folder: Path, index: Path, jobs: int, extra: list[str] = ()) -> dict:
    cmd = [*CASEWORK, "index", "--jobs", str(jobs), "--json", "--index", str(index), *extra,
           str(folder)]
    done, wall, peak = run_measured(cmd)
    report = json.loads(done.stdout)
    return {
        "docs": report["documents"],
        "added": report["added"],
        "words": report["words"],
        "entities": report["entities"],
        "mentions": report["mentions"],
        "seconds": round(wall, 2),
        "engine_seconds": report["seconds"],
        "peak_rss_mb": mb(peak),
        "index_mb": mb(du(index)),
    }


def run(docs: int, jobs: int, index: Path | None = None, baseline: bool = True) -> dict:
    from casework.index.nlp import default_model

    folder = corpus.build(docs)
    model = default_model()
    base = run_baseline(folder, model, jobs) if baseline else None
    own_tmp = index is None
    index = index or Path(tempfile.mkdtemp(prefix="casework-bench-")) / "index"
    if index.exists():
        shutil.rmtree(index)
    try:
        cw = casework_index(folder, index, jobs)
    finally:
        if own_tmp:
            shutil.rmtree(index.parent, ignore_errors=True)
    cw["words_per_s"] = round(cw["words"] / cw["seconds"])
    return {
        "bench": "index_throughput",
        "docs": docs,
        "jobs": jobs,
        "model": model,
        "baseline_spacy_ner": base,
        "casework": cw,
        "ratio": round(base["seconds"] / cw["seconds"], 3) if base else None,
        "targets": {"ratio_min": 0.85, "peak_rss_mb_max": 1536},
        "machine": machine(),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--index", type=Path, default=None, help="keep the built index here")
    args = ap.parse_args(argv)
    print(json.dumps(run(args.docs, args.jobs, args.index)))


if __name__ == "__main__":
    main()
