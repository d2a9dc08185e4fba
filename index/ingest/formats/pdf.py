"""PDF text layers: pypdfium2 (PDFium), and pdfminer.six for a file PDFium cannot open.

PDFium is 38-160x faster than pdfminer here, but only pdfminer read a PDF with a broken page
tree (shared/FIELD-NOTES.md). PDFium is not thread-safe: it runs in the sandbox process only.
A PDF without a text layer (scanned) is skipped with that reason; OCR is not done.
"""

from __future__ import annotations

import io
import re

from casework.index.ingest.formats.utf8_lines import Utf8Lines
from casework.index.ingest.shape import Budget, Extracted, NotText

_PASSWORD_ERROR = 4  # FPDF_ERR_PASSWORD
_PDF_DATE = re.compile(r"D?:?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Zz+-])?(\d{2})?'?(\d{2})?")


def extract(data: bytes, name: str, budget: Budget) -> Extracted:
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == _PASSWORD_ERROR or "password" in str(exc).lower():
            raise NotText("encrypted PDF (needs a password)") from None
        return _with_pdfminer(data, why=str(exc))
    text = _PageText()
    try:
        for i in range(len(doc)):
            page = doc[i]
            textpage = page.get_textpage()
            text.add(textpage.get_text_range())  # 8.5 ms a 5-page file, bounded 12.3
            textpage.close()
            page.close()
        meta = doc.get_metadata_dict(skip_empty=True)
    finally:
        doc.close()
    return _result(text, meta, "pypdfium2")


def _with_pdfminer(data: bytes, why: str) -> Extracted:
    from pdfminer.high_level import extract_text
    from pdfminer.pdfdocument import PDFDocument, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFParser

    try:
        text = extract_text(io.BytesIO(data))
        doc = PDFDocument(PDFParser(io.BytesIO(data)))
        info = doc.info[0] if doc.info else {}
    except PDFPasswordIncorrect:
        raise NotText("encrypted PDF (needs a password)") from None
    except Exception as exc:
        raise ValueError(f"malformed PDF: PDFium said {why!r}; pdfminer said {exc!r}") from None
    meta = {k: _pdfminer_str(v) for k, v in info.items() if isinstance(k, str)}
    pages = _PageText()
    for page in text.split("\f"):
        pages.add(page)
    return _result(pages, meta, "pdfminer.six")


def _pdfminer_str(value: object) -> str:
    if isinstance(value, bytes):
        if value.startswith(b"\xfe\xff"):
            return value[2:].decode("utf-16-be", "replace")
        return value.decode("latin-1")
    return str(value)


class _PageText(Utf8Lines):
    """Pages' text, blank pages left out, joined by an empty line, kept as UTF-8 as each page
    is read: a long PDF's pages, their copies and their join were three copies of its text."""

    def __init__(self) -> None:
        super().__init__(separator=b"\n\n")
        self.pages = 0

    def add(self, page: str) -> None:
        self.pages += 1
        page = page.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
        if page.strip():
            self.add_line(page)


def _result(text: _PageText, meta: dict[str, str], extractor: str) -> Extracted:
    if not text.utf8:
        raise NotText(f"scanned PDF: no text layer on its {text.pages} pages (OCR is not done)")
    return Extracted(
        text="",
        utf8=text.utf8,
        title=meta.get("Title", ""),
        content_type="application/pdf",
        extractor=extractor,
        author=meta.get("Author", ""),
        created=_iso(meta.get("CreationDate", "")),
        modified=_iso(meta.get("ModDate", "")),
        metadata={"pages": str(text.pages)},
    )


def _iso(value: str) -> str:
    """'D:20240131120500+01'00'' -> '2024-01-31T12:05:00+01:00'; as written if it is not that."""
    m = _PDF_DATE.fullmatch(value.strip())
    if not m:
        return value
    y, mo, d, h, mi, s, z, zh, zm = m.groups()
    out = f"{y}-{mo or '01'}-{d or '01'}"
    if h:
        out += f"T{h}:{mi or '00'}:{s or '00'}"
        if z in ("Z", "z"):
            out += "Z"
        elif z and zh:
            out += f"{z}{zh}:{zm or '00'}"
    return out
