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

from casework.index.catalog import Catalog
from casework.index.errors import IndexBusy
from casework.index.store import IndexDir, WriteLock

STATE_KEY = "state"
UPDATING, CLEAN = "updating", "clean"
DOCUMENTS_KEY = "documents"  # the catalog's document count when it was last marked clean
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


def mark_updating(catalog: Catalog) -> None:
    """Call (and commit) before a run writes anything."""
    catalog.set_meta(STATE_KEY, UPDATING)
    catalog.commit()


def mark_clean(catalog: Catalog) -> None:
    """Call (and commit) once Whoosh holds exactly what the catalog holds."""
    catalog.set_meta(STATE_KEY, CLEAN)
    catalog.set_meta(DOCUMENTS_KEY, str(catalog.document_count()))
    catalog.commit()


def mark_touched_stale(catalog: Catalog, before: dict[str, str]) -> None:
    """Before resolution is committed, flag every document whose entity names changed.

    Committed with the new entities, so a run killed before Whoosh is synced still knows which
    documents Whoosh holds under old names (in memory only, that list died with the process).
    """
    from casework.index.indexer import _entity_signatures

    after = _entity_signatures(catalog)
    touched = [e for e in set(before) | set(after) if before.get(e) != after.get(e)]
    catalog.conn.executemany(
        """UPDATE documents SET ft_hash = NULL
           WHERE doc_id IN (SELECT DISTINCT doc_id FROM mentions WHERE entity_id = ?)""",
        [(e,) for e in touched],
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
    pending = {
        r[0] for r in catalog.conn.execute("SELECT doc_id FROM documents WHERE ft_hash IS NULL")
    }
    return Agreement(
        state,
        n_catalog,
        n_fulltext,
        missing=frozenset((in_catalog - in_fulltext) | pending),
        extra=frozenset(in_fulltext - in_catalog),
    )


def repair(index_dir: IndexDir) -> None:
    """Finish what an interrupted run left: resolve entities, bring Whoosh in line, mark clean.

    Raises IndexBusy if another process is writing.
    """
    from casework.index import entities
    from casework.index.fulltext import open_fulltext
    from casework.index.indexer import _entity_signatures, sync_fulltext

    with WriteLock(index_dir):
        catalog = Catalog(index_dir.catalog)
        try:
            if catalog.get_meta(STATE_KEY) == UPDATING:
                before = _entity_signatures(catalog)
                entities.resolve(catalog)
                mark_touched_stale(catalog, before)
                catalog.commit()
            sync_fulltext(catalog, open_fulltext(index_dir.fulltext), {}, lambda p: None)
            mark_clean(catalog)
        finally:
            catalog.close()


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
    try:
        repair(index_dir)
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


def open_checked(index_dir: IndexDir, make):
    """``make(index_dir)`` (the Casework facade), checked on open: a damaged index is one clear
    error with the command to rebuild it; a mismatch is repaired or noted in ``.notes``."""
    from casework.index.errors import CaseworkError, IndexIncompatible

    opened = None
    try:
        opened = make(index_dir)
        # counted by the searcher that will serve the first query: no second open of Whoosh
        count = opened.fulltext.doc_count()
        note = on_open(index_dir, opened.catalog, opened.fulltext, count)
    except CaseworkError:
        if opened is not None:
            opened.close()
        raise
    except Exception as exc:  # sqlite3.DatabaseError, whoosh's EmptyIndexError, OSError ...
        if opened is not None:
            opened.close()
        raise IndexIncompatible(
            f"the index at {index_dir.path} is damaged ({type(exc).__name__}: {exc}); "
            f"rebuild it with: casework index --rebuild --index {_quote(str(index_dir.path))} "
            "FOLDER"
        ) from None
    opened.notes = [note] if note else []
    return opened
