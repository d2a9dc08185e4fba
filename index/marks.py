"""The reader's marks on documents: tags, a star, notes.

Stored one JSON object a line in ``marks.jsonl`` beside ``curation.jsonl`` (human-readable,
append-only, copied across ``--rebuild``). Each line names its document by path *and* content
hash, not by doc id: a document is found again by its path, else (moved or renamed) by its
content, so marks survive a rebuild, a re-index and a move of the folder. Lines are folded in
order: ``tag``/``untag``, ``star``/``unstar``, ``note``/``unnote`` (by position).
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

from casework.index.catalog import Catalog
from casework.index.errors import CaseworkError, NotFound
from casework.index.store import read_jsonl

FILE = "marks.jsonl"
OPS = ("tag", "untag", "star", "unstar", "note", "unnote")
_TAG = re.compile(r"^[\w][\w.-]{0,63}$")
MAX_NOTE_CHARS = 10_000


def marks_path(catalog: Catalog) -> Path:
    return Path(catalog.path).parent / FILE


def check_tag(tag: str) -> str:
    """A tag as stored (lower case); CaseworkError for one that a query could not name."""
    tag = tag.strip().lower()
    if not _TAG.match(tag):
        raise CaseworkError(f"{tag!r} is not a tag: use letters, digits, '_', '.' and '-' "
                            "(up to 64, starting with a letter or digit)")
    return tag


def find_document(catalog: Catalog, doc: str) -> str:
    """The doc id of ``doc``: an id, or the path of an indexed file."""
    if catalog.doc_id_taken(doc):
        return doc
    row = catalog.document_by_path(os.path.abspath(os.path.expanduser(doc))) if doc else None
    if row is None:
        raise NotFound(f"no document with id or path {doc!r}")
    return row["doc_id"]


def load(path: Path) -> list[dict]:
    """Marks in order; a line that is not one is skipped, never fatal."""
    return [item for item in read_jsonl(path)
            if item.get("op") in OPS and isinstance(item.get("path"), str)]


def append(catalog: Catalog, doc_id: str, items: list[dict]) -> None:
    """Record marks on a document: one line each, appended (O_APPEND: no lock needed, so a
    tag can be written while an indexing run holds the write lock)."""
    row = catalog.document_row(doc_id)
    at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    lines = "".join(
        json.dumps({**item, "path": row["path"], "sha256": row["sha256"], "at": at},
                   ensure_ascii=False, sort_keys=True) + "\n"
        for item in items
    )
    path = marks_path(catalog)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, lines.encode("utf-8"))
        finally:
            os.close(fd)
    except OSError as exc:
        raise CaseworkError(f"cannot write {path}: {exc.strerror or exc}") from None


class Folded:
    """Every document's marks now, by doc id, from the lines in order."""

    def __init__(self, catalog: Catalog):
        self.tags: dict[str, list[str]] = {}
        self.starred: set[str] = set()
        self.notes: dict[str, list[dict[str, str]]] = {}
        by_path: dict[str, str | None] = {}
        for item in load(marks_path(catalog)):
            key = item["path"]
            if key not in by_path:
                by_path[key] = _locate(catalog, item)
            doc_id = by_path[key]
            if doc_id is not None:
                self._apply(doc_id, item)

    def _apply(self, doc_id: str, item: dict) -> None:
        op = item["op"]
        if op in ("tag", "untag") and isinstance(item.get("tag"), str):
            tags = self.tags.setdefault(doc_id, [])
            if op == "tag" and item["tag"] not in tags:
                tags.append(item["tag"])
            elif op == "untag" and item["tag"] in tags:
                tags.remove(item["tag"])
        elif op == "star":
            self.starred.add(doc_id)
        elif op == "unstar":
            self.starred.discard(doc_id)
        elif op == "note" and isinstance(item.get("text"), str):
            self.notes.setdefault(doc_id, []).append({"text": item["text"], "at": item["at"]})
        elif op == "unnote" and isinstance(item.get("number"), int):
            notes = self.notes.get(doc_id, [])
            if 1 <= item["number"] <= len(notes):
                notes.pop(item["number"] - 1)

    def marked(self) -> list[str]:
        """Doc ids with any mark, tags first-come order kept."""
        ids = [d for d, t in self.tags.items() if t]
        ids += [d for d in self.starred if d not in ids]
        ids += [d for d, n in self.notes.items() if n and d not in ids]
        return ids

    def with_tag(self, tag: str) -> set[str]:
        return {d for d, tags in self.tags.items() if tag in tags}

    def tag_counts(self) -> list[tuple[str, int]]:
        counts: dict[str, int] = {}
        for tags in self.tags.values():
            for t in tags:
                counts[t] = counts.get(t, 0) + 1
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _locate(catalog: Catalog, item: dict) -> str | None:
    """The document a mark names: by path, else by content (the file moved)."""
    row = catalog.document_by_path(item["path"])
    if row is not None:
        return row["doc_id"]
    sha = item.get("sha256")
    if isinstance(sha, str):
        found = catalog.doc_ids_by_sha256(sha)
        if found:
            return found[0]
    return None
