"""Where the index lives: ``--index DIR``, else ``--case NAME``, else ``$CASEWORK_INDEX``, else
the default case.

Cases sit side by side in the user data dir's ``cases/`` folder, one index directory each:
``cases/default`` (what ``casework index FOLDER`` builds with no option), ``cases/demo`` (the
bundled demo articles, built on a first run of the explorer), and any ``cases/NAME`` a reader
makes with ``--case NAME``. The demo never mixes with a reader's documents.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from casework.index.errors import BadIndexLocation

ENV_VAR = "CASEWORK_INDEX"
DEFAULT_CASE = "default"
DEMO_CASE = "demo"
_CASE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("casework", appauthor=False))


def cases_dir() -> Path:
    return data_dir() / "cases"


def case_dir(name: str) -> Path:
    """The index directory of the case called ``name`` (BadIndexLocation for a bad name)."""
    if not _CASE_NAME.match(name or ""):
        raise BadIndexLocation(f"{name!r} is not a case name: use letters, digits, '.', '_' "
                               "and '-' (up to 64, not starting with '.' or '-')")
    return cases_dir() / name


def default_index_dir() -> Path:
    """The default case; an index made before cases existed (``<data dir>/index``) is it."""
    legacy = data_dir() / "index"
    if (legacy / "casework-index.json").is_file() and not (cases_dir() / DEFAULT_CASE).exists():
        return legacy
    return cases_dir() / DEFAULT_CASE


def demo_index_dir() -> Path:
    return cases_dir() / DEMO_CASE


def resolve_index_dir(explicit: str | os.PathLike[str] | None = None,
                      case: str | None = None) -> Path:
    """``explicit`` (--index), else ``case`` (--case), else $CASEWORK_INDEX, else the default
    case: a flag beats the environment, as with most tools."""
    if explicit:
        return Path(explicit).expanduser()
    if case:
        return case_dir(case)
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return default_index_dir()


def explorer_index_dir(explicit: str | os.PathLike[str] | None = None,
                       case: str | None = None) -> Path:
    """What ``casework`` with no command opens: as :func:`resolve_index_dir`, except that
    with nothing chosen and no default case built yet it is the demo case (built on first
    run), so a newcomer sees something and the demo never lands in their own case."""
    if explicit or case or os.environ.get(ENV_VAR):
        return resolve_index_dir(explicit, case)
    default = default_index_dir()
    return default if (default / "casework-index.json").is_file() else demo_index_dir()


def list_cases() -> list[tuple[str, Path]]:
    """(name, index directory) of every case in the data dir that holds an index, by name."""
    found = []
    folder = cases_dir()
    if folder.is_dir():
        for p in sorted(folder.iterdir()):
            if _CASE_NAME.match(p.name) and (p / "casework-index.json").is_file():
                found.append((p.name, p))
    legacy = data_dir() / "index"
    if default_index_dir() == legacy:
        found.insert(0, (DEFAULT_CASE, legacy))
    return found


def check_index_location(explicit: str | os.PathLike[str] | None = None, *,
                         write: bool = False, case: str | None = None) -> Path:
    """The index directory (as :func:`resolve_index_dir`) if an index can live there, else one
    line of :class:`~casework.index.errors.CaseworkError`: a file, a path under a file, a
    folder casework did not make, or (``write``: the index is to be made or changed there) a
    folder that cannot be written. An existing index needs writing even to be read (SQLite's
    WAL), so its folder is checked either way."""
    from casework.index.store import IndexDir  # dataclasses and fcntl: not for every import

    path = resolve_index_dir(explicit, case)
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
