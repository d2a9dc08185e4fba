"""Messages the panes post up to the app ("attributes down, messages up")."""

from __future__ import annotations

from textual.message import Message


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
    """The results list wants the next page of the current query; with ``open_first``, Enter
    came before any results (typed ahead, or over a slow link): open the first hit when they
    arrive."""

    def __init__(self, open_first: bool = False):
        super().__init__()
        self.open_first = open_first


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
