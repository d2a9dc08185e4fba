"""``casework tui`` (and ``casework`` with no command): open the explorer."""

from __future__ import annotations

import click

from casework.tui.cli.output import handles_errors, index_option, index_path_of


@click.command()
@index_option
@click.pass_context
@handles_errors
def tui(ctx: click.Context, index_path: str | None) -> None:
    """Open the explorer on an index (the demo case until you build your own)."""
    from casework.index import check_index_location
    from casework.index.location import explorer_index_dir

    path = str(explorer_index_dir(index_path_of(ctx, index_path)))
    # Before the terminal is taken over: a bad --index is one line here, not a message in an
    # explorer with nothing to show. The explorer may build, curate and re-index: it writes.
    check_index_location(path, write=True)
    from casework.tui.app import run

    run(path)
