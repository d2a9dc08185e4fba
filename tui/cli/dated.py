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
        from rich.text import Text

        from casework.tui.render import safe_text

        out = stdout()
        for e in events:
            when = e.iso_start if e.iso_start == e.iso_end else f"{e.iso_start}..{e.iso_end}"
            out.print(Text(f"{when:<22} ", style="bold") + safe_text(e.text, "italic")
                      + Text(f"  {e.doc_id} ", style="dim") + safe_text(e.title, "dim"))
            out.print(Text("  ") + _marked(e.sentence, e.text))
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
        from rich.text import Text

        from casework.tui.render import safe_text

        out = stdout()
        for a in amounts:
            out.print(Text(f"{a.currency} {a.amount:>17,.2f}  ", style="bold")
                      + safe_text(a.text, "italic") + Text(f"  {a.doc_id} ", style="dim")
                      + safe_text(a.title, "dim"))
            out.print(Text("  ") + _marked(a.sentence, a.text))
    found(amounts)


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
