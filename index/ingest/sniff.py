"""What kind of document a file is: by its name, else by its first bytes (magic numbers)."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

HEAD_BYTES = 8192

# kind -> suffixes; a kind is a key of formats.EXTRACTORS, or "text" / "markdown"
_KINDS: dict[str, tuple[str, ...]] = {
    "text": (".txt", ".text", ".rst"),
    "markdown": (".md", ".markdown"),
    "pdf": (".pdf",),
    "html": (".html", ".htm", ".xhtml"),
    "docx": (".docx", ".docm", ".dotx"),
    "odf": (".odt", ".odp", ".ott"),
    "pptx": (".pptx", ".pptm"),
    "sheet": (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"),
    "csv": (".csv", ".tsv"),
    "rtf": (".rtf",),
    "eml": (".eml",),
    "mbox": (".mbox", ".mbx"),
    "zip": (".zip",),
    "tar": (".tar", ".tgz", ".tar.gz", ".tbz2", ".tar.bz2", ".txz", ".tar.xz"),
    "json": (".json", ".jsonl", ".ndjson"),
}
SUFFIX_KIND = {suffix: kind for kind, suffixes in _KINDS.items() for suffix in suffixes}
# Known formats this version does not read: said plainly rather than sniffed as binary.
_UNSUPPORTED = {
    ".msg": "Outlook .msg is not read (no permissively licensed reader)",
    ".doc": "Word 97-2003 .doc is not read",
    ".ppt": "PowerPoint 97-2003 .ppt is not read",
    ".7z": "7-Zip archives are not read",
    ".rar": "RAR archives are not read",
}
# Suffixes that are never documents: skipped by name, without opening the file.
_NOT_DOCUMENTS = frozenset(
    ".png .jpg .jpeg .gif .bmp .tif .tiff .webp .ico .heic .psd .svgz .mp3 .wav .flac .ogg .m4a "
    ".aac .mp4 .mov .avi .mkv .webm .wmv .exe .dll .so .dylib .o .a .class .jar .pyc .whl .deb "
    ".rpm .dmg .iso .img .bin .dat .db .sqlite .ttf .otf .woff .woff2 .parquet .npy .pkl".split()
)
_CONTROL = bytes(set(range(32)) - {9, 10, 12, 13, 27})
_MAIL_HEADER = re.compile(
    rb"^(Return-Path|Received|From|To|Subject|Date|Message-ID|Delivered-To|MIME-Version|"
    rb"X-[A-Za-z-]+|Reply-To|Cc|Content-Type):[ \t]", re.IGNORECASE
)


def kind_for_name(name: str) -> str | None:
    """The kind a file name says (``.tar.gz`` before ``.gz``), or None when it says nothing known."""
    lower = name.lower()
    if lower.endswith((".tar.gz", ".tar.bz2", ".tar.xz")):
        return "tar"
    return SUFFIX_KIND.get(os.path.splitext(lower)[1])


def kind_for_content(path: Path) -> tuple[str | None, str]:
    """(kind, "") for a document, else (None, why it is skipped). Never blocks on a FIFO."""
    suffix = path.suffix.lower()
    if suffix in _NOT_DOCUMENTS:
        return None, f"not a text document ({suffix})"
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            return None, "not a regular file"
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            head = os.read(fd, HEAD_BYTES)
        finally:
            os.close(fd)
    except OSError:
        return "unknown", ""  # reading it will report the error as a failure
    return kind_for_bytes(head, path.name)


def kind_for_bytes(head: bytes, name: str) -> tuple[str | None, str]:
    """(kind, "") for a document whose first bytes are ``head``, else (None, reason)."""
    suffix = os.path.splitext(name.lower())[1]
    if suffix in _UNSUPPORTED:
        return None, _UNSUPPORTED[suffix]
    shown = suffix or "no extension"
    if not head:
        return None, "empty file"
    if head.startswith(b"%PDF-"):
        return "pdf", ""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip", ""  # the zip reader tells DOCX, ODT, XLSX and PPTX from a plain archive
    if head.startswith(b"{\\rtf"):
        return "rtf", ""
    if len(head) > 262 and head[257:262] == b"ustar":
        return "tar", ""
    if head.startswith((b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")):
        return "tar", ""  # compressed: read as a tar, skipped with a reason if it is not one
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return ("sheet", "") if suffix == ".xls" else (None, f"legacy Office/Outlook file ({shown})")
    text_head = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    lowered = text_head[:512].lower()
    if lowered.startswith((b"<!doctype html", b"<html")) or (
            lowered.startswith(b"<?xml") and b"<html" in head.lower()):
        return "html", ""
    lines = text_head.split(b"\n", 2)
    if text_head.startswith(b"From ") and len(lines) > 1 and _MAIL_HEADER.match(lines[1]):
        return "mbox", ""
    first = head.split(b"\n", 1)[0]
    if _MAIL_HEADER.match(first) and _looks_like_mail(head):
        return "eml", ""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "text", ""  # UTF-16 or UTF-32 with a byte-order mark
    if b"\x00" not in head and _mostly_text(head):
        if text_head[:1] in (b"{", b"["):
            return "json", ""  # read as text if it does not parse
        return "text", ""
    return None, _binary_reason(head, shown)


def _mostly_text(head: bytes) -> bool:
    """Few control characters: text in some encoding (UTF-16 without a BOM is not sniffed)."""
    return len(head.translate(None, _CONTROL)) >= 0.97 * len(head)


def _looks_like_mail(head: bytes) -> bool:
    """Most lines before the first blank line are headers, and From or Subject is one of them."""
    block = head.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    lines = [l for l in block.split(b"\n") if l and not l[:1].isspace()]
    names = {l.split(b":", 1)[0].lower() for l in lines if _MAIL_HEADER.match(l)}
    return bool(names & {b"from", b"subject", b"received"}) and len(names) >= 2


def _binary_reason(head: bytes, shown: str) -> str:
    import filetype  # 1.2: magic numbers of ~80 binary types, for the skip reason only

    found = filetype.guess(head)
    if found is not None:
        return f"not a text document ({shown}, {found.mime})"
    return f"not a text document ({shown}, binary)"
