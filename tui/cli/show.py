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
        emit_json({k: payload[k] for k in (
            "doc_id", "title", "path", "text", "entities", "parent", "root", "depth", "ipath",
            "content_type", "metadata", "children", "copies")})
        return
    from rich.text import Text

    from casework.tui.render import document_text, legend, safe_text

    out = stdout()
    out.print(safe_text(doc.title, "bold"))
    out.print(Text(f"{doc.doc_id} · ", style="dim") + safe_text(doc.path, "dim"))
    for line in _parts_lines(doc):
        out.print(line)
    labels = sorted({m.label for m in doc.entities})
    if labels:
        out.print(legend(labels))
    out.print()
    # without colour (NO_COLOR, --color never, a pipe) each mark is written as a tag instead
    out.print(document_text(doc, tags=colour_off()))


def _parts_lines(doc):
    """Where the document came from and what is inside it: its type and metadata, its parent,
    its children, the same content at other paths."""
    from rich.text import Text

    from casework.tui.render import safe_text

    facts = [doc.content_type] if doc.content_type else []
    email = doc.metadata.get("email") or {}
    if email:  # a message's author and date are its From and Date
        facts += [f"{k.rstrip('_')} {', '.join(v) if isinstance(v, list) else v}"
                  for k in ("from_", "to", "cc", "date") if (v := email.get(k))]
    else:
        facts += [f"{k} {doc.metadata[k]}" for k in ("author", "created", "modified")
                  if doc.metadata.get(k)]
    if facts:
        yield safe_text(" · ".join(facts), "dim")
    if doc.parent or doc.root:
        yield Text("inside ", style="dim") + safe_text(doc.parent or doc.root, "dim")
    for child in doc.children:
        yield Text(f"  ├ {child.doc_id} ", style="dim") + safe_text(
            f"{child.ipath}  {child.content_type}".rstrip())
    for path in doc.copies:
        yield Text("also at ", style="dim") + safe_text(path, "dim")
