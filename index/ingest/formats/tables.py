"""Spreadsheets (python-calamine: XLSX, XLSB, XLS, ODS) and CSV: text by sheet and row.

Cells of a row are joined by tabs, so names in neighbouring cells never run together for NER.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from itertools import chain

from casework.index.ingest.formats.utf8_lines import Utf8Lines
from casework.index.ingest.shape import Budget, Extracted, NotText
from casework.index.ingest.text import codec_of, decoded_pieces


def extract_sheet(data: bytes, name: str, budget: Budget) -> Extracted:
    """Each sheet with text as "Sheet: NAME" and its rows, a row at a time into UTF-8: a
    sheet of a million rows as Python lists was ~900 MB in the extraction process."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    utf8 = bytearray()
    for sheet_name in book.sheet_names:
        # rows of the used range (empty rows above it give empty lines, which are dropped)
        lines = (_row(cells) for cells in book.get_sheet_by_name(sheet_name).iter_rows())
        first = True
        for line in lines:
            if not line:
                continue
            if first:
                utf8 += b"\n\n" if utf8 else b""
                utf8 += f"Sheet: {sheet_name}".encode("utf-8", "surrogatepass")
                first = False
            utf8 += b"\n" + line.encode("utf-8", "surrogatepass")
    if not utf8:
        raise NotText("spreadsheet without text")
    return Extracted(text="", utf8=utf8, title=name, content_type=_SHEET_MIME.get(
        name.lower().rsplit(".", 1)[-1], "application/vnd.ms-excel"), extractor="python-calamine",
        metadata={"sheets": str(len(book.sheet_names))})


_SHEET_MIME = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}


def _cell(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    return " ".join(str(value).split())


def _row(cells) -> str:
    return "\t".join(_cell(c) for c in cells).rstrip("\t")


def extract_csv(data: bytes, name: str, budget: Budget) -> Extracted:
    """Rows as lines, read as a stream (any size: a CSV export is often the longest file of
    a case folder, and its text as a str, its rows and their join were three copies)."""
    codec = codec_of(data)
    pieces = decoded_pieces(data, codec)
    first = ""
    for piece in pieces:  # the sniffer's sample: the first 8,192 characters
        first += piece
        if len(first) >= 8192:
            break
    try:
        dialect = csv.Sniffer().sniff(first[:8192], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel_tab if name.lower().endswith(".tsv") else csv.excel
    csv.field_size_limit(16 * 1024 * 1024)
    out = Utf8Lines()
    for row in csv.reader(_lines(chain((first,), pieces)), dialect):
        out.add_line(_row(row))
    if not out.lines:
        raise NotText("CSV without text")
    return Extracted(text="", utf8=out.utf8, title=name, content_type="text/csv",
                     extractor=f"csv ({codec})", metadata={"rows": str(out.lines)})


def _lines(pieces: Iterable[str]) -> Iterator[str]:
    """Pieces of text as lines that keep their "\n", as iterating a StringIO gives them."""
    rest = ""
    for piece in pieces:
        lines = (rest + piece).split("\n")
        rest = lines.pop()
        for line in lines:
            yield line + "\n"
    if rest:
        yield rest
