"""``casework entity merge|split|rename|relabel|hide|undo``: the reader's judgements on
entities, kept in curation.jsonl and applied after automatic resolution."""

from __future__ import annotations

import sys

import click

from casework.tui.cli.output import (
    emit_json,
    handles_errors,
    index_option,
    json_option,
    open_casework,
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


def curation_commands() -> list[click.Command]:
    return [curation_command(*spec) for spec in CURATIONS]
