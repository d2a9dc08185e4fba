"""``casework show``: one document with its entity mentions marked."""

from __future__ import annotations

import click

from casework.tui.cli.output import (
    emit_json,
    handles_errors,
    index_option,
    colour_off,
    json_option,
    open_casework,
    stdout,
)


@click.command()
@click.argument("doc_id")
@index_option
@json_option
@click.pass_context
@handles_errors
def show(ctx, doc_id, index_path, as_json) -> None:
    """Print a document with its entity mentions marked."""
    from casework.index.models import to_json

    with open_casework(ctx, index_path) as cw:
        doc = cw.document(doc_id)
    if as_json:
        payload = to_json(doc)
        emit_json({k: payload[k] for k in ("doc_id", "title", "path", "text", "entities")})
        return
    from rich.text import Text

    from casework.tui.render import document_text, legend, safe_text

    out = stdout()
    out.print(safe_text(doc.title, "bold"))
    out.print(Text(f"{doc.doc_id} · ", style="dim") + safe_text(doc.path, "dim"))
    labels = sorted({m.label for m in doc.entities})
    if labels:
        out.print(legend(labels))
    out.print()
    # without colour (NO_COLOR, --color never, a pipe) each mark is written as a tag instead
    out.print(document_text(doc, tags=colour_off()))
