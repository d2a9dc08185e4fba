"""Whoosh and SQLite agree: checked when an index is opened, repaired or reported.

The catalog (SQLite) is the source of truth and the full-text index is derived from it. A run
killed with -9 can leave the two apart: documents stored in the catalog but not yet written to
Whoosh (or not yet resolved into entities), or entity names changed in the catalog whose
documents Whoosh still holds under the old names. Each indexing run marks the catalog
``state=updating`` before it writes and ``clean`` once Whoosh is in line, so the check on open
is cheap reads (meta rows and Whoosh's document count), not a scan: the catalog's count is
kept in meta with the clean state, so no COUNT(*) runs (at 100,000 documents that read ~4 MB
of index pages: 3-7 ms, 40-120 ms when they were not in the page cache).

On open, an index that is not clean is repaired at once if no writer is running and it is small
enough to repair in a moment; otherwise the caller gets one line saying what is wrong and the
command that fixes it. While another process is indexing, a mismatch is expected and left to
that process.
"""

from __future__ import annotations

from dataclasses import dataclass

from casework.index.catalog import CLEAN, DOCUMENTS_KEY, STATE_KEY, Catalog
from casework.index.errors import IndexBusy
from casework.index.store import IndexDir
# Above this many documents, repair (entity resolution + Whoosh sync) may take more than a
# moment, so a read command reports it instead of doing it.
AUTO_REPAIR_DOCS = 5000


@dataclass(frozen=True)
class Agreement:
    """What the catalog and the full-text index hold."""

    state: str
    catalog_docs: int
    fulltext_docs: int
    missing: frozenset[str] = frozenset()  # in the catalog, not in Whoosh (full check only)
    extra: frozenset[str] = frozenset()  # in Whoosh, not in the catalog (full check only)

    @property
    def ok(self) -> bool:
        return (
            self.state == CLEAN
            and self.catalog_docs == self.fulltext_docs
            and not self.missing
            and not self.extra
        )


def check(catalog: Catalog, fulltext, full: bool = False, fulltext_docs: int | None = None
          ) -> Agreement:
    """Compare the two stores; ``full`` compares every doc id, not just counts and the flag."""
    state = catalog.get_meta(STATE_KEY) or CLEAN  # indexes made before the flag existed
    # documents change only while the state is "updating", so a clean catalog holds the count
    # it was marked clean with (an index marked clean before the count was kept: counted)
    kept = catalog.get_meta(DOCUMENTS_KEY) if state == CLEAN and not full else None
    n_catalog = int(kept) if kept and kept.isdigit() else catalog.document_count()
    n_fulltext = fulltext.doc_count() if fulltext_docs is None else fulltext_docs
    if not full:
        return Agreement(state, n_catalog, n_fulltext)
    in_catalog = catalog.doc_ids()
    in_fulltext = fulltext.doc_ids()
    pending = catalog.fulltext_pending()
    return Agreement(
        state,
        n_catalog,
        n_fulltext,
        missing=frozenset((in_catalog - in_fulltext) | pending),
        extra=frozenset(in_fulltext - in_catalog),
    )


def fix_command(index_dir: IndexDir, catalog: Catalog) -> str:
    folders = " ".join(_quote(r) for r in catalog.roots()) or "FOLDER"
    return f"casework index --index {_quote(str(index_dir.path))} {folders}"


def on_open(index_dir: IndexDir, catalog: Catalog, fulltext, fulltext_docs: int | None = None
            ) -> str | None:
    """Check on open; repair if cheap and nobody is writing. Returns a one-line note or None."""
    found = check(catalog, fulltext, fulltext_docs=fulltext_docs)
    if found.ok:
        return None
    if found.catalog_docs > AUTO_REPAIR_DOCS:
        return (
            f"the full-text index does not agree with the catalog ({found.fulltext_docs} vs "
            f"{found.catalog_docs} documents; an indexing run was interrupted); "
            f"finish it with: {fix_command(index_dir, catalog)}"
        )
    from casework.index import sync  # the write path: loaded only when there is a repair to do

    try:
        sync.repair(index_dir)
    except IndexBusy:
        return None  # a run is under way; it brings the two in line when it finishes
    except Exception as exc:  # e.g. a read-only index: say so, and how to fix it elsewhere
        return (
            f"the full-text index does not agree with the catalog and could not be repaired "
            f"({type(exc).__name__}: {exc}); fix it with: {fix_command(index_dir, catalog)}"
        )
    fulltext.reopen()  # the repair committed a new generation
    return None


def _quote(text: str) -> str:
    import shlex

    return shlex.quote(text)
