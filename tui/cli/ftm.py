"""``casework import ftm FILE``: a watch list of names (FollowTheMoney entities: Person,
Organization, Company ...) marked wherever the case mentions them. The export side is
``casework export ftm``."""

from __future__ import annotations

import click

from casework.tui.cli.output import (
    emit_json,
    found,
    handles_errors,
    index_option,
    json_option,
    open_casework,
    stdout,
)


@click.group("import")
def import_group() -> None:
    """Bring data into the case: ftm (a watch list of names from Aleph or OpenSanctions)."""


@import_group.command("ftm")
@click.argument("file", type=click.Path(path_type=str))
@index_option
@json_option
@click.pass_context
@handles_errors
def import_ftm(ctx, file, index_path, as_json) -> None:
    """Read Person/Organization/Company entities (names and aliases) from FILE (FtM JSON
    lines or an array) into the case's watch list, and mark every mention of them: each
    becomes an entity flagged as watched (casework entity NAME), kept by later runs and
    --rebuild; search watched: for the documents naming them. Importing again is harmless."""
    from casework.index.models import to_json

    import sys

    from casework.tui.cli.index_cmd import progress_bar

    with open_casework(ctx, index_path) as cw, \
            progress_bar(not as_json and sys.stderr.isatty()) as on_progress:
        report = cw.import_watchlist(file, progress=on_progress)
    if as_json:
        emit_json(to_json(report))
    else:
        from rich.text import Text

        from casework.tui.render import safe_text

        out = stdout()
        out.print(Text(f"{report.entities} watched entities ({report.names} names); "
                       f"{report.documents} documents mention them — casework entity NAME "
                       "shows the mentions, search watched: the documents"))
        for m in report.matches:
            if m["documents"]:
                out.print(Text("  ") + safe_text(m["name"], "bold")
                          + Text(f"  {m['schema']}  {m['mentions']} mentions in "
                                 f"{m['documents']} documents  {m['entity_id']}", style="dim"))
    found(report.documents)
