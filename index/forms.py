"""Union-find over surface-form keys, for entity resolution (casework.index.resolve)."""

from __future__ import annotations

from casework.index.names import compatible


class Forms:
    """Union-find over surface-form keys; each joined form remembers the rule that joined it.

    A link is refused when the two groups would then hold two different full person names
    ("Donald Trump" and "Ivanka Trump"), or a nationality word and a person: a chain of weak
    links can never pull unrelated names together (it pulled "British", film titles and five
    actors into "Meryl Streep" on 3,824 news articles).
    """

    def __init__(self, keys, full_names: set[str] = frozenset(), nationalities: set[str] = frozenset()):
        self.parent = dict(zip(keys, keys))
        self.reason: dict[str, str] = {}
        self.short: set[str] = set()
        self.prefer: list[str] = []  # heads the reader chose by merging into them
        self.prefer_label: dict[str, str] = {}  # and the label they had then
        # (read by key only: made from the smaller sets, where a pass over every key was
        # ~25 ms of a watcher's change at 20,000 documents)
        self.fulls: dict[str, set[str]] = {k: {k} for k in full_names if k in self.parent}
        self.norp: set[str] = {k for k in nationalities if k in self.parent}
        self.loners: set[str] = set()  # words that are no names: no rule links them
        self.apart: list[tuple[str, str]] = []  # pairs the reader kept apart: never one group

    def find(self, k: str) -> str:
        root = k
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[k] != root:
            self.parent[k], k = root, self.parent[k]
        return root

    def can_join(self, a: str, b: str) -> bool:
        """Roots a and b: joining them keeps one person per group, no nationality in it, and
        no pair the reader kept apart."""
        fa, fb = self.fulls.get(a, ()), self.fulls.get(b, ())
        if (fa or fb) and (a in self.norp or b in self.norp):
            return False
        if self.apart and any({self.find(x), self.find(y)} == {a, b} for x, y in self.apart):
            return False
        return all(compatible(x, y) for x in fa for y in fb)

    def join(self, a: str, b: str) -> None:
        self.parent[a] = b
        if a in self.fulls:
            self.fulls.setdefault(b, set()).update(self.fulls.pop(a))
        if a in self.norp:
            self.norp.add(b)

    def link(self, short: str, long: str, reason: str) -> bool:
        if short not in self.parent or long not in self.parent or short in self.loners \
                or long in self.loners:
            return False
        a, b = self.find(short), self.find(long)
        if a == b:
            if reason == "partial name" and short not in self.short:
                self.reason[short] = reason  # already joined (by a nickname): still a part
                self.short.add(short)
            return True
        if not self.can_join(a, b):
            return False
        self.join(a, b)
        self.reason.setdefault(short, reason)
        self.short.add(short)
        return True
