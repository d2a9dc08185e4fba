"""``casework export``: entities, mentions or co-occurring pairs as CSV or JSON Lines."""

from __future__ import annotations

import sys

import click

from casework.tui.cli.output import found, handles_errors, index_option, open_casework


@click.command("export")
@click.argument("kind", type=click.Choice(["entities", "mentions", "cooccurrences"]))
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True)
@index_option
@click.pass_context
@handles_errors
def export_cmd(ctx, kind, fmt, index_path) -> None:
    """Entities, mentions or co-occurring pairs as CSV or JSON Lines on stdout."""
    with open_casework(ctx, index_path) as cw:
        rows = cw.export(kind, fmt, sys.stdout)
    found(rows)
