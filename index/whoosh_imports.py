"""Import Whoosh without the two standard-library trees it loads and a search never uses.

whoosh.compat imports ``urllib.request`` (for a ``urlretrieve`` nothing of ours calls) and
whoosh.reading imports the ``cached_property`` package, which imports ``asyncio``. Together
they were ~60 ms of a ~150 ms import floor under every cold ``casework search`` (``python -X
importtime``; FIELD-NOTES measured the same). While whoosh loads, those two names point at
small stand-ins; afterwards the stand-ins are taken out of ``sys.modules``, so any other code
in the process that imports either gets the real module.
"""

from __future__ import annotations

import functools
import sys
import types


def _urlretrieve(*args, **kwargs):  # pragma: no cover - Whoosh never calls it on our paths
    from urllib.request import urlretrieve

    return urlretrieve(*args, **kwargs)


def load() -> None:
    if "whoosh.reading" in sys.modules:
        return
    stand_ins = {
        "urllib.request": types.SimpleNamespace(urlretrieve=_urlretrieve),
        # functools' version does what Whoosh needs: compute once per instance
        "cached_property": types.SimpleNamespace(cached_property=functools.cached_property),
    }
    placed = [name for name in stand_ins if name not in sys.modules]
    for name in placed:
        sys.modules[name] = stand_ins[name]
    try:
        import whoosh.compat  # noqa: F401
        import whoosh.reading  # noqa: F401
    finally:
        for name in placed:
            if sys.modules.get(name) is stand_ins[name]:
                del sys.modules[name]


load()
