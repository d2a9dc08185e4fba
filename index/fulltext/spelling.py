"""Spelling: the index's words with their document counts, and the words near a typed one.

Near means Damerau distance (a transposition is one edit, "rtump" -> "trump"), the first
letter included. Whoosh's fuzzy automaton is plain Levenshtein (a transposition costs two),
and casework kept the first letter as typed to bound its walk of the term index.

Candidates are the typed word's edits (deletes, transpositions, substitutions, insertions:
~700 strings for a 9-letter word), each looked up in the vocabulary: a file written beside
the segments after each commit (``spelling.cwv``: one ``word<TAB>documents`` a line, the
body's words, ~500 KB at 3,800 news articles), read once per open index when a word needs it
(~20-70 ms for 52,000 words). A symmetric-delete dictionary (symspellpy 6.10) over the same
words answers faster but took 1.3 s to load at distance 1 and 3.5 s at 2 (its pickle: 5 and
12 MB), a cost every cold CLI query with a typo would pay. Distance 2 measures each word of
the file with rapidfuzz instead of looking up the edits of the edits. When the file is missing
or older than the index (an index written before it; a write that failed), words are looked
up in Whoosh's term index instead (~15 ms a word).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

FILE = "spelling.cwv"
HEADER = "casework-spelling 1"
FIELD = "body"
_LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789"


def write(path: Path, reader, generation: int) -> None:
    """Write the vocabulary of ``reader`` (the whole index) for ``generation``; atomic."""
    lines = [f"{HEADER} {generation}"]
    lines.extend(f"{term.decode('utf-8', 'replace')}\t{info.doc_frequency()}"
                 for term, info in reader.iter_field(FIELD))
    temp = path / f".{FILE}.{os.getpid()}"
    temp.write_text("\n".join(lines), encoding="utf-8")
    os.replace(temp, path / FILE)


def update(path: Path, reader, generation: int, old: dict[str, int], words: set[bytes]) -> None:
    """The vocabulary of the previous generation (``old``) brought up to ``generation`` after
    a small commit: ``words``, those of the segments the commit added or merged away, counted
    again over the whole index (gone when no document holds them). The other words' segments
    did not change, so their counts stand as a full write would give them (a deleted document
    counts until its segment is merged). A full write, ~0.7 s at 3,800 news articles, was most
    of writing one changed file."""
    for term in words:
        n = reader.doc_frequency(FIELD, term)
        word = term.decode("utf-8", "replace")
        if n:
            old[word] = n
        else:
            old.pop(word, None)
    lines = [f"{HEADER} {generation}"]
    lines.extend(f"{word}\t{n}" for word, n in old.items())
    temp = path / f".{FILE}.{os.getpid()}"
    temp.write_text("\n".join(lines), encoding="utf-8")
    os.replace(temp, path / FILE)


def read(path: Path, generation: int) -> dict[str, int] | None:
    """The vocabulary written for ``generation``, or None if there is none that new."""
    try:
        text = (path / FILE).read_text(encoding="utf-8")
    except OSError:
        return None
    head, _, body = text.partition("\n")
    if head != f"{HEADER} {generation}":
        return None
    # one split and C-level zips: a loop of partitions over 50,000 lines was ~45 of ~70 ms
    cells = body.replace("\t", "\n").split("\n") if body else []
    if len(cells) % 2:
        return None  # a torn line: rebuilt as a missing file is
    return dict(zip(cells[::2], map(int, cells[1::2])))


class Vocabulary:
    """How many documents hold a word, and the known words near a typed one."""

    def __init__(self, path: Path, generation: int, reader):
        self.path, self.generation, self.reader = path, generation, reader
        self._counts: dict[str, int] | None | bool = False  # False: not read yet
        # a fuzzy term is expanded per segment and field: the same word's neighbours each time
        # (distance 2 looks up ~250,000 strings, ~0.1-0.3 s)
        self._near: dict[tuple[str, int], list[tuple[str, int, int]]] = {}

    @property
    def counts(self) -> dict[str, int] | None:
        """The vocabulary file's counts (read on first use), None when it is missing or old."""
        if self._counts is False:
            self._counts = read(self.path, self.generation)
        return self._counts

    def held(self, word: str) -> int:
        """How many documents hold ``word``, looked up in Whoosh's term index: the count the
        file has (both are the body's), without reading the file. Every cold query asks this
        of each word it corrects or not, and the file's read was most of a cold search for
        "senate" (~70 of ~110 ms past the imports at 20,000 articles)."""
        if self._counts is not False and self._counts is not None:
            return self._counts.get(word, 0)
        try:
            return self.reader.doc_frequency(FIELD, word)
        except Exception:  # a value the field cannot hold
            return 0

    def frequency(self, word: str) -> int:
        if self.counts is not None:
            return self.counts.get(word, 0)
        try:
            return self.reader.doc_frequency(FIELD, word)
        except Exception:  # a value the field cannot hold
            return 0

    def near(self, word: str, maxdist: int = 1) -> list[tuple[str, int, int]]:
        """(known word, distance, documents) within ``maxdist`` (1 or 2) of ``word``, nearest
        first, then commonest. Distance 2 needs the vocabulary file (the edits of edits of a
        word are ~250,000 strings: too many to look up one by one in Whoosh's term index)."""
        key = (word, maxdist)
        if key not in self._near:
            if len(self._near) > 256:
                self._near.clear()
            self._near[key] = self._find_near(word, maxdist)
        return self._near[key]

    def _find_near(self, word: str, maxdist: int) -> list[tuple[str, int, int]]:
        found: dict[str, tuple[int, int]] = {}
        if maxdist >= 2 and self.counts is not None:
            # the file is read for distance 2 anyway: both rings measured over it at once
            counts = self.counts
            found = {w: (d, counts[w]) for w, d in self._measured(word, maxdist) if counts[w]}
        else:
            # one edit away: each looked up in the term index unless the file is read already
            # (~600 lookups took less than reading the file's ~100,000 words at 20,000 articles)
            for w in edits(word):
                n = self.held(w)
                if n:
                    found[w] = (1, n)
        return sorted(((w, d, n) for w, (d, n) in found.items()), key=lambda x: (x[1], -x[2], x[0]))

    def _measured(self, word: str, maxdist: int) -> list[tuple[str, int]]:
        """(word, distance) for the vocabulary's words 1 to ``maxdist`` edits from ``word``:
        each word of the file measured in C (rapidfuzz's optimal string alignment, the
        distance ``edits`` of ``edits`` reaches), ~10-25 ms over 50,000 words, where looking
        up the ~250,000 edits of edits took ~0.3-1.4 s and was most of a cold ``word~2``."""
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        found = process.extract(word, list(self.counts), scorer=OSA.distance,
                                score_cutoff=maxdist, limit=None)
        return [(w, d) for w, d, _ in found if d]


def edits(word: str) -> set[str]:
    """The strings one Damerau edit from ``word``."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out.update(a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1)
    out.update(a + c + b[1:] for a, b in splits if b for c in _LETTERS)
    out.update(a + c + b for a, b in splits for c in _LETTERS)
    out.discard(word)
    return out


def within(vocabulary: Vocabulary, word: str, maxdist: int) -> Iterable[str]:
    """``word`` if known and the known words within ``maxdist`` of it, for a fuzzy term."""
    if vocabulary.held(word):
        yield word
    for w, _, _ in vocabulary.near(word, maxdist):
        yield w
