"""Each document format is read by the library made for it, with its metadata and children."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from casework.index import ingest
from casework.index.ingest import sniff
from casework.index.ingest.extract import extract_tree
from casework.index.ingest.formats import READERS
from tests import format_samples as S


def only(data: bytes, name: str, kind: str):
    """The parts as the indexer gets them: packed as UTF-8 for the reply, then decoded."""
    parts = extract_tree(data, name, kind, packed=True)
    for part in parts:
        if part.extracted is not None:
            assert not part.extracted.text, "a packed part's text travels as UTF-8 only"
            part.extracted.take_text()
    top = parts[0]
    assert not top.failed and not top.skipped, (top.failed, top.skipped)
    return top.extracted, parts


def test_pdf_text_layer_and_metadata_by_pypdfium2():
    ex, _ = only(S.make_pdf(), "filing.pdf", "pdf")
    assert "Claudia Sheinbaum met officials of Pemex" in ex.text
    assert (ex.title, ex.author, ex.extractor) == ("Court filing", "Juzgado Quinto", "pypdfium2")
    assert ex.created[:4].isdigit() and ex.metadata["pages"] == "1"


def test_pdf_that_pdfium_refuses_is_read_by_pdfminer(monkeypatch):
    import pypdfium2

    def refuse(*a, **k):
        raise pypdfium2.PdfiumError("Failed to load document (PDFium: Data format error).")

    monkeypatch.setattr(pypdfium2, "PdfDocument", refuse)
    ex, _ = only(S.make_pdf(), "filing.pdf", "pdf")
    assert ex.extractor == "pdfminer.six"
    assert "Grupo Vidanta" in ex.text and ex.author == "Juzgado Quinto"


def test_html_drops_scripts_styles_and_navigation():
    ex, _ = only(S.HTML.encode(), "a.html", "html")
    assert "Rocío Nahle visited Dos Bocas on Monday." in ex.text
    assert "Should Not Appear" not in ex.text and "News menu" not in ex.text
    assert "color:red" not in ex.text
    assert (ex.title, ex.author) == ("Article: Pemex and the port", "Carmen Aristegui")


def test_docx_keeps_insertions_comments_headers_footers_not_deletions():
    ex, _ = only(S.make_docx(), "i.docx", "docx")
    for kept in ("Inserted by Rosa Icela", "Check with Omar García Harfuch", "Interview transcript",
                 "Confidential", "Claudia Sheinbaum met"):
        assert kept in ex.text
    assert "Deleted sentence" not in ex.text
    assert ex.text.startswith("Claudia Sheinbaum")  # the body first: it gives the title
    assert (ex.title, ex.author, ex.created) == ("Interview", "Anabel Hernández",
                                                 "2025-03-01T10:00:00Z")


def test_odt_keeps_comments_and_headers_not_tracked_deletions():
    ex, _ = only(S.make_odt(), "n.odt", "odf")
    assert "Ask Marcelo Ebrard" in ex.text and "Draft" in ex.text
    assert "With a note here." in ex.text  # the comment is not spliced into the sentence
    assert "Deleted words" not in ex.text
    assert (ex.title, ex.author) == ("Notes", "Carmen Aristegui")


def test_pptx_slides_with_speaker_notes():
    ex, _ = only(S.make_pptx(), "s.pptx", "pptx")
    assert "Pemex contracts 2024" in ex.text and "Mention Octavio Romero Oropeza here." in ex.text
    assert ex.title == "Pemex contracts 2024"


def test_spreadsheet_by_sheet_and_row_with_calamine():
    ex, _ = only(S.make_xlsx(), "p.xlsx", "sheet")
    assert ex.extractor == "python-calamine"
    assert "Sheet: Payments" in ex.text
    assert "Grupo Vidanta\t2500000\t2024-05-01" in ex.text.splitlines()


def test_csv_by_row_with_its_delimiter():
    ex, _ = only("a;b\nDaniel Chávez;12\n".encode("cp1252"), "p.csv", "csv")
    assert ex.text.splitlines() == ["a\tb", "Daniel Chávez\t12"]


def test_rtf_with_its_code_page():
    ex, _ = only(S.make_rtf("José Ramón spoke."), "l.rtf", "rtf")
    assert "José Ramón spoke." in ex.text and "Second paragraph." in ex.text


def test_json_string_values_one_a_line():
    data = json.dumps({"a": [{"name": "Rocío Nahle"}, 3, None, {"deep": {"x": "Pemex"}}]})
    ex, _ = only(data.encode(), "e.json", "json")
    assert ex.text.splitlines() == ["Rocío Nahle", "Pemex"]


def test_json_lines_and_not_json_after_all():
    ex, _ = only(b'{"a": "one"}\n{"a": "two"}\n', "e.jsonl", "json")
    assert ex.text.splitlines() == ["one", "two"]
    ex, _ = only(b"{not json at all, just braces}", "x.json", "json")
    assert ex.text == "{not json at all, just braces}"


def test_email_headers_body_and_attachment_as_child():
    pdf = S.make_pdf(["Contract between Pemex and Vidanta."])
    _, parts = only(S.make_eml([("contract.pdf", pdf, "application/pdf")]), "m.eml", "eml")
    mail, child = parts
    head = mail.extracted.email
    assert head.from_ == "Ana Lilia Pérez <ana@example.org>"
    assert head.to == ["Omar García Harfuch <omar@example.mx>", "Rosa Icela <rosa@example.mx>"]
    assert (head.cc, head.subject, head.message_id, head.in_reply_to) == (
        ["desk@example.org"], "Contrato con Pemex", "<abc123@example.org>", "<parent1@example.mx>")
    assert head.date == "2025-03-04T09:15:00-06:00"
    assert "From: Ana Lilia Pérez" in mail.extracted.text and "please find the contract" in mail.extracted.text
    assert child.ipath == ("contract.pdf",) and child.depth == 1
    assert "Contract between Pemex" in child.extracted.text


def test_mbox_messages_are_children():
    ex, parts = only(S.make_mbox(3), "box.mbox", "mbox")
    assert ex.metadata["messages"] == "3"
    assert [p.ipath for p in parts[1:]] == [("message-1.eml",), ("message-2.eml",), ("message-3.eml",)]
    assert parts[2].extracted.email.subject == "Note 1"


def test_zip_and_tar_members_are_children_read_in_memory():
    inner = {"a/memo.txt": b"Memo about Dos Bocas.", "b.html": S.HTML.encode()}
    for data, kind in ((S.make_zip(inner), "zip"), (S.make_tar(inner), "tar"),
                       (S.make_tar(inner, "w"), "tar"), (S.make_tar(inner, "w:xz"), "tar")):
        ex, parts = only(data, f"x.{kind}", kind)
        assert [p.ipath for p in parts[1:]] == [("a/memo.txt",), ("b.html",)]
        assert parts[1].extracted.text == "Memo about Dos Bocas."
        assert "Rocío Nahle" in parts[2].extracted.text


@pytest.mark.parametrize("maker, kind", [
    (S.make_pdf, "pdf"), (S.make_eml, "eml"), (S.make_docx, "zip"), (S.make_odt, "zip"),
    (lambda: S.HTML.encode(), "html"), (S.make_rtf, "rtf"), (S.make_mbox, "mbox"),
    (lambda: S.make_tar({"a.txt": b"x"}), "tar"), (lambda: b"plain words", "text"),
    (lambda: b'{"a": "b"}', "json"),
])
def test_a_file_without_extension_is_sniffed(maker, kind):
    assert sniff.kind_for_bytes(maker()[:8192], "no-extension") == (kind, "")


def test_sniffed_zip_that_is_a_docx_is_read_as_one():
    ex, parts = only(S.make_docx(), "interview", "zip")
    assert len(parts) == 1 and "Inserted by Rosa Icela" in ex.text


def test_markdown_is_stored_as_written_and_ner_gets_markup_blanked():
    text = "# Summary\n\n**Claudia Sheinbaum** met [Pemex](https://pemex.com) and _Ana_.\n"
    blank = ingest.markdown_for_ner(text)
    assert len(blank) == len(text)
    assert blank == "  Summary\n\n  Claudia Sheinbaum   met  Pemex                     and  Ana .\n"
    start = text.index("Claudia")
    assert blank[start:start + 17] == text[start:start + 17]


def test_every_format_reader_imports():
    from casework.index.ingest.formats import extractor

    for kind in READERS:
        assert callable(extractor(kind))


def test_search_path_imports_no_format_library():
    probe = ("import sys; import casework.index.api, casework.index.fulltext; "
             "import casework.index.indexer; "
             "bad = [m for m in ('pypdfium2', 'pdfminer', 'selectolax', 'python_calamine', "
             "'striprtf', 'filetype', 'casework.index.ingest.formats') if m in sys.modules]; "
             "print(bad)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr


def test_maildir_messages_are_found_by_sniffing_and_tmp_is_skipped(tmp_path):
    box = tmp_path / "Mail"
    for sub in ("cur", "new", "tmp"):
        (box / sub).mkdir(parents=True)
    (box / "cur" / "1700000000.M1P2.host:2,S").write_bytes(S.make_eml())
    (box / "new" / "1700000001.M3P4.host").write_bytes(S.make_eml_without_charset())
    (box / "tmp" / "1700000002.M5P6.host").write_bytes(S.make_eml())
    found = list(ingest.scan([box]))
    kinds = {c.relpath: c.kind for c in found if isinstance(c, ingest.Candidate)}
    assert kinds == {"Mail/cur/1700000000.M1P2.host:2,S": "eml", "Mail/new/1700000001.M3P4.host": "eml"}
    assert [s.reason for s in found if isinstance(s, ingest.Skipped)] == [
        "Maildir tmp/ (messages being delivered)"]


def test_binary_and_unsupported_files_are_skipped_by_name_or_content(tmp_path):
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(100))
    (tmp_path / "blob").write_bytes(b"\x7fELF\x02\x01\x01" + bytes(200))
    (tmp_path / "mail.msg").write_bytes(b"\xd0\xcf\x11\xe0" + bytes(100))
    reasons = {s.path.rsplit("/", 1)[-1]: s.reason for s in ingest.scan([tmp_path])}
    assert reasons == {"photo.jpg": "not a text document (.jpg)",
                       "blob": "not a text document (no extension, application/x-executable)",
                       "mail.msg": "Outlook .msg is not read (no permissively licensed reader)"}


def test_ods_by_sheet_and_row_and_sniffed_without_extension():
    ex, _ = only(S.make_ods(), "p.ods", "sheet")
    assert ex.text == "Sheet: Pagos\nPayee\tAmount\nGrupo Vidanta\t2500000"
    ex, _ = only(S.make_ods(), "pagos", "zip")
    assert "Grupo Vidanta" in ex.text and ex.extractor == "python-calamine"


def test_a_long_markdown_file_goes_to_ner_in_the_chunks_its_whole_blanked_copy_gives():
    # made a piece at a time (ner_piece + split_pieces), as the indexer cuts a long text,
    # never blanked whole: same chunks at the same offsets, over real news with Markdown
    from casework.index.models import SourceFile
    from casework.index.nlp import split_pieces, split_text

    news = sorted((Path(__file__).resolve().parents[1] / "seeds").glob("*.txt"))
    body = "\n\n".join(p.read_text(encoding="utf-8") for p in news)
    words = body.split(" ")
    marked = []
    for i, word in enumerate(words):  # markup on words, across lines and at line starts
        marked.append(("**" + word + "**") if i % 7 == 0 else
                      ("[" + word + "](https://x.example/" + str(i) + ")") if i % 11 == 0 else
                      ("\n# " + word) if i % 53 == 0 else
                      ("\n> " + word) if i % 61 == 0 else
                      ("\n- " + word + " | " + word) if i % 67 == 0 else word)
    text = " ".join(marked) + "\n```\ncode `x`\n```\n---\n<b>Tag</b> ~~gone~~"
    for name in ("case.md", "case.txt"):
        src = SourceFile(doc_id="d", path=f"/d/{name}", root="/d", relpath=name, title="t",
                         text=text, size=len(text), mtime=0.0, sha256="x", encoding="utf-8")
        whole = ingest.ner_text(src)
        assert (whole != text) == (name == "case.md")
        for size in (60, 200, 1000, 10_000):
            pieces = list(split_pieces(ingest.ner_piece(src), len(text), size))
            assert pieces == list(split_text(whole, size)), (name, size)
            assert len(pieces) > 1
