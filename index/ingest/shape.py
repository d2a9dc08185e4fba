"""What an extractor returns: the text of one file or member, its metadata, and its children.

A child (an e-mail's attachment, an archive's member) is extracted in turn; each gets an
``ipath``, the names from the file on disk down to it, as Recoll's ipath does. The indexer
stores it as its own document at ``<file>//<name>//<name>`` with its parent and depth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable


class NotText(Exception):
    """The file is binary, empty, scanned or in no encoding we can read: skipped, not failed."""


@dataclass
class EmailHeaders:
    """The headers of one message, decoded (RFC 2047) and parsed by the stdlib's policy.default."""

    from_: str = ""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    date: str = ""  # ISO 8601 when the Date header parses, else as written
    subject: str = ""
    message_id: str = ""
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)


@dataclass
class Child:
    """Something inside a parent: read it as ``data``, or skip it for ``skipped``."""

    name: str  # its path inside the parent: a member name, an attachment's file name
    data: bytes = b""
    content_type: str = ""
    skipped: str = ""
    failed: str = ""


@dataclass
class Extracted:
    """The text and metadata of one document, plus its children (read lazily, once)."""

    text: str
    title: str = ""
    content_type: str = ""  # MIME type
    extractor: str = ""  # the library that read it, e.g. "pypdfium2", "pdfminer.six"
    author: str = ""
    created: str = ""  # ISO 8601 where the format says
    modified: str = ""
    metadata: dict[str, str] = field(default_factory=dict)  # anything else: pages, sheets, ...
    email: EmailHeaders | None = None
    children: Iterable[Child] = ()
    # the text as UTF-8 instead of ``text``: from a reader that streamed a long file
    # (formats/utf8_lines.py), or packed for the reply to the indexer, so the extraction
    # process never holds every part's text as a str (4 bytes a character at worst) beside it
    utf8: bytes | bytearray | None = None

    def pack(self) -> None:
        """Keep the text as UTF-8 only (in the extraction process, as each part is read)."""
        if self.utf8 is None:
            self.utf8, self.text = self.text.encode("utf-8", "surrogatepass"), ""

    def take_text(self) -> None:
        """Make ``text`` of ``utf8`` (in the indexer, after the reply), and let the bytes go."""
        if self.utf8 is not None:
            self.text, self.utf8 = self.utf8.decode("utf-8", "surrogatepass"), None


@dataclass
class Part:
    """One document out of a file on disk: the file itself (``ipath == ()``) or a child."""

    ipath: tuple[str, ...]
    size: int = 0
    sha256: str = ""
    extracted: Extracted | None = None  # children already taken out
    skipped: str = ""  # why it gives no text
    failed: str = ""  # why reading it went wrong

    @property
    def depth(self) -> int:
        return len(self.ipath)


@dataclass(frozen=True)
class Caps:
    """Limits on what one file on disk may expand to."""

    max_depth: int = 5  # a member of a member of ... five levels down, no deeper
    max_children: int = 10_000  # per parent
    max_member_bytes: int = 200 * 1024 * 1024  # one member, uncompressed
    max_expanded_bytes: int = 1024 * 1024 * 1024  # all members of one file on disk together


class Budget:
    """The bytes one file on disk may still expand to."""

    def __init__(self, caps: Caps):
        self.caps = caps
        self.left = caps.max_expanded_bytes

    def take(self, n: int) -> bool:
        if n > self.left:
            return False
        self.left -= n
        return True
