"""The reader's watch list: names to mark wherever the case mentions them.

Kept one JSON object a line in ``watchlist.jsonl`` beside curation.jsonl (``{"id", "schema",
"names"}``, the first name the entity's own, the rest its aliases), written by ``casework
import ftm`` (casework.index.ftm reads the FtM file) and copied across ``--rebuild``. Like the
reader's judgements it is an input of entity resolution, not derived data: recall.find_watched
marks every occurrence of a listed name as a mention (source ``watch``), and resolve joins
each entry's names into one entity with the entry's label and flags it as watched.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from casework.index.errors import CaseworkError
from casework.index.store import read_jsonl, write_atomic

FILE = "watchlist.jsonl"
SOURCE = "watch"  # the mentions a watch list made
# the entity label of each FtM schema a watch list may hold (legal entities and their kinds)
LABEL_OF_SCHEMA = {"Person": "PERSON", "Organization": "ORG", "Company": "ORG",
                   "LegalEntity": "ORG", "PublicBody": "ORG"}
REASON = "watch list"  # an alias the watch list gave

_WORDS = re.compile(r"\w+|[^\w\s]")


def path_in(index_path: Path) -> Path:
    return Path(index_path) / FILE


def load(path: Path) -> list[dict]:
    """The watch list's entries in order; a line that is not one is skipped, never fatal."""
    return [item for item in read_jsonl(path)
            if isinstance(item.get("names"), list) and item["names"]
            and all(isinstance(n, str) for n in item["names"])]


def save(path: Path, entries: list[dict]) -> list[dict]:
    """Merge ``entries`` into the list at ``path`` (by FtM id: a newer entry replaces an older
    one, so importing a file twice changes nothing); returns the whole list."""
    merged = {w["id"]: w for w in load(path)}
    for w in entries:
        merged[w["id"]] = w
    text = "".join(json.dumps(w, ensure_ascii=False, sort_keys=True) + "\n"
                   for w in merged.values())
    try:
        existing = path.read_text(encoding="utf-8")
    except OSError:
        existing = None
    if text != existing:  # an unchanged list is not rewritten
        try:
            write_atomic(path, text)
        except OSError as exc:
            raise CaseworkError(f"cannot write {path}: {exc.strerror or exc}") from None
    return list(merged.values())


def label(entry: dict) -> str:
    return LABEL_OF_SCHEMA.get(entry.get("schema", ""), "ORG")


def fold(name: str) -> str:
    """How a listed name is looked for: its words and marks, case folded ("Acme  Ltd." and
    "ACME LTD ." are one)."""
    return " ".join(_WORDS.findall(name.casefold()))


def forms(entries: list[dict]) -> dict[str, str]:
    """Every listed name by its folded form -> the label it is watched as (the first entry
    that lists a form decides)."""
    out: dict[str, str] = {}
    for w in entries:
        for name in w["names"]:
            key = fold(name)
            if key and len(key.replace(" ", "")) >= 2:
                out.setdefault(key, label(w))
    return out
