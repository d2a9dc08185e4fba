"""``casework search``: ranked hits with their snippets, or JSON."""

from __future__ import annotations

import click

from casework.tui.cli.output import (
    emit_json,
    found,
    handles_errors,
    index_option,
    json_option,
    open_casework,
    stderr,
    stdout,
)


@click.command()
@click.argument("query")
@click.option("--limit", "-n", type=click.IntRange(1, 10_000), default=10, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0, help="Skip this many hits (paging).")
@index_option
@json_option
@click.pass_context
@handles_errors
def search(ctx, query, limit, offset, index_path, as_json) -> None:
    """Full-text search: AND by default; OR, NOT, "phrases", wild*, fuzzy~, person:NAME ..."""
    from casework.index.models import to_json

    with open_casework(ctx, index_path) as cw:
        result = cw.search(query, limit=limit, offset=offset)
    if as_json:
        emit_json(to_json(result))
    else:
        print_hits(result)
    found(result.total)


def print_hits(result) -> None:
    """The count line and each hit (id, title, score, path, snippet); "no documents match"
    with its suggestion goes to stderr."""
    from rich.text import Text

    from casework.tui.render import match_count, safe_text, snippet_text

    for note in result.notes:
        stderr().print(Text(note, style="dim"))
    if result.corrected:
        stderr().print(Text("Showing results for ") + safe_text(result.corrected, "bold")
                       + Text("; search for ") + safe_text(result.as_typed or "", "bold")
                       + Text(" instead"))
    if result.total == 0:
        line = Text("No documents match ") + safe_text(result.query, "bold")
        if result.suggestion:
            line += Text(". Did you mean ") + safe_text(result.suggestion, "bold") + Text("?")
        stderr().print(line)
        return
    out = stdout()
    shown = len(result.hits)
    out.print(Text(f"{match_count(result.total)}; showing {result.offset + 1}-"
                   f"{result.offset + shown}", style="dim"))
    for hit in result.hits:
        out.print()
        head = Text(hit.doc_id, style="bold") + Text("  ") + safe_text(hit.title, "bold")
        head += Text(f"  score {hit.score:.2f} · {hit.entities} entities", style="dim")
        out.print(head)
        out.print(safe_text(hit.path, "dim"))
        out.print(Text("  ") + snippet_text(hit))
