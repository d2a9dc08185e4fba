"""Text, Markdown and JSON held in bytes (files inside archives and e-mails, or sniffed)."""

from __future__ import annotations

import json
import re

from casework.index.ingest.formats.utf8_lines import STREAM_BYTES, Utf8Lines
from casework.index.ingest.shape import Budget, Extracted, NotText
from casework.index.ingest.text import codec_of, decode, decoded_pieces


def extract_text(data: bytes, name: str, budget: Budget) -> Extracted:
    """The text as UTF-8, decoded a megabyte at a time: a long member of an archive or
    attachment is never a str here (838 MB at 4 bytes a character, at the cap)."""
    codec = codec_of(data)
    utf8, blank = bytearray(), True
    for piece in decoded_pieces(data, codec):
        blank = blank and piece.isspace()
        utf8 += piece.encode("utf-8", "surrogatepass")
    if blank:
        raise NotText("no text (only whitespace)")
    return Extracted(text="", utf8=utf8, content_type="text/plain", extractor=codec)


def extract_json(data: bytes, name: str, budget: Budget) -> Extracted:
    """The string values of a JSON document (or of each line of JSON Lines), one a line.

    A file that is not JSON after all is read as text. A long one is read as a stream.
    """
    if len(data) > STREAM_BYTES:
        return _json_stream(data, name, budget)
    text, _ = decode(data)
    try:
        values = [json.loads(text)]
    except ValueError:
        try:
            values = [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError:
            return extract_text(data, name, budget)
    except RecursionError:
        raise NotText("JSON nested too deeply to read")
    strings = list(_strings(values))
    if not any(s.strip() for s in strings):
        raise NotText("JSON without string values")
    return Extracted(text="\n".join(strings), content_type="application/json", extractor="json")


# A JSON string token in UTF-8 (whose multi-byte characters never hold '"' or '\\'), and
# whether a ':' follows it, which makes it a key
_JSON_STRING = re.compile(rb'"((?:[^"\\]|\\.)*)"(\s*:)?', re.S)
_JSON_START = re.compile(rb'\s*(?:[{\["0-9-]|true\b|false\b|null\b)')


def _json_stream(data: bytes, name: str, budget: Budget) -> Extracted:
    """The string values of a long JSON file, in document order, keys left out, found token
    by token: json.loads of 200 MB builds objects many times its size. A file that does not
    start as JSON does is read as text; one that is not well-formed further on still gives
    its strings (no parser checks it whole)."""
    if not _JSON_START.match(data, 0, 4096) or codec_of(data) != "utf-8":
        return extract_text(data, name, budget)
    out = Utf8Lines()
    for match in _JSON_STRING.finditer(data):
        if match.group(2) is None:
            try:
                value = json.loads(b'"' + match.group(1) + b'"')
            except ValueError:  # a bad escape or a raw control character: the string as written
                value = match.group(1).decode("utf-8", "replace")
            if value.strip():
                out.add_line(value)
    if not out.lines:
        raise NotText("JSON without string values")
    return Extracted(text="", utf8=out.utf8, content_type="application/json",
                     extractor="json (streamed)")


def _strings(value: object):
    stack = [value]
    while stack:  # a stack, not recursion: nesting depth is the file's choice
        item = stack.pop()
        if isinstance(item, str):
            if item.strip():
                yield item
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))
