"""One reader per family of formats; each is ``(data: bytes, name: str, budget) -> Extracted``.

Modules are imported on first use, and each imports its library inside the function, so
neither the search path nor a folder of plain text pays for a parser it does not need.
"""

from __future__ import annotations

import importlib
from typing import Callable

from casework.index.ingest.shape import Budget, Extracted

Extractor = Callable[[bytes, str, Budget], Extracted]

# kind (ingest.sniff) -> "module:function" under this package
READERS: dict[str, str] = {
    "text": "plain:extract_text",
    "markdown": "plain:extract_text",
    "json": "plain:extract_json",
    "csv": "tables:extract_csv",
    "sheet": "tables:extract_sheet",
    "pdf": "pdf:extract",
    "html": "html:extract",
    "docx": "office:extract_docx",
    "odf": "office:extract_odf",
    "pptx": "office:extract_pptx",
    "rtf": "office:extract_rtf",
    "eml": "mail:extract_eml",
    "mbox": "mail:extract_mbox",
    "zip": "archive:extract_zip",
    "tar": "archive:extract_tar",
}


def extractor(kind: str) -> Extractor:
    module, name = READERS[kind].split(":")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
