"""The entities pane: the open document's entities grouped by label, with mention counts.

With no document open it lists the index's most-mentioned entities of each label, a page at a
time: a label's last row loads its next page when the cursor reaches it, so an index with half
a million entities lists every one of them without loading them all. A label filter (from the
command palette) narrows either list.
"""

from __future__ import annotations

from collections import Counter

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from casework.index.models import Document, EntitySummary
from casework.tui.render import label_style, label_tag, safe_text

from casework.tui import bindings
from casework.tui.messages import LoadMoreEntities, SelectEntity


class EntitiesPane(OptionList):
    BINDINGS = bindings.ENTITIES

    def __init__(self, **kwargs):
        super().__init__(markup=False, **kwargs)
        self.label_filter: str | None = None
        self._summaries: list[EntitySummary] = []
        self._counts: Counter[str] = Counter()
        self.doc: Document | None = None
        self._keep_place = False
        self._label_totals: dict[str, int] = {}  # index-wide: how many entities each label has
        self._asked: set[tuple[str, int]] = set()  # pages already asked for

    def show_entities(self, summaries: list[EntitySummary], doc: Document | None,
                      label_totals: dict[str, int] | None = None) -> None:
        """List ``summaries``; counts are mentions in ``doc`` when given, else in the index,
        where ``label_totals`` (entities per label) tells how many more each label has."""
        same = doc is not None and self.doc is not None and doc.doc_id == self.doc.doc_id
        self._summaries = summaries
        self.doc = doc
        self._keep_place = same
        self._label_totals = dict(label_totals or {}) if doc is None else {}
        self._asked = set()
        self._counts = Counter(m.entity_id for m in doc.entities) if doc else Counter()
        self._fill()

    def add_entities(self, summaries: list[EntitySummary]) -> None:
        """The next page of one label's entities (index-wide list); the cursor moves to the first."""
        known = {s.entity_id for s in self._summaries}
        fresh = [s for s in summaries if s.entity_id not in known]
        self._summaries = self._summaries + fresh
        self._fill(focus_on=f"ent:{fresh[0].entity_id}" if fresh else None)

    def set_label_filter(self, label: str | None) -> None:
        self.label_filter = label
        self._keep_place = True
        self._fill()

    def _count(self, s: EntitySummary) -> int:
        return self._counts.get(s.entity_id, 0) if self.doc else s.mentions

    def _fill(self, focus_on: str | None = None) -> None:
        previous = focus_on or (self.highlighted_option.id if self.highlighted_option else None)
        self.clear_options()
        groups: dict[str, list[EntitySummary]] = {}
        for s in self._summaries:
            if self.label_filter and s.label != self.label_filter:
                continue
            groups.setdefault(s.label, []).append(s)
        order = sorted(groups, key=lambda lb: -sum(self._count(s) for s in groups[lb]))
        options: list[Option] = []
        for label in order:
            members = sorted(groups[label], key=lambda s: (-self._count(s), s.name.lower()))
            header = Text(f"{label_tag(label)} ", style=label_style(label, not self.app.no_color))
            total = self._label_totals.get(label, 0)
            of = f" of {total}" if total > len(members) else ""
            header.append(f"{label.lower()} · {len(members)}{of}", style="bold")
            options.append(Option(header, id=f"label:{label}", disabled=True))
            for s in members:
                row = Text("  ")
                row.append_text(safe_text(s.name, label_style(s.label, not self.app.no_color)))
                if s.watched:  # on the watch list: a mark, not a colour
                    row.append(" ⚑", style="bold")
                row.append(f" ×{self._count(s)}", style="dim")
                options.append(Option(row, id=f"ent:{s.entity_id}"))
            more = self._label_totals.get(label, 0) - len(members)
            if more > 0:
                row = Text(f"  … {more} more {label.lower()} (loading as you reach them)",
                           style="italic")
                options.append(Option(row, id=f"more:{label}:{len(members)}"))
        if not options:
            options.append(Option(Text("No entities", style="italic"), id="none", disabled=True))
        self.add_options(options)
        what = f" {self.label_filter}" if self.label_filter else ""
        scope = "in document" if self.doc else "in index"
        shown = sum(1 for o in options if o.id.startswith("ent:"))
        total = sum(n for lb, n in self._label_totals.items()
                    if not self.label_filter or lb == self.label_filter)
        count = f"{shown} of {total}" if total > shown else f"{shown}"
        self.border_title = f"Entities{what} {scope} ({count})"
        if (self._keep_place or focus_on) and previous and previous.startswith("ent:"):
            try:
                self.highlighted = self.get_option_index(previous)
                return
            except Exception:  # the entity is gone (filtered out, merged)
                pass
        self.action_first()

    @property
    def highlighted_entity(self) -> str | None:
        option = self.highlighted_option
        if option is not None and option.id and option.id.startswith("ent:"):
            return option.id[4:]
        return None

    def _ask_more(self, option_id: str) -> None:
        _, label, offset = option_id.split(":")
        if (label, int(offset)) not in self._asked:  # keys faster than the engine: ask once
            self._asked.add((label, int(offset)))
            self.post_message(LoadMoreEntities(label, int(offset)))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if (event.option.id or "").startswith("more:") and self.has_focus:
            self._ask_more(event.option.id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id and event.option.id.startswith("ent:"):
            self.post_message(SelectEntity(event.option.id[4:]))
        elif event.option.id and event.option.id.startswith("more:"):
            self._ask_more(event.option.id)
