"""What every command shares: the stdout and stderr consoles, one-line errors, JSON output,
the ``--index`` and ``--json`` options, and exit codes like grep's.

stdout carries results only (so ``--json | jq`` works); messages and errors go to stderr as one
line each. Exit codes: 0 results, 1 nothing found, 2 error.
"""

from __future__ import annotations

import json
import os
import re
import sys
from functools import cache, wraps
from typing import Any, Callable, NoReturn

import click

from casework.index.errors import CaseworkError

EXIT_OK, EXIT_NOTHING, EXIT_ERROR = 0, 1, 2


COLOR_CHOICES = ("auto", "always", "never")
_color = "auto"  # --color: set by the option's callback before the first stdout() call


def set_color(ctx: click.Context, _param, value: str | None) -> None:
    global _color
    if value and not ctx.resilient_parsing:
        _color = value
        stdout.cache_clear()


def color_option() -> click.Option:
    """``--color auto|always|never``, given to every command (cli/__init__.py adds it)."""
    return click.Option(["--color"], type=click.Choice(COLOR_CHOICES), default=None,
                        expose_value=False, is_eager=True, callback=set_color,
                        help="Colour in human output: auto (a terminal without NO_COLOR), "
                             "always, never.")


@cache
def stdout():
    """The console for results (rich is imported on first use: not for --json).

    Lines are wrapped only on a terminal: into a pipe or a file each printed line stays one
    line, however long.
    """
    from rich.console import Console

    options: dict[str, Any] = {}
    if _color == "always":
        options = {"force_terminal": True, "no_color": False}
    elif _color == "never":
        options = {"color_system": None, "no_color": True}
    console = Console(highlight=False, soft_wrap=False, **options)
    if not sys.stdout.isatty():
        console.soft_wrap = True
    console.on_broken_pipe = reader_gone  # rich's own exits 1, which here means nothing found
    return console


def colour_off() -> bool:
    """Whether results print without colour (NO_COLOR, --color never, or auto into a pipe):
    entity labels are then written inline as tags."""
    console = stdout()
    return console.no_color or console.color_system is None


@cache
def stderr():
    """The console for messages, warnings and the progress bar."""
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def reader_gone() -> NoReturn:
    """`casework search x | head`: the reader of stdout went away. Not an error worth a
    message, nor "nothing found" (1, which click and rich exit with): what is left of the
    output goes nowhere."""
    quiet_stdout()
    raise SystemExit(EXIT_OK)


def quiet_stdout() -> None:
    # so that no later flush, Python's own at exit included, meets the broken pipe again
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    """One line on stderr, then exit."""
    from casework.index import printable

    sys.stderr.write(f"casework: error: {printable(message)}\n")
    sys.stderr.flush()
    raise SystemExit(code)


def warn(message: str) -> None:
    from casework.index import printable

    sys.stderr.write(f"casework: warning: {printable(message)}\n")


def emit_json(payload: Any) -> None:
    text = json.dumps(payload, ensure_ascii=False, indent=2)
    # json escapes C0 controls but not DEL, C1 (U+009B is a CSI to some terminals) or bidi
    # overrides; escape those too, so JSON read on a terminal is as inert as the human output.
    sys.stdout.write(_JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text) + "\n")


_JSON_UNSAFE = re.compile("[\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def index_option(f: Callable) -> Callable:
    f = click.option(
        "--case", metavar="NAME", default=None, expose_value=False, callback=_remember_case,
        help="Use the case called NAME (casework cases lists them; --index wins).",
    )(f)
    return click.option(
        "--index",
        "index_path",
        metavar="DIR",
        default=None,
        help="Index directory (default: --case, else $CASEWORK_INDEX, else the default case).",
    )(f)


def _remember_case(ctx: click.Context, _param, value: str | None) -> None:
    if value is not None:  # meta is shared by the group's context and the command's
        ctx.meta["casework.case"] = value


def json_option(f: Callable) -> Callable:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON to stdout.")(f)


def index_path_of(ctx: click.Context, index_path: str | None) -> str | None:
    """The command's own --index, else the one given before the command, else the --case
    given (as its directory), else None (the engine's default: $CASEWORK_INDEX, else the
    default case)."""
    chosen = index_path or (ctx.obj or {}).get("index")
    if chosen or not ctx.meta.get("casework.case"):
        return chosen
    from casework.index.location import case_dir

    return str(case_dir(ctx.meta["casework.case"]))


def open_casework(ctx: click.Context, index_path: str | None):
    """The index the command names, opened; its open-time notes go to stderr as warnings."""
    from casework.index import open_index

    path = index_path_of(ctx, index_path)
    if path is None:
        # as the explorer does: with no case of one's own yet, the demo it built is read
        from casework.index.location import demo_index_dir, explorer_index_dir

        shown = explorer_index_dir()
        if shown == demo_index_dir() and (shown / "casework-index.json").is_file():
            warn("reading the demo case: `casework index FOLDER` starts a case of your own")
            path = str(shown)
    cw = open_index(path)
    for note in getattr(cw, "notes", []):
        warn(note)
    return cw


def handles_errors(f: Callable) -> Callable:
    """The engine's errors, each one line on stderr with its exit code."""
    @wraps(f)
    def wrapper(*args, **kwargs):
        try:
            return f(*args, **kwargs)
        except CaseworkError as exc:
            fail(str(exc), exc.exit_code)

    return wrapper


def found(anything: object) -> None:
    """Exit 1 (like grep) when a command found nothing."""
    if not anything:
        raise SystemExit(EXIT_NOTHING)
