"""Cases: ``casework cases`` (list them), ``status`` (what one holds), ``forget PATH``.

Each case is an index directory of its own under the data dir's ``cases/`` folder (see
``casework.index.location``): ``default`` is what ``casework index FOLDER`` builds, ``demo``
holds the bundled articles, ``--case NAME`` picks or starts another.
"""

from __future__ import annotations

import sys

import click

from casework.index.errors import NotFound
from casework.tui.cli.output import (
    EXIT_NOTHING,
    emit_json,
    found,
    handles_errors,
    index_option,
    index_path_of,
    json_option,
    open_casework,
    stdout,
)


@click.command("cases")
@json_option
@handles_errors
def cases_cmd(as_json) -> None:
    """List the cases in the data directory, with their documents and last run."""
    from casework.index import open_index
    from casework.index.location import cases_dir, default_index_dir, list_cases

    rows = []
    for name, path in list_cases():
        row = {"name": name, "path": str(path), "documents": None, "last_run": None,
               "default": path == default_index_dir()}
        try:
            with open_index(path) as cw:
                status = cw.status()
            row["documents"], row["last_run"] = status.documents, status.last_run.get("at")
        except Exception as exc:  # noqa: BLE001 - one damaged case must not hide the others
            row["error"] = str(exc)
        rows.append(row)
    if as_json:
        emit_json({"cases_dir": str(cases_dir()), "cases": rows})
    else:
        from rich.table import Table

        from casework.tui.render import safe_text

        if not rows:
            sys.stderr.write(f"no cases yet in {cases_dir()}; start one with: "
                             "casework index FOLDER (or --case NAME)\n")
        table = Table(box=None, pad_edge=False)
        for col in ("case", "documents", "last run", "path"):
            table.add_column(col, justify="right" if col == "documents" else "left")
        for r in rows:
            name = r["name"] + (" *" if r["default"] else "")
            docs = "?" if r["documents"] is None else str(r["documents"])
            table.add_row(safe_text(name), docs, r["last_run"] or "-", safe_text(r["path"], "dim"))
        if rows:
            stdout().print(table)
    found(rows)


@click.command("status")
@index_option
@json_option
@click.pass_context
@handles_errors
def status_cmd(ctx, index_path, as_json) -> None:
    """Where the index is, its folders, counts, model and last run."""
    from casework.index.models import to_json

    with open_casework(ctx, index_path) as cw:
        status = cw.status()
    if as_json:
        emit_json(to_json(status))
        return
    from rich.text import Text

    from casework.tui.render import safe_text

    out = stdout()
    head = Text("case ", style="dim") + safe_text(status.case or "(a folder of its own)", "bold")
    out.print(head)
    out.print(Text("index   ", style="dim") + safe_text(status.path))
    for folder in status.folders or ["(none)"]:
        out.print(Text("folder  ", style="dim") + safe_text(folder))
    out.print(Text("counts  ", style="dim")
              + Text(f"{status.documents} documents, {status.entities} entities, "
                     f"{status.mentions} mentions"))
    out.print(Text("marks   ", style="dim")
              + Text(f"{status.tagged} tagged, {status.starred} starred, {status.noted} with "
                     f"notes; {status.saved_searches} saved searches"))
    out.print(Text("model   ", style="dim") + safe_text(status.model or "(unknown)"))
    run = status.last_run
    if run:
        did = run.get("did", "?")
        if did == "index":
            did = (f"indexed: {run.get('added', 0)} added, {run.get('updated', 0)} updated, "
                   f"{run.get('removed', 0)} removed, {run.get('unchanged', 0)} unchanged")
        out.print(Text("last    ", style="dim") + safe_text(f"{run.get('at', '?')}  {did}"))
    else:
        out.print(Text("last    ", style="dim") + Text("(no run recorded)"))
    if status.state != "clean":
        out.print(Text(f"state   {status.state} (a run is under way, or was interrupted)",
                       style="bold"))


@click.command("forget")
@click.argument("path")
@index_option
@json_option
@click.pass_context
@handles_errors
def forget_cmd(ctx, path, index_path, as_json) -> None:
    """Remove a folder's (or a file's) documents from the index; entities follow."""
    from casework.index.models import to_json

    with open_casework(ctx, index_path) as cw:
        try:
            report = cw.forget(path)
        except NotFound as exc:
            from casework.tui.cli.output import fail

            fail(str(exc), EXIT_NOTHING)
    if as_json:
        emit_json(to_json(report))
    else:
        from casework.index import printable

        sys.stdout.write(printable(
            f"forgot {report.removed} documents under {report.path}; {report.documents} "
            f"documents, {report.entities} entities, {report.mentions} mentions remain") + "\n")


def starting_case_note(ctx: click.Context, index_path: str | None) -> str | None:
    """Before `casework index` builds the default case for the first time: say so (the demo
    is a case of its own now)."""
    import os

    from casework.index.location import ENV_VAR, default_index_dir

    if index_path_of(ctx, index_path) or os.environ.get(ENV_VAR):
        return None
    default = default_index_dir()
    if (default / "casework-index.json").exists():
        return None
    return (f"starting your default case at {default} (the demo articles stay in the case "
            "'demo'; --case NAME starts another)")
