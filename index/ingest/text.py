"""Plain text: decode bytes (BOMs, UTF-8, legacy code pages), derive titles, read .txt and .md files.

Markdown is stored as written; NER is given a same-length copy with the markup blanked
(``ner_text``), so entity offsets need no mapping back.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import stat
from collections.abc import Callable, Iterator

from casework.index.ingest.shape import NotText
from casework.index.ingest.walk import Candidate, display_path, doc_id_for
from casework.index.models import SourceFile

MAX_FILE_BYTES = 200 * 1024 * 1024
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
_SNIFF_BYTES = 8192
_TITLE_CHARS = 120
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")
BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def read_source(candidate: Candidate) -> SourceFile:
    """Read and decode a candidate. Raises NotText for binaries, OSError for unreadable files."""
    path = candidate.path
    st = path.stat()
    if not stat.S_ISREG(st.st_mode):
        raise NotText("not a regular file")
    if st.st_size > MAX_FILE_BYTES:
        raise NotText(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    with open(path, "rb") as fh:
        data = fh.read()
    return source_from_bytes(candidate, data, st.st_mtime)


def source_from_bytes(candidate: Candidate, data: bytes, mtime: float) -> SourceFile:
    """A plain-text candidate's document from its bytes, read here or by the writer for a
    cluster worker (index/cluster_worker.py). Raises NotText for binaries."""
    text, encoding = decode(data)
    if is_blank(text):
        raise NotText("empty file" if not data else "no text (only whitespace)")
    return SourceFile(
        doc_id=doc_id_for(candidate.relpath),
        path=candidate.display_path,
        root=display_path(candidate.root),
        relpath=candidate.relpath,
        title=title_for(text, candidate.path.name),
        text=text,
        size=len(data),
        mtime=mtime,
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=encoding,
    )


def decode(data: bytes) -> tuple[str, str]:
    """Bytes to text with newlines normalised; returns (text, encoding name)."""
    for bom, codec in BOMS:
        if data.startswith(bom):
            return _normalise(data.decode(codec, errors="replace")), codec
    if b"\x00" in data[:_SNIFF_BYTES]:
        raise NotText("binary file (NUL bytes)")
    try:
        return _normalise(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    text, encoding = _decode_legacy(data)
    return _normalise(text), encoding


_WESTERN = ("cp1252", "latin_1", "iso8859_15")
_PIECE_BYTES = 1 << 20
_LEGACY_SAMPLE_BYTES = 1 << 20


def codec_of(data: bytes) -> str:
    """The codec ``decode`` would use for ``data``, found without decoding it whole: a
    streamed reader's first step (the legacy code page is judged on the first megabyte)."""
    for bom, codec in BOMS:
        if data.startswith(bom):
            return codec
    if b"\x00" in data[:_SNIFF_BYTES]:
        raise NotText("binary file (NUL bytes)")
    check = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for start in range(0, len(data), _PIECE_BYTES):
            check.decode(view[start:start + _PIECE_BYTES])
        check.decode(b"", final=True)
        return "utf-8"
    except UnicodeDecodeError:
        return _decode_legacy(data[:_LEGACY_SAMPLE_BYTES])[1]


def decoded_pieces(data: bytes, codec: str) -> Iterator[str]:
    """``decode(data)[0]`` a megabyte at a time, newlines normalised as there (a CR at the end
    of a piece waits for the next, which may start with its LF)."""
    decoder = codecs.getincrementaldecoder(codec)(errors="replace")
    view, held = memoryview(data), ""
    for start in range(0, len(data) + 1, _PIECE_BYTES):
        final = start + _PIECE_BYTES > len(data)
        piece = held + decoder.decode(view[start:start + _PIECE_BYTES], final=final)
        held = ""
        if piece.endswith("\r") and not final:
            piece, held = piece[:-1], "\r"
        if piece:
            yield _normalise(piece)


def _decode_legacy(data: bytes) -> tuple[str, str]:
    """Decode text that is not UTF-8, guessing the code page with charset-normalizer.

    For short Western text charset-normalizer often ties cp1252 with cp1250 or cp1006 (all
    equally 'clean'); in a tie, or when it has no language evidence at all, cp1252 is by far
    the likelier source, so prefer it.
    """
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        raise NotText("binary file or unknown encoding")
    best = matches[0]
    tie = any(
        m.encoding in _WESTERN
        and m.chaos <= best.chaos + 0.01
        and m.coherence >= best.coherence - 0.01
        for m in matches
    )
    if tie or best.coherence == 0.0:
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            return data.decode("latin_1"), "latin_1"
    return str(best), best.encoding


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def is_blank(text: str) -> bool:
    """``not text.strip()`` without the copy strip() makes of a text that ends in a newline
    (838 MB for 200 M characters that need 4 bytes each)."""
    return not text or text.isspace()


def title_for(text: str, filename: str) -> str:
    """First Markdown heading, else first non-empty line, else the file name."""
    # the first 200 lines, found one at a time: text.split("\n", 200) copied all the rest of
    # a long text as its last piece
    first_line, start, end = "", 0, len(text)
    for _ in range(200):
        stop = text.find("\n", start)
        stop = end if stop == -1 else stop
        match = _HEADING_AT.match(text, start, stop)
        if match:
            return _shorten(match.group(1))
        if not first_line:
            first_line = _stripped_line(text, start, stop)
        if stop == end:
            break
        start = stop + 1
    return _shorten(first_line) if first_line else filename


# _HEADING for a line inside the text, as match(text, start, stop): ^ at a line's start
_HEADING_AT = re.compile(_HEADING.pattern, re.M)
_WORD_RUN = re.compile(r"\S+")  # \S: what str.split() and str.strip() keep (Py_UNICODE_ISSPACE)
_LONG_LINE = 4096


def _stripped_line(text: str, start: int, stop: int) -> str:
    """``text[start:stop].strip()``; for a long line (a text with few newlines) only as many
    of its words, spaces made single, as _shorten keeps of it (the whole was a copy of it)."""
    if stop - start < _LONG_LINE:
        return text[start:stop].strip()
    words, n = [], 0
    for m in _WORD_RUN.finditer(text, start, stop):
        words.append(text[m.start() : min(m.end(), m.start() + _TITLE_CHARS + 1)])
        n += len(words[-1]) + 1
        if n > _TITLE_CHARS + 1:
            break
    return " ".join(words)


def _shorten(line: str) -> str:
    line = " ".join(line.split())
    if len(line) <= _TITLE_CHARS:
        return line
    cut = line.rfind(" ", 0, _TITLE_CHARS)
    return line[: cut if cut > 40 else _TITLE_CHARS].rstrip(" ,;:") + "…"


# Markdown markup to blank for NER, each replaced by as many spaces as it has characters.
_MD_LINE_MARKS = re.compile(r"(?m)^( {0,3}(?:#{1,6}[ \t]|>[ \t]?|[-*+][ \t]|\d{1,9}[.)][ \t]))+")
_MD_FENCE = re.compile(r"(?m)^ {0,3}(```|~~~).*$")
_MD_RULE = re.compile(r"(?m)^ {0,3}([-*_])([ \t]*\1){2,}[ \t]*$")
_MD_LINK_TAIL = re.compile(r"\]\([^)\n]*\)")  # the "](url)" of a link or image
_MD_LINK_HEAD = re.compile(r"!?\[(?=[^\]\n]*\]\()")
_MD_EMPHASIS = re.compile(r"(\*{1,3}|_{1,3}|~~|`+)(?=\S)(.+?)(?<=\S)\1")
_MD_TAG = re.compile(r"</?[A-Za-z][^>\n]*>")
_MD_TABLE_PIPE = re.compile(r"\|")


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group(0))


def _blank_emphasis(match: re.Match[str]) -> str:
    mark = " " * len(match.group(1))
    return mark + match.group(2) + mark


def markdown_for_ner(text: str) -> str:
    """``text`` with Markdown markup replaced by spaces: same length, same offsets."""
    for pattern in (_MD_FENCE, _MD_RULE, _MD_LINE_MARKS, _MD_LINK_HEAD, _MD_LINK_TAIL, _MD_TAG,
                    _MD_TABLE_PIPE):
        text = pattern.sub(_blank, text)
    return _MD_EMPHASIS.sub(_blank_emphasis, text)


def ner_text(src: SourceFile) -> str:
    """The text to give NER for ``src``: its text, with markup blanked for Markdown files."""
    if _is_markdown(src):
        return markdown_for_ner(src.text)
    return src.text


def ner_piece(src: SourceFile) -> Callable[[int, int], str]:
    """``ner_text(src)[a:b]`` as a function of (a, b), made a piece at a time: a long Markdown
    file's blanked copy made whole was a second and third copy of its text (each pattern's
    substitution a new string), up to 838 MB each at the 200 MB cap. Every pattern stays in
    its line, so the lines around a piece, blanked alone, give what the whole text gave."""
    text = src.text
    if not _is_markdown(src):
        return lambda a, b: text[a:b]

    def piece(a: int, b: int) -> str:
        start = text.rfind("\n", 0, a) + 1
        end = text.find("\n", b)
        return markdown_for_ner(text[start:len(text) if end == -1 else end])[a - start:b - start]

    return piece


def _is_markdown(src: SourceFile) -> bool:
    return src.path.rsplit("//", 1)[-1].lower().endswith(tuple(MARKDOWN_SUFFIXES))
