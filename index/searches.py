"""Saved searches and the explorer's query history, per case, in the index directory.

``saved.json``: ``{"NAME": {"query": ..., "at": ...}, ...}`` in the order saved.
``history.json``: the queries run, oldest first, each once (its newest use), at most
``HISTORY_LIMIT``. Both are small and rewritten atomically; both are copied across --rebuild.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from casework.index.errors import CaseworkError, NotFound
from casework.index.store import write_atomic

SAVED = "saved.json"
HISTORY = "history.json"
HISTORY_LIMIT = 200
_NAME = re.compile(r"^[\w][\w .:-]{0,63}$")


def _read(path: Path, empty):
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return empty
    return value if isinstance(value, type(empty)) else empty


def _write(path: Path, value) -> None:
    try:
        write_atomic(path, json.dumps(value, ensure_ascii=False, indent=1) + "\n")
    except OSError as exc:
        raise CaseworkError(f"cannot write {path}: {exc.strerror or exc}") from None


def saved(folder: Path) -> list[tuple[str, str]]:
    """(name, query) of every saved search, in the order saved."""
    entries = _read(folder / SAVED, {})
    return [(name, e["query"]) for name, e in entries.items()
            if isinstance(e, dict) and isinstance(e.get("query"), str)]


def save(folder: Path, name: str, query: str) -> None:
    name = name.strip()
    if not _NAME.match(name):
        raise CaseworkError(f"{name!r} is not a name for a search: letters, digits, spaces, "
                            "'_', '.', ':' and '-' (up to 64)")
    if not query.strip():
        raise CaseworkError("a saved search needs a query")
    entries = _read(folder / SAVED, {})
    entries[name] = {"query": query.strip(),
                     "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    _write(folder / SAVED, entries)


def query_of(folder: Path, name: str) -> str:
    for saved_name, query in saved(folder):
        if saved_name == name:
            return query
    raise NotFound(f"no saved search called {name!r} (casework saved list shows them)")


def remove(folder: Path, name: str) -> None:
    entries = _read(folder / SAVED, {})
    if name not in entries:
        raise NotFound(f"no saved search called {name!r} (casework saved list shows them)")
    del entries[name]
    _write(folder / SAVED, entries)


def history(folder: Path) -> list[str]:
    return [q for q in _read(folder / HISTORY, []) if isinstance(q, str)]


def remember(folder: Path, query: str) -> None:
    query = query.strip()
    if not query:
        return
    queries = [q for q in history(folder) if q != query] + [query]
    _write(folder / HISTORY, queries[-HISTORY_LIMIT:])
