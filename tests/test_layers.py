"""Layering promises checked on the source: SQL lives in the catalog and nowhere else."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

INDEX = ROOT / "index"
CATALOG = INDEX / "catalog"

# Modules still allowed to reach the catalog's connection: none (entity resolution's SQL moved
# into catalog/resolution.py). Nothing may be added to it.
STILL_HOLDING_SQL: set[str] = set()

SQL_CALLS = {"execute", "executemany", "executescript"}


def _sql_uses(path: Path) -> list[str]:
    """``file:line name`` for each call of execute* and each touch of ``.conn`` in a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in SQL_CALLS:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.func.attr}(")
        elif isinstance(node, ast.Attribute) and node.attr == "conn":
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} .conn")
    return found


def test_only_the_catalog_runs_sql():
    modules = [p for p in sorted(INDEX.rglob("*.py")) if CATALOG not in p.parents]
    assert len(modules) > 10, "the scan must see the engine's modules"
    offending = [use for p in modules if p.relative_to(INDEX).as_posix() not in STILL_HOLDING_SQL
                 for use in _sql_uses(p)]
    assert offending == [], "SQL outside the catalog; add a named method to index/catalog/"


def test_the_scan_sees_sql_where_it_is():
    """The check above is not vacuous: it finds the catalog's own calls and its connection."""
    assert any(".execute(" in u for u in _sql_uses(CATALOG / "documents.py"))
    assert any(".conn" in u for u in _sql_uses(CATALOG / "resolution.py"))
