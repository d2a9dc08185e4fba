"""Text, Markdown and JSON held in bytes (files inside archives and e-mails, or sniffed)."""

from __future__ import annotations

import json

from casework.index.ingest.shape import Budget, Extracted, NotText
from casework.index.ingest.text import decode


def extract_text(data: bytes, name: str, budget: Budget) -> Extracted:
    text, encoding = decode(data)
    if not text.strip():
        raise NotText("no text (only whitespace)")
    return Extracted(text=text, content_type="text/plain", extractor=encoding)


def extract_json(data: bytes, name: str, budget: Budget) -> Extracted:
    """The string values of a JSON document (or of each line of JSON Lines), one a line.

    A file that is not JSON after all is read as text.
    """
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
