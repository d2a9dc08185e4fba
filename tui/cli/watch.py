"""``casework watch FOLDER``: re-index changed files as they change, until Ctrl+C."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from casework.tui.cli.output import (
    EXIT_OK,
    emit_json,
    handles_errors,
    index_option,
    index_path_of,
    json_option,
    warn,
)


@click.command("watch")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--model", default=None, metavar="NAME", help="spaCy model (as casework index).")
@index_option
@json_option
@click.pass_context
@handles_errors
def watch_cmd(ctx, paths, model, index_path, as_json) -> None:
    """Index FOLDER now, then again whenever files in it change; Ctrl+C stops.

    A line per run (--json: a JSON object a line) says what changed; an open explorer
    picks the changes up by itself."""
    from casework.index import printable, watch_index
    from casework.index.models import to_json

    def on_report(report, changed: list[str]) -> None:
        if as_json:
            payload = to_json(report)
            payload["changed"] = changed
            sys.stdout.write(_one_line_json(payload) + "\n")
        else:
            what = "indexed" if not changed else f"{len(changed)} changed"
            sys.stdout.write(printable(
                f"{time.strftime('%H:%M:%S')}  {what}: {report.added} added, "
                f"{report.updated} updated, {report.removed} removed; "
                f"{report.documents} documents") + "\n")
            for f in report.failed:
                warn(f"failed: {f['path']}: {f['error']}")
        sys.stdout.flush()
        if not changed:
            sys.stderr.write("casework: watching " + printable(", ".join(map(str, paths)))
                             + " (Ctrl+C stops)\n")
            sys.stderr.flush()

    try:
        watch_index(list(paths), index_path_of(ctx, index_path), on_report=on_report,
                    on_busy=lambda message: warn(message + "; will try again on the next change"),
                    model=model)
    except KeyboardInterrupt:
        sys.stderr.write("casework: stopped watching\n")
    raise SystemExit(EXIT_OK)


def _one_line_json(payload) -> str:
    import json

    from casework.tui.cli.output import _JSON_UNSAFE

    text = json.dumps(payload, ensure_ascii=False)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
