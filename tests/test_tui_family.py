"""Issue 22, point 2: the explorer shows the tree of a file's parts (attachments under their
message, members under their archive, at every depth) and moves to parent and children by key."""

from __future__ import annotations

from casework.index.api import open_index
from casework.index.models import Family, FamilyMember
from casework.tui.app import CaseworkApp
from casework.tui.document_view import DocumentView
from casework.tui.family import arrange
from casework.tui.family_screen import FamilyScreen, FamilyTree
from casework.tui.results import ResultsList
from tests.format_samples import make_eml, make_pdf, make_zip
from tests.test_tui import opened, pilot_test, settle, type_query

CONTRACT = make_pdf(["Contract between Pemex and Vidanta."])
NOTES = b"Notes on Dos Bocas: [bold]not markup[/bold] [@click=app.quit]x[/]."


def _case(root):
    root.mkdir()
    (root / "tip.eml").write_bytes(make_eml([("contract.pdf", CONTRACT, "application/pdf"),
                                             ("notes.txt", NOTES, "text/plain")]))
    nested = make_zip({"deep/memo2.txt": b"Second memo about Pemex in the nested archive."})
    (root / "bundle.zip").write_bytes(make_zip({"inner/memo.txt": b"Memo about Dos Bocas.",
                                                "nested.zip": nested}))
    (root / "alone.txt").write_text("A note about Vidanta with nothing inside.\n")
    return root


def _ids(index, root):
    with open_index(index) as cw:
        at = cw.catalog.doc_id_at
        return {name: at(f"{root}/{name}") for name in (
            "tip.eml", "tip.eml//contract.pdf", "tip.eml//notes.txt", "bundle.zip",
            "bundle.zip//inner/memo.txt", "bundle.zip//nested.zip",
            "bundle.zip//nested.zip//deep/memo2.txt", "alone.txt")}


def _cursor_id(screen: FamilyScreen) -> str | None:
    return screen.query_one(FamilyTree).cursor_node.data


async def _open_tree(app, pilot) -> FamilyScreen:
    await pilot.press("P")
    await settle(app, pilot, 0.1)
    screen = app.screen
    assert isinstance(screen, FamilyScreen)
    return screen


def test_family_is_the_file_on_disk_and_everything_found_in_it(tmp_path, make_index):
    root = _case(tmp_path / "case")
    make_index(root)
    ids = _ids(make_index.path, root)
    with open_index(make_index.path) as cw:
        deep = cw.family(ids["bundle.zip//nested.zip//deep/memo2.txt"])
        assert deep.root == str(root / "bundle.zip") and deep.total == 4
        assert [(m.ipath, m.depth) for m in deep.members] == [
            ("", 0), ("inner/memo.txt", 1), ("nested.zip", 1), ("deep/memo2.txt", 2)]
        assert deep.members[3].parent == ids["bundle.zip//nested.zip"]
        assert cw.family(ids["tip.eml"]) == cw.family(ids["tip.eml//notes.txt"])
        assert [m.doc_id for m in cw.family(ids["alone.txt"]).members] == [ids["alone.txt"]]
        cut = cw.family(ids["tip.eml"], limit=2)
        assert len(cut.members) == 2 and cut.total == 3


def test_a_member_of_a_container_without_text_hangs_under_a_stand_in_for_it():
    zip_path = "/case/a.zip"
    family = Family(zip_path, [
        FamilyMember("m1", "Memo", zip_path + "//inner.zip//m.txt", "m.txt", 2, "", "text/plain"),
        FamilyMember("m0", "Top", zip_path + "//top.txt", "top.txt", 1, "", "text/plain"),
    ], 2)
    top = arrange(family)
    assert top.member is None and [c.path.rsplit("//", 1)[-1] for c in top.children] == [
        "inner.zip", "top.txt"]
    inner = top.children[0]
    assert inner.member is None and [c.doc_id for c in inner.children] == ["m1"]


@pilot_test
async def test_parts_tree_shows_attachments_under_their_message_and_keys_move_and_open(
        tmp_path, make_index):
    root = _case(tmp_path / "case")
    make_index(root)
    ids = _ids(make_index.path, root)
    async with opened(make_index.path, (80, 24)) as (app, pilot):
        app.open_document(ids["tip.eml//contract.pdf"])
        await settle(app, pilot, 0.2)
        assert "P tree" in str(app.query_one("#message").render())
        screen = await _open_tree(app, pilot)
        lines = screen.lines
        assert lines[0].startswith("tip.eml")
        assert lines[1].startswith("  contract.pdf (attachment) ◀ here  Court filing")
        # a name or title holding markup is shown as typed, never interpreted
        assert lines[2].startswith("  notes.txt (attachment)")
        assert "[bold]not markup[/bold]" in lines[2]
        assert len(lines) == 3
        assert _cursor_id(screen) == ids["tip.eml//contract.pdf"]
        await pilot.press("p")
        await settle(app, pilot)
        assert _cursor_id(screen) == ids["tip.eml"]
        await pilot.press("c")
        await settle(app, pilot)
        assert _cursor_id(screen) == ids["tip.eml//contract.pdf"]
        await pilot.press("down")
        await pilot.press("enter")
        await settle(app, pilot, 0.2)
        assert not isinstance(app.screen, FamilyScreen)
        view = app.query_one(DocumentView)
        assert view.doc.doc_id == ids["tip.eml//notes.txt"] and app.focused is view
        assert app.history[-1].ident == ids["tip.eml//notes.txt"]  # Esc comes back here
        screen = await _open_tree(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, FamilyScreen)
        assert view.doc.doc_id == ids["tip.eml//notes.txt"]


@pilot_test
async def test_parts_tree_from_a_hit_in_an_archive_folds_and_unfolds_by_arrows(tmp_path,
                                                                               make_index):
    root = _case(tmp_path / "case")
    make_index(root)
    ids = _ids(make_index.path, root)
    deep = ids["bundle.zip//nested.zip//deep/memo2.txt"]
    async with opened(make_index.path, (80, 24)) as (app, pilot):
        await type_query(app, pilot, "nested archive")
        await pilot.press("enter")  # to the results
        results = app.query_one(ResultsList)
        assert results.highlighted_hit.doc_id == deep
        # the hit says what it is inside, in words after a tree glyph (not colour alone)
        prompt = results.get_option_at_index(0).prompt.plain
        assert prompt.splitlines()[1].startswith("└ member of nested.zip · memo2.txt")
        screen = await _open_tree(app, pilot)
        assert [line.split(" (")[0] for line in screen.lines] == [
            "bundle.zip", "  inner/memo.txt", "  nested.zip", "    deep/memo2.txt"]
        assert _cursor_id(screen) == deep
        await pilot.press("left")  # a leaf: out to its parent
        await settle(app, pilot)
        assert _cursor_id(screen) == ids["bundle.zip//nested.zip"]
        await pilot.press("left")  # unfolded: folds
        await settle(app, pilot)
        assert len(screen.lines) == 3 and _cursor_id(screen) == ids["bundle.zip//nested.zip"]
        await pilot.press("right")  # folded: unfolds
        await pilot.press("right")  # unfolded: into its first part
        await settle(app, pilot)
        assert len(screen.lines) == 4 and _cursor_id(screen) == deep
        await pilot.press("p", "p")
        await settle(app, pilot)
        assert _cursor_id(screen) == ids["bundle.zip"]
        await pilot.press("enter")
        await settle(app, pilot, 0.2)
        assert app.query_one(DocumentView).doc.doc_id == ids["bundle.zip"]


@pilot_test
async def test_parts_key_is_in_the_document_footer_only_for_a_family_and_in_the_help(
        tmp_path, make_index):
    root = _case(tmp_path / "case")
    make_index(root)
    ids = _ids(make_index.path, root)
    async with opened(make_index.path, (80, 24)) as (app, pilot):
        view = app.query_one(DocumentView)

        def footer_keys():
            return {a.binding.id for a in app.screen.active_bindings.values() if a.enabled}

        app.open_document(ids["alone.txt"])
        await settle(app, pilot, 0.2)
        assert app.focused is view and "doc.family" not in footer_keys()
        screen = await _open_tree(app, pilot)  # the app's P still answers: a family of one
        assert screen.lines == [screen.lines[0]] and screen.lines[0].startswith("alone.txt")
        await pilot.press("escape")
        app.open_document(ids["tip.eml"])
        await settle(app, pilot, 0.2)
        assert "doc.family" in footer_keys()
        await pilot.press("1")  # the results: P shows while the hit previewed has a family
        await type_query(app, pilot, "nested archive")
        await pilot.press("enter")
        await settle(app, pilot, 0.3)
        assert app.focused is app.query_one(ResultsList) and "results.family" in footer_keys()
        await type_query(app, pilot, "nothing inside")
        await pilot.press("enter")
        await settle(app, pilot, 0.3)
        assert app.query_one(DocumentView).doc.doc_id == ids["alone.txt"]
        assert "results.family" not in footer_keys()
        await pilot.press("question_mark")
        await settle(app, pilot)
        assert "Parts tree" in app.screen.table.plain


def test_snapshot_parts_tree_80x24(snap_compare, tmp_path, make_index):
    root = _case(tmp_path / "case")
    make_index(root)
    ids = _ids(make_index.path, root)

    async def run_before(pilot) -> None:
        app = pilot.app
        await settle(app, pilot)
        app.open_document(ids["bundle.zip//nested.zip//deep/memo2.txt"])
        await settle(app, pilot, 0.2)
        await pilot.press("P")
        await settle(app, pilot, 0.2)

    assert snap_compare(CaseworkApp(make_index.path), terminal_size=(80, 24), run_before=run_before)


def _mbox_family(messages: int) -> Family:
    root = "/case/box.mbox"
    members = [FamilyMember("box", "box.mbox", root, "", 0, "", "application/mbox")]
    for i in range(messages):
        mail = f"{root}//message-{i}.eml"
        members.append(FamilyMember(f"m{i}", f"Note {i}", mail, f"message-{i}.eml", 1, "box",
                                    "message/rfc822"))
        members.append(FamilyMember(f"a{i}", f"Scan {i}", mail + "//scan.pdf", "scan.pdf", 2,
                                    f"m{i}", "application/pdf"))
    return Family(root, members, len(members))


@pilot_test
async def test_a_big_family_opens_with_only_the_branch_to_the_document_unfolded():
    from textual.app import App

    from casework.tui.family_screen import UNFOLD_ALL_UP_TO, prepare

    family = _mbox_family(UNFOLD_ALL_UP_TO)  # 401 members
    app = App()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = FamilyScreen("a7")
        await app.push_screen(screen)
        screen.show_family((family, prepare(family, "a7")))
        await pilot.pause()
        tree = screen.query_one(FamilyTree)
        lines = screen.lines
        assert len(lines) == 1 + UNFOLD_ALL_UP_TO + 1  # the box, its messages, a7 under m7
        assert lines[0].startswith("box.mbox") and lines[1].startswith("  message-0.eml (message)")
        assert _cursor_id(screen) == "a7"
        assert "scan.pdf (attachment) ◀ here" in tree.cursor_node.label.plain
        await pilot.press("p")  # to message 7 ...
        await pilot.press("up")  # ... then message 6, folded, its part not added yet
        await pilot.pause()
        assert _cursor_id(screen) == "m6" and not tree.cursor_node.children
        await pilot.press("right")  # unfolds: its part is added now
        await pilot.pause()
        assert [c.data for c in tree.cursor_node.children] == ["a6"]
        await pilot.press("up", "c")  # message 5: c adds its part and moves into it
        await pilot.pause()
        assert _cursor_id(screen) == "a5"
        assert len(screen.lines) == len(lines) + 2
