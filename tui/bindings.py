"""Every key of the explorer, as data: an id and a description each, so the footer, the help
screen and the command palette all show the same words. Widgets take their ``BINDINGS`` from
here; the help screen's sections are listed here too, so a new key is added in one place."""

from __future__ import annotations

from textual.binding import Binding

APP = [
    Binding("slash", "focus_search", "Search", id="app.search"),
    # Priority, and only while the search box has focus: the move to the results happens
    # before the next queued key is routed, so "query, Enter, Enter" (typed ahead, or sent
    # by tmux in one write) opens the first hit instead of submitting twice.
    Binding("enter", "leave_search", "To results", show=False, priority=True,
            id="app.leave_search"),
    # Down leaves the box too, unless Up has recalled an earlier query: then it steps back
    # towards the newest (the search box's history).
    Binding("down", "leave_search('down')", "Later query (after Up), else to results",
            show=False, priority=True, id="app.leave_search_down"),
    Binding("tab", "next_pane", "Next pane", show=False, priority=True, id="app.next_pane"),
    Binding("shift+tab", "previous_pane", "Prev pane", show=False, priority=True, id="app.previous_pane"),
    Binding("1", "pane('results')", "Results", show=False, id="app.pane_results"),
    Binding("2", "pane('document')", "Document", show=False, id="app.pane_document"),
    Binding("3", "pane('entities')", "Entities", show=False, id="app.pane_entities"),
    Binding("4", "pane('xref')", "Cross-refs", show=False, id="app.pane_xref"),
    Binding("escape", "back", "Back", id="app.back"),
    Binding("left_square_bracket,alt+left", "back", "Back", show=False, id="app.history_back"),
    Binding("right_square_bracket,alt+right", "forward", "Forward", show=False, id="app.history_forward"),
    Binding("e", "edit", "Open in $EDITOR", show=False, id="app.edit"),
    Binding("question_mark,f1", "help", "Help", id="app.help"),
    Binding("q", "quit", "Quit", id="app.quit"),
    # attachments under their message, members under their archive
    Binding("p", "open_parent", "Parent document", show=False, id="app.parent"),
    Binding("c", "open_child", "First part (attachment, member)", show=False, id="app.child"),
]

# Not in the footer (no room at 80 columns); listed on the help screen. Live only while an
# entities or cross-reference pane has focus, and only if the engine offers curation.
CURATION = [
    Binding("m", "curate('merge')", "Merge", show=False, id="curate.merge"),
    Binding("r", "curate('rename')", "Rename", show=False, id="curate.rename"),
    Binding("l", "curate('relabel')", "Relabel", show=False, id="curate.relabel"),
    Binding("s", "curate('split')", "Split alias", show=False, id="curate.split"),
    Binding("h", "curate('hide')", "Hide", show=False, id="curate.hide"),
    Binding("u", "curate('undo')", "Undo curation", show=False, id="curate.undo"),
]

# The reader's marks on the document open (or the hit under the cursor in the results);
# not while typing in the search box, where these characters are text.
MARKS = [
    Binding("asterisk", "star", "Star / unstar document", show=False, id="marks.star"),
    Binding("plus", "tag", "Tag document (+tag, -tag)", show=False, id="marks.tag"),
    Binding("semicolon", "note", "Note on document", show=False, id="marks.note"),
]

# The search box: earlier queries of this case, newest first.
SEARCH_BOX = [
    Binding("up", "history_older", "Earlier query", show=False, id="search.history_older"),
]

# The results, entities and cross-reference lists (OptionList adds the arrows, Enter).
LIST = [
    Binding("j", "cursor_down", "Down", show=False, id="list.down"),
    Binding("k", "cursor_up", "Up", show=False, id="list.up"),
    Binding("g", "first", "First", show=False, id="list.first"),
    Binding("G", "last", "Last", show=False, id="list.last"),
]

DOCUMENT = [
    Binding("j", "scroll_down", "Down", show=False, id="doc.down"),
    Binding("k", "scroll_up", "Up", show=False, id="doc.up"),
    Binding("space", "page_down", "Page down", show=False, id="doc.page_down"),
    Binding("b", "page_up", "Page up", show=False, id="doc.page_up"),
    Binding("g", "scroll_home", "Top", show=False, id="doc.top"),
    Binding("G", "scroll_end", "Bottom", show=False, id="doc.bottom"),
    Binding("n", "next_mark", "Next mention", id="doc.next_mark"),
    Binding("N", "previous_mark", "Prev mention", id="doc.previous_mark"),
    Binding("t", "toggle_tags", "Label tags", show=False, id="doc.toggle_tags"),
]

HELP_SCREEN = [
    Binding("escape,q,question_mark", "dismiss", "Close help", id="help.close"),
    Binding("j", "scroll('down')", "Down", show=False, id="help.down"),
    Binding("k", "scroll('up')", "Up", show=False, id="help.up"),
]

PROMPT = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

# Keys that widgets handle themselves (Input, OptionList, ScrollView, the palette), named
# here only so the help screen can say what they do.
_MOVE = Binding("up,down,pageup,pagedown,home,end", "move", "Move", id="help.move")
HELP_SECTIONS: list[tuple[str, list[Binding]]] = [
    ("Everywhere", [b for b in APP if not b.action.startswith("leave_search")]),
    ("Entities and cross-references: curation (if the index supports it)", CURATION),
    ("Documents: the reader's marks (not in the search box)", MARKS),
    ("Search box", [Binding("enter,down", "leave_search", "Search now and move to the results",
                            id="help.search_now"),
                    *SEARCH_BOX,
                    APP[2],  # Down: a later query while Up has recalled one
                    Binding("escape", "back", "Move to the results (then single keys work)",
                            id="help.search_escape")]),
    ("Lists (results, entities, cross-references)",
     LIST + [Binding("enter", "select", "Open / select", id="help.select"), _MOVE]),
    ("Document", DOCUMENT + [_MOVE]),
    ("Command palette", [Binding("ctrl+p", "command_palette",
                                 "Open document by title, go to entity, filter by label, "
                                 "toggle panes, rebuild index, run a saved search",
                                 id="help.palette")]),
]
