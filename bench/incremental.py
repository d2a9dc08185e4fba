"""Incremental re-indexing, as one JSON object.

    python bench/incremental.py --docs 2000 --index bench/out/index-2000

On an index already built over the bench corpus (bench/index_throughput.py --index DIR):
1. ``casework index`` of the unchanged folder as a whole process (scan, stat, skip), and
   whether spaCy was imported (it must not be);
2. one file changed (a sentence appended): how many documents were re-annotated, and the time;
3. the file put back, re-indexed again (the corpus stays as built).
Target (issue 6): unchanged 20,000-doc folder <= 2 s; one changed file re-annotates one file.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402
from _common import machine, run_measured  # noqa: E402

# The CLI in-process, reporting whether spaCy got imported along the way.
INDEX = textwrap.dedent("""
    import sys
    from casework.tui import cli
    try:
        cli.main(sys.argv[1:])
    except SystemExit:
        pass
    print("spacy" in sys.modules, file=sys.stderr)
""")


def index(folder: Path, index_dir: Path) -> dict:
    cmd = [sys.executable, "-c", INDEX, "index", "--json", "--index", str(index_dir), str(folder)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done, wall, _ = run_measured(cmd)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    report = json.loads(done.stdout)
    return {
        "seconds": round(wall, 3),
        # on a shared machine wall time is mostly waiting: CPU is the figure to compare
        "cpu_seconds": round(after.ru_utime + after.ru_stime
                             - before.ru_utime - before.ru_stime, 3),
        "engine_seconds": report["seconds"],
        "added": report["added"],
        "updated": report["updated"],
        "unchanged": report["unchanged"],
        "spacy_imported": done.stderr.strip().splitlines()[-1] == "True",
    }


def run(docs: int, index_dir: Path, folder: Path | None = None) -> dict:
    folder = folder or corpus.build(docs)
    if not index_dir.exists():
        raise SystemExit(f"build the index first: python bench/index_throughput.py --docs {docs} "
                         f"--index {index_dir}")
    unchanged = index(folder, index_dir)
    victim = sorted(folder.rglob("*.txt"))[docs // 2]
    original = victim.read_bytes()
    try:
        # a new line each run: new content, so NER runs (a line seen before is in its cache)
        line = f"A reporter in Lisbon, Maria Costa, added this line at {time.time()}."
        victim.write_text(victim.read_text(encoding="utf-8") + f"\n{line}\n",
                          encoding="utf-8")
        one = index(folder, index_dir)
    finally:
        victim.write_bytes(original)
        time.sleep(0.01)
    back = index(folder, index_dir)
    return {
        "bench": "incremental",
        "docs": docs,
        "unchanged": unchanged,
        "one_changed": one,
        "put_back": back,
        "targets": {"unchanged_seconds_max_at_20000": 2.0, "one_changed_updated": 1},
        "machine": machine(),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--folder", type=Path, help="the corpus folder the index was built from "
                    "(default: bench/corpus.py's, built if missing)")
    args = ap.parse_args(argv)
    print(json.dumps(run(args.docs, args.index, args.folder)))


if __name__ == "__main__":
    main()
