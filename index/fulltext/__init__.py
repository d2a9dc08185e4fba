"""Full text: one small interface over Whoosh, on its fast path or plain.

    ft = open_fulltext(path)                # create_fulltext(path) makes a new, empty one
    ft.index(upserts, deletes)              # one commit; the number of documents written
    found = ft.search("harfuch AND cartel") # FulltextHits: total, (doc id, score)s, words
    ft.suggest("sheinbam")                  # "sheinbaum"
    ft.doc_count(), ft.doc_ids(), ft.reopen(), ft.close()

Results name documents by id and carry no text: the caller (api.py) makes snippets from the
catalog's copy with snippets.py. Two engines stand behind the interface, reading and writing
the same files: ``fast`` (the default) is ``_whoosh/``, which reaches into Whoosh's private
internals and runs only on the Whoosh it was written for; ``plain`` (``CASEWORK_FULLTEXT=plain``,
or any other Whoosh) is plain.py, Whoosh's public API only. Both give the same hits in the
same order (tests/test_fulltext_equivalence.py).
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

ENGINE_VARIABLE = "CASEWORK_FULLTEXT"

if os.environ.get(ENGINE_VARIABLE, "").strip().lower() != "plain":
    try:  # first: its stubs keep three module trees out of Whoosh's import (_whoosh/stubs.py)
        from casework.index.fulltext import _whoosh  # noqa: F401
    except ImportError:
        pass  # another Whoosh: engine_named() says so when the fast engine is asked for

from whoosh import index as whoosh_index  # noqa: E402
from whoosh.util import fib  # noqa: E402

from casework.index.errors import IndexIncompatible, QueryError  # noqa: E402
from casework.index.fulltext import plain, query, spelling  # noqa: E402
from casework.index.fulltext.query import SEARCH_FIELDS  # noqa: E402, F401
from casework.index.fulltext.schema import (  # noqa: E402, F401  (the names old indexes pickled)
    PIECE_CHARS,
    LongText,
    MetaTokenizer,
    NameListTokenizer,
    NamePositions,
    SnowballFilter,
    StemFrequency,
    TextPositions,
    WordTokenizer,
    make_schema,
    names_analyzer,
    text_analyzer,
    whoosh_fields,
)
from casework.index.fulltext.snippets import (  # noqa: E402, F401
    best_snippet,
    lead_snippet,
    term_spans,
    word_forms,
)

ENGINES = ("fast", "plain")
_said: set[str] = set()


@dataclass(frozen=True)
class FulltextEntry:
    """What the full-text index holds of one document."""

    doc_id: str
    path: str
    title: str
    body: str  # or schema.LongText: a long text read a piece at a time
    entities: dict[str, list[str]]
    # metadata, searched by name only (schema.py): ``author:``, ``subject:``, ``from:`` ...;
    # dates as ISO 8601 (only their day is searched), ``kind`` as doctypes.kind_of names it
    author: str = ""
    subject: str = ""
    sender: str = ""  # From
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    kind: str = ""
    content_type: str = ""
    created: str = ""
    modified: str = ""
    message_id: str = ""
    in_reply_to: str = ""

    def fingerprint(self, sha256: str) -> str:
        """Changes whenever what Whoosh should hold for this document changes."""
        h = hashlib.sha1(sha256.encode())
        h.update(self.path.encode("utf-8", "backslashreplace"))
        h.update(self.title.encode("utf-8", "backslashreplace"))
        for value in (self.author, self.subject, self.sender, *self.to, "", *self.cc, "",
                      self.kind, self.content_type, self.created, self.modified,
                      self.message_id, self.in_reply_to):
            h.update(value.encode("utf-8", "backslashreplace") + b"\0")
        for field in sorted(self.entities):
            h.update(field.encode())
            h.update("\n".join(self.entities[field]).encode("utf-8", "backslashreplace"))
        return h.hexdigest()


@dataclass(frozen=True)
class FulltextHit:
    doc_id: str
    title: str
    path: str
    score: float


@dataclass(frozen=True)
class FulltextHits:
    """One page of a search: ``hits`` best first, ``total`` matches in all, ``words`` the
    index's words the query matched (for snippets), ``suggestion`` when nothing matched."""

    total: int
    hits: list[FulltextHit]
    words: frozenset[str]
    suggestion: str | None = None
    # words typed without quotes that the index lacks, searched as a near spelling instead:
    # {typed: searched}, the query as searched, and the query that searches them as typed
    corrections: dict[str, str] = field(default_factory=dict)
    corrected: str | None = None
    as_typed: str | None = None
    notes: tuple[str, ...] = ()  # what this index cannot do that a rebuilt one would
    stems: frozenset[str] = frozenset()  # word forms searched (snippets.word_forms finds them)


class Engine(Protocol):
    """What each engine module provides: plain.py (Whoosh's public API) and _whoosh/ (fast)."""

    NAME: str

    def writer(self, ix, procs: int = 1):
        """A Whoosh writer for one commit (a segment per process when ``procs`` > 1)."""

    def upkeep(self, ix) -> int:
        """Write what the engine keeps beside Whoosh's files and lacks; how many written."""

    def expand(self, searcher, q):
        """``q`` with its wildcard, fuzzy and range terms expanded within query.py's caps."""

    def top(self, searcher, q, limit: int, deadline: float) -> tuple[int, list[tuple[int, float]]]:
        """(number of matches, the best ``limit`` as (docnum, score), best first)."""


def open_fulltext(path: Path, engine: str | None = None) -> "FulltextIndex":
    """The full-text index at ``path`` (opened on first use)."""
    return FulltextIndex(path, engine)


def create_fulltext(path: Path, engine: str | None = None) -> "FulltextIndex":
    """A new, empty full-text index at ``path``."""
    path.mkdir(parents=True, exist_ok=True)
    whoosh_index.create_in(str(path), make_schema())
    return FulltextIndex(path, engine)


def engine_named(name: str | None = None) -> Engine:
    """The engine module for ``name`` (default: $CASEWORK_FULLTEXT, else fast): ``_whoosh``
    or ``plain``. The fast engine on a Whoosh it was not written for is plain, said once."""
    name = (name or os.environ.get(ENGINE_VARIABLE) or "fast").strip().lower()
    if name == "plain":
        return plain
    if name != "fast":
        _say_once(f"{ENGINE_VARIABLE}={name!r} is not one of {', '.join(ENGINES)}; using fast")
    try:
        from casework.index.fulltext import _whoosh
    except ImportError as exc:  # _whoosh.UnsupportedWhoosh: another version of Whoosh
        _say_once(f"{exc}; using the plain full-text engine")
        return plain
    return _whoosh


def _warn(message: str, *args) -> None:
    # logging is imported only to warn: with what it pulls in (traceback, string, textwrap)
    # it was ~4 ms of every cold search
    import logging

    logging.getLogger(__name__).warning(message, *args)


def _say_once(message: str) -> None:
    if message not in _said:
        _said.add(message)
        _warn("casework: %s", message)


class FulltextIndex:
    """A full-text index directory. Keeps a Whoosh searcher open between queries (warm) and
    refreshes it when the index changes. Thread-safe: the TUI searches from a worker thread."""

    def __init__(self, path: Path, engine: str | None = None):
        self.path = Path(path)
        self._engine: Engine = engine_named(engine)
        self.engine = self._engine.NAME
        self._ix = None
        self._searcher = None
        self._parser = None
        self._vocabulary: spelling.Vocabulary | None = None
        self._lock = threading.RLock()

    # -- opening ---------------------------------------------------------------------------
    @property
    def ix(self):
        """Whoosh's index object (opened on first use)."""
        if self._ix is None:
            self._ix = whoosh_index.open_dir(str(self.path))
        return self._ix

    def reopen(self) -> None:
        """Forget the open index, so the next use reads the directory as it is now."""
        with self._lock:
            self._close_searcher()
            self._ix = None

    def close(self) -> None:
        with self._lock:
            self._close_searcher()

    def _close_searcher(self) -> None:
        if self._searcher is not None:
            try:
                self._searcher.close()
            except Exception:  # its files may be gone already
                pass
            self._searcher = None

    def _current(self):
        """The open Whoosh searcher, opened again after any commit.

        Not Whoosh's Searcher.refresh(): it keeps the reader of each segment it had open
        (segments compare by id), with that segment's deletions as they were, so a document
        deleted since from an older segment was still found (whoosh-reloaded 2.7.5,
        index.py ``_reader``; tests/test_fulltext_interface.py). A new searcher costs a few
        file opens per segment, once per commit; rank.py's caches are kept by segment.
        """
        if self._searcher is not None:
            try:
                if self._searcher.reader().generation() == self.ix.latest_generation():
                    return self._searcher
            except Exception:  # its files may be gone: open what is there now
                self._ix = None
            self._close_searcher()
        self._searcher = self.ix.searcher(weighting=query.weighting())
        self._parser = query.make_parser(self.ix.schema)
        self._vocabulary = spelling.Vocabulary(self.path, self._searcher.reader().generation(),
                                               self._searcher.reader())
        return self._searcher

    # -- writing ---------------------------------------------------------------------------
    def index(
        self,
        upserts: Iterable[FulltextEntry],
        deletes: Iterable[str] = (),
        *,
        big: bool = False,
        on_written: Callable[[FulltextEntry], None] | None = None,
        procs: int = 1,
        merge: bool = True,
    ) -> int:
        """Delete ``deletes`` (doc ids) and write ``upserts`` (replacing any by the same id) in
        one commit; returns the number of documents written.

        After a big build the segments are merged into one, since every extra segment costs a
        cold query another set of file opens and term lookups (bench/corpus.py at 2,000
        documents, one merged segment: a cold query 144 ms and 31 MB). A big first build with
        ``procs`` > 1 (the indexer's --jobs) analyses in that many processes and keeps one
        segment each: merging them took 3,000 news articles from 19 s back to 37 s.
        ``merge=False`` merges no small segments (Whoosh's MERGE_SMALL, at most commits a few
        ms, at one in four or five of a watcher's a ~0.7 s merge) and leaves the spelling
        vocabulary due (~0.1 s of a watcher's change at 20,000 documents): :meth:`merge_small`
        does both. Until then queries look words up in Whoosh's term index (spelling.py).
        """
        fresh = big and procs > 1 and self.ix.doc_count_all() == 0
        key = self._key
        # what the spelling vocabulary was written for: the oldest state one is due from, if
        # a commit without a merge left it due (the words of segments made and merged away
        # since are in neither list, as they are in neither file)
        stamp = self._toc_stamp()
        before = _VOCABULARY_DUE.get(key) or _kept_if(_SEGMENT_WORDS, key, stamp)
        if before is None:
            before = self._segment_words()
        held = set(self.ix.schema.names())  # an index written before a field was added
        writer = self._engine.writer(self.ix, procs=procs if fresh else 1)
        n = 0
        deletes = list(deletes)
        written: list[str] = []
        try:
            for doc_id in deletes:
                writer.delete_by_term("doc_id", doc_id)
            for entry in upserts:
                written.append(entry.doc_id)
                writer.update_document(**{k: v for k, v in whoosh_fields(entry).items()
                                          if k in held})
                if on_written:
                    on_written(entry)
                n += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit(optimize=big and not fresh, merge=merge)
        self._ix = None
        ids = _kept_if(_DOC_IDS, key, stamp)  # no other commit came between
        _DOC_IDS.pop(key, None)
        if ids is not None:
            _DOC_IDS[key] = (self._toc_stamp(), ids.difference(deletes).union(written))
        self._engine.upkeep(self.ix)
        _VOCABULARY_DUE.pop(key, None)
        if merge:
            self._write_vocabulary(*before)
        else:
            _VOCABULARY_DUE[key] = before
        return n

    def merge_small(self) -> bool:
        """Merge the small segments a commit would merge (Whoosh's MERGE_SMALL), if there are
        any to merge: one commit. Either way the spelling vocabulary is brought up to date.
        Returns whether it merged."""
        key = self._key
        merged = _would_merge([s.doc_count_all() for s in self.ix._segments()])
        if merged:
            self.index(())
        else:
            due = _VOCABULARY_DUE.get(key)
            if due is not None:  # (still due if this is interrupted)
                self._write_vocabulary(*due)
                _VOCABULARY_DUE.pop(key, None)
        # and what the next commit reads first (~0.05 s of a watcher's change), read now
        _SEGMENT_WORDS[key] = (self._toc_stamp(), self._segment_words())
        return merged

    def _segment_words(self) -> tuple[int, dict[str, set[bytes] | None]]:
        with self.ix.reader() as reader:
            return reader.generation(), _small_segment_words(reader)

    def _write_vocabulary(self, old_generation: int | None = None,
                          old_segments: dict[str, set[bytes] | None] | None = None) -> None:
        """The words and their counts for spelling (spelling.py); ~0.7 s at 52,000 words.
        When the commit added small segments, or merged small ones into them, the previous file
        is updated with the words of the segments that came and went instead (``old_segments``:
        each segment before the commit, with its words if small). A failed write leaves
        queries to look words up in Whoosh's term index."""
        try:
            with self.ix.reader() as reader:
                leaves = _leaves(reader)
                now = {sid for _, sid in leaves}
                new = [leaf for leaf, sid in leaves if sid not in (old_segments or {})]
                gone = [old_segments[sid] for sid in old_segments or {} if sid not in now]
                old = None
                small = all(w is not None for w in gone) \
                    and sum(leaf.doc_count_all() for leaf in new) <= SMALL_WRITE
                if old_generation is not None and old_segments and small:
                    old = spelling.read(self.path, old_generation)
                if old is None:
                    spelling.write(self.path, reader, reader.generation())
                else:
                    words = set().union(*gone) if gone else set()
                    for leaf in new:
                        words.update(term for term, _ in leaf.iter_field(spelling.FIELD))
                    spelling.update(self.path, reader, reader.generation(), old, words)
        except OSError as exc:
            _warn("casework: cannot write the spelling vocabulary: %s", exc)

    def delete(self, doc_ids: Iterable[str]) -> None:
        """Remove documents by id, in one commit."""
        self.index((), doc_ids)

    def upkeep(self) -> int:
        """Write what the engine keeps beside Whoosh's files and lacks (the fast engine's
        common postings, for segments written before it had them); returns how many."""
        return self._engine.upkeep(self.ix)

    # -- reading ---------------------------------------------------------------------------
    def doc_count(self) -> int:
        """Documents in the index, from the searcher that serves queries (warm)."""
        with self._lock:
            return self._current().doc_count()

    def doc_ids(self) -> set[str]:
        """The ids of the documents held. Whoosh's lexicon of ids (read whole: fast) keeps a
        deleted document's id until the segment is merged away, so the ids of deleted
        documents (few: those replaced or removed since) are checked for a live one.

        Kept per generation: a process that wrote the last commit (a watcher) knows the ids
        it left, where reading them was ~0.08 s of each change at 20,000 documents."""
        key = self._key
        ids = _kept_if(_DOC_IDS, key, self._toc_stamp())
        if ids is not None:
            return set(ids)
        with self.ix.searcher() as s:
            stamp = self._toc_stamp(s.reader().generation())
            ids = {t.decode("utf-8") for t in s.reader().lexicon("doc_id")}
            gone = set()
            for sub, _ in s.leaf_searchers():
                reader = sub.reader()
                if reader.has_deletions():
                    gone.update(reader.stored_fields(d).get("doc_id") for d in
                                reader.deleted_docs_set)
            ids.difference_update(d for d in gone if d and s.document_number(doc_id=d) is None)
        _DOC_IDS[key] = (stamp, frozenset(ids))
        return ids

    @property
    def _key(self) -> str:
        """This index's key in what a process keeps per index (_DOC_IDS, _VOCABULARY_DUE,
        _SEGMENT_WORDS)."""
        return str(self.path.resolve())

    def _toc_stamp(self, generation: int | None = None) -> tuple[int, int, int]:
        """The generation and its table of contents' file (inode, mtime): an index made again
        at the same path (a rebuild) may reach the same generation."""
        if generation is None:
            generation = self.ix.latest_generation()
        st = os.stat(self.path / f"_MAIN_{generation}.toc")
        return generation, st.st_ino, st.st_mtime_ns

    def parse(self, text: str):
        """``(cleaned text, Whoosh query)`` as a search reads ``text`` (QueryError if it
        cannot be a query), before the engine expands its wildcard and fuzzy terms."""
        with self._lock:
            self._current()
            return query.parse(self._parser, text)

    def search(self, text: str, limit: int = 20, offset: int = 0, suggest: bool = True,
               exact: bool = False) -> FulltextHits:
        """Hits for ``text``; with ``suggest`` and no hits, a spelling suggestion too (a walk
        of the vocabulary: the explorer shows the hits first and asks :meth:`suggest` after).
        Unless ``exact``, a word the index lacks is searched as the words near it, and the hits
        say so (``corrections``), and words find their other forms (``stem``)."""
        with self._lock:
            try:
                return self._search(text, limit, offset, suggest, exact, last_try=False)
            except (QueryError, IndexIncompatible):
                raise
            except Exception:
                # Whoosh opens a segment's column files (stored fields, lengths) by name when
                # first read, so a --rebuild that swaps the index directory between opening
                # and reading leaves the open reader finding nothing ("'NoneType' object is not
                # subscriptable" from stored_fields). Read again from what is there now, once.
                self.reopen()
                return self._search(text, limit, offset, suggest, exact, last_try=True)

    def suggest(self, text: str) -> str | None:
        """The query with its unknown words replaced by near ones from the index, or None."""
        with self._lock:
            try:
                searcher = self._current()
                cleaned, q = query.parse(self._parser, text)
            except Exception:  # a query that cannot run has nothing to suggest
                return None
            return query.suggest(searcher, q, cleaned)

    def similar(self, doc_id: str, text: str, top: int = 30) -> dict[str, float]:
        """Documents whose words resemble ``text`` (of ``doc_id``), by Whoosh's more-like-this
        on its key terms: {doc id: score}."""
        with self.ix.searcher() as searcher:
            docnum = searcher.document_number(doc_id=doc_id)
            if docnum is None:
                return {}
            hits = searcher.more_like(docnum, "body", text=text, top=top, numterms=20)
            return {hit["doc_id"]: hit.score for hit in hits}

    def _prepare(self, searcher, text: str, exact: bool):
        """The query as it runs: parsed, misspelt words searched as the words near them (unless
        ``exact``), fuzzy terms on the vocabulary; with what was corrected and notes."""
        cleaned, parsed = query.parse(self._parser, text)
        fixed, corrected, as_typed = {}, None, None
        notes = () if query.STEM_FIELD in searcher.schema else (query.NO_STEMS_NOTE,)
        lacking = query.meta_note(searcher.schema, parsed)
        if lacking:
            notes += (lacking,)
        if exact:
            parsed = query.without_stems(parsed)
        else:
            fixed = query.corrections(parsed, self._vocabulary, searcher.reader())
            if fixed:
                corrected = query.respelt(parsed, cleaned, fixed)
                as_typed = query.respelt(parsed, cleaned, fixed, quote=True)
                parsed = query.fuzzed(parsed, fixed, self._vocabulary)
        for leaf in query.expanding_leaves(parsed):
            if isinstance(leaf, query.DamerauFuzzy):
                leaf.vocabulary = self._vocabulary
        return cleaned, parsed, fixed, corrected, as_typed, notes

    def explain(self, text: str, exact: bool = False) -> dict:
        """How ``text`` is searched: the query as parsed and run, its corrections, and the
        words each wildcard or fuzzy term expands to (within the caps)."""
        with self._lock:
            searcher = self._current()
            cleaned, parsed, fixed, corrected, as_typed, notes = self._prepare(
                searcher, text, exact)
            expansions: dict[str, list[str]] = {}
            readers = [sub.reader() for sub, _ in searcher.leaf_searchers()]
            for leaf in query.expanding_leaves(parsed):
                words = expansions.setdefault(str(leaf), [])
                for reader in readers:
                    for _, w in leaf.expanded_terms(reader):
                        w = w.decode("utf-8", "replace") if isinstance(w, bytes) else w
                        if w not in words and len(words) < 50:
                            words.append(w)
            return {"query": cleaned, "parsed": str(parsed), "corrections": fixed and
                    {w: c for w, (c, _) in fixed.items()}, "corrected": corrected,
                    "as_typed": as_typed, "expansions": expansions, "notes": list(notes)}

    def matched_words(self, text: str, exact: bool = False) -> tuple[frozenset[str], frozenset[str]]:
        """``(words, stems)`` a search for ``text`` matches, as its hits carry them, without
        ranking: the index's words (expansions and corrections included) and the word-form
        stems (snippets.word_forms finds their forms in a text)."""
        with self._lock:
            searcher = self._current()
            _, parsed, *_ = self._prepare(searcher, text, exact)
            q = self._engine.expand(searcher, parsed)
            return query.words(searcher, q), query.stems(q)

    def _search(self, text: str, limit: int, offset: int, suggest: bool, exact: bool,
                last_try: bool) -> FulltextHits:
        try:
            searcher = self._current()
        except Exception as exc:  # the full-text index vanished or broke under an open session
            self._searcher = None
            raise IndexIncompatible(
                f"cannot read the full-text index at {self.path} "
                f"({type(exc).__name__}: {exc}); rebuild it with: casework index --rebuild "
                f"--index {self.path.parent} FOLDER"
            ) from None
        cleaned, parsed, fixed, corrected, as_typed, notes = self._prepare(searcher, text, exact)
        try:
            q = self._engine.expand(searcher, parsed)
            total, top = self._engine.top(searcher, q, offset + limit,
                                          time.monotonic() + query.TIME_LIMIT_S)
            page = top[offset : offset + limit]
            stored = [searcher.stored_fields(docnum) for docnum, _ in page]
        except QueryError:
            raise
        except Exception as exc:
            if not last_try:
                raise
            raise QueryError(f"cannot run query {cleaned!r}: {exc}") from None
        hits = [FulltextHit(fields["doc_id"], fields.get("title", ""), fields.get("path", ""),
                            float(score or 0.0))
                for fields, (_, score) in zip(stored, page)]
        suggestion = None
        if total == 0 and suggest:
            suggestion = query.suggest(searcher, parsed, cleaned)
        return FulltextHits(total, hits, query.words(searcher, q) if page else frozenset(),
                            suggestion, {w: c for w, (c, _) in fixed.items()}, corrected,
                            as_typed, notes, query.stems(q) if page else frozenset())


# Up to this many documents in new segments, the spelling vocabulary is updated, not rewritten.
SMALL_WRITE = 500


def _leaves(reader) -> list[tuple[object, str]]:
    """(segment reader, segment id) of each segment an index reader reads."""
    leaves = [reader] if reader.is_atomic() else [leaf for leaf, _ in reader.leaf_readers()]
    out = []
    for leaf in leaves:
        segment = leaf.segment() if hasattr(leaf, "segment") else None
        if segment is not None:  # an empty index's reader has none
            out.append((leaf, segment.segment_id()))
    return out


# Per index directory: (its _toc_stamp, the ids of its documents then), see doc_ids
_DOC_IDS: dict[str, tuple[int, frozenset[str]]] = {}
# Per index directory: (generation, small segments' words) a commit without a merge left its
# spelling vocabulary to be written from (index, merge_small)
_VOCABULARY_DUE: dict[str, tuple[int, dict]] = {}
# Per index directory: (its _toc_stamp, (generation, small segments' words) then), read by
# merge_small while a watcher waits, for the next commit
_SEGMENT_WORDS: dict[str, tuple[tuple[int, int, int], tuple[int, dict]]] = {}


def _kept_if(kept: dict, key: str, stamp):
    """What ``kept`` holds for ``key`` if it was kept at ``stamp`` (no commit since)."""
    found = kept.get(key)
    return found[1] if found is not None and found[0] == stamp else None


def _would_merge(counts: list[int]) -> bool:
    """Whether Whoosh's MERGE_SMALL merges segments of these document counts: it merges the
    smallest up to the first (past the fifth) whose running total is under fib(i + 5)."""
    total = 0
    for i, count in enumerate(sorted(counts)):
        total += max(count, 0)
        if i > 3 and total < fib(i + 5):
            return True
    return False


def _small_segment_words(reader) -> dict[str, set[bytes] | None]:
    """Each segment's id, with the words of its spelling field when it is small (a merge may
    take it away: their counts are then made again), else None."""
    return {sid: ({term for term, _ in leaf.iter_field(spelling.FIELD)}
                  if leaf.doc_count_all() <= SMALL_WRITE else None)
            for leaf, sid in _leaves(reader)}
