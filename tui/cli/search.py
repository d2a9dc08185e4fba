"""``casework search``: ranked hits with their snippets, or JSON."""

from __future__ import annotations

import sys

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
@click.argument("query", required=False)
@click.option("--limit", "-n", type=click.IntRange(1, 10_000), default=10, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0, help="Skip this many hits (paging).")
@click.option("--exact", is_flag=True,
              help="Words as typed: no spelling correction, no other word forms.")
@click.option("--explain", is_flag=True,
              help="Print how the query is read (fields, corrections, expansions); no search.")
@click.option("--batch", "batch", type=click.File("r", encoding="utf-8"), metavar="FILE",
              help="One query a line (- for stdin): each one's total and matching documents.")
@click.option("--csv", "as_csv", is_flag=True, help="With --batch: CSV rows to stdout.")
@index_option
@json_option
@click.pass_context
@handles_errors
def search(ctx, query, limit, offset, exact, explain, batch, as_csv, index_path, as_json) -> None:
    """Full-text search. Words are ANDed; a misspelt word is searched as the words near it
    (the output says so) and a word finds its other forms, unless it is in quotes or --exact.

    \b
    Syntax, with examples:
      cartel violence            both words (AND is the default)
      cartel OR violence         either word
      cartel NOT violence        the first without the second
      "white house"              a phrase, words exactly as typed
      "white house"~5            the words within 5 positions of each other
      presdent~  presdent~2      words within 1 (or 2) edits; a swap of two letters is one
      immigra*   wom?n           wildcards
      title:senate               a field: title, body, entity (any entity name)
      person:harfuch  PER:harfuch  org:cjng  NRP:mexican
                                 an entity field, by label as printed (PER, ORG, GPE, LOC,
                                 NRP, FAC, EVT, PRD, LAW, ART, LNG) or spelt out (person)
      senate^2 vote              weigh a word more
    Metadata, searched only when named:
      from:ana@example.org  from:example.org  from:ana
                                 an e-mail's From (to:, cc: alike): address, domain, name
      subject:contract  author:smith   e-mail subject; document or e-mail author
      type:pdf  type:email  type:application/pdf
                                 document type (pdf email docx xlsx html text ...) or MIME
      path:invoices  ext:pdf     a folder or file name word; file extension
      created:2024-03  modified:2023..2024-06
                                 dates: YYYY, YYYY-MM, YYYY-MM-DD, A..B, A.. (an e-mail's
                                 Date is its created; a file's mtime its modified if no other)
      message_id:<id@host>  in_reply_to:<id@host>
    \b
    Exit codes: 0 found, 1 nothing found, 2 error (a bad query or an unknown field).
    """
    from casework.index.models import to_json

    if batch is not None:
        with open_casework(ctx, index_path) as cw:
            any_found = run_batch(cw, batch, limit, exact, as_json, as_csv)
        found(any_found)
        return
    if not query:
        raise click.UsageError("give a QUERY, or --batch FILE")
    with open_casework(ctx, index_path) as cw:
        if explain:
            explained = cw.explain(query, exact=exact)
            emit_json(explained) if as_json else print_explained(explained)
            return
        result = cw.search(query, limit=limit, offset=offset, exact=exact)
    if as_json:
        emit_json(to_json(result))
    else:
        print_hits(result, show_options=_show_options(ctx, index_path, exact))
    found(result.total)


def _show_options(ctx, index_path, exact: bool) -> list[str]:
    """The options a `casework show` of a hit needs to read what this search read."""
    options = ["--exact"] if exact else []
    if index_path or (ctx.obj or {}).get("index"):
        options += ["--index", index_path or ctx.obj["index"]]
    elif ctx.meta.get("casework.case"):
        options += ["--case", ctx.meta["casework.case"]]
    return options


def run_batch(cw, lines, limit: int, exact: bool, as_json: bool, as_csv: bool) -> bool:
    """Each line's query: its total and matching documents, as a table, CSV or JSON lines.
    A query that cannot run is reported in its row (and on stderr), and the rest go on."""
    import csv
    import json
    import sys

    from rich.table import Table

    from casework.index import QueryError

    rows = []
    writer = csv.writer(sys.stdout) if as_csv else None
    if writer:
        writer.writerow(["query", "total", "doc_id", "path", "title", "error"])
    any_found = False
    for line in lines:
        query = line.strip()
        if not query:
            continue
        try:
            result = cw.search(query, limit=limit, exact=exact, suggest=False)
            error = ""
        except QueryError as exc:
            result, error = None, str(exc)
            stderr().print(safe_line(f"{query}: {error}"))
        total = result.total if result else 0
        any_found |= total > 0
        hits = result.hits if result else []
        if as_json:
            sys.stdout.write(json.dumps({
                "query": query, "total": total, "error": error or None,
                "corrected": result.corrected if result else None,
                "documents": [{"doc_id": h.doc_id, "path": h.path, "title": h.title,
                               "name": h.name, "type": h.type, "score": h.score}
                              for h in hits]}, ensure_ascii=False) + "\n")
        elif writer:
            for h in hits or [None]:
                writer.writerow([query, total, h.doc_id if h else "", h.path if h else "",
                                 h.title if h else "", error])
        else:
            rows.append((query, total, hits, error))
    if rows:
        from rich.text import Text

        table = Table("query", "total", "documents", box=None, show_edge=False)
        for query, total, hits, error in rows:
            table.add_row(Text(query), str(total),
                          Text(error) if error else Text(", ".join(h.path for h in hits)))
        stdout().print(table)
    return any_found


def safe_line(text: str):
    from casework.tui.render import safe_text

    return safe_text(text)


def print_explained(explained: dict) -> None:
    from rich.text import Text

    out = stdout()
    out.print(Text("query:    ") + Text(explained["query"]))
    out.print(Text("parsed:   ") + Text(explained["parsed"]))
    if explained.get("corrected"):
        out.print(Text("searched: ") + Text(explained["corrected"])
                  + Text(f"  (as typed: {explained['as_typed']})", style="dim"))
    for term, words in explained.get("expansions", {}).items():
        out.print(Text(f"  {term} -> ") + Text(", ".join(words) or "(no words)"))
    for note in explained.get("notes", []):
        out.print(Text(note, style="dim"))


def print_hits(result, show_options: list[str] | None = None) -> None:
    """The count line and each hit (id, title, score; file name, type, path; snippet); "no
    documents match" with its suggestion goes to stderr, and after the hits how to read one
    with what matched marked (a `casework show` with ``show_options``)."""
    from rich.text import Text

    from casework.tui.render import match_count, name_and_type, safe_text, snippet_text

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
        out.print(name_and_type(hit, "") + Text("  ") + safe_text(hit.path, "dim"))
        out.print(Text("  ") + snippet_text(hit))
    if result.hits and result.query and sys.stdout.isatty():
        # a hint for a person at a terminal, on stderr so `casework search x | less` reads hits
        # only; a script or a pipe gets no chatter
        import shlex

        stderr().print(Text("To read a hit with what matched marked: ", style="dim")
                       + safe_text(shlex.join(["casework", "show", result.hits[0].doc_id,
                                               "-q", result.query, *(show_options or [])])),
                       soft_wrap=True)  # one line, to copy
