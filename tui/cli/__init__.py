"""The ``casework`` command: a click group with a module per group of commands.

``output.py`` holds what they share (consoles, one-line errors, --json, exit codes like
grep's: 0 results, 1 nothing found, 2 error). Commands reach the engine only through its
public API: ``casework.index`` (open_index, build_index, Casework), its models and errors.
"""

from __future__ import annotations

import os
import sys

import click

from casework.index.errors import CaseworkError
from casework.tui.cli import curate, dated, entities, explorer, export, index_cmd, search, show
from casework.tui.cli import cases, ftm, marks, saved, watch
from casework.tui.cli.output import (
    EXIT_ERROR,
    EXIT_OK,
    color_option,
    fail,
    index_option,
    quiet_stdout,
    reader_gone,
)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("casework")
    except PackageNotFoundError:
        return "0+unknown"


def _show_version(ctx: click.Context, value: bool) -> None:
    # looked up only when asked: importlib.metadata costs a cold search ~20 ms of imports
    if value and not ctx.resilient_parsing:
        click.echo(f"casework, version {_version()}")
        ctx.exit()


class _Casework(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BrokenPipeError:  # before click's main turns it into exit 1
            reader_gone()


@click.group(cls=_Casework, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@index_option
@explorer.batch_option
@click.option("--version", "-V", is_flag=True, expose_value=False, is_eager=True,
              callback=lambda ctx, _, value: _show_version(ctx, value),
              help="Show the version and exit.")
@click.pass_context
def cli(ctx: click.Context, index_path: str | None, batch: str | None) -> None:
    """Search, read and cross-reference a folder of documents.

    With no command, opens the explorer on your default case; until you build one
    (casework index FOLDER), on the demo case, built from the bundled articles first.
    """
    global _invoked
    _invoked = ctx.invoked_subcommand
    ctx.ensure_object(dict)
    ctx.obj["index"] = index_path
    ctx.obj["batch"] = batch
    if ctx.invoked_subcommand is None:
        ctx.invoke(explorer.tui, index_path=index_path, batch=batch)


for _command in (explorer.tui, index_cmd.index_cmd, search.search, show.show,
                 entities.entities_cmd, entities.entity_group, entities.cooccur_cmd,
                 export.export_cmd, entities.related, dated.timeline, dated.money):
    cli.add_command(_command)
for _command in (cases.cases_cmd, cases.status_cmd, cases.forget_cmd, marks.tag_cmd,
                 marks.star_cmd, marks.unstar_cmd, marks.note_cmd, marks.tags_cmd,
                 marks.notes_cmd, saved.saved_group, watch.watch_cmd, ftm.import_group):
    cli.add_command(_command)
for _command in curate.curation_commands():
    entities.entity_group.add_command(_command)


def _add_color_option(command: click.Command) -> None:
    command.params.append(color_option())
    for sub in getattr(command, "commands", {}).values():
        _add_color_option(sub)


_add_color_option(cli)  # --color on the group and on every command


def main(argv: list[str] | None = None) -> None:
    """Entry point: click without its multi-line usage errors or tracebacks."""
    try:
        code = cli.main(args=argv, prog_name="casework", standalone_mode=False)
    except click.exceptions.Abort:
        sys.stderr.write("casework: interrupted\n")
        raise SystemExit(130)
    except click.ClickException as exc:
        fail(exc.format_message(), EXIT_ERROR)
    except CaseworkError as exc:
        fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("casework: interrupted\n")
        raise SystemExit(130)
    except SystemExit:
        raise
    except Exception as exc:  # a bug: still one line, no traceback unless asked for
        if os.environ.get("CASEWORK_DEBUG"):
            raise
        fail(f"internal error: {type(exc).__name__}: {exc} (set CASEWORK_DEBUG=1 for details)")
    raise SystemExit(code if isinstance(code, int) else EXIT_OK)


# Commands that only read the index: their process ends without Python's clean-up (freeing
# every module and object, the open index's caches among them), which took 20-35 ms of a cold
# ~200 ms `casework search` at 100,000 documents. Nothing else is pending by then: the command
# has closed the index, and its output is flushed first.
_READ_ONLY = frozenset({"search", "show", "entities", "cooccur", "related", "status", "tags",
                        "notes", "cases", "timeline", "money"})
_invoked: str | None = None  # the command the group dispatched to (set in cli)


def run() -> None:
    """The console script and ``python -m``: :func:`main`, ended at once after a command in
    ``_READ_ONLY``."""
    try:
        main()
    except SystemExit as done:
        try:
            sys.stdout.flush()
        except BrokenPipeError:  # the reader went away after the command's last write
            quiet_stdout()
        except OSError:  # output lost (a full disk): Python's own exit reports it
            raise done from None
        if _invoked not in _READ_ONLY or not isinstance(done.code, int):
            raise
        sys.stderr.flush()
        os._exit(done.code)
