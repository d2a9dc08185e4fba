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
    lines) into the case's watch list; search watched: for the documents naming them."""
    from casework.index.models import to_json

    with open_casework(ctx, index_path) as cw:
        report = cw.import_watchlist(file)
    if as_json:
        emit_json(to_json(report))
    else:
        from rich.text import Text

        from casework.tui.render import safe_text

        out = stdout()
        out.print(Text(f"{report.entities} watched entities ({report.names} names); "
                       f"{report.documents} documents mention them — search watched: to see them"))
        for m in report.matches:
            if m["documents"]:
                out.print(Text("  ") + safe_text(m["name"], "bold")
                          + Text(f"  {m['schema']}  {m['mentions']} mentions in "
                                 f"{m['documents']} documents", style="dim"))
    found(report.documents)
