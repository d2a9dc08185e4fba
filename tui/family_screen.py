"""The parts tree (P): the file on disk a document came out of, with its attachments and archive
members under it, at every depth, the document that was showing marked. Enter opens the
document under the cursor; p and c move to the parent and the first part, Left and Right fold
and unfold. The family is loaded, arranged and labelled in a worker (``prepare``) and handed to
``show_family``; keys: ``bindings.FAMILY``.

Filling a Textual Tree costs the UI thread ~60 µs a node and painting ~40 µs a line (measured:
5,001 nodes, 0.8 s), so a big family (an mbox, an e-mail with 1,000 attachments) opens with
only the branch leading to the document unfolded; other branches get their nodes when unfolded."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static, Tree
from textual.widgets.tree import TreeNode

from casework.tui import bindings
from casework.tui.family import Node, arrange, base_name, role
from casework.tui.render import safe_text

HERE = "◀ here"  # the document that was showing: words, not colour alone
LIMIT = 2000  # members loaded: a top level this wide still fills in ~0.2 s
UNFOLD_ALL_UP_TO = 200  # members: a family this small opens with every branch unfolded


def load_family(cw, doc_id: str) -> tuple:
    """The family of a document and its tree, labelled: called in the session's worker."""
    family = cw.family(doc_id, limit=LIMIT)
    return family, prepare(family, doc_id)


def prepare(family, here: str) -> Node:
    """The family arranged as a tree with every row's label made: the worker's half."""
    top = arrange(family)
    stack: list[tuple[Node, Node | None]] = [(top, None)]
    while stack:
        node, parent = stack.pop()
        node.label = node_label(node, parent, here)
        stack.extend((child, node) for child in node.children)
    return top


def node_label(node: Node, parent: Node | None, here: str | None) -> Text:
    """'contract.pdf (attachment) ◀ here  Court filing': the name inside its parent, what it is
    to the parent, and its title where that says more than the name."""
    m = node.member
    name = base_name(node.path)
    if parent is not None and getattr(m, "ipath", ""):
        name = m.ipath  # a member's path inside its archive ("inner/memo.txt") says more
    is_here = m is not None and m.doc_id == here
    text = safe_text(name, "bold" if is_here or parent is None else "")
    words = []
    if parent is not None:
        parent_name = base_name(parent.path)
        words.append(role(parent_name, getattr(parent.member, "content_type", "")))
    if m is None:
        words.append("no text of its own")
    if words:
        text.append(f" ({', '.join(words)})", style="dim")
    if is_here:  # before the title, which a narrow screen cuts
        text.append(f" {HERE}", style="bold")
    title = " ".join((getattr(m, "title", "") or "").split())
    if title and title not in (name, base_name(name)):
        text.append("  ")
        text.append_text(safe_text(title, "italic"))
    text.no_wrap = True
    return text


class FamilyTree(Tree):
    """The tree; the node data is the document id (None for a container without text)."""

    BINDINGS = bindings.FAMILY

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._unfilled: dict[int, Node] = {}  # tree node id -> its branch, not added yet

    def fill(self, tree_node: TreeNode, node: Node, unfold: Callable[[Node], bool]) -> None:
        """Add ``node``'s children under ``tree_node``; a branch ``unfold`` picks is filled
        and unfolded now, the others when first unfolded."""
        tree_node.data = node.doc_id
        for child in node.children:
            if not child.children:
                tree_node.add_leaf(child.label, data=child.doc_id)
                continue
            added = tree_node.add(child.label, data=child.doc_id, allow_expand=True)
            if unfold(child):
                self.fill(added, child, unfold)
                added.expand()
            else:
                self._unfilled[added.id] = child

    def fill_later_ones(self, tree_node: TreeNode | None) -> None:
        """Add a folded branch's children before it unfolds (one level: theirs wait too)."""
        node = self._unfilled.pop(tree_node.id, None) if tree_node is not None else None
        if node is not None:
            self.fill(tree_node, node, lambda _: False)

    def on_tree_node_expanded(self, event: Tree.NodeExpanded) -> None:
        self.fill_later_ones(event.node)  # unfolded by Space (or the mouse)

    def action_open(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.data is None:
            self.notify("this container gave no text of its own; open one of its parts",
                        severity="warning", timeout=3)
            return
        self.screen.dismiss(node.data)

    def action_to_parent(self) -> None:
        node = self.cursor_node
        if node is not None and node.parent is not None:
            self.move_cursor(node.parent)

    def action_to_child(self) -> None:
        node = self.cursor_node
        self.fill_later_ones(node)
        if node is None or not node.children:
            self.notify("nothing was found inside this one", timeout=2)
            return
        node.expand()
        self.call_after_refresh(self.move_cursor, node.children[0])

    def action_unfold(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        self.fill_later_ones(node)
        if not node.children:
            return
        if node.is_expanded:
            self.call_after_refresh(self.move_cursor, node.children[0])
        else:
            node.expand()

    def action_fold(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.is_expanded and node.children:
            node.collapse()
        elif node.parent is not None:
            self.move_cursor(node.parent)

    def action_dismiss(self) -> None:
        self.screen.dismiss(None)


class FamilyScreen(ModalScreen[str | None]):
    """Dismissed with the id of the document to open (Enter), None on Esc."""

    def __init__(self, doc_id: str):
        super().__init__()
        self.doc_id = doc_id  # the document the tree was asked for: marked, cursor on it
        self.family = None

    def compose(self) -> ComposeResult:
        with Vertical(id="family-box"):
            yield Static(Text("Parts (loading…)", style="bold"), id="family-title")
            tree: FamilyTree = FamilyTree(Text(""), id="family-tree")
            tree.auto_expand = False  # Enter opens; Space, Left and Right fold
            yield tree
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(FamilyTree).focus()

    def show_family(self, answer: tuple) -> None:
        """Fill the tree from ``prepare``'s answer (the family, its arranged top), the cursor
        on the document asked for."""
        family, top = answer
        self.family = family
        tree = self.query_one(FamilyTree)
        tree.clear()
        tree.root.set_label(top.label)
        on_the_way = _branch_to(top, self.doc_id)
        every = len(family.members) <= UNFOLD_ALL_UP_TO
        tree.fill(tree.root, top, lambda node: every or id(node) in on_the_way)
        tree.root.expand()
        here = next((n for n in _walk(tree.root) if n.data == self.doc_id), None)
        if here is not None:
            self.call_after_refresh(tree.move_cursor, here)
        parts = len(family.members) - (1 if top.member is not None else 0)
        shown = "" if family.total == len(family.members) else \
            f" (the first {len(family.members)} of {family.total})"
        title = Text("Parts of ", style="bold")
        title.append_text(safe_text(base_name(family.root), "bold"))
        title.append(f" · {parts} found inside{shown} · Enter opens, Esc closes", style="bold")
        title.no_wrap = True
        title.overflow = "ellipsis"
        self.query_one("#family-title", Static).update(title)

    def show_failure(self, message: str) -> None:
        self.query_one("#family-title", Static).update(safe_text("⚠ " + message, "bold"))

    @property
    def lines(self) -> list[str]:
        """The tree as shown, one plain line a visible node (for tests)."""
        tree = self.query_one(FamilyTree)
        out = []
        for i in range(tree.last_line + 1):
            node = tree.get_node_at_line(i)
            out.append("  " * len(list(_ancestors(node))) + node.label.plain)
        return out


def _branch_to(top: Node, doc_id: str) -> set[int]:
    """The ids of the nodes on the way from ``top`` to the document (the branches to unfold)."""
    def find(node: Node, way: list[Node]) -> list[Node] | None:
        if node.doc_id == doc_id:
            return way
        for child in node.children:
            found = find(child, way + [child])
            if found is not None:
                return found
        return None

    return {id(n) for n in find(top, [top]) or []}


def _walk(node: TreeNode):
    yield node
    for child in node.children:
        yield from _walk(child)


def _ancestors(node: TreeNode):
    while node.parent is not None:
        node = node.parent
        yield node
