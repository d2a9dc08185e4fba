"""One changed file, end to end, as one JSON object: a real ``casework watch`` process over an
index already built (``casework index --index DIR FOLDER``), a file saved, and the seconds until
the watcher reports it indexed.

    python bench/watch_latency.py --index /work/cache/ner-20000 \
        --folder /work/cache/corpus-20000 [--changes 5] [--engine OTHER/index] [--out F]

Per change: ``seconds`` (wall, from the write to the watcher's line: the burst's 50 ms of quiet,
the scan of the named file, NER, resolution, re-scan, recount, the full-text write),
``cpu_seconds`` (the watcher's CPU over the same span, from /proc), the run's own
``engine_seconds``, and the watcher's resident memory after it (``rss_mb``). Each file is put
back after its change (that run is not timed) and the watcher is left to settle between
changes. ``model_load`` is spaCy's load in a process of its
own, measured in the same run: ``ratio_to_model_load`` says what a change costs in units a
slower or busier machine scales alike. ``--engine`` runs another checkout's index/ (a "before"
figure; run the two one after the other, more than once: this VM's speed drifts by 20-30%
within minutes). Target (issue 20, point 8): <= 2 s at 20,000 documents.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import CLI_WITH_ENGINE, cli_env, compile_bytecode, machine  # noqa: E402

_TICK = os.sysconf("SC_CLK_TCK")
_LOAD = ("import time; c = time.process_time(); "
         "from casework.index.nlp import SpacyAnnotator; SpacyAnnotator().nlp; "
         "print(time.process_time() - c)")


def _cpu(pid: int) -> float:
    """User + system CPU seconds of ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _model_load() -> float:
    out = subprocess.run([sys.executable, "-c", _LOAD], capture_output=True, text=True,
                         check=True)
    return round(float(out.stdout.strip().splitlines()[-1]), 3)


class _Watcher:
    """``casework watch --json`` with its report lines read as they come."""

    def __init__(self, index_dir: Path, folder: Path, engine: str = ""):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", CLI_WITH_ENGINE, "watch", "--json", "--index",
             str(index_dir), str(folder)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env=cli_env(engine))
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(json.loads(line))

    def next_report(self, timeout: float = 600) -> dict:
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            self.proc.kill()
            raise SystemExit(f"no report from casework watch in {timeout:.0f} s: "
                             f"{self.proc.stderr.read()[-2000:]}") from None

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _append(path: Path) -> None:
    # a new line each time: new content, so NER runs (a line seen before is in its cache)
    line = f"A reporter in Lisbon, Maria Costa, added this line at {time.time()}."
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")


def run(index_dir: Path, folder: Path, changes: int = 5, settle: float = 3.0,
        engine: str = "") -> dict:
    if not index_dir.exists():
        raise SystemExit(f"build the index first: casework index --index {index_dir} {folder}")
    compile_bytecode()
    files = sorted(folder.rglob("*.txt"))
    step = max(1, len(files) // (changes + 1))
    victims = [files[(len(files) // 2 + 11 + k * step) % len(files)] for k in range(changes)]
    load = _model_load()
    started = time.perf_counter()
    watcher = _Watcher(index_dir, folder, engine)
    first = watcher.next_report()
    runs = []
    try:
        startup = round(time.perf_counter() - started, 3)
        for victim in victims:
            original = victim.read_bytes()
            time.sleep(settle)  # the watcher idle again (its collection between runs done)
            cpu, wall = _cpu(watcher.proc.pid), time.perf_counter()
            _append(victim)
            report = watcher.next_report()
            runs.append({"seconds": round(time.perf_counter() - wall, 3),
                         "cpu_seconds": round(_cpu(watcher.proc.pid) - cpu, 3),
                         "engine_seconds": report["seconds"], "updated": report["updated"],
                         "changed": len(report["changed"])})
            victim.write_bytes(original)  # put back: indexed, not timed
            watcher.next_report()
            runs[-1]["rss_mb"] = _rss_mb(watcher.proc.pid)  # a leak would grow it
    finally:
        watcher.stop()

    def median(key: str) -> float:
        return sorted(r[key] for r in runs)[len(runs) // 2]

    return {
        "bench": "watch_latency",
        "engine": engine or "this checkout",
        "docs": first["documents"],
        "model_load_cpu_seconds": load,
        "startup_seconds": startup,
        "changes": runs,
        "seconds_median": median("seconds"),
        "cpu_seconds_median": median("cpu_seconds"),
        "ratio_to_model_load": round(median("cpu_seconds") / load, 2),
        "target_seconds_at_20000": 2.0,
        "machine": machine(),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--folder", type=Path, required=True,
                    help="the folder the index was built from")
    ap.add_argument("--changes", type=int, default=5)
    ap.add_argument("--engine", default="", help="index/ of another checkout to measure "
                    "instead of this one's (a 'before' figure)")
    ap.add_argument("--out", type=Path, help="also write the JSON here")
    args = ap.parse_args(argv)
    engine = str(Path(args.engine).resolve()) if args.engine else ""
    result = json.dumps(run(args.index, args.folder, args.changes, engine=engine))
    if args.out:
        args.out.write_text(result + "\n", encoding="utf-8")
    print(result)


if __name__ == "__main__":
    main()
