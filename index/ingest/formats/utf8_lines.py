"""Text made a piece at a time, kept as UTF-8: what a streamed reader hands back.

A streamed reader (html_stream.py and the JSON reader past ``STREAM_BYTES``, the CSV reader at
any size) writes its text here instead of building a str: at the 200 MB cap a str of text that
needs 4 bytes a character is 838 MB, and its lines and their join were two more. The bytes go back as
``Extracted.utf8`` and the indexer decodes them once (read.py).
"""

from __future__ import annotations

import re

# A file longer than this is read as a stream; most are far shorter, and read whole.
STREAM_BYTES = 16 * 1024 * 1024
_PENDING_CHARS = 1 << 20
_SPACES = re.compile(r"\s+")  # \s is what str.split() splits on (Py_UNICODE_ISSPACE)


class Utf8Lines:
    """Lines, empty ones dropped, joined by ``separator`` and encoded as UTF-8 into ``utf8``:
    whole (``add_line``) or written in any pieces and made single-spaced (``write``)."""

    def __init__(self, separator: bytes = b"\n") -> None:
        self.utf8 = bytearray()
        self.lines = 0
        self.separator = separator
        self._pending: list[str] = []
        self._size = 0
        self._flush_at = _PENDING_CHARS

    def add_line(self, line: str) -> None:
        """One whole line, as it is (no squeezing; empty lines are dropped)."""
        if line:
            if self.lines:
                self.utf8 += self.separator
            self.utf8 += line.encode("utf-8", "surrogatepass")
            self.lines += 1

    def write(self, text: str) -> None:
        """Text in any pieces; lines end at "\n" (or a CR); each line's white space is made
        single, as html.py makes it."""
        self._pending.append(text)
        self._size += len(text)
        if self._size >= self._flush_at:
            self._flush(final=False)

    def close(self) -> None:
        self._flush(final=True)

    def _flush(self, final: bool) -> None:
        # a lone CR is a line break, as an HTML parser reads it (and empty lines are dropped,
        # so CR LF split over two pieces is no extra line)
        text = "".join(self._pending).replace("\r", "\n")
        cut = len(text) if final else text.rfind("\n") + 1
        self._pending = [text[cut:]] if cut < len(text) else []
        self._size = len(text) - cut
        # a line longer than a flush is joined again only when it has doubled: linear, not
        # quadratic, in a file with no line breaks
        self._flush_at = max(_PENDING_CHARS, 2 * self._size)
        for line in text[:cut].split("\n"):
            self.add_line(_SPACES.sub(" ", line).strip())
