"""Corpus-wide entity resolution: one entity per person or organisation, one label per entity.

Mentions are grouped by surface form (``match_key``: accents and case folded). Forms are then
linked by rules, each link keeping its rule name as the alias ``reason``:

- ``partial name``: a surname or part of a name -> the one full PERSON name in the corpus whose
  tokens contain it in order (never when two full names would fit, never into a non-person);
- ``nickname``: a quoted nickname introduced next to a name, or "X, known as “Y”";
- ``acronym``: "Jalisco New Generation Cartel (CJNG)" anywhere in the corpus;
- ``initials``: DEA <-> Drug Enforcement Administration when only one name has those initials;
- ``known abbreviation``: U.S. / US / USA / United States (and a few more);
- ``plural``: National Guards -> National Guard (ORG and NORP only).

Names that merely share words are never linked (Mexico / Mexico City, Jalisco / Jalisco New
Generation Cartel): only the rules above link. The label is PERSON for a cluster that a surname
joined to a full name; otherwise a vote over its mentions, where context cues (a title before
the name, "party" after it, an organisational head word) count double.

Hints that need the document text (quotes, parentheses, cues) are extracted when a document is
stored (:func:`store_hints`) so resolution itself is SQL plus dict work over distinct forms.
The reader's judgements (casework.index.curation) are applied last.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

from casework.index import curation
from casework.index.catalog import Catalog
from casework.index.entities import KEPT_LABELS, entity_id_for, form_key, match_key

HINTS_SCHEMA = """
CREATE TABLE IF NOT EXISTS entity_hints (
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    rule TEXT NOT NULL,
    a TEXT NOT NULL,
    b TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entity_hints_doc ON entity_hints(doc_id);
"""

CUE_WEIGHT = 2
_PLACES = {"GPE", "LOC", "FAC", "NORP"}
_TITLES = re.compile(
    r"(?:President|Secretary|Minister|minister|secretary|Mr\.?|Mrs\.?|Ms\.?|Dr\.?|Senator|"
    r"Governor|General|Judge|consultant|analyst|director|lawyer|spokesman|spokeswoman)\s+$"
)
_ORG_NEXT = re.compile(
    r"^[’']?s?\s+(?:party|movement|cartel|cartels|newspaper|group|gang|company|bank|agency|"
    r"ministry)\b"
)
_ORG_HEADS = frozenset(
    "patrol department agency administration institution institute guard guards force cartel "
    "bureau ministry party congress university project initiative commission council court "
    "office service corporation company bank group army navy police association foundation "
    "committee".split()
)
_INITIAL_NAME = re.compile(r"^(?:[A-Z]\.\s?){1,2}[A-Z][a-z][\w’'-]+$")  # B. Young, J.R. Smith
_ACRONYM_AFTER = re.compile(r"^\s*\(([A-Z][A-Z0-9.&-]{1,9})\)")
_KNOWN_AS = re.compile(r"^,?\s+(?:known as|alias|aka|nicknamed|dubbed)\s+[“\"«]([^”\"»\n]{2,40})[”\"»]")
_OPEN = "“«\""
_CLOSE = "”»\""
_TOKEN_SPLIT = re.compile(r"[\s\-]+")
_STOP = frozenset("of the and for de la del y on against in".split())
_KNOWN_ABBREVIATIONS = {
    "us": "united states", "u.s.": "united states", "usa": "united states",
    "u.s.a.": "united states", "united states of america": "united states",
    "uk": "united kingdom", "u.k.": "united kingdom", "un": "united nations",
    "u.n.": "united nations", "eu": "european union", "e.u.": "european union",
}


def ensure_schema(catalog: Catalog) -> None:
    # statement by statement: executescript commits first, and this runs for every document
    # stored (a commit per document was ~5% of casework's own indexing work)
    for statement in HINTS_SCHEMA.split(";"):
        if statement.strip():
            catalog.conn.execute(statement)


def store_hints(catalog: Catalog, doc_id: str, text: str, mentions: list) -> None:
    """Record what only the text shows: nicknames, acronyms in parentheses, label cues."""
    ensure_schema(catalog)
    conn = catalog.conn
    conn.execute("DELETE FROM entity_hints WHERE doc_id = ?", (doc_id,))
    rows: list[tuple[str, str, str, str]] = []
    ordered = sorted(mentions, key=lambda m: m[0].start)
    for i, (span, surface, _label, _eid) in enumerate(ordered):
        after = text[span.end : span.end + 60]
        before = text[max(0, span.start - 40) : span.start]
        m = _ACRONYM_AFTER.match(after)
        if m and len(surface.split()) >= 2:
            rows.append((doc_id, "acronym", m.group(1), surface))
        m = _KNOWN_AS.match(after)
        if m:
            rows.append((doc_id, "nickname", m.group(1).strip(" .,"), surface))
        quoted = before[-1:] in _OPEN and after[:1] in _CLOSE
        if quoted:
            for j in (i - 1, i + 1):
                if 0 <= j < len(ordered):
                    other = ordered[j][0]
                    gap = text[other.end : span.start] if j < i else text[span.end : other.start]
                    if len(gap) <= 3 and any(ch in _OPEN + _CLOSE for ch in gap):
                        rows.append((doc_id, "nickname", surface, ordered[j][1]))
        cue = None
        if _TITLES.search(before) or _INITIAL_NAME.match(surface):
            cue = "PERSON"
        elif _ORG_NEXT.match(after) or surface.split()[-1].lower() in _ORG_HEADS:
            cue = "ORG"
        elif span.source == "split" and not quoted and any(ch.isupper() for ch in surface):
            cue = "PERSON"  # the name beside a swallowed nickname
        if cue:
            rows.append((doc_id, "label", surface, cue))
    conn.executemany("INSERT INTO entity_hints VALUES (?, ?, ?, ?)", rows)


class _Forms:
    """Union-find over surface-form keys; each joined form remembers the rule that joined it."""

    def __init__(self, keys):
        self.parent = {k: k for k in keys}
        self.reason: dict[str, str] = {}
        self.short: set[str] = set()
        self.prefer: list[str] = []  # heads the reader chose by merging into them
        self.prefer_label: dict[str, str] = {}  # and the label they had then

    def find(self, k: str) -> str:
        root = k
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[k] != root:
            self.parent[k], k = root, self.parent[k]
        return root

    def link(self, short: str, long: str, reason: str) -> None:
        if short not in self.parent or long not in self.parent:
            return
        a, b = self.find(short), self.find(long)
        if a == b:
            if reason == "partial name" and short not in self.short:
                self.reason[short] = reason  # already joined (by a nickname): still a part
                self.short.add(short)
            return
        self.parent[a] = b
        self.reason.setdefault(short, reason)
        self.short.add(short)


_TOKEN_CACHE: dict[str, list[str]] = {}


def _tokens(key: str) -> list[str]:
    toks = _TOKEN_CACHE.get(key)
    if toks is None:
        if len(_TOKEN_CACHE) > 1_000_000:
            _TOKEN_CACHE.clear()
        toks = _TOKEN_CACHE[key] = [t for t in _TOKEN_SPLIT.split(key) if t]
    return toks


def _initials(text: str) -> str:
    words = [w for w in re.split(r"[\s\-]+", text) if w and w.lower() not in _STOP]
    if len(words) < 2 or not all(w[:1].isupper() for w in words):
        return ""
    return "".join(w[0] for w in words)


def resolve(catalog: Catalog, judgements: list[dict] | None = None) -> None:
    """Rebuild entities and aliases from mentions, hints and the reader's judgements."""
    ensure_schema(catalog)
    conn = catalog.conn
    surfaces: dict[str, Counter[str]] = defaultdict(Counter)
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    found_again: Counter[str] = Counter()  # by the recall re-scan: counted, but not a vote
    for row in conn.execute(
        """SELECT text, raw_label, source = 'rescan' AS again, COUNT(*) AS n FROM mentions
           GROUP BY text, raw_label, again"""
    ):
        if row["again"]:
            found_again[row["text"]] += row["n"]
            continue
        key = form_key(row["text"], row["raw_label"])
        surfaces[key][row["text"]] += row["n"]
        votes[key][row["raw_label"]] += row["n"]
    hints = conn.execute(
        "SELECT rule, a, b, COUNT(*) AS n FROM entity_hints GROUP BY rule, a, b"
    ).fetchall()
    for h in hints:
        if h["rule"] == "label" and match_key(h["a"]) in votes:
            votes[match_key(h["a"])][h["b"]] += CUE_WEIGHT * h["n"]
    forms = _Forms(surfaces)
    majority = {k: _vote(v) for k, v in votes.items()}
    count = {k: sum(c.values()) for k, c in surfaces.items()}
    shown = {k: max(c.items(), key=lambda kv: (kv[1], kv[0]))[0] for k, c in surfaces.items()}

    # Known abbreviations and dotted acronyms (U.S. = US = United States; F.B.I. = FBI).
    by_target: dict[str, list[str]] = defaultdict(list)
    for key in surfaces:
        target = _KNOWN_ABBREVIATIONS.get(key)
        if target is None and "." in key and shown[key].replace(".", "").isupper():
            target = key.replace(".", "")
        if target is not None:
            by_target[target].append(key)
    for target, keys in by_target.items():
        head = target if target in surfaces else max(keys, key=lambda k: (count[k], k))
        for key in keys:
            if key != head:
                forms.link(key, head, "known abbreviation")

    # Hints from the text: acronyms in parentheses, nicknames next to a name.
    for h in hints:
        if h["rule"] in ("acronym", "nickname"):
            forms.link(match_key(h["a"]), match_key(h["b"]), h["rule"])

    # Initials: an all-caps form spelled by the capitals of exactly one multi-word name.
    by_initials: dict[str, list[str]] = defaultdict(list)
    for key in surfaces:
        if majority[key] != "PERSON":
            ini = _initials(shown[key])
            if ini:
                by_initials[ini].append(key)
    for key in surfaces:
        word = shown[key].replace(".", "")
        if 2 <= len(word) <= 6 and word.isupper() and word.isalpha():
            found = by_initials.get(word, [])
            if len({forms.find(k) for k in found}) == 1:
                forms.link(key, found[0], "initials")

    # Plurals of organisations and groups: National Guards -> National Guard.
    for key in surfaces:
        if key.endswith("s") and key[:-1] in surfaces and majority[key] in ("ORG", "NORP") \
                and majority[key[:-1]] in ("ORG", "NORP"):
            forms.link(key, key[:-1], "plural")

    # Partial names -> the one full PERSON name containing them, longest names first so that
    # "Nemesio Oseguera Cervantes" joins "Nemesio Rubén Oseguera Cervantes" before "Oseguera"
    # looks for its full name.
    full_by_token: dict[str, set[str]] = defaultdict(set)
    person_names = [k for k in surfaces if majority[k] == "PERSON" and len(_tokens(k)) >= 2]
    for key in person_names:
        for tok in _tokens(key):
            full_by_token[tok].add(key)
    surname_joined: set[str] = set()
    for key in sorted(surfaces, key=lambda k: -len(_tokens(k))):
        toks = _tokens(key)
        if not toks or majority[key] in _PLACES:
            continue
        if len(toks) == 1 and not shown[key][:1].isupper():
            continue
        candidates = set.intersection(*(full_by_token.get(t, set()) for t in toks))
        candidates = {c for c in candidates if len(_tokens(c)) > len(toks) and _in_order(toks, _tokens(c))}
        roots = {forms.find(c) for c in candidates}
        if len(roots) == 1:
            forms.link(key, next(iter(candidates)), "partial name")
            surname_joined.add(key)

    if judgements is None:
        judgements = curation.load(curation.judgements_path(catalog))
    _apply_judgements(forms, judgements, surfaces)
    _write(catalog, forms, surfaces, votes, count, shown, surname_joined, judgements, found_again)


def _head(keys: list[str], forms: _Forms, count: dict[str, int]) -> str:
    """The name an entity is shown by: its most used full name ("Claudia Sheinbaum", not
    "Sheinbaum" nor "CJNG"), else its most used form no rule joined as a variant."""
    chosen = [k for k in forms.prefer if k in keys]
    if chosen:
        return chosen[-1]
    full = [k for k in keys if len(_tokens(k)) >= 2
            and (k not in forms.short or forms.reason.get(k) == "partial name")]
    heads = full or [k for k in keys if k not in forms.short] or keys
    return max(heads, key=lambda k: (count[k], len(_tokens(k)), k))


def _in_order(short: list[str], long: list[str]) -> bool:
    it = iter(long)
    return all(tok in it for tok in short)


_LABEL_ORDER = {label: i for i, label in enumerate(KEPT_LABELS)}


def _vote(counter: Counter[str]) -> str:
    return max(counter.items(), key=lambda kv: (kv[1], -_LABEL_ORDER.get(kv[0], 99)))[0]


def _apply_judgements(forms: _Forms, judgements: list[dict], surfaces) -> None:
    """Merges and splits change the clusters; renames, relabels and hides are read in _write."""
    for j in judgements:
        op = j.get("op")
        if op == "merge" and j.get("a") in surfaces and j.get("b") in surfaces:
            a, b = forms.find(j["a"]), forms.find(j["b"])
            forms.prefer.append(j["a"])
            if j.get("label") in KEPT_LABELS:
                forms.prefer_label[j["a"]] = j["label"]
            if a != b:
                forms.parent[b] = a
                forms.reason.setdefault(j["b"], "merged by you")
                forms.short.add(j["b"])
        elif op == "split" and j.get("alias") in surfaces:
            key = j["alias"]
            root = forms.find(key)
            members = [k for k in forms.parent if forms.find(k) == root]
            rest = [k for k in members if k != key]
            for k in members:
                forms.parent[k] = k
            if rest:
                head = root if root != key else rest[0]
                for k in rest:
                    forms.parent[k] = head
            forms.reason[key] = "split by you"
            forms.short.discard(key)


_ENTITY_COUNTS = """SELECT entity_id, COUNT(DISTINCT doc_id), COUNT(*) FROM mentions
                    WHERE entity_id != '' GROUP BY entity_id"""


def _write(catalog, forms, surfaces, votes, count, shown, surname_joined, judgements,
           found_again) -> None:
    conn = catalog.conn
    clusters: dict[str, list[str]] = defaultdict(list)
    for key in surfaces:
        clusters[forms.find(key)].append(key)
    overrides: dict[str, dict] = {}
    for j in judgements:
        key = j.get("entity")
        if j.get("op") in ("rename", "relabel", "hide") and key in surfaces:
            overrides.setdefault(forms.find(key), {})[j["op"]] = j.get("value", True)
    mapping: list[tuple[str, str, str]] = []  # (surface text, entity_id, label)
    entity_rows, alias_rows = {}, []
    person_roots = {forms.find(k) for k in surname_joined}
    for root, keys in clusters.items():
        head = _head(keys, forms, count)
        if root in person_roots:
            label = "PERSON"
        else:
            total: Counter[str] = Counter()
            for k in keys:
                total.update(votes[k])
            label = _vote(total)
        label = forms.prefer_label.get(head, label)  # a merge keeps the kept entity's label
        entity_id = entity_id_for(label, head)
        extra = overrides.get(root, {})
        label = extra.get("relabel", label)
        name = extra.get("rename", shown[head])
        hidden = extra.get("hide", False)
        for k in keys:
            mapping.extend((text, "" if hidden else entity_id, "" if hidden else label)
                           for text in surfaces[k])
        if hidden:
            continue
        entity_rows[entity_id] = [entity_id, name, label, match_key(name), 0, 0]
        for k in keys:
            reason = "name" if k == head else forms.reason.get(
                k, "full name" if len(_tokens(k)) > len(_tokens(head)) else "linked")
            for text, n in surfaces[k].items():
                alias_rows.append((entity_id, text, k, n + found_again.get(text, 0),
                                   reason if text == shown[k] or k != head else "same name"))
    # Mentions are mapped by their exact text (a primary-key lookup per row, no Python call).
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS form_map (text TEXT PRIMARY KEY, entity_id TEXT, label TEXT)"
    )
    conn.execute("DELETE FROM form_map")
    conn.executemany("INSERT OR REPLACE INTO form_map VALUES (?, ?, ?)", mapping)
    conn.execute(
        """UPDATE mentions SET (entity_id, label) =
               (SELECT f.entity_id, f.label FROM form_map f WHERE f.text = mentions.text)
           WHERE EXISTS (SELECT 1 FROM form_map f WHERE f.text = mentions.text
                         AND (f.entity_id != mentions.entity_id OR f.label != mentions.label))"""
    )
    conn.execute(  # re-scan finds of a form no longer known: gone with it
        """DELETE FROM mentions WHERE source = 'rescan'
           AND NOT EXISTS (SELECT 1 FROM form_map f WHERE f.text = mentions.text)"""
    )
    for entity_id, docs, n in conn.execute(_ENTITY_COUNTS):
        if entity_id in entity_rows:
            entity_rows[entity_id][4] = docs
            entity_rows[entity_id][5] = n
    conn.execute("DELETE FROM entities")
    conn.execute("DELETE FROM aliases")
    conn.executemany("INSERT INTO entities VALUES (?, ?, ?, ?, ?, ?)", [tuple(r) for r in entity_rows.values()])
    conn.executemany("INSERT INTO aliases VALUES (?, ?, ?, ?, ?)", alias_rows)
    _count_sentences(catalog)


def recount(catalog: Catalog) -> None:
    """The counts resolve writes, brought up to date after the re-scan added or dropped
    mentions, without resolving again.

    Re-scan mentions never vote and never join forms (see resolve), so the entities, labels
    and aliases stand; only counts move: each entity's documents and mentions, each alias's
    count, the sentence counts. Resolving a second time cost ~8 s at 20,000 news articles;
    tests/test_entities_recall.py checks that this leaves the catalog as a second resolve did.
    """
    conn = catalog.conn
    conn.execute("UPDATE entities SET documents = 0, mentions = 0")
    conn.executemany(
        "UPDATE entities SET documents = ?, mentions = ? WHERE entity_id = ?",
        [(docs, n, entity_id) for entity_id, docs, n in conn.execute(_ENTITY_COUNTS)],
    )
    # an alias counts every mention of its text, re-scan finds included (as in _write)
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS text_counts (text TEXT PRIMARY KEY, n INTEGER)")
    conn.execute("DELETE FROM text_counts")
    conn.execute("INSERT INTO text_counts SELECT text, COUNT(*) FROM mentions GROUP BY text")
    conn.execute(
        "UPDATE aliases SET count = COALESCE((SELECT n FROM text_counts t WHERE t.text = aliases.text), 0)"
    )
    _count_sentences(catalog)


def _count_sentences(catalog: Catalog) -> None:
    conn = catalog.conn
    sentences = conn.execute(
        "SELECT COUNT(*) FROM (SELECT DISTINCT doc_id, sent_start FROM mentions WHERE entity_id != '')"
    ).fetchone()[0]
    catalog.set_meta("sentences_with_entities", str(sentences))  # PMI's denominator (xref)
    conn.execute(  # and each entity's sentence count, so a card needs no scan per neighbour
        "CREATE TABLE IF NOT EXISTS entity_sentences (entity_id TEXT PRIMARY KEY, sentences INTEGER)"
    )
    conn.execute("DELETE FROM entity_sentences")
    conn.execute(
        """INSERT INTO entity_sentences SELECT entity_id, COUNT(*) FROM
               (SELECT DISTINCT entity_id, doc_id, sent_start FROM mentions WHERE entity_id != '')
           GROUP BY entity_id"""
    )
