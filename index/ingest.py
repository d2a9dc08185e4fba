"""Files to text: walk folders, skip what is not a document, detect encodings, derive titles.

Source files are only ever opened for reading.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from casework.index.models import SourceFile

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown", ".rst"})
MAX_FILE_BYTES = 200 * 1024 * 1024
_SNIFF_BYTES = 8192
_TITLE_CHARS = 120
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


@dataclass(frozen=True)
class Candidate:
    """A file that looks like a document, found under ``root``."""

    path: Path
    root: Path
    relpath: str  # display form, '/'-separated

    @property
    def display_path(self) -> str:
        return display_path(self.path)


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


@dataclass(frozen=True)
class Unreadable:
    """A folder the walk could not list: reported as failed, never silently left out."""

    path: str
    error: str


def display_path(path: Path | str) -> str:
    """A path as text that is always valid Unicode (undecodable bytes shown as \\xNN)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def doc_id_for(key: str) -> str:
    """A short id that stays the same for the same root name and relative path."""
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:8]


def scan(paths: list[Path]) -> Iterator[Candidate | Skipped | Unreadable]:
    """Yield each candidate document under ``paths`` (files or folders), and what was skipped.

    Hidden files and folders are skipped (and reported); folder symlinks are not followed, so a
    symlink loop cannot trap the walk.
    """
    for given in paths:
        if given.is_file():
            yield from _consider(given, given.parent, given.name)
            continue
        if not given.is_dir():
            yield Skipped(display_path(given), "not a regular file or folder")
            continue
        root = given
        errors: list[OSError] = []
        for dirpath, dirnames, filenames in os.walk(root, onerror=errors.append, followlinks=False):
            while errors:
                err = errors.pop()
                yield Unreadable(display_path(err.filename), err.strerror or str(err))
            here = Path(dirpath)
            keep = []
            for d in sorted(dirnames):
                full = here / d
                if d.startswith("."):
                    yield Skipped(display_path(full), "hidden directory")
                elif full.is_symlink():
                    yield Skipped(display_path(full), "symlink to a directory (not followed)")
                else:
                    keep.append(d)
            dirnames[:] = keep
            for name in sorted(filenames):
                full = here / name
                rel = full.relative_to(root)
                yield from _consider(full, root, display_path(Path(root.name) / rel))
        for err in errors:
            yield Unreadable(display_path(err.filename), err.strerror or str(err))


def _consider(path: Path, root: Path, relpath: str) -> Iterator[Candidate | Skipped]:
    if path.name.startswith("."):
        yield Skipped(display_path(path), "hidden file")
    elif path.suffix.lower() not in TEXT_SUFFIXES:
        yield Skipped(display_path(path), f"not a text document ({path.suffix or 'no extension'})")
    else:
        yield Candidate(path=path, root=root, relpath=relpath)


class NotText(Exception):
    """The file is binary or in no encoding we can read: skipped, not failed."""


def read_source(candidate: Candidate) -> SourceFile:
    """Read and decode a candidate. Raises NotText for binaries, OSError for unreadable files."""
    path = candidate.path
    st = path.stat()
    if not stat.S_ISREG(st.st_mode):
        raise NotText("not a regular file")
    if st.st_size > MAX_FILE_BYTES:
        raise NotText(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    with open(path, "rb") as fh:
        data = fh.read()
    text, encoding = decode(data)
    if not text.strip():
        raise NotText("empty file" if not data else "no text (only whitespace)")
    return SourceFile(
        doc_id=doc_id_for(candidate.relpath),
        path=candidate.display_path,
        root=display_path(candidate.root),
        relpath=candidate.relpath,
        title=title_for(text, path.name),
        text=text,
        size=len(data),
        mtime=st.st_mtime,
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=encoding,
    )


def decode(data: bytes) -> tuple[str, str]:
    """Bytes to text with newlines normalised; returns (text, encoding name)."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _normalise(data.decode(codec, errors="replace")), codec
    if b"\x00" in data[:_SNIFF_BYTES]:
        raise NotText("binary file (NUL bytes)")
    try:
        return _normalise(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    text, encoding = _decode_legacy(data)
    return _normalise(text), encoding


_WESTERN = ("cp1252", "latin_1", "iso8859_15")


def _decode_legacy(data: bytes) -> tuple[str, str]:
    """Decode text that is not UTF-8, guessing the code page with charset-normalizer.

    For short Western text charset-normalizer often ties cp1252 with cp1250 or cp1006 (all
    equally 'clean'); in a tie, or when it has no language evidence at all, cp1252 is by far
    the likelier source, so prefer it.
    """
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        raise NotText("binary file or unknown encoding")
    best = matches[0]
    tie = any(
        m.encoding in _WESTERN
        and m.chaos <= best.chaos + 0.01
        and m.coherence >= best.coherence - 0.01
        for m in matches
    )
    if tie or best.coherence == 0.0:
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            return data.decode("latin_1"), "latin_1"
    return str(best), best.encoding


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def title_for(text: str, filename: str) -> str:
    """First Markdown heading, else first non-empty line, else the file name."""
    first_line = ""
    for i, line in enumerate(text.split("\n", 200)[:200]):
        match = _HEADING.match(line)
        if match:
            return _shorten(match.group(1))
        if not first_line and line.strip():
            first_line = line.strip()
    return _shorten(first_line) if first_line else filename


def _shorten(line: str) -> str:
    line = " ".join(line.split())
    if len(line) <= _TITLE_CHARS:
        return line
    cut = line.rfind(" ", 0, _TITLE_CHARS)
    return line[: cut if cut > 40 else _TITLE_CHARS].rstrip(" ,;:") + "…"
