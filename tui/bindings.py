"""Every key of the explorer, as data: an id and a description each, so the footer, the help
screen and the command palette all show the same words. Widgets take their ``BINDINGS`` from
here; the help screen's sections are listed here too, so a new key is added in one place.

The footer differs by pane: each pane's list names its own keys (Enter's meaning first), the
app's keys that make sense only somewhere are switched on there by ``check_action`` (curation
in the entity panes, "Results" in the search box), and the rest of the app's keys stay out of
the footer. Digits type into the search box (dates, ``date:2025-02``): alt+1..4 switch panes
from there too."""

from __future__ import annotations

from textual.binding import Binding

APP = [
    Binding("slash", "focus_search", "Search", show=False, id="app.search"),
    # Priority, and only while the search box has focus: the move to the results happens
    # before the next queued key is routed, so "query, Enter, Enter" (typed ahead, or sent
    # by tmux in one write) opens the first hit instead of submitting twice.
    Binding("enter", "leave_search", "Results", priority=True, id="app.leave_search"),
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
    Binding("alt+1", "pane('results')", "Results", show=False, priority=True, id="app.alt_results"),
    Binding("alt+2", "pane('document')", "Document", show=False, priority=True, id="app.alt_document"),
    Binding("alt+3", "pane('entities')", "Entities", show=False, priority=True, id="app.alt_entities"),
    Binding("alt+4", "pane('xref')", "Cross-refs", show=False, priority=True, id="app.alt_xref"),
    Binding("T", "timeline", "Timeline", show=False, id="app.timeline"),
    Binding("escape", "back", "Back", show=False, id="app.back"),
    Binding("left_square_bracket,alt+left", "back", "Back", show=False, id="app.history_back"),
    Binding("right_square_bracket,alt+right", "forward", "Forward", show=False, id="app.history_forward"),
    Binding("e", "edit", "Open in $EDITOR", show=False, id="app.edit"),
    Binding("f1", "help", "Help", id="app.help"),
    Binding("question_mark", "help", "Help", show=False, id="app.help_question"),
    Binding("q", "quit", "Quit", show=False, id="app.quit"),
    # Textual's own ctrl+q, named here so the footer and the help screen show it
    Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit_anywhere"),
    # attachments under their message, members under their archive
    Binding("p", "open_parent", "Parent document", show=False, id="app.parent"),
    Binding("c", "open_child", "First part (attachment, member)", show=False, id="app.child"),
    Binding("P", "family", "Parts tree (attachments, members)", show=False, id="app.family"),
]

# In the footer of the entities and cross-reference panes only: live only while one of them
# has focus (and only if the engine offers curation).
CURATION = [
    Binding("m", "app.curate('merge')", "Merge", id="curate.merge"),
    Binding("r", "app.curate('rename')", "Rename", id="curate.rename"),
    Binding("l", "app.curate('relabel')", "Relabel", id="curate.relabel"),
    Binding("s", "app.curate('split')", "Split", id="curate.split"),
    Binding("h", "app.curate('hide')", "Hide", id="curate.hide"),
    Binding("u", "app.curate('undo')", "Undo", id="curate.undo"),
    Binding("S", "app.curate('review')", "Review queue", id="curate.review"),
]

# The review queue (S): one pair of likely-same entities at a time.
REVIEW = [
    Binding("y", "accept", "Same: merge", id="review.accept"),
    Binding("n", "reject", "Different: keep apart", id="review.reject"),
    Binding("escape,q", "close", "Close", id="review.close"),
]

# The reader's marks on the document open (or the hit under the cursor in the results);
# not while typing in the search box, where these characters are text.
MARKS = [
    Binding("asterisk", "star", "Star / unstar document", show=False, id="marks.star"),
    Binding("plus", "tag", "Tag document (+tag, -tag)", show=False, id="marks.tag"),
    Binding("semicolon", "note", "Note on document", show=False, id="marks.note"),
]

# Batch search: a file of queries, one a line (tui/batch.py). Not in the search box, where
# these are characters; > and < only once a batch is loaded.
BATCH = [
    Binding("B", "batch", "Batch search: load a file of queries, or its list",
            show=False, id="batch.list"),
    Binding("greater_than_sign", "batch_step(1)", "Next batch query", show=False,
            id="batch.next"),
    Binding("less_than_sign", "batch_step(-1)", "Previous batch query", show=False,
            id="batch.previous"),
]
BATCH_LIST = [
    Binding("enter", "select", "Run query", id="batch_list.run"),
    Binding("L", "load", "Load another file", id="batch_list.load"),
    Binding("escape,B", "dismiss", "Close", id="batch_list.close"),
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

# Each pane's own footer: Enter's meaning there, then its keys; / and Esc, shown in panes only
# (in the search box they are a character and "move to the results").
_PANE_COMMON = [
    Binding("slash", "app.focus_search", "Search", id="pane.search"),
    Binding("escape", "app.back", "Back", id="pane.back"),
]
RESULTS = [
    Binding("enter", "select", "Open", id="results.open"),
    Binding("v", "toggle_compact", "One line a hit", id="results.compact"),
    Binding("P", "app.family('pane')", "Parts", id="results.family"),
    Binding("B", "app.batch", "Batch", id="results.batch"),
    # shown once a batch is loaded (the app's check_action)
    Binding("greater_than_sign", "app.batch_step(1)", "Next query", id="results.batch_next"),
    Binding("less_than_sign", "app.batch_step(-1)", "Prev query", id="results.batch_previous"),
    *LIST, *_PANE_COMMON,
]
ENTITIES = [Binding("enter", "select", "Card", id="entities.card"), *CURATION, *LIST, *_PANE_COMMON]
XREF = [Binding("enter", "select", "Go to", id="xref.go"), *CURATION, *LIST, *_PANE_COMMON]
TIMELINE = [
    Binding("enter", "select", "Open at sentence", id="timeline.open"),
    Binding("escape,T", "dismiss", "Close", id="timeline.close"),
    *LIST,
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
    Binding("e", "app.edit", "Edit", id="doc.edit"),
    Binding("t", "toggle_tags", "Tags", id="doc.toggle_tags"),
    Binding("P", "app.family('pane')", "Parts", id="doc.family"),
    *_PANE_COMMON,
]

# The parts tree (P): the file on disk, its attachments and members, at every depth.
# (Tree adds up/down and shift+arrows between siblings.)
FAMILY = [
    Binding("enter", "open", "Open", id="family.open"),
    Binding("p", "to_parent", "Parent", id="family.parent"),
    Binding("c", "to_child", "First part", id="family.child"),
    Binding("right,l", "unfold", "Unfold, then into the parts", show=False, id="family.unfold"),
    Binding("left,h", "fold", "Fold, then out to the parent", show=False, id="family.fold"),
    Binding("space", "toggle_node", "Fold / unfold", show=False, id="family.toggle"),
    Binding("j", "cursor_down", "Down", show=False, id="family.down"),
    Binding("k", "cursor_up", "Up", show=False, id="family.up"),
    Binding("escape,P", "dismiss", "Close", id="family.close"),
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
    ("Everywhere (digits and letters type into the search box: use alt+1..4, Tab, Esc there)",
     [b for b in APP if not b.action.startswith("leave_search")]),
    ("Entities and cross-references: curation (if the index supports it)", CURATION),
    ("Review queue (S from the entities pane)", REVIEW),
    ("Documents: the reader's marks (not in the search box)", MARKS),
    ("Search box", [Binding("enter,down", "leave_search", "Search now and move to the results",
                            id="help.search_now"),
                    *SEARCH_BOX,
                    APP[2],  # Down: a later query while Up has recalled one
                    Binding("escape", "back", "Move to the results (then single keys work)",
                            id="help.search_escape")]),
    ("Results, entities, cross-references: Enter", [RESULTS[0], ENTITIES[0], XREF[0]]),
    ("Results", RESULTS[1:6]),
    ("Lists (results, entities, cross-references, timeline)",
     LIST + [Binding("enter", "select", "Open / select", id="help.select"), _MOVE]),
    ("Batch search (a file of queries, one a line; casework --batch FILE opens with it)",
     BATCH),
    ("Batch list (B)", BATCH_LIST),
    ("Timeline (T)", TIMELINE[:2]),
    ("Parts tree (P, from the results or a document)", FAMILY + [_MOVE]),
    ("Document", DOCUMENT + [_MOVE]),
    ("Command palette", [Binding("ctrl+p", "command_palette",
                                 "Open document by title, go to entity, filter by label, "
                                 "toggle panes, rebuild index, run a saved search, "
                                 "load a batch file",
                                 id="help.palette")]),
]
