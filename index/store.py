"""The index directory: what is in it, its schema version, and who may write to it.

Layout of an index directory::

    casework-index.json   marker: format name and schema version (casework wrote this dir)
    catalog.sqlite        documents, mentions, entities (the source of truth)
    annotations.sqlite    NER results by content hash and model (survives --rebuild)
    fulltext/             the Whoosh index, derived from the catalog
    write.lock            held by the one process writing, with its pid inside
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from casework.index.errors import IndexBusy, IndexIncompatible, IndexMissing

SCHEMA_VERSION = 1
MARKER = "casework-index.json"
FORMAT = "casework-index"


@dataclass(frozen=True)
class IndexDir:
    path: Path

    @property
    def marker(self) -> Path:
        return self.path / MARKER

    @property
    def catalog(self) -> Path:
        return self.path / "catalog.sqlite"

    @property
    def annotations(self) -> Path:
        return self.path / "annotations.sqlite"

    @property
    def fulltext(self) -> Path:
        return self.path / "fulltext"

    @property
    def lockfile(self) -> Path:
        return self.path / "write.lock"

    def exists(self) -> bool:
        return self.marker.is_file()

    def has_foreign_content(self) -> bool:
        """A directory with files in it but no marker: someone else's, never to be written."""
        if self.marker.exists() or not self.path.is_dir():
            return False
        # A first run killed inside create() leaves only write.lock, a Whoosh fulltext/ and
        # perhaps the marker's .tmp: that is ours, half made, not someone else's.
        half_made = {self.lockfile.name, "fulltext", MARKER + ".tmp"}
        return any(
            p.name not in half_made or (p.name == "fulltext" and not _is_whoosh_dir(p))
            for p in self.path.iterdir()
        )

    def check(self) -> None:
        """Raise a clear error unless this is a casework index of our schema version."""
        if not self.marker.is_file():
            if self.has_foreign_content():
                raise IndexIncompatible(
                    f"{self.path} is not a casework index (no {MARKER}); "
                    "choose another --index directory"
                )
            raise IndexMissing(
                f"no index at {self.path} yet; build one with: casework index FOLDER"
            )
        try:
            meta = json.loads(self.marker.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise IndexIncompatible(f"cannot read {self.marker}: {exc}") from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise IndexIncompatible(f"{self.path} is not a casework index ({MARKER} is foreign)")
        version = meta.get("schema_version")
        if version != SCHEMA_VERSION:
            raise IndexIncompatible(
                f"the index at {self.path} has schema version {version}, this casework "
                f"reads version {SCHEMA_VERSION}; rebuild it with: "
                f"casework index --rebuild --index {self.path} FOLDER"
            )

    def check_replaceable(self) -> None:
        """Before --rebuild replaces this directory: it must be casework's, and hold nothing else."""
        try:
            meta = json.loads(self.marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise IndexIncompatible(
                f"{self.path} is not a casework index ({MARKER} is foreign or unreadable); "
                "casework will not replace it (choose another --index)"
            )
        others = sorted(p.name for p in self.path.iterdir() if p.name not in _OUR_NAMES)
        if others:
            raise IndexIncompatible(
                f"{self.path} holds files casework did not make ({', '.join(others[:3])}); "
                "casework will not replace it: move them out, or choose another --index"
            )

    def create(self, make_fulltext: Callable[[Path], object]) -> None:
        """Make a new, empty index here, its full-text part by ``make_fulltext(path)`` (the
        store knows where it goes, not what it is). Never touches a non-empty directory we did
        not make."""
        if self.has_foreign_content():
            raise IndexIncompatible(
                f"{self.path} is not empty and not a casework index; "
                "casework will not write into it (choose another --index)"
            )
        self.path.mkdir(parents=True, exist_ok=True)
        if not self.fulltext.exists():
            make_fulltext(self.fulltext)
        write_atomic(
            self.marker,
            json.dumps({"format": FORMAT, "schema_version": SCHEMA_VERSION}, indent=2) + "\n",
        )


# The reader's own data beside curation.jsonl (not derived from the documents): tags, stars
# and notes; saved searches; the explorer's query history; an imported watch list. Each is
# copied across --rebuild.
READER_FILES = ("marks.jsonl", "saved.json", "history.json", "watchlist.jsonl")

# What casework itself puts in an index directory; a leftover holding anything else is not ours.
_OUR_NAMES = frozenset({
    MARKER, MARKER + ".tmp", "fulltext", "write.lock", "curation.jsonl", "curation.jsonl.tmp",
    *READER_FILES, *(name + ".tmp" for name in READER_FILES),
    *(f"{db}{suffix}" for db in ("catalog.sqlite", "annotations.sqlite")
      for suffix in ("", "-wal", "-shm", "-journal")),
})
_LEFTOVER = re.compile(r"^\.(?P<live>.+)\.(?:rebuild|old)-\d+$")


def _is_whoosh_dir(path: Path) -> bool:
    """Only Whoosh's own files (its TOC, segments, locks) are in ``path``."""
    try:
        return path.is_dir() and all(
            p.name.startswith(("_MAIN_", "MAIN_")) or p.suffix in (".toc", ".seg", ".pst", ".trm",
                                                                  ".fdt", ".fid", ".vps", ".pos")
            for p in path.iterdir()
        )
    except OSError:
        return False


def rebuild_dir_for(live: IndexDir) -> IndexDir:
    """Where a --rebuild builds before it is swapped in: a hidden sibling of the live index."""
    return IndexDir(live.path.with_name(f".{live.path.name}.rebuild-{os.getpid()}"))


def made_by_casework(path: Path) -> bool:
    """Only casework's own files are in ``path`` (so removing it loses nobody's data)."""
    try:
        return path.is_dir() and not path.is_symlink() and all(
            p.name in _OUR_NAMES for p in path.iterdir()
        )
    except OSError:
        return False


def leftovers(live: IndexDir) -> list[Path]:
    """What a killed --rebuild left beside ``live`` (casework's own files only)."""
    parent = live.path.parent
    if not parent.is_dir():
        return []
    return [
        p for p in sorted(parent.iterdir())
        if (m := _LEFTOVER.match(p.name)) and m.group("live") == live.path.name
        and made_by_casework(p)
    ]


def remove_leftovers(live: IndexDir) -> list[Path]:
    """Remove what a killed --rebuild left beside ``live``; call while holding its WriteLock."""
    removed = leftovers(live)
    for p in removed:
        shutil.rmtree(p, ignore_errors=True)
    return removed


def swap_dirs(a: Path, b: Path) -> None:
    """Exchange two directories in one atomic step, so a reader of either path never finds
    it missing (Linux renameat2 RENAME_EXCHANGE). Where that is not available, fall back to
    two renames, which leave ``b``'s path missing for an instant."""
    if _rename_exchange(a, b):
        return
    tmp = b.with_name(b.name + ".swap")
    os.replace(b, tmp)
    os.replace(a, b)
    os.replace(tmp, a)


def _rename_exchange(a: Path, b: Path) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    rc = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False  # old kernel or a file system without exchange
    raise OSError(err, os.strerror(err), os.fsdecode(a))


def read_jsonl(path: Path) -> list[dict]:
    """The JSON objects of a reader's file (curation.jsonl, marks.jsonl), one a line, in order;
    a line that is not one is skipped, and a missing or unreadable file is empty: never fatal."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    out = []
    for line in lines:
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if isinstance(item, dict):
            out.append(item)
    return out


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class WriteLock:
    """One writer per index. A second gets IndexBusy naming the process that holds the lock.

    flock is released by the kernel when the holder dies, so a kill -9 never leaves a stale lock.
    """

    def __init__(self, index_dir: IndexDir):
        self.index_dir = index_dir
        self.fh = None

    def __enter__(self) -> "WriteLock":
        self.index_dir.path.mkdir(parents=True, exist_ok=True)
        fh = open(self.index_dir.lockfile, "a+", encoding="utf-8")
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            fh.close()
            raise IndexBusy(
                f"the index at {self.index_dir.path} is being written by {holder}; "
                "wait for it to finish (searches keep working meanwhile)"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"process {os.getpid()} ({' '.join(sys.argv[:3])})\n")
        fh.flush()
        self.fh = fh
        return self

    def __exit__(self, *exc) -> None:
        if self.fh is not None:
            self.fh.seek(0)
            self.fh.truncate()
            fcntl.flock(self.fh.fileno(), fcntl.LOCK_UN)
            self.fh.close()
            self.fh = None
