"""Spreadsheets (python-calamine: XLSX, XLSB, XLS, ODS) and CSV: text by sheet and row.

Cells of a row are joined by tabs, so names in neighbouring cells never run together for NER.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from casework.index.ingest.shape import Budget, Extracted, NotText
from casework.index.ingest.text import decode


def extract_sheet(data: bytes, name: str, budget: Budget) -> Extracted:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    blocks = []
    for sheet_name in book.sheet_names:
        rows = book.get_sheet_by_name(sheet_name).to_python(skip_empty_area=True)
        lines = [_row(cells) for cells in rows]
        lines = [line for line in lines if line]
        if lines:
            blocks.append(f"Sheet: {sheet_name}\n" + "\n".join(lines))
    if not blocks:
        raise NotText("spreadsheet without text")
    return Extracted(text="\n\n".join(blocks), title=name, content_type=_SHEET_MIME.get(
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
    text, encoding = decode(data)
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel_tab if name.lower().endswith(".tsv") else csv.excel
    csv.field_size_limit(16 * 1024 * 1024)
    lines = [_row(r) for r in csv.reader(io.StringIO(text), dialect)]
    lines = [line for line in lines if line]
    if not lines:
        raise NotText("CSV without text")
    return Extracted(text="\n".join(lines), title=name, content_type="text/csv", extractor=f"csv ({encoding})",
                     metadata={"rows": str(len(lines))})
