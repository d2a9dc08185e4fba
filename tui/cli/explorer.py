"""``casework tui`` (and ``casework`` with no command): open the explorer."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from casework.tui.cli.output import EXIT_ERROR, fail, handles_errors, index_option, index_path_of

NO_TERMINAL = ("the explorer needs a terminal (stdin and stdout); without one use "
               "`casework search QUERY`, `casework show DOC_ID` or `casework --help`")


def batch_option(f):
    return click.option(
        "--batch", "batch", metavar="FILE", default=None,
        type=click.Path(exists=True, dir_okay=False, readable=True),
        help="Open with this file of queries (one a line) listed with their counts; "
             "> and < step through them.")(f)


@click.command()
@index_option
@batch_option
@click.pass_context
@handles_errors
def tui(ctx: click.Context, index_path: str | None, batch: str | None = None) -> None:
    """Open the explorer on an index (the demo case until you build your own)."""
    from casework.index import check_index_location
    from casework.index.errors import IndexMissing
    from casework.index.location import DEMO_CASE, explorer_index_dir

    MARKER = "casework-index.json"

    explicit = index_path or (ctx.obj or {}).get("index")
    path = str(explorer_index_dir(index_path_of(ctx, index_path)))
    case = ctx.meta.get("casework.case")
    if case and not explicit and case != DEMO_CASE and not (Path(path) / MARKER).is_file():
        # a named case opens only once it has documents: the demo goes to the demo case
        raise IndexMissing(f"no case called {case!r} yet; start it with: "
                           f"casework --case {case} index FOLDER")
    # Before the terminal is taken over: a bad --index is one line here, not a message in an
    # explorer with nothing to show. The explorer may build, curate and re-index: it writes.
    check_index_location(path, write=True)
    # cron, a script, `casework < /dev/null > out`: Textual would wait for keys forever on a
    # core of its own; say what to run instead.
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        fail(NO_TERMINAL, EXIT_ERROR)
    from casework.tui.app import run

    run(path, batch=batch or (ctx.obj or {}).get("batch"))
