"""Import Whoosh without three module trees it loads and a search never uses.

whoosh.compat imports ``urllib.request`` (for a ``urlretrieve`` nothing of ours calls),
whoosh.reading imports the ``cached_property`` package, which imports ``asyncio``, and
whoosh.query.terms imports whoosh.lang.morph_en (for English word variations, which our
parser never asks for), which compiles some 500 regular expressions. Together they were
~110 ms of a cold ``casework search`` on a loaded machine (``python -X importtime``;
FIELD-NOTES measured the first two). While whoosh loads, those names point at small
stand-ins; afterwards the stand-ins are taken out of ``sys.modules``, so any other code in
the process that imports one gets the real module (Whoosh's own ``variations`` loads it on
first use).
"""

from __future__ import annotations

import functools
import sys
import types


def _urlretrieve(*args, **kwargs):  # pragma: no cover - Whoosh never calls it on our paths
    from urllib.request import urlretrieve

    return urlretrieve(*args, **kwargs)


def _variations(word):  # pragma: no cover - only a Variations query (never ours) calls it
    from whoosh.lang.morph_en import variations

    return variations(word)


def load() -> None:
    if "whoosh.query" in sys.modules:
        return
    stand_ins = {
        "urllib.request": types.SimpleNamespace(urlretrieve=_urlretrieve),
        # functools' version does what Whoosh needs: compute once per instance
        "cached_property": types.SimpleNamespace(cached_property=functools.cached_property),
        "whoosh.lang.morph_en": types.SimpleNamespace(variations=_variations),
    }
    placed = [name for name in stand_ins if name not in sys.modules]
    for name in placed:
        sys.modules[name] = stand_ins[name]
    try:
        import whoosh.compat  # noqa: F401
        import whoosh.query  # noqa: F401
        import whoosh.reading  # noqa: F401
    finally:
        for name in placed:
            if sys.modules.get(name) is stand_ins[name]:
                del sys.modules[name]
