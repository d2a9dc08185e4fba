"""Where the index lives: ``--index DIR``, else ``$CASEWORK_INDEX``, else the user data dir."""

from __future__ import annotations

import os
from pathlib import Path

from casework.index.errors import BadIndexLocation

ENV_VAR = "CASEWORK_INDEX"


def default_index_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("casework", appauthor=False)) / "index"


def resolve_index_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return default_index_dir()


def check_index_location(explicit: str | os.PathLike[str] | None = None, *,
                         write: bool = False) -> Path:
    """The index directory (as :func:`resolve_index_dir`) if an index can live there, else one
    line of :class:`~casework.index.errors.CaseworkError`: a file, a path under a file, a
    folder casework did not make, or (``write``: the index is to be made or changed there) a
    folder that cannot be written. An existing index needs writing even to be read (SQLite's
    WAL), so its folder is checked either way."""
    from casework.index.store import IndexDir  # dataclasses and fcntl: not for every import

    path = resolve_index_dir(explicit)
    if path.exists() and not path.is_dir():
        raise BadIndexLocation(f"{path} is a file, not a folder; choose another --index")
    nearest = _nearest_existing(path)
    if not nearest.is_dir():
        raise BadIndexLocation(
            f"{path} cannot be made: {nearest} is a file, not a folder; choose another --index"
        )
    index_dir = IndexDir(path)
    if index_dir.has_foreign_content():
        index_dir.check()  # raises IndexIncompatible: not a casework index, never written to
    if write:
        _check_writable(nearest)
    elif index_dir.exists() and not os.access(path, os.W_OK | os.X_OK):
        raise BadIndexLocation(f"cannot write to {path}, and casework writes to its index "
                               "even to read it; copy it somewhere writable")
    return path


def _nearest_existing(path: Path) -> Path:
    """``path`` or the closest of its parents that exists (without resolving symlinks)."""
    for candidate in (path, *path.parents):
        if os.path.lexists(candidate):
            return candidate
    return Path(".")


def _check_writable(folder: Path) -> None:
    """By trying: os.access does not see every refusal (sysfs refuses new entries even to
    root while its mount is read-write)."""
    import tempfile  # random, shutil and more: only for the commands that write

    try:
        os.rmdir(tempfile.mkdtemp(prefix=".casework-probe-", dir=folder))
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise BadIndexLocation(
            f"cannot write to {folder}: {reason}; choose another --index"
        ) from None


def seed_paths() -> list[Path]:
    """The bundled demo documents, wherever the package is installed (editable or wheel)."""
    from importlib.resources import files

    root = files("casework.seeds")
    return sorted(Path(str(p)) for p in root.iterdir() if p.name.endswith(".txt"))
