"""The cross-reference pane for one entity: aliases, documents with counts, every mention as a
line of context (KWIC), and the entities it appears with. Enter on a line opens that document
at that mention; Enter on a co-occurring entity shows its cross-references."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from casework.index.models import EntityCard
from casework.tui.render import label_style, label_tag, safe_text
from casework.index import printable_same_length

from casework.tui import bindings
from casework.tui.messages import OpenDocument, SelectEntity

KWIC_LEFT = 28  # characters of context kept before a mention
_MENTION = Style(bold=True)


def kwic_line(context: str, start: int, end: int, style, width: int = 78, left: int = KWIC_LEFT) -> Text:
    """One screen line of context: up to ``left`` characters before the mention, then after."""
    flat = printable_same_length(context).replace("\n", " ").replace("\t", " ")
    lo = max(0, start - left)
    before = ("…" if lo > 0 else "") + flat[lo:start].lstrip()
    text = Text(before.rjust(left + 1))
    text.append(flat[start:end], style=style)
    text.append(flat[end : end + max(0, width - len(text))])
    text.truncate(width)
    return text


class XrefPane(OptionList):
    BINDINGS = bindings.XREF

    def __init__(self, **kwargs):
        super().__init__(markup=False, **kwargs)
        self.card: EntityCard | None = None
        self._targets: dict[str, tuple[str, str, int | None]] = {}

    def show_card(self, card: EntityCard) -> None:
        self.card = card
        self._targets = {}
        self.clear_options()
        style = label_style(card.label, not self.app.no_color)
        region = self.scrollable_content_region.width
        if region < 30:
            # Hidden (narrow layout shows one pane at a time, full width): size for the screen
            # it is about to fill, not for the zero-width box it has while hidden.
            region = self.app.size.width - 4
        width = max(30, region - 2)
        opts: list[Option] = []
        head = safe_text(card.name, style)
        head.append(f" [{label_tag(card.label)}]", style=style)
        head.append(f"  {card.label.lower()}", style="dim")
        opts.append(Option(head, id="head", disabled=True))
        if card.aliases:
            aliases = Text("aka ", style="dim")
            for i, a in enumerate(card.aliases):
                if i:
                    aliases.append(", ", style="dim")
                aliases.append_text(safe_text(a.text))
                aliases.append(f" ({a.count})", style="dim")
            opts.append(Option(aliases, id="aliases", disabled=True))
        total = sum(len(d.mentions) for d in card.documents)
        opts.append(Option(Text(f"Mentions: {total} in {len(card.documents)} document{'s' * (len(card.documents) != 1)}",
                                style="bold"),
                           id="docs", disabled=True))
        for di, d in enumerate(card.documents):
            row = Text("▸ ")
            row.append_text(safe_text(d.title, "bold"))
            row.append(f" ({len(d.mentions)})", style="dim")
            first = d.mentions[0].start if d.mentions else None
            opts.append(self._target(f"doc:{di}", row, ("open", d.doc_id, first)))
            for mi, m in enumerate(d.mentions):
                s = m.start - m.context_start
                line = kwic_line(m.context, s, s + (m.end - m.start), style + _MENTION, width)
                opts.append(self._target(f"m:{di}:{mi}", line, ("open", d.doc_id, m.start)))
        if card.cooccurring:
            opts.append(Option(Text("Appears with", style="bold"), id="co", disabled=True))
            for c in card.cooccurring:
                style = label_style(c.label, not self.app.no_color)
                row = Text(f"{label_tag(c.label)} ", style=style)
                row.append_text(safe_text(c.name, style))
                row.append(f" ×{c.count}", style="dim")
                opts.append(self._target(f"co:{c.entity_id}", row, ("entity", c.entity_id, None)))
        self.add_options(opts)
        self.border_title = f"Cross-references: {printable_same_length(card.name)}"
        self.action_first()

    def _target(self, option_id: str, prompt: Text, target) -> Option:
        self._targets[option_id] = target
        return Option(prompt, id=option_id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        target = self._targets.get(event.option.id or "")
        if target is None or self.card is None:
            return
        kind, ident, offset = target
        if kind == "open":
            self.post_message(OpenDocument(ident, offset=offset, entity_id=self.card.entity_id))
        else:
            self.post_message(SelectEntity(ident))

