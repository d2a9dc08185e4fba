"""Files to text: walk folders, tell formats apart, extract text, metadata and children.

``walk`` finds candidates (include / exclude globs, sniffing files without a known extension);
``text`` decodes plain text; ``formats/`` holds one reader per family of formats, run by
``extract`` inside the sandbox of ``limits`` (a time limit and a memory cap per file);
``read.Reader`` turns a candidate into SourceFiles. Parsers are imported only when a file
needs them, never on the search path.
"""

from casework.index.ingest.limits import Limits
from casework.index.ingest.read import IPATH_SEP, Loaded, Read, Reader, load
from casework.index.ingest.shape import Caps, NotText
from casework.index.ingest.text import (
    MAX_FILE_BYTES,
    decode,
    markdown_for_ner,
    ner_piece,
    ner_text,
    read_source,
    title_for,
)
from casework.index.ingest.walk import (
    Candidate,
    Globs,
    Skipped,
    Unreadable,
    display_path,
    doc_id_for,
    scan,
    scan_changed,
)

__all__ = [
    "IPATH_SEP", "MAX_FILE_BYTES", "Candidate", "Caps", "Globs", "Limits", "Loaded", "NotText",
    "Read", "Reader", "Skipped", "Unreadable", "decode", "display_path", "doc_id_for", "load",
    "markdown_for_ner", "ner_piece", "ner_text", "read_source", "scan", "scan_changed",
    "title_for",
]
