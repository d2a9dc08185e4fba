"""Messages posted up to the app ("attributes down, messages up"): by the panes, and by the
session's worker that opens the index."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from casework.index.models import Progress


class OpenDocument(Message):
    """Open a document, optionally scrolled to a character offset and marking an entity."""

    def __init__(self, doc_id: str, offset: int | None = None, entity_id: str | None = None):
        super().__init__()
        self.doc_id = doc_id
        self.offset = offset
        self.entity_id = entity_id


class SelectEntity(Message):
    """Show an entity's cross-references."""

    def __init__(self, entity_id: str):
        super().__init__()
        self.entity_id = entity_id


class LoadMoreResults(Message):
    """The results list wants the next page of the current query."""


class OpenHit(Message):
    """Enter in the results list: ``doc_id`` is the hit under the cursor (None: no hit there),
    on the results of ``query``. The app opens it only if ``query`` is the one in the search
    box; Enter typed ahead of that query's results opens its first hit when they come."""

    def __init__(self, doc_id: str | None, query: str | None):
        super().__init__()
        self.doc_id = doc_id
        self.query = query


class LoadMoreEntities(Message):
    """The index-wide entities list wants the next page of one label's entities."""

    def __init__(self, label: str, offset: int):
        super().__init__()
        self.label = label
        self.offset = offset


class PreviewDocument(Message):
    """The results cursor rests on a document: show it without moving focus or history."""

    def __init__(self, doc_id: str):
        super().__init__()
        self.doc_id = doc_id


# From the session's opening worker (posted, so they arrive in the order they were sent).

class IndexBuilding(Message):
    """The index is being built or re-scanned before it opens; ``message`` says which."""

    def __init__(self, message: str):
        super().__init__()
        self.message = message


class IndexProgress(Message):
    """How far the build has got; None when it has finished."""

    def __init__(self, progress: Progress | None):
        super().__init__()
        self.progress = progress


class IndexOpened(Message):
    """The index is open: ``summary`` for the status line, the engine's ``notes`` (warnings),
    and what the app asked to load for its first screen."""

    def __init__(self, summary: str, notes: list[str], first_screen: Any):
        super().__init__()
        self.summary = summary
        self.notes = notes
        self.first_screen = first_screen


class IndexFailed(Message):
    """The index could not be built or opened; ``message`` says why, in one line."""

    def __init__(self, message: str):
        super().__init__()
        self.message = message
