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
@click.option("--query", "-q", "query", metavar="QUERY",
              help="Mark the words this search matches in the document (as `casework search "
                   "QUERY` finds them: corrections, word forms, accents folded).")
@click.option("--exact", is_flag=True, help="With --query: words as typed (as search --exact).")
@index_option
@json_option
@click.pass_context
@handles_errors
def show(ctx, doc_id, query, exact, index_path, as_json) -> None:
    """Print a document with its entity mentions marked, and with --query the words that
    search matched (bold reverse video; without colour inside «»)."""
    from casework.index.models import to_json

    terms: list[str] = []
    matches: list[tuple[int, int]] = []
    with open_casework(ctx, index_path) as cw:
        doc = cw.document(doc_id)
        if query is not None:
            terms = cw.match_terms(query, doc.text, exact=exact)
            matches = cw.term_spans(doc.text, terms)
    if as_json:
        payload = to_json(doc)
        shown = {k: payload[k] for k in (
            "doc_id", "title", "path", "text", "entities", "parent", "root", "depth", "ipath",
            "content_type", "metadata", "children", "copies")}
        if query is not None:
            shown.update(query=query, terms=terms, matches=[list(m) for m in matches])
        emit_json(shown)
        return
    from rich.text import Text

    from casework.tui.render import MATCH_CLOSE, MATCH_OPEN, document_segments, legend, safe_text

    out = stdout()
    out.print(safe_text(doc.title, "bold"))
    out.print(Text(f"{doc.doc_id} · ", style="dim") + safe_text(doc.path, "dim"))
    for line in _parts_lines(doc):
        out.print(line)
    labels = sorted({m.label for m in doc.entities})
    tags = colour_off()
    if labels:
        out.print(legend(labels))
    if query is not None:
        marked = f"{MATCH_OPEN}match{MATCH_CLOSE}" if tags else "match"
        out.print(Text(marked, style="bold reverse") + Text(
            f" {len(matches)} {'match' if len(matches) == 1 else 'matches'} of ", style="dim")
            + safe_text(query, "bold"))
    out.print()
    # without colour (NO_COLOR, --color never, a pipe) each mark is written as a tag instead;
    # segments, not a Text: rich's Text measured a 2 MB document char by char for seconds
    out.print(document_segments(doc, matches, tags=tags,
                                width=None if out.soft_wrap else out.width))


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
