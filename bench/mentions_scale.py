"""Storing one long document's mentions (entities.mentions_for) at growing sizes. Prints JSON.

    python bench/mentions_scale.py [--mb 0.25 0.5 1 2]

The text is bench/big_file.py's (the bench corpus's documents concatenated), its spans from
big_file's RuleAnnotator plus the rule patterns, as indexer.stored hands them over. Time that
grows with the square of the size means some step compares every mention with every other.

Measured here (2 cores shared with other helpers, load ~3), seconds for 0.25/0.5/1/2 MB
(4,806/9,663/19,354/37,153 spans):
  before (8afe913): 1.67 / 5.73 / 21.7 / 76.4   (every name checked against every mention,
                    the whole text scanned once per surname, each name's line read again)
  after:            0.13 / 0.22 / 0.45 / 0.87
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))


def text_of(megabytes: float, source) -> str:
    from corpus import document

    parts, size, i = [], 0, 0
    while size < megabytes * 1_000_000:
        piece = document(i, source) + "\n"
        parts.append(piece)
        size += len(piece.encode("utf-8"))
        i += 1
    return "".join(parts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, nargs="+", default=[0.25, 0.5, 1, 2])
    args = parser.parse_args(argv)

    from _common import machine
    from big_file import RuleAnnotator
    from corpus import articles

    from casework.index import entities, patterns

    source = articles()
    rows = []
    for mb in args.mb:
        text = text_of(mb, source)
        [(_, spans)] = RuleAnnotator().annotate([("big", text)])
        spans = patterns.merge(spans, patterns.find(text))
        started = time.perf_counter()
        mentions = entities.mentions_for(text, spans)
        rows.append({"mb": mb, "chars": len(text), "spans": len(spans),
                     "mentions": len(mentions),
                     "seconds": round(time.perf_counter() - started, 3)})
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    print(json.dumps({"bench": "mentions_scale", "machine": machine(), "sizes": rows}, indent=1))


if __name__ == "__main__":
    main()
