"""Kept answers of pure functions of a name's text, shared by the resolution's rules."""

from __future__ import annotations


def memo(cache: dict, key: str, make):
    """``make(key)``, kept in ``cache``: for pure functions of a form's text, asked once per
    form each resolution (a watcher resolves after every change), so kept across runs; the
    cache is dropped whole if a collection's forms ever grow past a million."""
    found = cache.get(key, cache)
    if found is cache:
        if len(cache) > 1_000_000:
            cache.clear()
        found = cache[key] = make(key)
    return found
