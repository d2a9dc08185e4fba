"""``casework export``: entities, mentions or co-occurring pairs as CSV or JSON Lines; the
reader's tags and notes; or the whole case as FollowTheMoney entities for Aleph."""

from __future__ import annotations

import sys

import click

from casework.tui.cli.output import found, handles_errors, index_option, open_casework


@click.command("export")
@click.argument("kind", type=click.Choice(["entities", "mentions", "cooccurrences", "tags",
                                           "notes", "ftm"]))
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True)
@index_option
@click.pass_context
@handles_errors
def export_cmd(ctx, kind, fmt, index_path) -> None:
    """Entities, mentions, co-occurring pairs, tags or notes as CSV or JSON Lines on stdout;
    ftm: documents, entities and mentions as FollowTheMoney JSON lines (for Aleph)."""
    with open_casework(ctx, index_path) as cw:
        if kind == "ftm":
            rows = cw.export_ftm(sys.stdout)
        elif kind in ("tags", "notes"):
            rows = cw.export_marks(kind, fmt, sys.stdout)
        else:
            rows = cw.export(kind, fmt, sys.stdout)
    found(rows)
