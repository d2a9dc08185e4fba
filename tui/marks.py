"""The reader's marks from the explorer: ``*`` stars (or unstars), ``+`` tags (+tag adds,
-tag removes), ``;`` adds a note, on the document open or the hit under the results cursor.
The engine keeps them (Casework.star / tag / note, in marks.jsonl); this module asks for the
text in a prompt and shows the marks on the document pane's title and the status line."""

from __future__ import annotations

from casework.index import printable

from casework.tui.document_view import DocumentView
from casework.tui.prompt_screen import PromptScreen
from casework.tui.results import ResultsList


def marks_title(marks) -> str:
    """The marks as the end of a title: ★ #lead #money · 2 notes."""
    parts = []
    if marks.starred:
        parts.append("★")
    parts += ["#" + t for t in marks.tags]
    if marks.notes:
        parts.append(f"{len(marks.notes)} note{'s' * (len(marks.notes) != 1)}")
    return printable(" ".join(parts))


def marks_line(marks) -> str:
    """The status line after a mark, or on opening a marked document: the marks and the
    newest note."""
    head = marks_title(marks) or "no marks"
    if marks.notes:
        head += " — " + marks.notes[-1]["text"].replace("\n", " ")
    return printable(head)


class MarksMixin:
    """Mixed into the app (``session``, ``_say``, ``push_screen``, ``query_one``)."""

    def marks_target(self) -> str | None:
        """The doc id the keys act on: the highlighted hit while the results have focus,
        else the document open."""
        focused = self.focused
        if isinstance(focused, ResultsList) and focused.highlighted is not None:
            option = focused.get_option_at_index(focused.highlighted)
            if option.id and option.id.startswith("hit:"):
                return focused._hits[int(option.id[4:])].doc_id
        doc = self.query_one(DocumentView).doc
        return doc.doc_id if doc is not None else None

    def marks_allowed(self) -> bool:
        return self.session.offers("star") and self.marks_target() is not None

    def action_star(self) -> None:
        doc_id = self.marks_target()
        if doc_id is not None:
            self.session.run("marks", lambda cw: cw.star(doc_id, not cw.marks(doc_id).starred),
                             self.show_marks, exclusive=False)

    def action_tag(self) -> None:
        doc_id = self.marks_target()
        if doc_id is None:
            return

        def answered(answer: str | None) -> None:
            if not answer:
                return
            words = answer.replace(",", " ").split()
            add = [w.lstrip("+#") for w in words if not w.startswith("-")]
            remove = [w[1:].lstrip("#") for w in words if w.startswith("-")]
            self.session.run("marks", lambda cw: cw.tag(doc_id, add, remove), self.show_marks,
                             exclusive=False)

        self.push_screen(PromptScreen("Tags (+tag adds, -tag removes)", "",
                                      "e.g. +lead -noise; search tag:lead finds them"), answered)

    def action_note(self) -> None:
        doc_id = self.marks_target()
        if doc_id is None:
            return

        def answered(answer: str | None) -> None:
            if answer:
                self.session.run("marks", lambda cw: cw.note(doc_id, answer), self.show_marks,
                                 exclusive=False)

        self.push_screen(PromptScreen("Note on this document", "",
                                      "Enter saves; casework notes lists them"), answered)

    def load_marks(self, doc_id: str) -> None:
        """Show a document's marks once it is open (a quiet line: nothing when unmarked)."""
        if self.session.offers("marks"):
            self.session.run("marks", lambda cw: cw.marks(doc_id),
                             lambda m: self.show_marks(m, quiet=True), group="marks-load")

    def show_marks(self, marks, quiet: bool = False) -> None:
        view = self.query_one(DocumentView)
        if view.doc is not None and view.doc.doc_id == marks.doc_id:
            title = f"Document: {printable(view.doc.title)}"
            extra = marks_title(marks)
            view.border_title = f"{extra} {title}" if extra else title
        if not quiet or marks.starred or marks.tags or marks.notes:
            self._say(marks_line(marks))
