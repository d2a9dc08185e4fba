"""Entities and what connects them: ``entities``, ``entity NAME``, ``cooccur``, ``related``."""

from __future__ import annotations

import click

from casework.tui.cli.output import (
    emit_json,
    found,
    handles_errors,
    index_option,
    json_option,
    open_casework,
    stdout,
)


@click.command("entities")
@click.option("--label", "-l", default=None, metavar="LABEL", help="PERSON, ORG, GPE, ...")
@click.option("--doc", "doc_id", default=None, metavar="DOC_ID", help="Only in this document.")
@click.option("--limit", "-n", type=click.IntRange(1, 1_000_000), default=50, show_default=True)
@index_option
@json_option
@click.pass_context
@handles_errors
def entities_cmd(ctx, label, doc_id, limit, index_path, as_json) -> None:
    """List entities, most-mentioned first."""
    from casework.index.models import to_json

    with open_casework(ctx, index_path) as cw:
        listed = cw.entities(label=label, doc_id=doc_id, limit=limit)
    if as_json:
        emit_json({"entities": to_json(listed)})
    else:
        from rich.table import Table

        from casework.tui.render import label_text, safe_text

        table = Table(box=None, pad_edge=False)
        for col in ("id", "name", "label", "docs", "mentions"):
            table.add_column(col, justify="right" if col in ("docs", "mentions") else "left")
        for e in listed:
            name = safe_text(e.name)
            if e.watched:  # a mark, not a colour
                name.append(" ⚑ watched", style="bold")
            table.add_row(e.entity_id, name, label_text(e.label),
                          str(e.documents), str(e.mentions))
        stdout().print(table)
    found(listed)


class EntityGroup(click.Group):
    """``entity NAME`` shows the card; ``entity merge A B`` and the other curations change it."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["show", *args]
        return super().parse_args(ctx, args)


@click.group("entity", cls=EntityGroup)
def entity_group() -> None:
    """An entity's card (entity NAME), or curate it: merge, split, rename, relabel, hide, undo;
    suggest: the review queue of likely-same entities.

    Judgements go to curation.jsonl in the index directory, are applied after automatic
    resolution and survive --rebuild.
    """


@entity_group.command("show")
@click.argument("name_or_id")
@index_option
@json_option
@click.pass_context
@handles_errors
def entity_cmd(ctx, name_or_id, index_path, as_json) -> None:
    """An entity's card: aliases, every mention in context, and who it appears with."""
    from casework.index.models import to_json

    with open_casework(ctx, index_path) as cw:
        card = cw.entity(name_or_id)
    if as_json:
        emit_json(to_json(card))
    else:
        print_card(card)


def print_card(card) -> None:
    from rich.style import Style
    from rich.text import Text

    from casework.tui.render import label_style, label_text, safe_text

    out = stdout()
    out.print(safe_text(card.name, "bold") + Text(" ") + label_text(card.label)
              + Text(f"  {card.entity_id}", style="dim"))
    if len(card.aliases) > 1:
        out.print(Text("also: ", style="dim") + safe_text(", ".join(
            f"{a.text} ({a.count})" for a in card.aliases if a.text != card.name)))
    if card.watched:
        out.print(Text("watched: ", style="bold") + safe_text(", ".join(card.watched))
                  + Text("  (on the watch list)", style="dim"))
    for doc in card.documents:
        out.print()
        out.print(Text(f"{doc.doc_id}  ", style="bold") + safe_text(doc.title, "bold")
                  + Text(f"  {len(doc.mentions)} mentions", style="dim"))
        for m in doc.mentions:
            line = safe_text(m.context)
            rel = m.start - m.context_start
            if 0 <= rel and rel + len(m.text) <= len(m.context):
                line.stylize(label_style(card.label) + Style(bold=True), rel, rel + len(m.text))
            out.print(Text("  ") + line)
    if card.cooccurring:
        out.print()
        out.print(Text("appears with:", style="dim"))
        for c in card.cooccurring[:15]:
            out.print(Text("  ") + safe_text(c.name) + Text(" ") + label_text(c.label)
                      + Text(f"  {c.count}", style="dim"))


@click.command("cooccur")
@click.argument("a")
@click.argument("b")
@click.option("--limit", "-n", type=click.IntRange(1, 100_000), default=1000, show_default=True)
@index_option
@json_option
@click.pass_context
@handles_errors
def cooccur_cmd(ctx, a, b, limit, index_path, as_json) -> None:
    """Every sentence in which entities A and B both appear."""
    from casework.index.models import to_json

    with open_casework(ctx, index_path) as cw:
        shared = cw.cooccur(a, b, limit=limit)
    if as_json:
        emit_json(to_json(shared))
    else:
        from rich.text import Text

        from casework.tui.cli.output import colour_off
        from casework.tui.render import marked_text

        labels = {shared.a.entity_id: shared.a.label, shared.b.entity_id: shared.b.label}
        out = stdout()
        for s in shared.sentences:
            marks = [(start, end, labels[eid]) for start, end, eid in s.marks]
            out.print(Text(f"{s.doc_id}  ", style="bold")
                      + marked_text(s.text, marks, tags=colour_off()))
    found(shared.sentences)


@click.command()
@click.argument("doc_id")
@click.option("--limit", "-n", type=click.IntRange(1, 10_000), default=10, show_default=True)
@index_option
@json_option
@click.pass_context
@handles_errors
def related(ctx, doc_id, limit, index_path, as_json) -> None:
    """Documents that share entities with this one (rarer entities count for more)."""
    from casework.index.models import to_json

    with open_casework(ctx, index_path) as cw:
        rel = cw.related(doc_id, limit=limit)
    if as_json:
        emit_json(to_json(rel))
    else:
        from rich.text import Text

        from casework.tui.render import safe_text

        out = stdout()
        for r in rel.related:
            out.print(Text(f"{r.doc_id}  ", style="bold") + safe_text(r.title, "bold")
                      + Text(f"  score {r.score:.2f}", style="dim"))
            out.print(Text("  shares: ", style="dim") + safe_text(", ".join(r.shared[:12])))
    found(rel.related)
