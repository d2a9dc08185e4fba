"""The reader's marks on documents: ``tag DOC +lead -noise``, ``star``/``unstar``, ``note``,
and the lists ``tags`` and ``notes [DOC]``. Kept in marks.jsonl beside curation.jsonl, by
path and content hash, so they survive --rebuild; ``tag:NAME`` and ``starred:`` in a query
keep the documents marked."""

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


def _print_marks(m) -> None:
    from rich.text import Text

    from casework.tui.render import safe_text

    out = stdout()
    head = Text(f"{m.doc_id}  ", style="bold") + safe_text(m.title, "bold")
    if m.starred:
        head += Text("  ★ starred")
    out.print(head)
    if m.tags:
        out.print(Text("  tags: ", style="dim") + safe_text(" ".join("#" + t for t in m.tags)))
    for i, n in enumerate(m.notes, 1):
        out.print(Text(f"  note {i} ({n['at']}): ", style="dim") + safe_text(n["text"]))


def _done(m, as_json: bool) -> None:
    from casework.index.models import to_json

    if as_json:
        emit_json(to_json(m))
    else:
        _print_marks(m)


# only --help: "-h..." is a tag to remove (-hot), not a request for help
@click.command("tag", context_settings={"ignore_unknown_options": True,
                                        "help_option_names": ["--help"]})
@click.argument("doc")
@click.argument("changes", nargs=-1, required=True)
@index_option
@json_option
@click.pass_context
@handles_errors
def tag_cmd(ctx, doc, changes, index_path, as_json) -> None:
    """Tag a document (id or path): +TAG adds (or just TAG), -TAG removes."""
    add = [c[1:] if c.startswith("+") else c for c in changes if not c.startswith("-")]
    remove = [c[1:] for c in changes if c.startswith("-")]
    with open_casework(ctx, index_path) as cw:
        marks = cw.tag(doc, add=add, remove=remove)
    _done(marks, as_json)


def _star_command(name: str, starred: bool, help_text: str) -> click.Command:
    @index_option
    @json_option
    @click.pass_context
    @handles_errors
    def command(ctx, doc, index_path, as_json) -> None:
        with open_casework(ctx, index_path) as cw:
            marks = cw.star(doc, starred)
        _done(marks, as_json)

    command.__doc__ = help_text
    return click.command(name)(click.argument("doc")(command))


star_cmd = _star_command("star", True, "Star a document (id or path).")
unstar_cmd = _star_command("unstar", False, "Take the star off a document.")


@click.command("note")
@click.argument("doc")
@click.argument("text", nargs=-1)
@click.option("--remove", "remove", type=click.IntRange(1), default=None, metavar="N",
              help="Remove note N (casework notes DOC numbers them) instead.")
@index_option
@json_option
@click.pass_context
@handles_errors
def note_cmd(ctx, doc, text, remove, index_path, as_json) -> None:
    """Add a note to a document (id or path): casework note DOC "called the source"."""
    from casework.index.errors import CaseworkError

    with open_casework(ctx, index_path) as cw:
        if remove is not None:
            marks = cw.unnote(doc, remove)
        elif not text:
            raise CaseworkError("what should the note say? casework note DOC TEXT")
        else:
            marks = cw.note(doc, " ".join(text))
    _done(marks, as_json)


@click.command("tags")
@index_option
@json_option
@click.pass_context
@handles_errors
def tags_cmd(ctx, index_path, as_json) -> None:
    """Every tag in use, with how many documents carry it (and the starred count)."""
    with open_casework(ctx, index_path) as cw:
        tags = cw.tags()
        starred = cw.search("starred:", limit=1, suggest=False).total
    if as_json:
        emit_json({"tags": [{"tag": t, "documents": n} for t, n in tags], "starred": starred})
    else:
        from rich.text import Text

        from casework.tui.render import safe_text

        out = stdout()
        for t, n in tags:
            out.print(safe_text("#" + t) + Text(f"  {n}", style="dim"))
        if starred:
            out.print(Text("★ starred") + Text(f"  {starred}", style="dim"))
    found(tags or starred)


@click.command("notes")
@click.argument("doc", required=False)
@index_option
@json_option
@click.pass_context
@handles_errors
def notes_cmd(ctx, doc, index_path, as_json) -> None:
    """The notes on one document, or every marked document's tags, star and notes."""
    from casework.index.models import to_json

    with open_casework(ctx, index_path) as cw:
        listed = [cw.marks(doc)] if doc else [m for m in cw.marked() if m.notes]
    if as_json:
        emit_json({"documents": to_json(listed)})
    else:
        for m in listed:
            _print_marks(m)
        if not any(m.notes for m in listed):
            sys.stderr.write("no notes\n")
    found(any(m.notes for m in listed))
