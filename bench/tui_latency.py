"""Explorer latency: time to first paint and keystroke-to-results, printed as one JSON object.

    python bench/tui_latency.py [--docs 300]
    python bench/tui_latency.py --index bench/out/index-100000 --queries news

Builds two indexes in a temp dir with the real indexer (spaCy): the bundled seeds, and a larger
one of generated documents made by recombining the seeds' paragraphs. First paint is measured
in a fresh process (imports included, from process start to Textual's Ready event, which is
sent after the first frame). Keystroke-to-results is measured in a headless Pilot session: the
time from a key to the results for the text in the box being on screen (or its error
message): for a person typing (a key every 150 ms) and for a burst (from its last key, so the
debounce is included).
With ``--index``, an existing index is measured instead (the bench corpus: ``--queries news``,
whose list includes "the", a query matching every document). The first-paint process also
runs every query once more and loads the next page of the biggest entity label, then reports
its peak RSS (``ru_maxrss``): what the explorer holds after a session of searching.
Targets (issue 4): first paint <= 0.5 s, keystroke-to-results p95 <= 100 ms; (issue 6, at
100,000 documents) the same, and RSS <= 200 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from casework.index.api import build_index
from casework.index.location import seed_paths

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import compile_bytecode  # noqa: E402

NEWS_QUERIES = [
    "senate", '"white house"', "presdent~", "immigra*", "person:trump", "the", "trump AND russia",
    "election", "climate change", "police", "health care", "the OR a", "korea", "tax*",
    "supreme court", "brexit", "obama", "syria", "economy", "facebook",
]
QUERIES = [
    "mexico", "sheinbaum", "cartel", "harfuch AND cartel", '"el mencho"', "violence", "security",
    "trump", "jalisco", "cjng", "united states", "guard*", "sheinbam", "person:harfuch",
    "mexico OR jalisco", "drone", "fentanyl", "judge", "kingpin", "border",
]

FIRST_PAINT = textwrap.dedent("""
    import time
    t0 = time.perf_counter()
    import json, resource, sys
    from casework.tui.app import PAGE, CaseworkApp
    t_import = time.perf_counter()
    queries = json.loads(sys.argv[2])

    class Timed(CaseworkApp):
        def on_ready(self):
            self.painted = time.perf_counter()
            self.rss_painted = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            self.set_timer(0.05, self.session)

        def session(self):
            if self.cw is None:  # still opening: wait for the worker
                self.set_timer(0.05, self.session)
                return
            for query in queries:
                self.cw.search(query, limit=PAGE)
                self.cw.search(query, limit=PAGE, offset=PAGE)
            labels = self.cw.labels()
            if labels:
                self.cw.entities(label=labels[0][0], limit=50, offset=50)
            self.exit()

    app = Timed(sys.argv[1])
    app.run(headless=True, size=(80, 24))
    print(json.dumps({"import_s": t_import - t0, "first_paint_s": app.painted - t0,
                      "spacy_imported": "spacy" in sys.modules,
                      "rss_at_paint_mb": app.rss_painted / 1024,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
""")


def generated_docs(folder: Path, count: int, seed: int = 7) -> None:
    paragraphs = [p.strip() for path in seed_paths() for p in path.read_text(encoding="utf-8").split("\n")
                  if len(p.strip()) > 80]
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    for i in range(count):
        body = "\n\n".join(rng.sample(paragraphs, k=min(6, len(paragraphs))))
        (folder / f"doc_{i:04d}.txt").write_text(f"Generated report {i}\n\n{body}\n", encoding="utf-8")


def first_paint(index: Path, queries: list[str], runs: int = 3) -> dict:
    compile_bytecode()
    samples, wall = [], []
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", FIRST_PAINT, str(index), json.dumps(queries)],
                              capture_output=True, text=True, timeout=300)
        wall.append(time.perf_counter() - started)
        if proc.returncode != 0:
            raise SystemExit(proc.stderr[-2000:])
        samples.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return {
        "first_paint_s": round(statistics.median(s["first_paint_s"] for s in samples), 3),
        "imports_s": round(statistics.median(s["import_s"] for s in samples), 3),
        "process_wall_s": round(statistics.median(wall), 3),
        "spacy_imported": any(s["spacy_imported"] for s in samples),
        "rss_at_first_paint_mb": round(max(s["rss_at_paint_mb"] for s in samples), 1),
        "peak_rss_after_session_mb": round(max(s["peak_rss_mb"] for s in samples), 1),
    }


async def keystroke_latency(index: Path, queries: list[str], rounds: int = 1,
                            typing_gap: float = 0.15) -> dict:
    """Two ways of typing: a burst (the query pasted or typed very fast; latency from its last
    key) and a person typing (a key every ``typing_gap`` s; latency of every key)."""
    from casework.tui.app import PAGE, CaseworkApp
    from casework.tui.search_pane import SearchBox

    class Timed(CaseworkApp):
        settled_at: dict[str, float] = {}

        def _show_result(self, result, seq, query, append=False):
            super()._show_result(result, seq, query, append)
            if seq == self._search_seq:
                self.settled_at[self._query] = time.perf_counter()

        def _show_error(self, message, seq):
            super()._show_error(message, seq)
            if seq == self._search_seq:
                self.settled_at[self._query] = time.perf_counter()

    async def until_settled(query: str, pressed: float) -> float:
        while query not in app.settled_at:
            await asyncio.sleep(0.001)
            if time.perf_counter() - pressed > 30:
                raise SystemExit(f"no results for {query!r} after 30 s")
        return app.settled_at[query] - pressed

    app = Timed(index)
    burst, typing, engine = [], [], []
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        box = app.query_one(SearchBox)
        box.focus()
        for _ in range(rounds):
            for query in queries:
                box.value = ""
                await pilot.pause(0.1)
                await pilot.press(*query[:-1])
                app.settled_at.clear()
                pressed = time.perf_counter()
                await pilot.press(query[-1])
                burst.append(await until_settled(query, pressed))
                t = time.perf_counter()
                app.cw.search(query, limit=PAGE)  # the engine alone, same page size
                engine.append(time.perf_counter() - t)
        for query in queries[:8]:
            box.value = ""
            await pilot.pause(0.2)
            for i, key in enumerate(query):
                app.settled_at.clear()
                pressed = time.perf_counter()
                await pilot.press(key)
                if query[: i + 1].strip():
                    typing.append(await until_settled(query[: i + 1], pressed))
                await asyncio.sleep(max(0.0, typing_gap - (time.perf_counter() - pressed)))

    def summary(values):
        values = sorted(values)
        pick = lambda p: round(values[min(len(values) - 1, int(p / 100 * len(values)))] * 1000, 1)  # noqa: E731
        return {"p50": pick(50), "p95": pick(95), "max": pick(100), "samples": len(values)}

    return {"typing_keystroke_to_results_ms": summary(typing),
            "burst_last_key_to_results_ms": summary(burst),
            "engine_search_ms": summary(engine)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=300, help="documents in the generated index")
    parser.add_argument("--index", type=Path, help="measure this existing index instead")
    parser.add_argument("--queries", choices=["seeds", "news"], default="seeds")
    args = parser.parse_args()
    from casework.tui.search_pane import DEBOUNCE_SECONDS

    out: dict = {"debounce_ms": DEBOUNCE_SECONDS * 1000}
    if args.index:
        from casework.index import open_index

        queries = NEWS_QUERIES if args.queries == "news" else QUERIES
        with open_index(args.index) as cw:
            out["index"] = {"path": str(args.index), "documents": cw.document_count()}
        out["index"].update(first_paint(args.index, queries))
        out["index"].update(asyncio.run(keystroke_latency(args.index, queries)))
        out["queries"] = queries
        print(json.dumps(out, indent=2))
        return
    with tempfile.TemporaryDirectory(prefix="casework-bench-") as tmp:
        tmp = Path(tmp)
        seeds = tmp / "seeds-index"
        t = time.perf_counter()
        report = build_index(seed_paths(), seeds)
        out["seeds"] = {"documents": report.documents, "build_s": round(time.perf_counter() - t, 1)}
        folder = tmp / "generated"
        generated_docs(folder, args.docs)
        big = tmp / "generated-index"
        t = time.perf_counter()
        report = build_index([folder], big, jobs=2)
        out["generated"] = {"documents": report.documents, "words": report.words,
                            "build_s": round(time.perf_counter() - t, 1)}
        for name, index in (("seeds", seeds), ("generated", big)):
            out[name].update(first_paint(index, QUERIES))
            out[name].update(asyncio.run(keystroke_latency(index, QUERIES)))
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
