"""``casework saved add NAME QUERY | list | run NAME | rm NAME``: searches kept per case
(saved.json in the index directory), listed with how many documents each finds now."""

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
    stdout,
)


@click.group("saved")
def saved_group() -> None:
    """Saved searches: add, list (with current counts), run, rm."""


@saved_group.command("add")
@click.argument("name")
@click.argument("query")
@index_option
@json_option
@click.pass_context
@handles_errors
def add_cmd(ctx, name, query, index_path, as_json) -> None:
    """Save QUERY as NAME (replacing a search of that name)."""
    from casework.index.models import to_json

    with open_casework(ctx, index_path) as cw:
        saved = cw.save_search(name, query)
    if as_json:
        emit_json(to_json(saved))
    else:
        from casework.index import printable

        sys.stdout.write(printable(f"saved {saved.name!r}: {saved.query} "
                                   f"({saved.count} documents now)") + "\n")


@saved_group.command("list")
@index_option
@json_option
@click.pass_context
@handles_errors
def list_cmd(ctx, index_path, as_json) -> None:
    """Every saved search with how many documents it finds now."""
    from casework.index.models import to_json

    with open_casework(ctx, index_path) as cw:
        listed = cw.saved_searches()
    if as_json:
        emit_json({"saved": to_json(listed)})
    else:
        from rich.table import Table

        from casework.tui.render import safe_text

        table = Table(box=None, pad_edge=False)
        for col in ("name", "docs", "query"):
            table.add_column(col, justify="right" if col == "docs" else "left")
        for s in listed:
            table.add_row(safe_text(s.name), "error" if s.count < 0 else str(s.count),
                          safe_text(s.query))
        if listed:
            stdout().print(table)
        else:
            sys.stderr.write("no saved searches; add one with: casework saved add NAME QUERY\n")
    found(listed)


@saved_group.command("run")
@click.argument("name")
@click.option("--limit", "-n", type=click.IntRange(1, 10_000), default=10, show_default=True)
@index_option
@json_option
@click.pass_context
@handles_errors
def run_cmd(ctx, name, limit, index_path, as_json) -> None:
    """Run the saved search NAME (as casework search would)."""
    from casework.index.models import to_json
    from casework.tui.cli.search import print_hits

    with open_casework(ctx, index_path) as cw:
        result = cw.search(cw.saved_query(name), limit=limit)
    if as_json:
        emit_json(to_json(result))
    else:
        print_hits(result)
    found(result.total)


@saved_group.command("rm")
@click.argument("name")
@index_option
@json_option
@click.pass_context
@handles_errors
def rm_cmd(ctx, name, index_path, as_json) -> None:
    """Forget the saved search NAME."""
    with open_casework(ctx, index_path) as cw:
        cw.remove_saved_search(name)
    if as_json:
        emit_json({"removed": name})
    else:
        from casework.index import printable

        sys.stdout.write(printable(f"removed saved search {name!r}") + "\n")
