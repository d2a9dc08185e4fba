"""Recall beyond the model: find every occurrence of the names resolution knows.

After resolution, each document is re-scanned with spaCy's PhraseMatcher (on token boundaries,
case-sensitive, so "US" never matches "us") for the surface forms of known entities; matches
the model missed become mentions with source "rescan". On the seeds the model tags CJNG in 2 of
its 12 occurrences and never a bare "Harfuch" as a person; the re-scan finds the rest.

Incremental: the form set of the last pass is kept (table recall_forms) with each document's
content hash (recall_docs). A changed document is scanned for every form; the others only for
forms that are new since the last pass (and only if their text contains one); mentions of
forms that disappeared are dropped. spaCy (a blank tokenizer only) is imported only when there
is something to scan.
"""

from __future__ import annotations

import re
from typing import Iterable

from casework.index.catalog import Catalog

SCHEMA = """
CREATE TABLE IF NOT EXISTS recall_forms (form TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS recall_docs (
    doc_id TEXT PRIMARY KEY REFERENCES documents(doc_id) ON DELETE CASCADE,
    sha256 TEXT NOT NULL
);
"""
SOURCE = "rescan"
# Above this many new forms, scanning every document is cheaper than a substring pre-filter.
_PREFILTER_MAX = 200
_SENTENCE_END = re.compile(r"[.!?]\s|\n")


def wanted_forms(catalog: Catalog) -> set[str]:
    """Surface forms worth looking for: acronyms, names the model found at least twice, and
    every form of an entity that rules linked (a single capitalised one-off like "Security"
    would match every heading)."""
    conn = catalog.conn
    found = dict(conn.execute(
        "SELECT text, COUNT(*) FROM mentions WHERE source != ? GROUP BY text", (SOURCE,)))
    linked = dict(conn.execute("SELECT entity_id, COUNT(*) FROM aliases GROUP BY entity_id"))
    forms = set()
    for text, entity_id in conn.execute("SELECT text, entity_id FROM aliases"):
        if len(text) < 2 or not text[:1].isupper():
            continue
        bare = text.replace(".", "")
        acronym = bare.isupper() and bare.isalpha() and len(bare) >= 2
        if acronym or found.get(text, 0) >= 2 or linked.get(entity_id, 0) >= 2:
            forms.add(text)
    return forms


def rescan(catalog: Catalog) -> int:
    """Bring rescan mentions in line with the current forms; returns mentions added+removed."""
    conn = catalog.conn
    conn.executescript(SCHEMA)
    now = wanted_forms(catalog)
    before = {r[0] for r in conn.execute("SELECT form FROM recall_forms")}
    gone, new = before - now, now - before
    changed = 0
    if gone:
        changed += conn.executemany(
            "DELETE FROM mentions WHERE source = ? AND text = ?", [(SOURCE, f) for f in gone]
        ).rowcount
    scanned = {r[0]: r[1] for r in conn.execute("SELECT doc_id, sha256 FROM recall_docs")}
    docs = conn.execute("SELECT doc_id, sha256 FROM documents").fetchall()
    full = [r["doc_id"] for r in docs if scanned.get(r["doc_id"]) != r["sha256"]]
    rest = [r["doc_id"] for r in docs if scanned.get(r["doc_id"]) == r["sha256"]] if new else []
    if full or rest:
        matcher = _Matcher()
        if full and now:
            changed += _scan(catalog, matcher, full, now, prefilter=False)
        if rest:
            changed += _scan(catalog, matcher, rest, new, prefilter=len(new) <= _PREFILTER_MAX)
    conn.execute("DELETE FROM recall_forms")
    conn.executemany("INSERT INTO recall_forms VALUES (?)", [(f,) for f in now])
    conn.executemany(
        "INSERT OR REPLACE INTO recall_docs VALUES (?, ?)", [(r["doc_id"], r["sha256"]) for r in docs]
    )
    return changed


class _Matcher:
    def __init__(self):
        import spacy  # lazily: only an index run with something to scan pays for it
        from spacy.matcher import PhraseMatcher

        self.nlp = spacy.blank("en")
        self.nlp.max_length = 10**8
        self._PhraseMatcher = PhraseMatcher

    def build(self, forms: Iterable[str]):
        matcher = self._PhraseMatcher(self.nlp.vocab, attr="ORTH")
        for form in sorted(forms):
            matcher.add(form, [self.nlp.make_doc(form)])
        return matcher


def _scan(catalog: Catalog, m: _Matcher, doc_ids: list[str], forms: set[str], prefilter: bool) -> int:
    conn = catalog.conn
    matcher = m.build(forms)
    key_entity = {
        r[0]: (r[1], r[2])
        for r in conn.execute(
            "SELECT a.text, a.entity_id, e.label FROM aliases a JOIN entities e ON e.entity_id = a.entity_id"
        )
    }
    added = 0
    for doc_id in doc_ids:
        text = catalog.text_of(doc_id) or ""
        if prefilter and not any(f in text for f in forms):
            continue
        taken = conn.execute(
            "SELECT start, end, sent_start, sent_end FROM mentions WHERE doc_id = ? ORDER BY start",
            (doc_id,),
        ).fetchall()
        busy = [(r["start"], r["end"]) for r in taken]
        sentences = sorted({(r["sent_start"], r["sent_end"]) for r in taken})
        doc = m.nlp.make_doc(text)
        spans = sorted(
            (doc[s:e] for _, s, e in matcher(doc)), key=lambda sp: (sp.start_char, -len(sp.text))
        )
        rows = []
        for sp in spans:
            a, b = sp.start_char, sp.end_char
            if any(a < e and s < b for s, e in busy) or sp.text not in key_entity:
                continue
            busy.append((a, b))
            entity_id, label = key_entity[sp.text]
            sa, sb = _sentence(text, a, b, sentences)
            rows.append((doc_id, a, b, sp.text, label, label, entity_id, sa, sb, SOURCE))
        conn.executemany(
            """INSERT INTO mentions(doc_id, start, end, text, label, raw_label, entity_id,
                                    sent_start, sent_end, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            rows,
        )
        added += len(rows)
    return added


def _sentence(text: str, a: int, b: int, known: list[tuple[int, int]]) -> tuple[int, int]:
    for s, e in known:
        if s <= a and b <= e:
            return s, e
    start = 0
    for m in _SENTENCE_END.finditer(text, max(0, a - 400), a):
        start = m.end()
    m = _SENTENCE_END.search(text, b)
    return start, (m.start() + 1 if m else len(text))

