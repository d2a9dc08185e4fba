"""Documents: their rows and text, their mentions as stored, and the full-text flags."""

from __future__ import annotations

import codecs
import json
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from casework.index.catalog.schema import Tables

if TYPE_CHECKING:  # records are made on first use (models.py): these only annotate
    from casework.index.models import SourceFile, Span


def like_escape(text: str) -> str:
    """``text`` taken literally inside a LIKE pattern that says ESCAPE '\\'."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def word_count(text: str, piece: int = 1 << 20) -> int:
    """``len(text.split())`` without the list: at 50 MB of text that list was ~500 MB."""
    n, start, end = 0, 0, len(text)
    while start < end:
        cut = text.find(" ", start + piece) if end - start > piece else -1
        cut = end if cut == -1 else cut
        n += len(text[start:cut].split())
        start = cut
    return n


@dataclass
class StoredAt:
    """Stored files found by path (Documents.stored_at): documents and copies, path ->
    (doc_id, root), and the (size, mtime) of both by path."""

    documents: dict[str, tuple[str, str]]
    copies: dict[str, tuple[str, str]]
    sizes: dict[str, tuple[int, float]]


# A text longer than this many characters is written into its row a piece at a time
_TEXT_PIECE = 1 << 20


def _utf8_pieces(text: str):
    for start in range(0, len(text), _TEXT_PIECE):
        yield text[start : start + _TEXT_PIECE].encode("utf-8")


def _utf8_length(text: str) -> int:
    return sum(map(len, _utf8_pieces(text)))


class Documents(Tables):
    _columns_but_text: str | None = None
    def document_row(self, doc_id: str) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()

    def document_by_path(self, path: str) -> sqlite3.Row | None:
        return self.conn.execute(
            "SELECT doc_id, path, size, mtime, sha256 FROM documents WHERE path = ?", (path,)
        ).fetchone()

    def doc_id_taken(self, doc_id: str) -> bool:
        row = self.conn.execute("SELECT 1 FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return row is not None

    def touch(self, doc_id: str, mtime: float) -> None:
        self.conn.execute("UPDATE documents SET mtime = ? WHERE doc_id = ?", (mtime, doc_id))

    def roots(self) -> list[str]:
        """The folders (or files) the documents were indexed from."""
        rows = self.conn.execute("SELECT DISTINCT root FROM documents ORDER BY root")
        return [r[0] for r in rows]

    def paths_under(self, root: str) -> dict[str, str]:
        rows = self.conn.execute("SELECT path, doc_id FROM documents WHERE root = ?", (root,))
        return {r["path"]: r["doc_id"] for r in rows}

    def put_document(self, src: SourceFile, mentions: Iterable[tuple[Span, str, str, str]]) -> None:
        """Insert or replace a document and its mentions: (span, text, label, entity_id)."""
        self.put_document_row(src)
        self.put_mentions(src.doc_id, mentions)

    def put_document_row(self, src: SourceFile) -> None:
        """Insert or replace a document's row (its text included), its mentions deleted: the
        indexer writes a long text's row before it makes the mentions, so SQLite's copies of
        the text are not held beside them (put_mentions follows)."""
        self.conn.execute("DELETE FROM mentions WHERE doc_id = ?", (src.doc_id,))
        self.conn.execute("DELETE FROM copies WHERE path = ?", (src.path,))
        ipath = src.path[len(src.parent) + 2:] if src.parent else ""
        long_text = len(src.text) > _TEXT_PIECE
        self.conn.execute(
            f"""INSERT INTO documents(doc_id, path, root, relpath, title, text, size, mtime, sha256,
                                     encoding, words, ft_hash, parent_id, container, depth,
                                     ipath, content_type, metadata)
               VALUES (?, ?, ?, ?, ?, {'CAST(zeroblob(?) AS TEXT)' if long_text
                                        else 'CAST(? AS TEXT)'},
                       ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(doc_id) DO UPDATE SET
                 path=excluded.path, root=excluded.root, relpath=excluded.relpath,
                 title=excluded.title, text=excluded.text, size=excluded.size,
                 mtime=excluded.mtime, sha256=excluded.sha256, encoding=excluded.encoding,
                 words=excluded.words, ft_hash=NULL, parent_id=excluded.parent_id,
                 container=excluded.container, depth=excluded.depth, ipath=excluded.ipath,
                 content_type=excluded.content_type, metadata=excluded.metadata""",
            (
                # the text as UTF-8 bytes, stored as TEXT: bound as a str, a text that is not
                # ASCII kept its UTF-8 form inside the str for as long as the str lived (the
                # rest of storing it: +200 MB at the 200 MB cap). A long text is a TEXT of its
                # UTF-8 length written a piece at a time below: bound whole, its bytes were a
                # third copy beside SQLite's two (the bound value and the row made of it)
                src.doc_id, src.path, src.root, src.relpath, src.title,
                _utf8_length(src.text) if long_text else src.text.encode("utf-8"),
                src.size,
                src.mtime, src.sha256, src.encoding, word_count(src.text), src.parent_id,
                src.container, src.depth, ipath, src.content_type,
                json.dumps(src.metadata, ensure_ascii=False, sort_keys=True),
            ),
        )
        if long_text:
            rowid = self.conn.execute("SELECT rowid FROM documents WHERE doc_id = ?",
                                      (src.doc_id,)).fetchone()[0]
            with self.conn.blobopen("documents", "text", rowid) as blob:
                for piece in _utf8_pieces(src.text):
                    blob.write(piece)

    def put_mentions(self, doc_id: str, mentions: Iterable[tuple[Span, str, str, str]]) -> None:
        """A document's mentions, after put_document_row."""
        self.conn.executemany(
            """INSERT INTO mentions(doc_id, start, end, text, label, raw_label, entity_id,
                                    sent_start, sent_end, source)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (  # a generator: at ~1 M mentions the list of rows was ~200 MB
                (doc_id, s.start, s.end, text, label, s.label, eid, s.sent_start,
                 s.sent_end, s.source)
                for s, text, label, eid in mentions
            ),
        )

    # -- parents and children (attachments, archive members) -------------------------------
    def children_rows(self, doc_id: str) -> list[sqlite3.Row]:
        """(doc_id, title, path, ipath, content_type, depth) of what was found in a document."""
        return self.conn.execute(
            "SELECT doc_id, title, path, ipath, content_type, depth FROM documents "
            "WHERE parent_id = ? AND doc_id != ? ORDER BY path", (doc_id, doc_id)).fetchall()

    def family_rows(self, root: str, limit: int) -> list[sqlite3.Row]:
        """The document at ``root`` (a file on disk) and every one found in it, by path."""
        return self.conn.execute(
            "SELECT doc_id, title, path, ipath, depth, parent_id, content_type FROM documents "
            "WHERE path = ? OR container = ? ORDER BY path LIMIT ?", (root, root, limit)).fetchall()

    def family_size(self, root: str) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM documents WHERE path = ? OR container = ?",
                                 (root, root)).fetchone()[0]

    def family_root(self, doc_id: str) -> str | None:
        """The path of the file on disk a document came out of (its own path if on disk)."""
        row = self.conn.execute("SELECT path, container FROM documents WHERE doc_id = ?",
                                (doc_id,)).fetchone()
        return None if row is None else (row["container"] or row["path"])

    def doc_id_at(self, path: str) -> str | None:
        row = self.conn.execute("SELECT doc_id FROM documents WHERE path = ?", (path,)).fetchone()
        return row[0] if row else None

    # -- copies: the same content under other paths --------------------------------------
    def copy_paths(self, doc_id: str) -> list[str]:
        return [r[0] for r in self.conn.execute(
            "SELECT path FROM copies WHERE doc_id = ? ORDER BY path", (doc_id,))]

    def copy_at(self, path: str) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM copies WHERE path = ?", (path,)).fetchone()

    def copies_under(self, root: str) -> dict[str, str]:
        rows = self.conn.execute("SELECT path, doc_id FROM copies WHERE root = ?", (root,))
        return {r[0]: r[1] for r in rows}

    def document_with_sha256(self, sha256: str) -> sqlite3.Row | None:
        """The stored document holding this content, if any (doc_id, path)."""
        return self.conn.execute(
            "SELECT doc_id, path FROM documents WHERE sha256 = ? ORDER BY path LIMIT 1",
            (sha256,)).fetchone()

    def put_copy(self, path: str, doc_id: str, root: str, relpath: str, size: int,
                 mtime: float) -> None:
        self.conn.execute("DELETE FROM documents WHERE path = ? AND doc_id != ?", (path, doc_id))
        self.conn.execute("INSERT OR REPLACE INTO copies VALUES (?, ?, ?, ?, ?, ?)",
                          (path, doc_id, root, relpath, size, mtime))

    def delete_copies(self, paths: Iterable[str]) -> None:
        self.conn.executemany("DELETE FROM copies WHERE path = ?", [(p,) for p in paths])

    def promote_copy(self, doc_id: str) -> str | None:
        """The document moves to its first copy's path (its own path is gone or now holds
        other content); returns the new path, or None when it has no copy."""
        row = self.conn.execute(
            "SELECT * FROM copies WHERE doc_id = ? ORDER BY path LIMIT 1", (doc_id,)).fetchone()
        if row is None:
            return None
        self.conn.execute("DELETE FROM copies WHERE path = ?", (row["path"],))
        self.conn.execute(
            "UPDATE documents SET path = ?, root = ?, relpath = ?, size = ?, mtime = ?, "
            "ft_hash = NULL WHERE doc_id = ?",
            (row["path"], row["root"], row["relpath"], row["size"], row["mtime"], doc_id))
        return row["path"]

    def delete_documents(self, doc_ids: Iterable[str]) -> None:
        self.conn.executemany("DELETE FROM documents WHERE doc_id = ?", [(d,) for d in doc_ids])

    def document_count(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]

    def doc_ids(self) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT doc_id FROM documents")}

    def text_of(self, doc_id: str) -> str | None:
        row = self.conn.execute("SELECT text FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return row[0] if row else None

    def long_text(self, doc_id: str, longer_than: int) -> Callable[[], Iterator[str]] | None:
        """For a document whose text is over ``longer_than`` bytes of UTF-8, what reads it a
        piece at a time (each call reads it again, from SQLite's blob handle; no whole copy
        here or in SQLite); None for a shorter text (read it whole) or no such document."""
        row = self.conn.execute("SELECT rowid FROM documents WHERE doc_id = ?",
                                (doc_id,)).fetchone()
        if row is None:
            return None
        with self.conn.blobopen("documents", "text", row[0], readonly=True) as blob:
            if len(blob) <= longer_than:
                return None

        def pieces() -> Iterator[str]:
            decoder = codecs.getincrementaldecoder("utf-8")()
            with self.conn.blobopen("documents", "text", row[0], readonly=True) as blob:
                while True:
                    data = blob.read(_TEXT_PIECE)
                    if not data:
                        break
                    yield decoder.decode(data)
            yield decoder.decode(b"", final=True)

        return pieces

    def document_row_but_text(self, doc_id: str) -> sqlite3.Row | None:
        """The columns of document_row but ``text`` (read that through long_text)."""
        if self._columns_but_text is None:
            names = [r[1] for r in self.conn.execute("PRAGMA table_info(documents)")]
            self._columns_but_text = ", ".join(n for n in names if n != "text")
        return self.conn.execute(f"SELECT {self._columns_but_text} FROM documents "
                                 "WHERE doc_id = ?", (doc_id,)).fetchone()

    def title_of(self, doc_id: str) -> str | None:
        """A document's title."""
        row = self.conn.execute("SELECT title FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return row[0] if row else None

    def title_and_text(self, doc_id: str) -> sqlite3.Row | None:
        """A document's ``title`` and ``text``."""
        return self.conn.execute(
            "SELECT title, text FROM documents WHERE doc_id = ?", (doc_id,)
        ).fetchone()

    def documents_by_title(self, title_contains: str, limit: int, offset: int) -> list[sqlite3.Row]:
        """(doc_id, title, path, size, distinct entities) of documents whose title contains
        ``title_contains`` (case-insensitive), by title."""
        return self.conn.execute(
            """SELECT d.doc_id, d.title, d.path, d.size,
                      (SELECT COUNT(DISTINCT entity_id) FROM mentions m
                       WHERE m.doc_id = d.doc_id AND m.entity_id != '')
               FROM documents d WHERE d.title LIKE ? ESCAPE '\\'
               ORDER BY d.title LIMIT ? OFFSET ?""",
            (f"%{like_escape(title_contains)}%", limit, offset),
        ).fetchall()

    def document_openings(self, limit: int, offset: int) -> list[sqlite3.Row]:
        """(doc_id, title, path, first 400 characters) of every document, by title."""
        return self.conn.execute(
            "SELECT doc_id, title, path, substr(text, 1, 400) FROM documents "
            "ORDER BY title, doc_id LIMIT ? OFFSET ?",
            (limit, offset),
        ).fetchall()

    def mentions_of(self, doc_id: str) -> list[sqlite3.Row]:
        return self.conn.execute(
            "SELECT * FROM mentions WHERE doc_id = ? ORDER BY start", (doc_id,)
        ).fetchall()

    def entity_counts(self, doc_ids: list[str]) -> dict[str, int]:
        """Distinct entities per document; hidden entities (empty id) do not count."""
        if not doc_ids:
            return {}
        marks = ",".join("?" * len(doc_ids))
        rows = self.conn.execute(
            f"""SELECT doc_id, COUNT(DISTINCT entity_id) FROM mentions
                WHERE doc_id IN ({marks}) AND entity_id != '' GROUP BY doc_id""",
            doc_ids,
        )
        return {r[0]: r[1] for r in rows}

    def content_types(self, doc_ids: list[str]) -> dict[str, str]:
        """Each document's MIME type ("" for plain text, or a catalog from before it was kept)."""
        if not doc_ids:
            return {}
        marks = ",".join("?" * len(doc_ids))
        try:
            rows = self.conn.execute(
                f"SELECT doc_id, content_type FROM documents WHERE doc_id IN ({marks})", doc_ids)
            return {r[0]: r[1] for r in rows}
        except sqlite3.OperationalError:  # no content_type column: a catalog not yet migrated
            return {}

    def sizes_and_mtimes(self) -> dict[str, tuple[int, float]]:
        """Every stored file's (size, mtime) by path, in one query: a lookup per file was ~30%
        of an unchanged re-index at 20,000 documents."""
        known = {r[0]: (r[1], r[2]) for r in self.conn.execute("SELECT path, size, mtime FROM documents")}
        known.update((r[0], (r[1], r[2])) for r in self.conn.execute(
            "SELECT path, size, mtime FROM copies"))
        return known

    def stored_at(self, paths: Iterable[str], prefixes: Iterable[str]) -> StoredAt:
        """The stored files (documents and copies) at these ``paths`` or whose path starts
        with one of ``prefixes`` (a folder's "/", a file's members' "//"), in ranges of the
        path index: a watcher's change looks at the files it touches, not at every one."""
        ranges = [(p, p + "\x00") for p in paths]
        ranges += [(p, p[:-1] + chr(ord(p[-1]) + 1)) for p in prefixes if p]
        out = StoredAt({}, {}, {})
        for lo, hi in ranges:
            for r in self.conn.execute(
                    "SELECT path, doc_id, root, size, mtime FROM documents "
                    "WHERE path >= ? AND path < ?", (lo, hi)):
                out.documents[r[0]] = (r[1], r[2])
                out.sizes[r[0]] = (r[3], r[4])
            for r in self.conn.execute(
                    "SELECT path, doc_id, root, size, mtime FROM copies "
                    "WHERE path >= ? AND path < ?", (lo, hi)):
                out.copies[r[0]] = (r[1], r[2])
                out.sizes[r[0]] = (r[3], r[4])
        return out

    # -- cases: forgetting a folder, the reader's marks, exports ---------------------------
    def doc_ids_under(self, path: str, sep: str, ipath_sep: str) -> list[str]:
        """Documents whose path is ``path``, lies under the folder ``path`` (``sep``), or was
        found inside the file ``path`` (``ipath_sep``: attachments, archive members)."""
        rows = self.conn.execute(
            """SELECT doc_id FROM documents WHERE path = ? OR path LIKE ? ESCAPE '\\'
               OR path LIKE ? ESCAPE '\\' ORDER BY path""",
            (path, like_escape(path.rstrip(sep) + sep) + "%", like_escape(path + ipath_sep) + "%"),
        )
        return [r[0] for r in rows]

    def doc_ids_by_sha256(self, sha256: str) -> list[str]:
        return [r[0] for r in self.conn.execute(
            "SELECT doc_id FROM documents WHERE sha256 = ? ORDER BY path", (sha256,))]

    def documents_brief(self) -> list[sqlite3.Row]:
        """(doc_id, title, path, sha256) of every document, by path."""
        return self.conn.execute(
            "SELECT doc_id, title, path, sha256 FROM documents ORDER BY path").fetchall()

    def documents_for_export(self):
        """Every document's doc_id, title, path, relpath, text, size, sha256, by path
        (streamed)."""
        return self.conn.execute(
            "SELECT doc_id, title, path, relpath, text, size, sha256 FROM documents ORDER BY path")

    def entity_ids_by_document(self) -> dict[str, list[str]]:
        """The entities each document mentions (hidden ones left out)."""
        out: dict[str, list[str]] = {}
        for r in self.conn.execute(
            "SELECT DISTINCT doc_id, entity_id FROM mentions WHERE entity_id != '' "
            "ORDER BY doc_id, entity_id"
        ):
            out.setdefault(r[0], []).append(r[1])
        return out

    # -- what the full-text index must (re)write ------------------------------------------
    def fulltext_pending(self) -> set[str]:
        """Documents flagged for the full-text index: new, changed, or their entities renamed."""
        return {r[0] for r in self.conn.execute("SELECT doc_id FROM documents WHERE ft_hash IS NULL")}

    def mark_mentioning_stale(self, entity_ids: Iterable[str]) -> None:
        """Flag for the full-text index every document that mentions one of these entities."""
        self.conn.executemany(
            """UPDATE documents SET ft_hash = NULL
               WHERE doc_id IN (SELECT DISTINCT doc_id FROM mentions WHERE entity_id = ?)""",
            [(e,) for e in entity_ids],
        )

    def entity_signatures(self) -> dict[str, str]:
        """Each entity's name, label and aliases (with their reasons: a weak one is not carried
        everywhere, see entities.EntityFieldValues) as one string: what its documents' full-text
        entries carry, so a change of signature means those entries must be written again."""
        rows = self.conn.execute(
            """SELECT e.entity_id, e.name || '|' || e.label || '|' ||
                      COALESCE((SELECT group_concat(text || ':' || reason, '|') FROM
                                (SELECT text, reason FROM aliases a WHERE a.entity_id = e.entity_id
                                 ORDER BY text, reason)), '')
               FROM entities e"""
        )
        return {r[0]: r[1] for r in rows}

    def set_ft_hash(self, doc_id: str, ft_hash: str) -> None:
        self.conn.execute("UPDATE documents SET ft_hash = ? WHERE doc_id = ?", (ft_hash, doc_id))
