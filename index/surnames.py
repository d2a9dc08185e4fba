"""Short forms of person names, for entity resolution (casework.index.resolve): a surname or
part of a name joins the full name it followed in the documents ("Trump" -> "Donald Trump", not
"Ivanka Trump"), or else the one full name in the collection that contains it; "H. Nygaard" is
"Harald Nygaard" when no other name fits; and what one document says on its own ("Trump" after
"Ivanka Trump" there)."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import NamedTuple

from casework.index.entities import match_key
from casework.index.forms import Forms
from casework.index.labels import PLACES, Tally
from casework.index.names import INITIAL_NAME, all_caps, compatible, one_person, part_of, tokens

class SurnameHint(NamedTuple):
    """A short form ``a`` after the full name ``b`` in one document (``n`` times), with the
    keys of both: each is asked for several times per hint and resolution."""

    doc_id: str
    a: str
    b: str
    n: int
    short: str
    full: str

    @classmethod
    def of(cls, doc_id: str, a: str, b: str, n: int) -> "SurnameHint":
        return cls(doc_id, a, b, n, match_key(a), match_key(b))


# A short form joins the full name it followed in at least this share of the documents where
# it followed one ("Trump" after "Donald Trump", not after "Ivanka Trump").
DOMINANT_SHARE = 0.75


class Containing:
    """The full names that contain a form's words (each a candidate for the form as a partial
    name), kept from one resolution to the next by a watcher: made again only for forms whose
    words are in a full name that came or went (a form's candidates all hold every word of
    it), where working them out for every form was ~0.1 s of a change at 20,000 documents."""

    def __init__(self) -> None:
        self.full_names: set[str] = set()
        self.by_token: dict[str, set[str]] = defaultdict(set)
        self.found: dict[str, frozenset[str]] = {}
        self.moved: set[str] = set()  # words of the full names that came or went

    def update(self, full_names: set[str]) -> None:
        came, went = full_names - self.full_names, self.full_names - full_names
        self.moved = {tok for name in came | went for tok in tokens(name)}
        for name in went:
            for tok in tokens(name):
                self.by_token[tok].discard(name)
        for name in came:
            for tok in tokens(name):
                self.by_token[tok].add(name)
        self.full_names = set(full_names)

    def of(self, key: str, toks: list[str]) -> frozenset[str]:
        found = self.found.get(key)
        if found is None or toks[0] in self.moved:
            found = self.found[key] = _candidates(key, toks, self.by_token)
        return found


def _candidates(key: str, toks: list[str], by_token) -> frozenset[str]:
    """The full names longer than the form that hold its words in order (compatible with it
    if it has several)."""
    found = [by_token.get(tok, _NONE) for tok in toks]
    candidates = found[0].intersection(*found[1:]) if len(found) > 1 else found[0]
    return frozenset(c for c in candidates
                     if len(tokens(c)) > len(toks) and part_of(toks, tokens(c))
                     and (len(toks) == 1 or compatible(key, c)))


def link_partial_names(forms: Forms, t: Tally, surname_hints: list[SurnameHint],
                       full_names: set[str], non_names: set[str],
                       containing: Containing | None = None) -> set[str]:
    """Partial names -> their full name; returns the forms joined so (their clusters are PERSON).

    Read first from the documents: in how many documents did this short form follow each full
    name? It joins one that won nearly all of them. Without such evidence, the one full person
    name in the collection that contains it. ``containing``: what the last resolution of this
    collection kept of that (a watcher's), else made afresh."""
    surfaces, count, shown = t.surfaces, t.count, t.shown
    doc_votes: dict[str, Counter[str]] = defaultdict(Counter)
    for h in surname_hints:
        short, full = h.short, h.full
        if short in surfaces and full in full_names and (
                len(tokens(short)) == 1 or compatible(short, full)):  # not "Donald Trump Jr"
            doc_votes[short][full] += 1
    if containing is None:
        containing = Containing()
    containing.update(full_names)
    surname_joined: set[str] = set()
    words = t.words
    for key in sorted(surfaces, key=lambda k: -len(words[k])):
        toks = words[key]
        if not toks or t.majority[key] in PLACES or key in non_names or all_caps(shown[key]):
            continue
        if len(toks) == 1 and not shown[key][:1].isupper():
            continue
        target = None
        if doc_votes.get(key):
            by_root: Counter[str] = Counter()
            for full, n in doc_votes[key].items():
                by_root[forms.find(full)] += n
            root, n = by_root.most_common(1)[0]
            if n >= DOMINANT_SHARE * sum(by_root.values()):
                target = max((f for f in doc_votes[key] if forms.find(f) == root),
                             key=lambda f: doc_votes[key][f])
                # one or two documents do not make "Jan" (242) "Jan Warren" (5) everywhere
                if n < 3 and count[key] > 5 * max(count[target], 2):
                    target = None
        else:
            candidates = containing.of(key, toks)
            if _one_root(forms, candidates) or (
                    len(toks) >= 2 and candidates and one_person(list(candidates))):
                target = max(candidates, key=lambda c: (count[c], c))
                # "Twitter" (323) is not "Twitter Counter" (9): a short form far more common
                # than the one name containing it, never seen after it, is something else
                if len(toks) == 1 and count[key] > 5 * max(count[target], 2):
                    target = None
        if target is not None and forms.link(key, target, "partial name"):
            surname_joined.add(key)
    return surname_joined


_NONE: frozenset[str] = frozenset()


def _one_root(forms: Forms, keys: set[str]) -> bool:
    """The keys are all in one group (and there is one)."""
    root = None
    for k in keys:
        r = forms.find(k)
        if root is None:
            root = r
        elif r != root:
            return False
    return root is not None


def link_initial_names(forms: Forms, t: Tally, surname_joined: set[str]) -> None:
    """Initials with a surname: "H. Nygaard" is "Harald Nygaard" when no other name fits (the
    forms joined so are added to ``surname_joined``)."""
    # by surname: a scan of every multi-word name per initial name was 40% of resolving
    multi: dict[str, list[str]] = defaultdict(list)
    for k in t.surfaces:
        toks = t.words[k]
        if len(toks) >= 2 and t.majority[k] in ("PERSON", "ORG") and k not in forms.short:
            multi[toks[-1]].append(k)
    for key in t.surfaces:
        if INITIAL_NAME.match(t.shown[key]):
            toks = t.words[key]
            fits = {forms.find(k) for k in multi.get(toks[-1], ()) if k != key
                    and len(tokens(k)) == len(toks) and part_of(toks, tokens(k))}
            if len(fits) == 1 and forms.link(key, next(iter(fits)), "initials"):
                surname_joined.add(key)


def in_document_names(forms: Forms, t: Tally, surname_hints: list[SurnameHint],
                      full_names: set[str], non_names: set[str]) -> list[tuple[str, str, str, int]]:
    """What each document says that the collection does not: a short form there is the person
    it followed (a "Trump" after "Ivanka Trump" alone), and a word otherwise no name ("May")
    is one after its full name ("Theresa May"). (doc_id, text, full key, mentions)."""
    in_document: list[tuple[str, str, str, int]] = []
    for h in surname_hints:
        short, full = h.short, h.full
        if short in t.surfaces and full in full_names and (
                short in non_names or forms.find(short) != forms.find(full)):
            in_document.append((h.doc_id, h.a, full, h.n))
    return in_document
