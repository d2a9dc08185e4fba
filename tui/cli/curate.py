"""``casework entity merge|split|rename|relabel|hide|undo|suggest``: the reader's judgements
on entities, kept in curation.jsonl and applied after automatic resolution; ``suggest`` is the
review queue (likely-same pairs, accepted as a merge or rejected for good)."""

from __future__ import annotations

import sys

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

# (command, Casework method, its arguments in order, help)
CURATIONS = (
    ("merge", "merge_entities", ("a", "b"), "B's mentions and aliases join A (names or ids)."),
    ("split", "split_alias", ("entity", "alias"), "An alias of ENTITY becomes an entity of its own."),
    ("rename", "rename_entity", ("entity", "name"), "Show ENTITY under a new NAME."),
    ("relabel", "relabel_entity", ("entity", "label"), "Give ENTITY another LABEL (PERSON, ORG, ...)."),
    ("hide", "hide_entity", ("entity",), "Leave ENTITY out of lists, cards and entity search."),
    ("undo", "undo_curation", (), "Take back the last curation judgement."),
)


def curation_command(name: str, method: str, args: tuple[str, ...], help_text: str
                     ) -> click.Command:
    """A command calling ``Casework.<method>`` with its ``args``, printing what was done."""
    @index_option
    @json_option
    @click.pass_context
    @handles_errors
    def command(ctx, index_path, as_json, **values) -> None:
        with open_casework(ctx, index_path) as cw:
            done = getattr(cw, method)(*(values[a] for a in args))
        if as_json:
            emit_json({"done": done})
        else:
            from casework.index import printable

            sys.stdout.write(printable(done) + "\n")

    command.__doc__ = help_text
    for arg in reversed(args):
        command = click.argument(arg)(command)
    return click.command(name)(command)


@click.command("suggest")
@click.option("--limit", "-n", type=click.IntRange(1, 100_000), default=20, show_default=True)
@click.option("--accept", nargs=2, metavar="KEEP OTHER", default=None,
              help="They are one: OTHER joins KEEP (as entity merge).")
@click.option("--reject", nargs=2, metavar="A B", default=None,
              help="They are two: never merged, never suggested again.")
@index_option
@json_option
@click.pass_context
@handles_errors
def suggest_cmd(ctx, limit, accept, reject, index_path, as_json) -> None:
    """Entities likely to be one that resolution left apart (the review queue), best first,
    each with its reason and a score; --accept or --reject a pair."""
    from casework.index import printable
    from casework.index.models import to_json

    if accept and reject:
        raise click.UsageError("--accept and --reject: one at a time")
    with open_casework(ctx, index_path) as cw:
        if accept or reject:
            done = cw.merge_entities(*accept) if accept else cw.keep_apart(*reject)
        else:
            listed = cw.merge_suggestions(limit=limit)
    if accept or reject:
        if as_json:
            emit_json({"done": done})
        else:
            sys.stdout.write(printable(done) + "\n")
        return
    if as_json:
        emit_json({"suggestions": to_json(listed)})
    else:
        _print_suggestions(listed)
    found(listed)


def _print_suggestions(listed) -> None:
    from rich.table import Table

    from casework.tui.render import label_text, safe_text

    table = Table(box=None, pad_edge=False)
    for col in ("score", "reason", "keep", "other", "label", "why"):
        table.add_column(col, justify="right" if col == "score" else "left")
    for s in listed:
        table.add_row(f"{s.score:.2f}", s.reason, safe_text(s.keep.name), safe_text(s.other.name),
                      label_text(s.keep.label), safe_text(s.detail))
    stdout().print(table)


def curation_commands() -> list[click.Command]:
    return [curation_command(*spec) for spec in CURATIONS] + [suggest_cmd]
