"""Document text is data: make it inert before it reaches a terminal.

Rich strips only a few control codes (BEL, BS, VT, FF, CR) and passes ESC through, so a document
could otherwise move the cursor, set the clipboard (OSC 52) or plant a link (OSC 8). Every
control or format character except newline and tab is shown as a visible escape instead.
Markup is never the issue here: callers put text in ``rich.text.Text`` objects, never in
markup strings.
"""

from __future__ import annotations

import re

# C0 and C1 controls (except \t and \n), DEL, and bidi/zero-width format characters that can
# make text read differently on screen than it is stored.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)


def _visible(match: re.Match[str]) -> str:
    ch = match.group(0)
    if ch == "\x1b":
        return "␛"
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """The text with every control/format character replaced by a visible escape.

    ESC becomes '␛' (one character, so offsets of ordinary text hold for single-char swaps);
    others become their \\xNN or \\uNNNN escape.
    """
    return _UNSAFE.sub(_visible, text)


def printable_same_length(text: str) -> str:
    """Like :func:`printable` but one character for one, so character offsets stay valid.

    Used where mention offsets index into the text (the document view).
    """
    return _UNSAFE.sub(lambda m: "␛" if m.group(0) == "\x1b" else "�", text)

