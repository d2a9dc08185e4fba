"""Small documents of every format casework reads, made here (no binary files checked in).

PDFs come from fpdf2 (a test-only dependency); the Office and OpenDocument files are written as
their XML in a zip by hand, so no writer library is needed. Used by tests/test_formats*.py and
bench/extract_throughput.py.
"""

from __future__ import annotations

import io
import tarfile
import zipfile
from email.message import EmailMessage
from xml.sax.saxutils import escape

PARAGRAPHS = [
    "Claudia Sheinbaum met officials of Pemex in Mexico City on Tuesday.",
    "The filing names Grupo Vidanta and a payment of 2.5 million pesos.",
]


def make_pdf(paragraphs: list[str] = PARAGRAPHS, title: str = "Court filing",
             author: str = "Juzgado Quinto", password: str | None = None) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title(title)
    pdf.set_author(author)
    if password is not None:
        pdf.set_encryption(owner_password="owner", user_password=password)
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for para in paragraphs:
        pdf.multi_cell(0, 6, para.encode("latin-1", "replace").decode("latin-1"))
        pdf.ln(3)
    return bytes(pdf.output())


def make_scanned_pdf() -> bytes:
    """A page with only drawing on it: what a scan without OCR looks like to a text extractor."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")
    return bytes(pdf.output())


def _zip(members: dict[str, str | bytes], first: tuple[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        if first is not None:  # ODF's mimetype comes first, stored
            zf.writestr(zipfile.ZipInfo(first[0]), first[1], compress_type=zipfile.ZIP_STORED)
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _w_p(text: str, inserted: str = "", deleted: str = "") -> str:
    runs = f"<w:r><w:t xml:space=\"preserve\">{escape(text)}</w:t></w:r>"
    if inserted:
        runs += (f'<w:ins w:id="1" w:author="Editor"><w:r><w:t xml:space="preserve">'
                 f"{escape(inserted)}</w:t></w:r></w:ins>")
    if deleted:
        runs += (f'<w:del w:id="2" w:author="Editor"><w:r><w:delText>{escape(deleted)}'
                 "</w:delText></w:r></w:del>")
    return f"<w:p>{runs}</w:p>"


def make_docx(paragraphs: list[str] = PARAGRAPHS, inserted: str = " Inserted by Rosa Icela.",
              deleted: str = " Deleted sentence.", comment: str = "Check with Omar García Harfuch.",
              header: str = "Interview transcript", footer: str = "Confidential",
              title: str = "Interview", author: str = "Anabel Hernández") -> bytes:
    body = "".join(_w_p(p, inserted if i == 0 else "", deleted if i == 0 else "")
                   for i, p in enumerate(paragraphs))
    members = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "word/document.xml": f'<?xml version="1.0"?><w:document {_W}><w:body>{body}</w:body></w:document>',
        "word/comments.xml": (f'<?xml version="1.0"?><w:comments {_W}><w:comment w:id="0" '
                              f'w:author="Editor">{_w_p(comment)}</w:comment></w:comments>'),
        "word/header1.xml": f'<?xml version="1.0"?><w:hdr {_W}>{_w_p(header)}</w:hdr>',
        "word/footer1.xml": f'<?xml version="1.0"?><w:ftr {_W}>{_w_p(footer)}</w:ftr>',
        "docProps/core.xml": (
            '<?xml version="1.0"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/'
            'package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:dcterms="http://purl.org/dc/terms/">'
            f"<dc:title>{escape(title)}</dc:title><dc:creator>{escape(author)}</dc:creator>"
            "<dcterms:created>2025-03-01T10:00:00Z</dcterms:created></cp:coreProperties>"),
    }
    return _zip(members)


_ODF_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
           'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
           'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
           'xmlns:dc="http://purl.org/dc/elements/1.1/" '
           'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"')


def make_odt(paragraphs: list[str] = PARAGRAPHS, deleted: str = "Deleted words",
             comment: str = "Ask Marcelo Ebrard.", header: str = "Draft") -> bytes:
    paras = "".join(f"<text:p>{escape(p)}</text:p>" for p in paragraphs)
    content = (
        f'<?xml version="1.0"?><office:document-content {_ODF_NS}><office:body><office:text>'
        '<text:tracked-changes><text:changed-region text:id="c1"><text:deletion>'
        f"<text:p>{escape(deleted)}</text:p></text:deletion></text:changed-region>"
        "</text:tracked-changes>"
        f"{paras}<text:p>With a note<office:annotation><dc:creator>Editor</dc:creator>"
        f"<text:p>{escape(comment)}</text:p></office:annotation> here.</text:p>"
        "</office:text></office:body></office:document-content>")
    styles = (f'<?xml version="1.0"?><office:document-styles {_ODF_NS}><office:master-styles>'
              f'<style:master-page style:name="Standard"><style:header><text:p>{escape(header)}'
              "</text:p></style:header></style:master-page></office:master-styles>"
              "</office:document-styles>")
    meta = (f'<?xml version="1.0"?><office:document-meta {_ODF_NS}><office:meta>'
            "<dc:title>Notes</dc:title><meta:initial-creator>Carmen Aristegui</meta:initial-creator>"
            "</office:meta></office:document-meta>")
    return _zip({"content.xml": content, "styles.xml": styles, "meta.xml": meta},
                first=("mimetype", b"application/vnd.oasis.opendocument.text"))


_P = 'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"'
_A = 'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'


def make_pptx(slides: list[tuple[str, str]] | None = None) -> bytes:
    """Slides as (slide text, speaker notes)."""
    slides = slides or [("Pemex contracts 2024", "Mention Octavio Romero Oropeza here."),
                        ("Next steps", "")]
    members = {"ppt/presentation.xml": f'<?xml version="1.0"?><p:presentation {_P}/>'}
    for i, (text, notes) in enumerate(slides, 1):
        members[f"ppt/slides/slide{i}.xml"] = (
            f'<?xml version="1.0"?><p:sld {_P} {_A}><p:cSld><p:spTree><p:sp><p:txBody><a:p>'
            f"<a:r><a:t>{escape(text)}</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>")
        if notes:
            members[f"ppt/slides/_rels/slide{i}.xml.rels"] = (
                '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                'package/2006/relationships"><Relationship Id="rId2" Type="http://schemas.'
                'openxmlformats.org/officeDocument/2006/relationships/notesSlide" '
                f'Target="../notesSlides/notesSlide{i}.xml"/></Relationships>')
            members[f"ppt/notesSlides/notesSlide{i}.xml"] = (
                f'<?xml version="1.0"?><p:notes {_P} {_A}><p:cSld><p:spTree><p:sp><p:txBody>'
                f"<a:p><a:r><a:t>{escape(notes)}</a:t></a:r></a:p><a:p><a:r><a:t>{i}</a:t></a:r>"
                "</a:p></p:txBody></p:sp></p:spTree></p:cSld></p:notes>")
    return _zip(members)


def make_xlsx(rows: list[list[object]] | None = None, sheet: str = "Payments") -> bytes:
    rows = rows or [["Payee", "Amount", "Date"], ["Grupo Vidanta", 2500000, "2024-05-01"],
                    ["Daniel Chávez", 120000.5, "2024-06-12"]]
    cells = []
    for r, row in enumerate(rows, 1):
        cs = []
        for c, value in enumerate(row):
            ref = f"{chr(65 + c)}{r}"
            if isinstance(value, (int, float)):
                cs.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                cs.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>')
        cells.append(f'<row r="{r}">{"".join(cs)}</row>')
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel_ns = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    rels = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    return _zip({
        "[Content_Types].xml": (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
            'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
            'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
            'worksheet+xml"/></Types>'),
        "_rels/.rels": (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            f'2006/relationships"><Relationship Id="rId1" Type="{rels}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (f'<?xml version="1.0"?><workbook {ns} {rel_ns}><sheets><sheet '
                            f'name="{escape(sheet)}" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            f'2006/relationships"><Relationship Id="rId1" Type="{rels}/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>'),
        "xl/worksheets/sheet1.xml": (f'<?xml version="1.0"?><worksheet {ns}><sheetData>'
                                     f'{"".join(cells)}</sheetData></worksheet>'),
    })


def make_rtf(text: str = "Marcelo Ebrard spoke in Monterrey.") -> bytes:
    body = "".join(c if ord(c) < 128 else f"\\'{c.encode('cp1252')[0]:02x}" for c in text)
    return ("{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0 Times;}}\\f0\\fs24 " + body +
            "\\par Second paragraph.\\par}").encode("ascii")


HTML = """<!doctype html><html><head><title>Article: Pemex and the port</title>
<meta name="author" content="Carmen Aristegui"><style>p{color:red}</style>
<script>var tracking = "Should Not Appear";</script></head>
<body><nav><a href="/">Home</a> <a href="/news">News menu</a></nav>
<article><h1>Pemex and the port</h1><p>Rocío Nahle visited <b>Dos Bocas</b> on Monday.</p>
<p>The refinery cost more than planned.</p></article>
<footer>Footer text</footer></body></html>"""


def make_eml(attachments: list[tuple[str, bytes, str]] | None = None, body: str =
             "Dear Omar,\nplease find the contract attached.\nRegards, Ana", charset: bool = True,
             ) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Ana Lilia Pérez <ana@example.org>"
    msg["To"] = "Omar García Harfuch <omar@example.mx>, Rosa Icela <rosa@example.mx>"
    msg["Cc"] = "desk@example.org"
    msg["Date"] = "Tue, 04 Mar 2025 09:15:00 -0600"
    msg["Subject"] = "Contrato con Pemex"
    msg["Message-ID"] = "<abc123@example.org>"
    msg["In-Reply-To"] = "<parent1@example.mx>"
    msg.set_content(body)
    for name, data, mime in attachments or []:
        maintype, subtype = mime.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    raw = msg.as_bytes()
    return raw


def make_eml_without_charset(body: str = "Reunión con el señor Núñez en Mérida.") -> bytes:
    return (b"From: Ana <ana@example.org>\r\nTo: Omar <omar@example.mx>\r\n"
            b"Subject: Sin charset\r\nDate: Tue, 04 Mar 2025 09:15:00 -0600\r\n"
            b"MIME-Version: 1.0\r\nContent-Type: text/plain\r\n"
            b"Content-Transfer-Encoding: 8bit\r\n\r\n" + body.encode("latin-1") + b"\r\n")


def make_mbox(n: int = 3) -> bytes:
    out = []
    for i in range(n):
        out.append(b"From ana@example.org Tue Mar  4 09:15:00 2025\n")
        out.append(f"From: Ana <ana@example.org>\nTo: Omar <omar@example.mx>\nSubject: Note {i}\n"
                   f"Date: Tue, 04 Mar 2025 09:{i % 60:02d}:00 -0600\n\nMessage number {i} about "
                   "Pemex.\n\n".encode())
    return b"".join(out)


def make_zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def make_tar(members: dict[str, bytes], mode: str = "w:gz") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def case_folder(root) -> dict[str, bytes]:
    """The journalist's case folder of the issue: one file of each kind."""
    files = {
        "filing.pdf": make_pdf(),
        "interview.docx": make_docx(),
        "notes.odt": make_odt(),
        "tip.eml": make_eml([("contract.pdf", make_pdf(["Contract between Pemex and Vidanta."]),
                              "application/pdf")]),
        "article.html": HTML.encode(),
        "payments.csv": "payee,amount\nGrupo Vidanta,2500000\nDaniel Chávez,120000\n".encode(),
        "export.json": b'{"people": [{"name": "Rocio Nahle", "role": "secretary"}], "n": 3}',
        "no-extension": make_eml(body="A message saved without an extension, from Ana."),
        "readme.txt": b"Case notes about Pemex and Dos Bocas.",
        "summary.md": "# Summary\n\n**Claudia Sheinbaum** met [Pemex](https://pemex.com).\n".encode(),
        "payments.xlsx": make_xlsx(),
        "slides.pptx": make_pptx(),
        "letter.rtf": make_rtf(),
        "bundle.zip": make_zip({"inner/memo.txt": b"Memo about Dos Bocas."}),
    }
    root.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (root / name).write_bytes(data)
    return files


# ---- targets for the sandbox's own tests (run inside the extraction process)


def hang(seconds: float) -> str:
    import time

    time.sleep(seconds)
    return "woke"


def allocate(megabytes: int) -> int:
    block = bytearray(megabytes * 1024 * 1024)
    return len(block)


def write_file(path: str) -> str:
    with open(path, "wb") as fh:
        fh.write(b"should never be written")
    return "written"


def crash() -> None:
    import os
    import signal

    os.kill(os.getpid(), signal.SIGSEGV)


def zip_bomb(member_mb: int = 300, members: int = 1) -> bytes:
    """A small zip whose members inflate to ``member_mb`` MB of zeros each."""
    buf = io.BytesIO()
    chunk = bytes(1024 * 1024)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for m in range(members):
            with zf.open(f"zeros-{m}.txt", "w", force_zip64=True) as fh:
                for _ in range(member_mb):
                    fh.write(chunk)
    return buf.getvalue()


def nested_zip(depth: int, text: bytes = b"At the bottom of the nest.") -> bytes:
    data, name = text, "bottom.txt"
    for level in range(depth):
        data, name = make_zip({name: data}), f"level-{depth - level}.zip"
    return data


def make_ods(rows: list[list[str]] | None = None, sheet: str = "Pagos") -> bytes:
    rows = rows or [["Payee", "Amount"], ["Grupo Vidanta", "2500000"]]
    body = "".join(
        "<table:table-row>" + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{escape(c)}</text:p>'
            "</table:table-cell>" for c in row) + "</table:table-row>" for row in rows)
    content = (f'<?xml version="1.0"?><office:document-content {_ODF_NS} office:version="1.2">'
               f'<office:body><office:spreadsheet><table:table table:name="{escape(sheet)}">'
               f"{body}</table:table></office:spreadsheet></office:body></office:document-content>")
    manifest = ('<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
                'opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    return _zip({"content.xml": content, "META-INF/manifest.xml": manifest},
                first=("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"))
