"""What type a document is, as people name it: ``pdf``, ``email``, ``docx``, ``text`` ...

One short word per format, from the MIME type ingest recorded (or, for a file read as plain
text, which records none, from its name). The ``type:`` search field holds it beside the MIME
type, and each hit carries it, so ``type:pdf`` finds what the results list shows as PDF.
"""

from __future__ import annotations

# MIME type (as the format readers in ingest/formats record it) -> kind
_MIME_KIND = {
    "application/pdf": "pdf",
    "message/rfc822": "email",
    "application/mbox": "mbox",
    "text/html": "html",
    "text/csv": "csv",
    "application/json": "json",
    "application/rtf": "rtf",
    "application/zip": "zip",
    "application/x-tar": "tar",
    "text/plain": "text",
    "text/markdown": "markdown",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
    "application/vnd.ms-excel": "xls",
}
_MARKDOWN = (".md", ".markdown")


def file_name(path: str) -> str:
    """The last part of a document's path: ``a.pdf``, or ``b.txt`` for ``x/a.zip//b.txt``."""
    return path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


def extensions(path: str) -> list[str]:
    """The file name's extensions, lower case, without dots: ``["pdf"]``; ``["tar.gz", "gz"]``
    for ``a.tar.gz``; none for ``README`` or ``.bashrc``."""
    name = file_name(path).lower()
    parts = name.lstrip(".").split(".")[1:]
    if not parts:
        return []
    out = [parts[-1]]
    if len(parts) > 1 and len(parts[-2]) <= 4 and parts[-1] in ("gz", "bz2", "xz", "zst"):
        out.insert(0, f"{parts[-2]}.{parts[-1]}")
    return [e for e in out if e]


def kind_of(content_type: str, path: str) -> str:
    """The document's kind: from its MIME type, else (plain text, which records none) from its
    name; an unknown MIME type gives its subtype (``application/x-foo``: ``x-foo``)."""
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime in _MIME_KIND:
        return _MIME_KIND[mime]
    if mime:
        return mime.rsplit("/", 1)[-1] or "text"
    return "markdown" if file_name(path).lower().endswith(_MARKDOWN) else "text"
