"""``casework timeline`` and ``casework money``: dated sentences and money amounts, for a
query, an entity, or the whole index."""

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


def _scope_options(f):
    f = click.option("--limit", "-n", type=click.IntRange(1, 1_000_000), default=1000,
                     show_default=True)(f)
    f = click.option("--entity", "-e", default=None, metavar="NAME",
                     help="Only sentences that mention this entity (a name or id).")(f)
    return click.argument("query", required=False, default="")(f)


@click.command()
@_scope_options
@index_option
@json_option
@click.pass_context
@handles_errors
def timeline(ctx, query, entity, limit, index_path, as_json) -> None:
    """Dated events in day order, each with its sentence and document.

    QUERY (optional) chooses the documents as search does; --entity keeps the sentences that
    mention one entity. A month or a year is a range of days: it sorts by its first day.
    """
    from casework.index.models import to_json

    with open_casework(ctx, index_path) as cw:
        events = cw.timeline(query, entity=entity, limit=limit)
    if as_json:
        emit_json({"events": to_json(events)})
    else:
        _print_in_sentences(events, lambda e: e.iso_start if e.iso_start == e.iso_end
                            else f"{e.iso_start}..{e.iso_end}", width=22)
    found(events)


@click.command()
@_scope_options
@index_option
@json_option
@click.pass_context
@handles_errors
def money(ctx, query, entity, limit, index_path, as_json) -> None:
    """Money amounts (amount and currency) with their sentence and document.

    QUERY (optional) chooses the documents as search does; --entity keeps the sentences that
    mention one entity.
    """
    from casework.index.models import to_json

    with open_casework(ctx, index_path) as cw:
        amounts = cw.money(query, entity=entity, limit=limit)
    if as_json:
        emit_json({"amounts": to_json(amounts)})
    else:
        _print_in_sentences(amounts, lambda a: f"{a.currency} {a.amount:>17,.2f} ", width=0)
    found(amounts)


def _print_in_sentences(items, lead, width: int) -> None:
    """Each dated event or amount as people read it: its lead (a day or an amount) in bold,
    the words found, the document; then the whole sentence with them marked."""
    from rich.text import Text

    from casework.tui.render import safe_text

    out = stdout()
    for item in items:
        out.print(Text(f"{lead(item):<{width}} ", style="bold") + safe_text(item.text, "italic")
                  + Text(f"  {item.doc_id} ", style="dim") + safe_text(item.title, "dim"))
        out.print(Text("  ") + _marked(item.sentence, item.text))


def _marked(sentence: str, piece: str):
    """The sentence with ``piece`` in bold (and in «» when there is no colour)."""
    from casework.tui.cli.output import colour_off
    from casework.tui.render import safe_text

    line = safe_text(sentence)
    at = line.plain.find(" ".join(piece.split()))
    if at >= 0:
        end = at + len(" ".join(piece.split()))
        if colour_off():
            from rich.text import Text

            return line[:at] + Text("«") + line[at:end] + Text("»") + line[end:]
        line.stylize("bold underline", at, end)
    return line
