"""One file on disk to its parts: the file's own text, then each child, depth first, under caps.

Runs inside the sandbox process (limits.py); every parser is imported here lazily, never on the
search path.
"""

from __future__ import annotations

import hashlib
import zlib

from casework.index.ingest import sniff
from casework.index.ingest.shape import Budget, Caps, Child, Extracted, NotText, Part

_MIME_KIND = {
    "application/pdf": "pdf",
    "text/html": "html",
    "text/plain": "text",
    "text/markdown": "markdown",
    "text/csv": "csv",
    "text/rtf": "rtf",
    "application/rtf": "rtf",
    "message/rfc822": "eml",
    "application/mbox": "mbox",
    "application/zip": "zip",
    "application/x-tar": "tar",
    "application/gzip": "tar",
    "application/json": "json",
}


def extract_file(path: str, kind: str, caps: Caps = Caps(), packed: bool = False) -> list[Part]:
    """Read the file at ``path`` (opened for reading only) and extract it and its children."""
    with open(path, "rb") as fh:
        data = fh.read(caps.max_member_bytes + 1)
    if len(data) > caps.max_member_bytes:
        raise NotText(f"larger than {caps.max_member_bytes // (1024 * 1024)} MB")
    return extract_tree(data, path.rsplit("/", 1)[-1], kind, caps, packed)


def extract_tree(data: bytes, name: str, kind: str, caps: Caps = Caps(),
                 packed: bool = False) -> list[Part]:
    """The parts of one document held in ``data``: itself first, then its children in order;
    ``packed``: each part's text as UTF-8 (``Extracted.pack``), for the reply to the indexer."""
    parts: list[Part] = []
    budget = Budget(caps)
    _visit(data, name, kind, (), parts, budget, packed)
    return parts


def _visit(data: bytes, name: str, kind: str, ipath: tuple[str, ...], parts: list[Part],
           budget: Budget, packed: bool) -> None:
    part = Part(ipath, size=len(data), sha256=hashlib.sha256(data).hexdigest())
    parts.append(part)
    try:
        extracted = extract_bytes(data, name, kind, budget)
    except NotText as exc:
        part.skipped = str(exc)
        return
    except MemoryError:
        raise  # the whole file is over the cap: the sandbox says so
    except Exception as exc:  # a parser's error on a broken file: reported, the run goes on
        part.failed = describe(exc)
        return
    children, extracted.children = extracted.children, ()
    if packed:
        extracted.pack()
    part.extracted = extracted
    caps = budget.caps
    names: set[str] = set()
    for i, child in enumerate(children):
        child_path = ipath + (_unique(_clean(child.name) or f"part-{i + 1}", names),)
        if i >= caps.max_children:
            parts.append(Part(child_path, skipped=f"more than {caps.max_children:,} members or "
                                                  "attachments: the rest are not read"))
            break
        if child.skipped or child.failed:
            parts.append(Part(child_path, size=len(child.data), skipped=child.skipped,
                              failed=child.failed))
            continue
        if len(child_path) > caps.max_depth:
            parts.append(Part(child_path, size=len(child.data),
                              skipped=f"nested more than {caps.max_depth} levels deep"))
            continue
        child_kind, reason = kind_of_child(child)
        if child_kind is None:
            parts.append(Part(child_path, size=len(child.data), skipped=reason))
            continue
        _visit(child.data, child.name, child_kind, child_path, parts, budget, packed)


def kind_of_child(child: Child) -> tuple[str | None, str]:
    kind = sniff.kind_for_name(child.name)
    if kind is not None:
        return kind, ""
    mime = child.content_type.split(";")[0].strip().lower()
    if mime in _MIME_KIND:
        return _MIME_KIND[mime], ""
    return sniff.kind_for_bytes(child.data[: sniff.HEAD_BYTES], child.name)


def extract_bytes(data: bytes, name: str, kind: str, budget: Budget) -> Extracted:
    """Dispatch to the reader for ``kind`` (imported on first use)."""
    from casework.index.ingest import formats

    return formats.extractor(kind)(data, name, budget)


def _clean(name: str) -> str:
    """A member name as a path inside its parent: '/'-separated, no '.', '..' or empty steps,
    no '//' (the separator of ipaths). Nothing is written to disk; this is for display and ids."""
    steps: list[str] = []
    for step in name.replace("\\", "/").replace("\x00", "").split("/"):
        if step == "..":
            if steps:
                steps.pop()
        elif step not in ("", "."):
            steps.append(step)
    return "/".join(steps)[:255]


def _unique(name: str, taken: set[str]) -> str:
    if name in taken:
        stem, n = name, 2
        while f"{stem} ({n})" in taken:
            n += 1
        name = f"{stem} ({n})"
    taken.add(name)
    return name


def describe(exc: BaseException) -> str:
    """An error as one line a reader can act on (no traceback)."""
    if isinstance(exc, zlib.error):
        return f"corrupt compressed data ({exc})"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    kind = type(exc).__name__
    return f"{kind}: {text}"[:300] if text else kind
