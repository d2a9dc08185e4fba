"""Where a document sits in its file, in words: an attachment of its message, a member of its
archive. Shared by the results list (a part's hit says what it is in) and the parts tree
(``family_screen.py``), which arranges a ``Family`` by path.

Paths of parts are "<file on disk>//<name>//<name>" (ingest's IPATH_SEP), so the shape of a
family holds from paths alone, even where a container gave no text of its own and so has no
document (and no id to be a parent by)."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from rich.text import Text

from casework.tui.render import safe_text

SEP = "//"  # ingest's IPATH_SEP: never in a path on disk (they are normalised)
_ARCHIVE_EXTS = {".zip", ".tar", ".tgz", ".gz", ".bz2", ".xz", ".tbz2", ".txz", ".7z", ".rar"}
_MAIL_EXTS = {".eml", ".msg", ".emlx"}


def parent_path(path: str) -> str:
    """The path of what a part was found in ("" for a file on disk)."""
    return path.rsplit(SEP, 1)[0] if SEP in path else ""


def base_name(path: str) -> str:
    """The last name of a path: 'a.pdf' for '/c/mail.eml//a.pdf', 'b.txt' for 'x.zip//d/b.txt'."""
    return posixpath.basename(path.replace("\\", "/").rstrip("/")) or path


def role(parent_name: str, parent_type: str = "") -> str:
    """What a part is to its parent, from the parent's MIME type, else its file name."""
    ext = posixpath.splitext(parent_name.lower())[1]
    if parent_type.startswith("message/") or ext in _MAIL_EXTS:
        return "attachment"
    if parent_type == "application/mbox" or ext == ".mbox":
        return "message"
    if (parent_type.startswith("application/") and any(
            k in parent_type for k in ("zip", "tar", "gzip", "bzip", "xz", "7z", "rar"))) \
            or ext in _ARCHIVE_EXTS:
        return "member"
    return "part"


def part_prefix(path: str) -> Text | None:
    """For a hit found inside another file, '└ attachment of mail.eml · ' (glyph and words,
    never colour alone); None for a file on disk."""
    parent = parent_path(path)
    if not parent:
        return None
    name = base_name(parent)
    text = Text()
    text.append("└ ", style="bold")
    text.append(f"{role(name)} of ", style="dim")
    text.append_text(safe_text(name, "italic"))
    text.append(" · ", style="dim")
    return text


@dataclass
class Node:
    """One row of the parts tree: a document (``member``), or a container that gave no text."""

    path: str
    member: object | None  # a FamilyMember, None for a container without a document
    children: list[Node] = field(default_factory=list)
    label: Text | None = None  # set by the parts tree, in its worker

    @property
    def doc_id(self) -> str | None:
        return getattr(self.member, "doc_id", None)


def natural_key(path: str) -> tuple:
    """Sorts 'message-2.eml' before 'message-10.eml' (numbers by value, as a reader counts)."""
    parts = re.split(r"(\d+)", path)  # text, number, text, ...: odd places are numbers
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts))


def arrange(family) -> Node:
    """The family as a tree of ``Node``s under the file on disk, children in natural path
    order (message-2 before message-10).

    A part whose container has no document hangs under a stand-in for it, so a member of a
    text-less archive still shows under that archive."""
    root = Node(family.root, None)
    nodes = {family.root: root}
    for m in sorted(family.members, key=lambda m: natural_key(m.path)):
        if m.path == family.root:
            root.member = m
            continue
        _place(nodes, root, Node(m.path, m))
    return root


def _place(nodes: dict[str, Node], root: Node, node: Node) -> None:
    if node.path in nodes:  # a stand-in made for it earlier (paths sort parents first, but
        nodes[node.path].member = node.member  # a copy's path may not): fill it in
        return
    nodes[node.path] = node
    up = parent_path(node.path)
    if not up or not up.startswith(root.path):
        root.children.append(node)  # outside the file's paths (should not happen): keep it
        return
    if up not in nodes:
        _place(nodes, root, Node(up, None))
    nodes[up].children.append(node)
