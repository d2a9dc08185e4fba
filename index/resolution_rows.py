"""What a resolution writes, made from its clusters (casework.index.resolve): each surface text
mapped to its entity, the entity rows, the alias rows and the names given in one document.

:func:`rows` makes them from every cluster and remembers, per form, what it gave (Written.per).
A watcher's next run (:func:`rows_again`) makes them again only for the forms that may give
something else: those its tally counted again (kept_tally), those in a cluster of several forms
that is new, gone or no longer joined the same way (_several), those that became or stopped
being a word that is no name, and those sharing a text with another form. Every other form is
in the cluster it was in, joined as it was, with the same counts, label and text shown, so it
gives what it gave. Making every row and comparing them with the last run's was ~0.4 s of each
change at 20,000 news articles.
"""

from __future__ import annotations

import itertools
import operator
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from casework.index.entities import entity_id_for, match_key, without_nickname
from casework.index.forms import Forms
from casework.index.labels import Tally, cluster_label
from casework.index.names import tokens

# The alias reason of a short form given to a person in one document only.
IN_DOCUMENT = "in document"
_SERIALS = itertools.count(1)
# An alias row (entity_id, text, key, count, reason) as Written counts it: without its count
_ALIAS_KEY = operator.itemgetter(0, 1, 2, 4)


@dataclass
class Result:
    """What a resolution writes: texts mapped to entities (the last of a text wins, as in the
    table), names given in one document, the entity rows (entity_id, name, label, key) and
    alias rows (entity_id, text, key, count, reason), the watched entities; and what each form
    gave (Written.per), and the clusters of several forms (_several)."""

    mapping: dict[str, tuple[str, str]]
    in_document: dict[tuple[str, str], tuple[str, str]]
    entities: dict[str, list]
    aliases: list[tuple]
    watched: list[tuple[str, str, str]]
    per: dict[str, tuple] = field(default_factory=dict)
    clusters: dict[tuple, tuple] = field(default_factory=dict)  # _several's


@dataclass
class Written:
    """What the last resolution wrote, as resolve._write_changes compares it: texts mapped,
    names given in one document, entities (entity_id -> name, label, key), aliases (entity_id,
    text, key, reason) counted. When this process made it from clusters, also what each form
    gave (``per``: form -> ((entity_id, label) of its cluster, what its texts map to, its
    texts, its aliases)), the clusters of several forms, the words that were no names,
    the aliases given in one document, the kept tally's run it was made from (``run``), and,
    after :func:`rows_again`, the texts, entities and aliases it may have changed."""

    mapping: dict[str, tuple[str, str]]
    in_document: dict[tuple[str, str], tuple[str, str]]
    entities: dict[str, tuple]
    aliases: Counter
    per: dict[str, tuple] | None = None
    clusters: dict[tuple, tuple] = field(default_factory=dict)  # _several's
    non_names: set[str] = field(default_factory=set)
    in_document_aliases: Counter = field(default_factory=Counter)
    alias_pairs: Counter = field(default_factory=Counter)  # (entity_id, text) of the others
    shared: set[str] = field(default_factory=set)  # forms sharing a text with another
    linked: Counter = field(default_factory=Counter)  # entity_id -> its aliases counted
    run: int = 0
    # this one's number, and that of the one rows_again made it from, with the (entity_id,
    # text) pairs and the entities' counts it may have moved (for recall._Wanted)
    serial: int = field(default_factory=lambda: next(_SERIALS))
    base: int = 0
    moved_pairs: set = field(default_factory=set)
    moved_entities: set = field(default_factory=set)
    # after rows_again: the texts, entities and aliases it may have changed, each with what it
    # was before (None: no such text or entity; a count of 0: no such alias)
    touched: tuple[dict, dict, dict] | None = None


def written_of(r: Result, non_names: set[str], shared: set[str], run: int,
               patchable: bool = True) -> Written:
    """The Written a full Result leaves; what each form gave is kept if ``patchable`` (no
    judgement, watch list or chosen head shaped the rows: rows_again makes none of them)."""
    aliases = Counter(map(_ALIAS_KEY, r.aliases))
    return Written(r.mapping, r.in_document,
                   {e: (row[1], row[2], row[3]) for e, row in r.entities.items()}, aliases,
                   r.per if patchable else None, r.clusters, set(non_names),
                   Counter({a: n for a, n in aliases.items() if a[3] == IN_DOCUMENT}),
                   Counter(a[:2] for a in aliases.elements() if a[3] != IN_DOCUMENT),
                   set(shared), _linked(aliases), run)


def _linked(aliases: Counter) -> Counter:
    linked: Counter = Counter()
    for a, n in aliases.items():
        linked[a[0]] += n
    return linked


def head(keys: list[str], forms: Forms, count: dict[str, int]) -> str:
    """The name an entity is shown by: its most used full name ("Claudia Sheinbaum", not
    "Sheinbaum" nor "CJNG"), else its most used form no rule joined as a variant."""
    chosen = [k for k in forms.prefer if k in keys]
    if chosen:
        return chosen[-1]
    full = [k for k in keys if len(tokens(k)) >= 2
            and (k not in forms.short or forms.reason.get(k) == "partial name")]
    heads = full or [k for k in keys if k not in forms.short] or keys
    return max(heads, key=lambda k: (count[k], len(tokens(k)), k))


def rows(forms: Forms, t: Tally, surname_joined: set[str], judgements: list[dict],
         non_names=frozenset(), in_document=(), watched=()) -> Result:
    """Every cluster's rows."""
    surfaces = t.surfaces
    clusters: dict[str, list[str]] = defaultdict(list)
    parent = forms.parent
    for key in surfaces:
        root = parent[key]  # most forms are a root or a root's child: no call to find
        clusters[root if parent[root] == root else forms.find(key)].append(key)
    person_roots = {forms.find(k) for k in surname_joined}
    r = Result({}, {}, {}, [], [], clusters=_several(forms, t, person_roots))
    entity_of_root = _clusters(r, clusters.items(), forms, t, person_roots, judgements,
                               non_names)
    _in_document(r, forms, t, entity_of_root, in_document,
                 {(a[0], a[1]) for a in r.aliases})
    r.watched = [
        (entity_of_root[forms.find(keys[0])][0], str(entry["id"]), entry["names"][0])
        for entry, keys in watched if entity_of_root[forms.find(keys[0])][0] in r.entities]
    return r


def rows_again(forms: Forms, t: Tally, surname_joined: set[str], non_names: set[str],
               in_document, before: Written, dirty: set[str], shared: set[str]) -> Written:
    """The Written :func:`rows` would leave, from ``before`` (made by this process from the
    kept tally's run before; taken and changed) with the rows of the forms that may give
    something else made again: ``dirty``, the forms the tally counted again; ``shared``, the
    forms that share a text with another. Without judgements, watch list or chosen heads
    (resolve sends those runs to rows)."""
    surfaces, per = t.surfaces, before.per
    forced = dirty | shared | before.shared | (non_names ^ before.non_names)
    # the clusters of several forms: one as it was (the same forms, none of them forced, each
    # joined by the same rule, the same label rule) gives what it gave
    person_roots = {forms.find(k) for k in surname_joined}
    clusters_now = _several(forms, t, person_roots)
    again = set(forced)
    for keys, sig in clusters_now.items():
        if before.clusters.get(keys) != sig or not forced.isdisjoint(keys):
            again.update(keys)
    for keys in before.clusters.keys() - clusters_now.keys():
        again.update(keys)
    present = [k for k in surfaces if k in again]  # the tally's order: the last of a text wins
    clusters: dict[str, list[str]] = defaultdict(list)
    for key in present:
        clusters[forms.find(key)].append(key)

    mapping, entities, aliases, pairs = (before.mapping, before.entities, before.aliases,
                                         before.alias_pairs)
    # what the forms made again gave before, as it was: what the write compares
    texts: dict[str, tuple[str, str]] = {}
    entity_rows: dict[str, tuple] = {}
    counts: dict[tuple, int] = {}
    for k in again:
        gave = per.pop(k, None)
        if gave is None:
            continue
        (entity_id, _label), _mapped, its_texts, its_aliases = gave
        for text in its_texts:
            if text in mapping:
                texts[text] = mapping.pop(text)
        if entity_id in entities:
            entity_rows[entity_id] = entities.pop(entity_id)
        for a in its_aliases:
            if a not in counts:
                counts[a] = aliases[a]
            aliases[a] -= 1
            pairs[a[:2]] -= 1
    r = Result(mapping, {}, {}, [], [], per)
    entity_of_root = _clusters(r, clusters.items(), forms, t, person_roots, (), non_names)
    for entity_id, row in r.entities.items():
        entities[entity_id] = (row[1], row[2], row[3])
    for a in map(_ALIAS_KEY, r.aliases):
        if a not in counts:
            counts[a] = aliases[a]
        aliases[a] += 1
        pairs[a[:2]] += 1
    for pair in {a[:2] for a in counts}:
        if pairs[pair] <= 0:
            del pairs[pair]

    # the names given in one document, made again whole (a few thousand: cheap); a root not
    # made again is a form alone that gave its entity before
    doc = Result({}, {}, entities, [], [])
    _in_document(doc, forms, t, _RootEntities(entity_of_root, per), in_document, pairs)
    doc_aliases = Counter(map(_ALIAS_KEY, doc.aliases))
    for a in itertools.chain(before.in_document_aliases, doc_aliases):
        counts.setdefault(a, aliases[a])
    aliases.subtract(before.in_document_aliases)
    aliases.update(doc_aliases)
    linked = before.linked
    moved_entities = set()
    for a, was in counts.items():
        now = aliases[a]
        if now <= 0:
            del aliases[a]
            now = 0
        if now != was:
            moved_entities.add(a[0])
            linked[a[0]] += now - was
            if linked[a[0]] <= 0:
                del linked[a[0]]
    # (a text, entity or alias no form made again gave, now or before, is as it was)
    texts.update((text, None) for k in present for text in per[k][2] if text not in texts)
    entity_rows.update((e, None) for e in r.entities if e not in entity_rows)
    return Written(mapping, doc.in_document, entities, aliases, per, clusters_now,
                   set(non_names), doc_aliases, pairs, shared, linked,
                   touched=(texts, entity_rows, counts), base=before.serial,
                   moved_pairs={a[:2] for a in counts if a[3] != IN_DOCUMENT},
                   moved_entities=moved_entities)


def _several(forms: Forms, t: Tally, person_roots: set[str]) -> dict[tuple, tuple]:
    """Each cluster of several forms: its forms in the tally's order -> what else decides its
    rows (whether a surname joined it: its root in ``person_roots``, and each form's rule and
    whether it was joined as a short form); the rest is the forms' own counts, which the tally
    tells apart."""
    parent = forms.parent
    joined = [k for k, p in parent.items() if p != k]
    roots = {k: forms.find(k) for k in joined}
    members = set(joined)
    members.update(roots.values())
    groups: dict[str, list[str]] = defaultdict(list)
    for k in t.surfaces:
        if k in members:
            groups[roots.get(k, k)].append(k)
    reason, short = forms.reason, forms.short
    return {tuple(keys): (root in person_roots,
                          tuple((reason.get(k), k in short) for k in keys))
            for root, keys in groups.items()}


class _RootEntities(dict):
    """Each root's (entity_id, label): the clusters made again, else what the root's form
    (alone in its cluster) gave before."""

    def __init__(self, made: dict, per: dict):
        super().__init__(made)
        self._per = per

    def __missing__(self, root):
        return self._per[root][0]


def _clusters(r: Result, clusters, forms: Forms, t: Tally, person_roots: set[str],
              judgements, non_names) -> dict[str, tuple[str, str]]:
    """Each cluster's mapping, entity row and alias rows into ``r``, and what each of its
    forms gave into ``r.per``; returns each root's (entity_id, label). ``person_roots``: the
    roots of clusters a surname joined (PERSON)."""
    surfaces, count, shown, found_again = t.surfaces, t.count, t.shown, t.found_again
    overrides: dict[str, dict] = {}
    for j in judgements:
        key = j.get("entity")
        if j.get("op") in ("rename", "relabel", "hide") and key in surfaces:
            overrides.setdefault(forms.find(key), {})[j["op"]] = j.get("value", True)
    judged = {forms.find(k) for j in judgements if j.get("op") != "apart"
              for k in (j.get("a"), j.get("b"), j.get("entity")) if k in surfaces}
    mapping, entity_rows, alias_rows, per = r.mapping, r.entities, r.aliases, r.per
    entity_of_root: dict[str, tuple[str, str]] = {}
    for root, keys in clusters:
        if len(keys) == 1:  # most clusters: its one form is the head, its vote the label
            first = keys[0]
            label = "PERSON" if root in person_roots else t.majority[first]
        else:
            first = head(keys, forms, count)
            label = "PERSON" if root in person_roots else cluster_label(keys, t.votes)
        label = forms.prefer_label.get(first, label)  # a merge keeps the kept entity's label
        entity_id, name, name_key = _entity_of(label, first, shown[first])
        extra = overrides.get(root)
        if extra:
            label = extra.get("relabel", label)
            if "rename" in extra:
                name = extra["rename"]
                name_key = match_key(name)
        else:
            extra = _NO_OVERRIDES
        # a word that is no name ("It", "However") alone in its group is no entity
        hidden = extra.get("hide", False) or (root not in judged and (
            keys[0] in non_names if len(keys) == 1 else all(k in non_names for k in keys)))
        mapped = ("", "") if hidden else (entity_id, label)
        ids = entity_of_root[root] = (entity_id, label)
        if not hidden:
            entity_rows[entity_id] = [entity_id, name, label, name_key, 0, 0]
        for k in keys:
            its_texts = tuple(surfaces[k])
            for text in its_texts:
                mapping[text] = mapped  # the last of a text wins, as in the table
            if hidden:
                per[k] = (ids, mapped, its_texts, ())
                continue
            reason = "name" if k == first else forms.reason.get(
                k, "full name" if len(tokens(k)) > len(tokens(first)) else "linked")
            its_aliases = []
            for text, n in surfaces[k].items():
                row = (entity_id, text, k, n + found_again.get(text, 0),
                       reason if text == shown[k] or k != first else "same name")
                alias_rows.append(row)
                its_aliases.append(_ALIAS_KEY(row))
            per[k] = (ids, mapped, its_texts, tuple(its_aliases))
    return entity_of_root


def _in_document(r: Result, forms: Forms, t: Tally, entity_of_root, in_document, known) -> None:
    """What each document says on its own: a short form there is the person it followed."""
    surfaces, found_again = t.surfaces, t.found_again
    doc_rows = r.in_document
    doc_alias = Counter()
    for doc_id, text, full, n in in_document:
        entity_id, label = entity_of_root[forms.find(full)]
        if entity_id in r.entities:
            doc_rows[(doc_id, text)] = (entity_id, label)
            doc_alias[(entity_id, text)] += n
    # counted as recount counts every alias: all mentions of its text
    r.aliases.extend((entity_id, text, match_key(text),
                      surfaces[match_key(text)][text] + found_again.get(text, 0), IN_DOCUMENT)
                     for (entity_id, text) in doc_alias if (entity_id, text) not in known)


_NO_OVERRIDES: dict = {}
# (label, head, the text it is shown by) -> (entity_id, name, key of the name): asked for every
# entity each resolution, and a watcher resolves after every change
_ENTITY_CACHE: dict[tuple[str, str, str], tuple[str, str, str]] = {}


def _entity_of(label: str, head: str, shown: str) -> tuple[str, str, str]:
    """An entity's id, the name it is shown by and that name's key."""
    found = _ENTITY_CACHE.get((label, head, shown))
    if found is None:
        if len(_ENTITY_CACHE) > 1_000_000:
            _ENTITY_CACHE.clear()
        name = without_nickname(shown)
        found = _ENTITY_CACHE[label, head, shown] = (entity_id_for(label, head), name,
                                                     match_key(name))
    return found
