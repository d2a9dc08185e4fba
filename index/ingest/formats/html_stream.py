"""A long HTML file read as a stream: the same text as html.py, without a DOM.

Lexbor builds the whole tree of a page, and selectolax hands its text back as one str, then
html.py splits and joins it; at the 200 MB cap that passed the extraction process's 2 GB
memory cap. The stdlib's tokenizer (html.parser, in C-backed regular expressions) is fed the
file a megabyte at a time; the text goes out as UTF-8 a line at a time (``Utf8Lines``), so the
process holds the file, the text once as bytes, and a megabyte of work.

What it keeps and drops follows html.py: the elements html.DROP names, and those marked
role="navigation" or aria-hidden="true", are dropped with their content; a block element
starts a new line; each line's white space is made single and empty lines go. The title is
the <title>'s text, else og:title; author and dates come from the same <meta> names.
"""

from __future__ import annotations

from html.parser import HTMLParser

from casework.index.ingest.formats.utf8_lines import Utf8Lines
from casework.index.ingest.shape import NotText
from casework.index.ingest.text import codec_of, decoded_pieces

# elements with no end tag: nothing to skip after them
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())


class _TextOf(HTMLParser):
    def __init__(self, out: Utf8Lines, drop: frozenset[str], blocks: frozenset[str]):
        super().__init__(convert_charrefs=True)
        self.out = out
        self.drop = drop
        self.blocks = blocks
        self.skipping = ""  # the element whose content is being dropped
        self.depth = 0  # how many of it are open inside the dropped one
        self.in_title = False
        self.title: list[str] = []
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            self._meta(dict(attrs))
        if self.skipping:
            if tag == self.skipping:
                self.depth += 1
            elif self.skipping == "head" and tag == "body":  # <head> closed without </head>
                self.skipping, self.depth = "", 0
            else:
                if tag == "title":
                    self.in_title = True
                return
        if tag == "title":
            self.in_title = True
        if tag in _VOID:
            if tag in self.blocks:
                self.out.write("\n")
            return
        if tag in self.drop or _hidden(attrs):
            self.skipping, self.depth = tag, 1
            return
        if tag in self.blocks:
            self.out.write("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            self._meta(dict(attrs))
        if not self.skipping and tag in self.blocks:
            self.out.write("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if self.skipping and tag == self.skipping:
            self.depth -= 1
            if self.depth == 0:
                self.skipping = ""

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        elif not self.skipping:
            self.out.write(data)

    def _meta(self, attrs: dict[str, str | None]) -> None:
        key = (attrs.get("name") or attrs.get("property") or "").lower()
        if key and attrs.get("content"):
            self.meta.setdefault(key, attrs["content"] or "")


def _hidden(attrs: list[tuple[str, str | None]]) -> bool:
    for key, value in attrs:
        if (key == "role" and value == "navigation") or (key == "aria-hidden" and value == "true"):
            return True
    return False


def text_of(data: bytes, drop: frozenset[str],
            blocks: frozenset[str]) -> tuple[bytearray, str, dict[str, str]]:
    """The text of the HTML page in ``data`` as UTF-8, its <title>, and its <meta> by name."""
    parser = _TextOf(Utf8Lines(), drop, blocks)
    for piece in decoded_pieces(data, codec_of(data)):
        parser.feed(piece)
    parser.close()
    parser.out.close()
    if not parser.out.lines:
        raise NotText("HTML without text")
    return parser.out.utf8, "".join(parser.title).strip(), parser.meta
