"""The reader's judgements on entities: merge, split, rename, relabel, hide, keep apart, and
undo.

Stored one JSON object a line in ``curation.jsonl`` in the index directory (human-readable,
diff-friendly, copied across ``--rebuild``), and applied after automatic resolution
(casework.index.resolve). Judgements name entities by surface-form keys, not ids, so they keep
their meaning when the corpus or the rules change. Undo drops the last line.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from casework.index.catalog import Catalog
from casework.index.entities import label_of, match_key
from casework.index.errors import CaseworkError
from casework.index.store import read_jsonl, write_atomic
from casework.index.xref import find_entity

# apart: two entities the reader says are different (a suggestion rejected in the review
# queue): resolution never joins them and the queue never offers them again
OPS = ("merge", "split", "rename", "relabel", "hide", "apart")


def load(path: Path) -> list[dict]:
    """Judgements in order; a line that is not one is skipped, never fatal."""
    return [item for item in read_jsonl(path) if item.get("op") in OPS]


def _append(path: Path, judgement: dict) -> None:
    judgement = {**judgement, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    line = json.dumps(judgement, ensure_ascii=False, sort_keys=True)
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    if existing and not existing.endswith("\n"):
        existing += "\n"
    write_atomic(path, existing + line + "\n")


def undo(path: Path) -> dict:
    """Drop the last judgement; returns it. CaseworkError when there is nothing to undo."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise CaseworkError("nothing to undo: no curation judgements recorded")
    last = lines.pop()
    write_atomic(path, "".join(line + "\n" for line in lines))
    try:
        return json.loads(last)
    except ValueError:
        return {"op": "unreadable line"}


def _head_key(catalog: Catalog, name_or_id: str) -> tuple[str, str, str]:
    """(entity_id, name, key of its name form) for an entity named or given by id."""
    entity_id = find_entity(catalog, name_or_id)
    name = catalog.entity_name(entity_id)
    alias_key = catalog.head_alias_key(entity_id)
    return entity_id, name, alias_key if alias_key is not None else match_key(name)


def judgement(catalog: Catalog, op: str, entity: str, value: str | None = None) -> dict:
    """Check a curation request against the index and turn it into a judgement to record."""
    entity_id, name, key = _head_key(catalog, entity)
    if op == "merge":
        other_id, other_name, other_key = _head_key(catalog, value or "")
        if other_id == entity_id:
            raise CaseworkError(f"{name!r} and {value!r} are already one entity")
        label = catalog.entity_label(entity_id)
        return {"op": "merge", "a": key, "b": other_key, "label": label,
                "names": [name, other_name]}
    if op == "apart":
        other_id, other_name, other_key = _head_key(catalog, value or "")
        if other_id == entity_id:
            raise CaseworkError(f"{name!r} and {value!r} are one entity: split an alias instead")
        return {"op": "apart", "a": key, "b": other_key, "names": [name, other_name]}
    if op == "split":
        alias_key = match_key(value or "")
        if not catalog.has_alias(entity_id, alias_key):
            raise CaseworkError(f"{value!r} is not an alias of {name!r}")
        if len(catalog.alias_keys(entity_id)) < 2:
            raise CaseworkError(f"{name!r} has no other alias to split {value!r} from")
        return {"op": "split", "entity": key, "alias": alias_key, "names": [name, value]}
    if op == "rename":
        if not value or not value.strip():
            raise CaseworkError("a new name cannot be empty")
        return {"op": "rename", "entity": key, "value": value.strip(), "names": [name]}
    if op == "relabel":
        label = label_of(value or "")
        return {"op": "relabel", "entity": key, "value": label, "names": [name]}
    if op == "hide":
        return {"op": "hide", "entity": key, "names": [name]}
    raise CaseworkError(f"unknown curation {op!r}")


def record(path: Path, item: dict) -> None:
    _append(path, item)


def describe(item: dict) -> str:
    names = item.get("names") or []
    op = item.get("op", "?")
    if op == "merge" and len(names) == 2:
        return f"merged {names[1]} into {names[0]}"
    if op == "split" and len(names) == 2:
        return f"split {names[1]} from {names[0]}"
    if op in ("rename", "relabel") and names:
        verb = "renamed" if op == "rename" else "relabelled"
        return f"{verb} {names[0]} to {item.get('value')}"
    if op == "hide" and names:
        return f"hid {names[0]}"
    if op == "apart" and len(names) == 2:
        return f"kept {names[0]} and {names[1]} apart"
    return op


def judgements_path(catalog: Catalog) -> Path:
    return Path(catalog.path).parent / "curation.jsonl"


def judge(catalog: Catalog, op: str, entity: str | None = None, value: str | None = None) -> str:
    """Record one judgement in curation.jsonl (or drop the last, for ``undo``); says what it
    did. The caller holds the write lock and re-resolves after (sync.curate)."""
    path = judgements_path(catalog)
    if op == "undo":
        try:
            return "undid: " + describe(undo(path))
        except OSError as exc:
            raise CaseworkError(f"cannot rewrite {path}: {exc.strerror or exc}") from None
    item = judgement(catalog, op, entity or "", value)
    if op == "hide":  # its mentions lose their entity: flag their documents now
        catalog.mark_mentioning_stale([find_entity(catalog, entity or "")])
    try:
        record(path, item)
    except OSError as exc:
        raise CaseworkError(f"cannot write {path}: {exc.strerror or exc}") from None
    return describe(item)
