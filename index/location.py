"""Where the index lives: ``--index DIR``, else ``$CASEWORK_INDEX``, else the user data dir."""

from __future__ import annotations

import os
from pathlib import Path

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


def seed_paths() -> list[Path]:
    """The bundled demo documents, wherever the package is installed (editable or wheel)."""
    from importlib.resources import files

    root = files("casework.seeds")
    return sorted(Path(str(p)) for p in root.iterdir() if p.name.endswith(".txt"))
