"""``casework tui`` (and ``casework`` with no command): open the explorer."""

from __future__ import annotations

import sys

import click

from casework.tui.cli.output import EXIT_ERROR, fail, handles_errors, index_option, index_path_of

NO_TERMINAL = ("the explorer needs a terminal (stdin and stdout); without one use "
               "`casework search QUERY`, `casework show DOC_ID` or `casework --help`")


@click.command()
@index_option
@click.pass_context
@handles_errors
def tui(ctx: click.Context, index_path: str | None) -> None:
    """Open the explorer on an index (built from the demo documents if there is none)."""
    from casework.index import check_index_location

    path = index_path_of(ctx, index_path)
    # Before the terminal is taken over: a bad --index is one line here, not a message in an
    # explorer with nothing to show. The explorer may build, curate and re-index: it writes.
    check_index_location(path, write=True)
    # cron, a script, `casework < /dev/null > out`: Textual would wait for keys forever on a
    # core of its own; say what to run instead.
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        fail(NO_TERMINAL, EXIT_ERROR)
    from casework.tui.app import run

    run(path)
