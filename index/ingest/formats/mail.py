"""E-mail with the stdlib (email, policy.default): .eml, mbox files, and Maildir messages.

A message's text is its From/To/Cc/Date/Subject lines (so NER sees the names) and its body; its
attachments are children. A text part without a charset, or with one Python does not know, is
decoded like a plain file (UTF-8, else the likeliest legacy code page), never as ASCII with
replacement characters. An mbox is split on its "From " lines here rather than with
``mailbox.mbox``, which opens the file for writing ('rb+') and needs it on disk.
"""

from __future__ import annotations

import mimetypes
import re
from typing import Any, Iterator

from casework.index.ingest.shape import Budget, Child, EmailHeaders, Extracted, NotText
from casework.index.ingest.text import decode

_FROM_LINE = re.compile(rb"^From [^\n]*\n", re.MULTILINE)


def extract_eml(data: bytes, name: str, budget: Budget) -> Extracted:
    import email
    from email import policy

    msg = email.message_from_bytes(data, policy=policy.default)
    return _message(msg)


def _header(msg: Any, name: str) -> str:
    try:
        value = msg.get(name)
        return "" if value is None else " ".join(str(value).split())
    except Exception:  # a header the structured parser chokes on: its raw text
        for key, raw in msg.raw_items():
            if key.lower() == name:
                return " ".join(str(raw).split())
        return ""


def _addresses(msg: Any, name: str) -> list[str]:
    try:
        value = msg.get(name)
        if value is None:
            return []
        return [str(a) for a in value.addresses] if hasattr(value, "addresses") else [str(value)]
    except Exception:
        raw = _header(msg, name)
        return [a.strip() for a in raw.split(",") if a.strip()]


def _date(msg: Any) -> str:
    try:
        value = msg.get("date")
        when = getattr(value, "datetime", None)
        if when is not None:
            return when.isoformat()
    except Exception:
        pass
    return _header(msg, "date")


def headers_of(msg: Any) -> EmailHeaders:
    return EmailHeaders(
        from_=", ".join(_addresses(msg, "from")),
        to=_addresses(msg, "to"),
        cc=_addresses(msg, "cc"),
        bcc=_addresses(msg, "bcc"),
        date=_date(msg),
        subject=_header(msg, "subject"),
        message_id=_header(msg, "message-id"),
        in_reply_to=_header(msg, "in-reply-to"),
        references=_header(msg, "references").split(),
    )


def part_text(part: Any) -> str:
    """A text part's content as str, decoded by its charset, or sniffed when it has none."""
    payload = part.get_payload(decode=True) or b""
    charset = part.get_content_charset()
    text = None
    if charset:
        try:
            text = payload.decode(charset)
        except (LookupError, UnicodeDecodeError):
            text = None
    if text is None:
        try:
            text, _ = decode(payload)
        except NotText:
            return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if part.get_content_subtype() == "html":
        from casework.index.ingest.formats.html import extract_str

        try:
            return extract_str(text).text
        except NotText:
            return ""
    return text


def _message(msg: Any) -> Extracted:
    head = headers_of(msg)
    try:
        body_part = msg.get_body(preferencelist=("plain", "html"))
    except Exception:
        body_part = None
    body = part_text(body_part) if body_part is not None else ""
    lines = [f"{label}: {value}" for label, value in (
        ("From", head.from_), ("To", ", ".join(head.to)), ("Cc", ", ".join(head.cc)),
        ("Date", head.date), ("Subject", head.subject)) if value]
    text = "\n".join(lines) + "\n\n" + body.strip("\n")
    if not text.strip():
        raise NotText("e-mail without headers or text")
    return Extracted(
        text=text,
        title=head.subject,
        content_type="message/rfc822",
        extractor="email",
        author=head.from_,
        created=head.date,
        email=head,
        children=_attachments(msg, body_part),
    )


def _attachments(msg: Any, body_part: Any) -> Iterator[Child]:
    try:
        parts = list(msg.iter_attachments()) if msg.is_multipart() else []
    except Exception:
        parts = []
    if body_part is None and not msg.is_multipart():
        parts = [msg]  # a message that is one attachment (a PDF sent alone)
    for i, part in enumerate(parts, 1):
        mime = part.get_content_type()
        try:
            filename = part.get_filename()
        except Exception:
            filename = None
        if mime == "message/rfc822" or part.is_multipart():
            inner = part.get_payload(0) if mime == "message/rfc822" else part
            try:
                data = inner.as_bytes()
            except Exception as exc:
                yield Child(filename or f"message-{i}.eml", failed=f"unreadable message ({exc})")
                continue
            yield Child(filename or f"message-{i}.eml", data, "message/rfc822")
            continue
        if not filename:
            filename = f"attachment-{i}{mimetypes.guess_extension(mime) or ''}"
        try:
            data = part.get_payload(decode=True) or b""
        except Exception as exc:
            yield Child(filename, failed=f"unreadable attachment ({exc})")
            continue
        if not data:
            yield Child(filename, skipped="empty attachment")
            continue
        yield Child(filename, data, mime)


def split_mbox(data: bytes) -> list[bytes]:
    """The messages of an mbox: what follows each line that starts with 'From '."""
    starts = [m.end() for m in _FROM_LINE.finditer(data)]
    ends = [m.start() for m in _FROM_LINE.finditer(data)][1:] + [len(data)]
    return [data[s:e] for s, e in zip(starts, ends)]


def extract_mbox(data: bytes, name: str, budget: Budget) -> Extracted:
    from email import policy
    from email.parser import BytesHeaderParser

    messages = split_mbox(data.replace(b"\r\n", b"\n"))
    if not messages:
        raise NotText("mbox without messages")
    lines = []
    parse_headers = BytesHeaderParser(policy=policy.default).parsebytes
    for raw in messages:
        head = headers_of(parse_headers(raw.split(b"\n\n", 1)[0] + b"\n\n"))
        lines.append("  ".join(v for v in (head.date, head.from_, head.subject) if v))
    text = f"Mailbox of {len(messages)} messages:\n" + "\n".join(lines)
    children = (Child(f"message-{i}.eml", raw, "message/rfc822")
                for i, raw in enumerate(messages, 1))
    return Extracted(text=text, title=name, content_type="application/mbox", extractor="email",
                     metadata={"messages": str(len(messages))}, children=children)
