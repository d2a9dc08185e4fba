"""Word, OpenDocument and PowerPoint files read from their XML (zipfile + xml.etree); RTF by striprtf.

Reading the XML directly was the only way that kept tracked insertions, comments, headers and
footers (shared/FIELD-NOTES.md). Tracked deletions are left out: they are not in the document.
Every part is read with a size cap, so a zip bomb inside a .docx is refused like any other.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile

from casework.index.ingest.shape import Budget, Extracted, NotText

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_TEXT_NS = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_OFFICE_NS = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_STYLE_NS = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_DCTERMS = "{http://purl.org/dc/terms/}"
_META_NS = "{urn:oasis:names:tc:opendocument:xmlns:meta:1.0}"
_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def office_kind(zf: zipfile.ZipFile) -> str | None:
    """The office format a zip really is, or None for a plain archive."""
    names = set(zf.namelist())
    if "word/document.xml" in names:
        return "docx"
    if "ppt/presentation.xml" in names:
        return "pptx"
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return "sheet"
    if "mimetype" in names:
        mime = zf.read("mimetype")[:100]
        if b"opendocument.spreadsheet" in mime:
            return "sheet"
        if b"opendocument.text" in mime or b"opendocument.presentation" in mime:
            return "odf"
    return None


def _part(zf: zipfile.ZipFile, name: str, budget: Budget) -> ET.Element | None:
    """Parse one XML part, refusing one that expands past the member cap."""
    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    cap = budget.caps.max_member_bytes
    with zf.open(info) as fh:
        data = fh.read(cap + 1)
    if len(data) > cap:
        raise NotText(f"{name} expands past {cap // (1024 * 1024)} MB (zip bomb?)")
    return ET.fromstring(data)


def _open(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ValueError(f"not a valid zip container ({exc})") from None


# ---- DOCX


def _docx_paragraphs(root: ET.Element | None) -> list[str]:
    if root is None:
        return []
    out = []
    for para in root.iter(f"{_W}p"):
        bits = []
        for el in para.iter():
            tag = el.tag
            if tag == f"{_W}t" and el.text:  # w:t inside w:ins (tracked insertions) included
                bits.append(el.text)
            elif tag == f"{_W}tab":
                bits.append("\t")
            elif tag in (f"{_W}br", f"{_W}cr"):
                bits.append("\n")
        line = "".join(bits)
        if line.strip():
            out.append(line)
    return out


def _core_properties(zf: zipfile.ZipFile, budget: Budget) -> dict[str, str]:
    root = _part(zf, "docProps/core.xml", budget)
    if root is None:
        return {}
    found = {}
    for key, tag in (("title", f"{_DC}title"), ("author", f"{_DC}creator"),
                     ("created", f"{_DCTERMS}created"), ("modified", f"{_DCTERMS}modified")):
        el = root.find(tag)
        if el is not None and el.text:
            found[key] = el.text.strip()
    return found


def _numbered(names: list[str], prefix: str) -> list[str]:
    picked = [n for n in names if re.fullmatch(re.escape(prefix) + r"\d*\.xml", n)]
    return sorted(picked, key=lambda n: int(re.sub(r"\D", "", n.rsplit("/", 1)[-1]) or 0))


def extract_docx(data: bytes, name: str, budget: Budget) -> Extracted:
    zf = _open(data)
    names = zf.namelist()
    blocks = [("", _docx_paragraphs(_part(zf, "word/document.xml", budget)))]
    for header in _numbered(names, "word/header"):
        blocks.append(("Header", _docx_paragraphs(_part(zf, header, budget))))
    for extra, label in (("word/footnotes.xml", "Footnotes"), ("word/endnotes.xml", "Endnotes")):
        blocks.append((label, _docx_paragraphs(_part(zf, extra, budget))))
    comments = _part(zf, "word/comments.xml", budget)
    if comments is not None:
        lines = []
        for c in comments.iter(f"{_W}comment"):
            who = c.get(f"{_W}author", "")
            said = " ".join(_docx_paragraphs(c))
            if said.strip():
                lines.append(f"{who}: {said}" if who else said)
        blocks.append(("Comments", lines))
    for footer in _numbered(names, "word/footer"):
        blocks.append(("Footer", _docx_paragraphs(_part(zf, footer, budget))))
    props = _core_properties(zf, budget)
    return _result(blocks, props, "application/vnd.openxmlformats-officedocument."
                   "wordprocessingml.document")


def _result(blocks: list[tuple[str, list[str]]], props: dict[str, str], mime: str) -> Extracted:
    text = "\n\n".join(
        (f"{label}:\n" if label else "") + "\n".join(lines) for label, lines in blocks if lines
    )
    if not text.strip():
        raise NotText("document without text")
    return Extracted(text=text, title=props.get("title", ""), content_type=mime,
                     extractor="zipfile+xml.etree", author=props.get("author", ""),
                     created=props.get("created", ""), modified=props.get("modified", ""))


# ---- OpenDocument (ODT, ODP)


def _odf_text(el: ET.Element) -> str:
    """Text of one paragraph-like element: spaces (text:s), tabs, line breaks; no deletions."""
    bits = [el.text or ""]
    for child in el:
        tag = child.tag
        if tag == f"{_TEXT_NS}s":
            bits.append(" " * int(child.get(f"{_TEXT_NS}c", "1") or 1))
        elif tag == f"{_TEXT_NS}tab":
            bits.append("\t")
        elif tag == f"{_TEXT_NS}line-break":
            bits.append("\n")
        elif tag in (f"{_OFFICE_NS}annotation", f"{_TEXT_NS}note"):
            pass  # comments and notes are gathered separately
        else:
            bits.append(_odf_text(child))
        bits.append(child.tail or "")
    return "".join(bits)


def _odf_paragraphs(root: ET.Element | None, skip_tracked: bool = True) -> list[str]:
    if root is None:
        return []
    out = []
    skip = set()
    if skip_tracked:  # text:tracked-changes holds the deleted text of tracked changes
        for tracked in root.iter(f"{_TEXT_NS}tracked-changes"):
            skip.update(id(e) for e in tracked.iter())
        for note in root.iter(f"{_OFFICE_NS}annotation"):
            skip.update(id(e) for e in note.iter())
    for el in root.iter():
        if el.tag in (f"{_TEXT_NS}p", f"{_TEXT_NS}h") and id(el) not in skip:
            line = _odf_text(el)
            if line.strip():
                out.append(line)
    return out


def extract_odf(data: bytes, name: str, budget: Budget) -> Extracted:
    zf = _open(data)
    content = _part(zf, "content.xml", budget)
    styles = _part(zf, "styles.xml", budget)
    blocks = []
    if styles is not None:
        for label, tag in (("Header", "header"), ("Footer", "footer")):
            lines = []
            for el in styles.iter(f"{_STYLE_NS}{tag}"):
                lines += _odf_paragraphs(el)
            blocks.append((label, lines))
    blocks.insert(0, ("", _odf_paragraphs(content)))
    if content is not None:
        notes = []
        for note in content.iter(f"{_OFFICE_NS}annotation"):
            who = note.find(f"{_DC}creator")
            said = " ".join(_odf_paragraphs(note, skip_tracked=False))
            if said.strip():
                notes.append(f"{who.text}: {said}" if who is not None and who.text else said)
        blocks.append(("Comments", notes))
    props = {}
    meta = _part(zf, "meta.xml", budget)
    if meta is not None:
        for key, tag in (("title", f"{_DC}title"), ("author", f"{_META_NS}initial-creator"),
                         ("created", f"{_META_NS}creation-date"), ("modified", f"{_DC}date")):
            el = meta.find(f".//{tag}")
            if el is not None and el.text:
                props[key] = el.text.strip()
        if "author" not in props:
            el = meta.find(f".//{_DC}creator")
            if el is not None and el.text:
                props["author"] = el.text.strip()
    mime = zf.read("mimetype")[:100].decode("ascii", "replace") if "mimetype" in zf.namelist() \
        else "application/vnd.oasis.opendocument.text"
    return _result(blocks, props, mime.strip())


# ---- PPTX


def _drawing_paragraphs(root: ET.Element | None) -> list[str]:
    if root is None:
        return []
    out = []
    for para in root.iter(f"{_A}p"):
        line = "".join(t.text or "" for t in para.iter(f"{_A}t"))
        if line.strip():
            out.append(line)
    return out


def extract_pptx(data: bytes, name: str, budget: Budget) -> Extracted:
    zf = _open(data)
    names = zf.namelist()
    blocks = []
    for n, slide in enumerate(_numbered(names, "ppt/slides/slide"), 1):
        blocks.append((f"Slide {n}", _drawing_paragraphs(_part(zf, slide, budget))))
        notes = _notes_for(zf, slide, budget)
        if notes:
            blocks.append((f"Notes {n}", notes))
    props = _core_properties(zf, budget)
    if not props.get("title") and blocks and blocks[0][1]:
        props["title"] = blocks[0][1][0]
    return _result(blocks, props, "application/vnd.openxmlformats-officedocument."
                   "presentationml.presentation")


def _notes_for(zf: zipfile.ZipFile, slide: str, budget: Budget) -> list[str]:
    """The speaker notes of a slide, found through the slide's relationships."""
    folder, file = slide.rsplit("/", 1)
    rels = _part(zf, f"{folder}/_rels/{file}.rels", budget)
    if rels is None:
        return []
    for rel in rels.iter(f"{_REL_NS}Relationship"):
        if rel.get("Type", "").endswith("/notesSlide"):
            target = rel.get("Target", "").split("/")[-1]
            lines = _drawing_paragraphs(_part(zf, f"ppt/notesSlides/{target}", budget))
            # the notes page repeats the slide number in a placeholder: not worth keeping
            return [line for line in lines if not line.strip().isdigit()]
    return []


# ---- RTF


def extract_rtf(data: bytes, name: str, budget: Budget) -> Extracted:
    from striprtf.striprtf import rtf_to_text

    match = re.search(rb"\\ansicpg(\d+)", data[:4096])
    codepage = f"cp{match.group(1).decode()}" if match else "cp1252"
    try:
        "".encode(codepage)
    except LookupError:
        codepage = "cp1252"
    text = rtf_to_text(data.decode("latin-1"), encoding=codepage, errors="replace")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise NotText("RTF without text")
    return Extracted(text=text, content_type="application/rtf", extractor="striprtf")
