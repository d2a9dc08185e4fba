"""kill -9 at random points of `casework index` (and `--rebuild`), then check what is left.

After each kill: the index opens, search works, Whoosh and SQLite agree (the check on open
repairs them), every entity's documents are found by an entity search, no leftover of a killed
rebuild survives the next run, and re-running the same command completes with the full count.

    python bench/crash_trials.py [--trials 24] [--copies 300]

Prints one JSON object. The corpus is copies of the bundled seeds: their annotations are cached
in the base index, so runs spend their time storing and writing Whoosh (where kills hurt), not
in spaCy.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def cli(*args: str, index: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("CASEWORK_INDEX", None)
    return subprocess.run(
        [sys.executable, "-m", "casework.tui.cli", *args, "--index", str(index), "-q"],
        capture_output=True, text=True, env=env, timeout=timeout,
    )


def make_corpus(folder: Path, copies: int) -> Path:
    from casework.index.location import seed_paths

    seeds = seed_paths()
    for sub in range(0, copies, 100):  # a few folders, as real dumps have
        (folder / f"batch{sub // 100}").mkdir(parents=True, exist_ok=True)
    for i in range(copies):
        src = seeds[i % len(seeds)]
        dst = folder / f"batch{i // 100}" / f"copy-{i:04d}.txt"
        # a line of its own: identical files are one document (with copies), stored at once
        dst.write_bytes(src.read_bytes() + f"\n\nCopy {i} of the seeds.\n".encode())
    return folder


def make_base_index(base: Path) -> Path:
    """An index of the seeds: its annotation cache covers every copy in the corpus."""
    from casework.index.location import seed_paths

    index = base / "base-index"
    proc = cli("index", *[str(p) for p in seed_paths()], index=index)
    if proc.returncode != 0:
        raise SystemExit(f"base index failed: {proc.stderr}")
    return index


def stored_documents(index: Path) -> int:
    """Documents committed to the catalog of ``index`` or of a rebuild beside it, right now."""
    import sqlite3

    best = 0
    for cat in [index / "catalog.sqlite", *index.parent.glob(f".{index.name}.rebuild-*/catalog.sqlite")]:
        try:
            conn = sqlite3.connect(f"file:{cat}?mode=ro", uri=True, timeout=0.05)
            best = max(best, conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0])
            conn.close()
        except sqlite3.Error:
            pass
    return best


def kill_at(cmd_args: list[str], index: Path, after: float, when_stored: int = 0) -> bool:
    """Start `casework index ...`, kill -9 it after ``after`` seconds, or as soon as
    ``when_stored`` documents are in a catalog; True if it was killed."""
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("CASEWORK_INDEX", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "casework.tui.cli", *cmd_args, "--index", str(index), "-q"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )
    deadline = time.monotonic() + after
    while proc.poll() is None:
        if time.monotonic() >= deadline or (when_stored and stored_documents(index) >= when_stored):
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.01)
    return False


def check_after_kill(index: Path) -> dict:
    """Open (which checks and repairs), search, and compare Whoosh with SQLite in full."""
    from casework.index import consistency
    from casework.index.api import open_index

    problems = []
    with open_index(index) as cw:
        notes = list(getattr(cw, "notes", []))
        n = cw.document_count()
        if n:
            hits = cw.search("harfuch", limit=5)
            if hits.total == 0:
                problems.append("search found nothing in a non-empty index")
        agreement = consistency.check(cw.catalog, cw.fulltext, full=True)
        if not agreement.ok:
            problems.append(
                f"disagree: state={agreement.state} catalog={agreement.catalog_docs} "
                f"fulltext={agreement.fulltext_docs} missing={len(agreement.missing)} "
                f"extra={len(agreement.extra)}"
            )
        from casework.index.fulltext.query import make_parser

        parser = make_parser(cw.fulltext.ix.schema)
        with cw.fulltext.ix.searcher() as s:
            for e in cw.entities(limit=8):
                expected = set(cw.catalog.documents_mentioning(e.entity_id, other_than=""))
                q = parser.parse(f'entity:"{e.name}"')
                found = {s.stored_fields(d)["doc_id"] for d in s.docs_for_query(q)}
                if not expected <= found:
                    problems.append(f"entity {e.name!r}: {len(expected - found)} docs not found")
    return {"documents": n, "notes": notes, "problems": problems}


def catalog_state(index: Path) -> str:
    """The run-state flag as the kill left it ('updating' means the open had to repair)."""
    import sqlite3

    try:
        conn = sqlite3.connect(f"file:{index / 'catalog.sqlite'}?mode=ro", uri=True)
        row = conn.execute("SELECT value FROM meta WHERE key = 'state'").fetchone()
        conn.close()
        return row[0] if row else "none"
    except sqlite3.Error as exc:
        return f"unreadable: {exc}"


def trial(after: float, base_index: Path, corpus: Path, work: Path, mode: str,
          copies: int, when_stored: int = 0) -> dict:
    index = work / "index"
    if index.exists():
        shutil.rmtree(index)
    for p in work.glob(".index.*"):
        shutil.rmtree(p)
    shutil.copytree(base_index, index)
    args = ["index", str(corpus)] + (["--rebuild"] if mode == "rebuild" else [])
    killed = kill_at(args, index, after, when_stored)
    leftovers_after_kill = len(list(work.glob(".index.*")))
    state_after_kill = catalog_state(index)
    state = check_after_kill(index)
    rerun = cli(*args, index=index)
    leftovers_after_rerun = len(list(work.glob(".index.*")))
    final = check_after_kill(index)
    expected_docs = copies + (0 if mode == "rebuild" else 2)
    problems = state["problems"] + final["problems"]
    if rerun.returncode != 0:
        problems.append(f"re-run exited {rerun.returncode}: {rerun.stderr.strip()}")
    if final["documents"] != expected_docs:
        problems.append(f"re-run left {final['documents']} documents, expected {expected_docs}")
    if leftovers_after_rerun:
        problems.append(f"{leftovers_after_rerun} rebuild leftovers survived the re-run")
    return {
        "mode": mode,
        "kill_after_s": round(after, 3),
        "killed": killed,
        "documents_after_kill": state["documents"],
        "state_after_kill": state_after_kill,
        "noted_on_open": state["notes"],
        "rebuild_leftovers_after_kill": leftovers_after_kill,
        "ok": not problems,
        "problems": problems,
    }


def run(trials: int, copies: int, seed: int = 1, workdir: Path | None = None) -> dict:
    rng = random.Random(seed)
    base = Path(workdir or tempfile.mkdtemp(prefix="casework-crash-"))
    corpus = base / "corpus"
    make_corpus(corpus, copies)
    base_index = make_base_index(base)
    work = base / "work"
    work.mkdir()
    # one uninterrupted run of each mode sets the range of kill times
    timing = {}
    for mode in ("update", "rebuild"):
        shutil.copytree(base_index, work / "index", dirs_exist_ok=False)
        started = time.monotonic()
        proc = cli("index", str(corpus), *(["--rebuild"] if mode == "rebuild" else []),
                   index=work / "index")
        timing[mode] = time.monotonic() - started
        if proc.returncode != 0:
            raise SystemExit(f"uninterrupted {mode} failed: {proc.stderr}")
        shutil.rmtree(work / "index")
    results = []
    for i in range(trials):
        mode = "rebuild" if i % 3 == 2 else "update"
        if i % 2:  # at a random moment of the run (start-up, resolution, Whoosh, the swap)
            after, when_stored = rng.uniform(0.05, timing[mode] * 0.9), 0
        else:  # as soon as a random number of documents is committed to a catalog
            after, when_stored = 120.0, rng.randint(1, copies)
        results.append(trial(after, base_index, corpus, work, mode, copies, when_stored))
        results[-1]["kill_when_stored"] = when_stored
    if workdir is None:
        shutil.rmtree(base, ignore_errors=True)
    return {
        "trials": len(results),
        "killed": sum(r["killed"] for r in results),
        "ok": sum(r["ok"] for r in results),
        "repaired_on_open": sum(r["state_after_kill"] == "updating" for r in results),
        "copies": copies,
        "uninterrupted_seconds": {k: round(v, 2) for k, v in timing.items()},
        "failures": [r for r in results if not r["ok"]],
        "results": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=24)
    parser.add_argument("--copies", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(json.dumps(run(args.trials, args.copies, args.seed), indent=2))


if __name__ == "__main__":
    main()
