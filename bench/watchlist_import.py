"""``casework import ftm`` on a real index: what marking a watch list's names costs.

    python bench/watchlist_import.py [--index /work/cache/ner-3824] [--names 20] [--skip 0]

Copies the index (the original is never written), makes a watch list of ``--names`` of its
PERSON/ORG entities (most-mentioned first, after ``--skip``; a made-up company with an alias
that no document names is added), imports it through the engine, and prints one JSON object:
seconds per phase (the watch scan, resolution, the re-scan, the full-text write), the total,
documents that gained a mark, documents rewritten in the full-text index, and a second import
of the same list (it should write nothing).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine  # noqa: E402


def watch_list(catalog: Path, names: int, skip: int) -> list[dict]:
    conn = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True)
    rows = conn.execute(
        "SELECT name, label FROM entities WHERE label IN ('PERSON', 'ORG') "
        "ORDER BY mentions DESC LIMIT ? OFFSET ?", (names, skip)).fetchall()
    conn.close()
    schema = {"PERSON": "Person", "ORG": "Organization"}
    out = [{"id": f"b{i}", "schema": schema[label], "properties": {"name": [name]}}
           for i, (name, label) in enumerate(rows)]
    out.append({"id": "made-up", "schema": "Company",
                "properties": {"name": ["Acme Shell Holdings Ltd"], "alias": ["Acme Shell"]}})
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", type=Path, default=Path("/work/cache/ner-3824"))
    ap.add_argument("--names", type=int, default=20)
    ap.add_argument("--skip", type=int, default=0)
    args = ap.parse_args()

    from casework.index import open_index

    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "index"
        shutil.copytree(args.index, index, ignore=shutil.ignore_patterns("write.lock"))
        listed = Path(tmp) / "watch.json"
        listed.write_text("".join(json.dumps(e) + "\n"
                                  for e in watch_list(index / "catalog.sqlite", args.names,
                                                      args.skip)))
        cw = open_index(index)
        phases: dict[str, float] = {}
        marks = {"stage": None, "at": 0.0, "store_total": 0}

        def note(p) -> None:
            now = time.perf_counter()
            if p.stage != marks["stage"]:
                if marks["stage"]:
                    phases[marks["stage"]] = round(now - marks["at"], 2)
                marks.update(stage=p.stage, at=now)
            if p.stage == "store":
                marks["store_total"] = p.total

        start = time.perf_counter()
        report = cw.import_watchlist(listed, progress=note)
        total = time.perf_counter() - start
        if marks["stage"]:
            phases[marks["stage"]] = round(time.perf_counter() - marks["at"], 2)
        conn = sqlite3.connect(index / "catalog.sqlite")
        marked = conn.execute(
            "SELECT COUNT(DISTINCT doc_id) FROM mentions WHERE source = 'watch'").fetchone()[0]
        conn.close()
        start = time.perf_counter()
        cw.import_watchlist(listed)
        again = time.perf_counter() - start
        print(json.dumps({
            "bench": "watchlist_import", "index": str(args.index),
            "documents": cw.status().documents, "entries": report.entities,
            "names": report.names, "documents_naming_them": report.documents,
            "documents_marked": marked, "fulltext_rewritten": marks["store_total"],
            "seconds": round(total, 2), "phases": phases, "reimport_seconds": round(again, 3),
            "machine": machine(),
        }, indent=2))
        cw.close()


if __name__ == "__main__":
    main()
