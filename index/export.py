"""Export entities, mentions and co-occurrences as CSV or JSON Lines (streamed, any size).

Cells are made inert: control and bidi characters become visible escapes (as on screen), and a
CSV cell starting with = + - @ gets a leading apostrophe so a spreadsheet never runs it as a
formula (CSV injection).
"""

from __future__ import annotations

import csv
import json
import math
import re
from typing import IO, Iterable, Iterator

from casework.index.catalog import Catalog
from casework.index.safe import printable

# JSON escapes C0 controls itself; these it passes through (C1 holds CSI, bidi overrides).
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")

KINDS = ("entities", "mentions", "cooccurrences")
# the reader's marks (marks.py), written by api.py through write_rows
MARK_COLUMNS = {
    "tags": ["doc_id", "path", "sha256", "title", "starred", "tags"],
    "notes": ["doc_id", "path", "sha256", "title", "number", "note", "at"],
}
FORMATS = ("csv", "jsonl")

COLUMNS = {
    "entities": ["entity_id", "name", "label", "documents", "mentions", "aliases"],
    "mentions": ["doc_id", "path", "start", "end", "text", "label", "raw_label", "entity_id",
                 "entity_name", "source", "sent_start", "sent_end"],
    "cooccurrences": ["entity_a", "name_a", "entity_b", "name_b", "sentences", "documents",
                      "pmi"],
}


def rows(catalog: Catalog, kind: str) -> Iterator[dict]:
    if kind == "entities":
        aliases: dict[str, list[dict]] = {}
        for r in catalog.aliases_by_entity():
            aliases.setdefault(r["entity_id"], []).append(
                {"text": r["text"], "count": r["count"], "reason": r["reason"]})
        for r in catalog.entities_by_mentions():
            yield {"entity_id": r["entity_id"], "name": r["name"], "label": r["label"],
                   "documents": r["documents"], "mentions": r["mentions"],
                   "aliases": aliases.get(r["entity_id"], [])}
    elif kind == "mentions":
        for r in catalog.mentions_with_path_and_name():
            yield {c: r[c] for c in COLUMNS["mentions"]}
    elif kind == "cooccurrences":
        yield from _cooccurrences(catalog)
    else:
        raise ValueError(kind)


def _cooccurrences(catalog: Catalog) -> Iterator[dict]:
    """Every pair of entities sharing a sentence, with sentence and document counts and PMI."""
    sentences = catalog.sentence_counts_by_entity()
    total = max(1, catalog.sentences_with_entities_counted())
    names = catalog.entity_names()
    for r in catalog.cooccurring_pairs():
        if r["x"] not in names or r["y"] not in names:
            continue
        pmi = math.log(r["n"] * total / (sentences[r["x"]] * sentences[r["y"]]))
        yield {"entity_a": r["x"], "name_a": names[r["x"]], "entity_b": r["y"],
               "name_b": names[r["y"]], "sentences": r["n"], "documents": r["docs"],
               "pmi": round(pmi, 4)}


def _cell(value) -> str:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):  # tags
        value = "; ".join(value)
    elif isinstance(value, list):  # aliases in one cell: text (count, reason); ...
        value = "; ".join(f"{a['text']} ({a['count']}, {a['reason']})" for a in value)
    text = printable(str(value))
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def write(catalog: Catalog, kind: str, fmt: str, out: IO[str]) -> int:
    """Write every row of ``kind`` to ``out``; returns how many."""
    return write_rows(rows(catalog, kind), COLUMNS[kind], fmt, out)


def write_rows(items: Iterable[dict], columns: list[str], fmt: str, out: IO[str]) -> int:
    """Write rows (dicts with ``columns``) to ``out`` as csv or jsonl; returns how many."""
    n = 0
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in items:
            writer.writerow([_cell(row[c]) for c in columns])
            n += 1
    else:
        for row in items:
            line = json.dumps(row, ensure_ascii=False)
            out.write(_JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", line) + "\n")
            n += 1
    return n
