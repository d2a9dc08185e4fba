"""Issue 22: attachments and members under their parent, metadata as fields, duplicates stored
once, pattern entities (e-mail, phone, URL, IBAN), and an old catalog migrated in place."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from casework.index import patterns
from casework.index.api import open_index
from tests.conftest import cli_json
from casework.tui.document_view import DocumentView
from tests.format_samples import make_eml, make_pdf, make_zip
from tests.test_tui import opened, pilot_test, settle

CONTRACT = make_pdf(["Contract between Pemex and Vidanta."])


def _case(root):
    root.mkdir()
    (root / "tip.eml").write_bytes(make_eml([("contract.pdf", CONTRACT, "application/pdf")]))
    (root / "bundle.zip").write_bytes(make_zip({"inner/memo.txt": b"Memo about Dos Bocas."}))
    return root


def test_an_attachment_is_a_child_of_its_message_with_headers_as_metadata(tmp_path, make_index):
    root = _case(tmp_path / "case")
    make_index(root)
    with open_index(make_index.path) as cw:
        mail_id = cw.catalog.doc_id_at(str(root / "tip.eml"))
        mail = cw.document(mail_id)
        assert mail.parent == "" and mail.depth == 0 and mail.content_type == "message/rfc822"
        assert mail.metadata["email"]["from_"].endswith("<ana@example.org>")
        assert mail.metadata["email"]["message_id"] == "<abc123@example.org>"
        assert [c.ipath for c in mail.children] == ["contract.pdf"]
        pdf = cw.document(mail.children[0].doc_id)
        assert pdf.parent == mail_id and pdf.root == str(root / "tip.eml") and pdf.depth == 1
        assert pdf.ipath == "contract.pdf" and pdf.content_type == "application/pdf"
        assert cw.parent(pdf.doc_id) == mail_id and cw.parent(mail_id) is None
        # the editor gets the extracted text, never "tip.eml//contract.pdf" or the PDF's bytes
        opened = cw.text_to_open(pdf.doc_id)
        assert opened.endswith(".txt") and "Vidanta" in open(opened, encoding="utf-8").read()
        member = cw.document(cw.catalog.doc_id_at(str(root / "bundle.zip") + "//inner/memo.txt"))
        assert member.root == str(root / "bundle.zip") and member.depth == 1
    shown, _ = cli_json("show", pdf.doc_id, index=make_index.path)
    assert shown["parent"] == mail_id and shown["depth"] == 1
    shown, _ = cli_json("show", mail_id, index=make_index.path)
    assert [c["ipath"] for c in shown["children"]] == ["contract.pdf"]


def test_identical_files_are_one_document_with_every_path(tmp_path, make_index):
    root = tmp_path / "case"
    (root / "a").mkdir(parents=True)
    (root / "b").mkdir()
    text = "Rocío Nahle visited Dos Bocas with Octavio Romero on Monday.\n"
    for where in ("a/one.txt", "b/two.txt", "b/three.txt"):
        (root / where).write_text(text)
    report = make_index(root)
    assert report.added == 1 and report.copies == 2
    with open_index(make_index.path) as cw:
        assert cw.search("Bocas").total == 1
        doc = cw.document(cw.search("Bocas").hits[0].doc_id)
        assert sorted([doc.path, *doc.copies]) == sorted(
            str(root / w) for w in ("a/one.txt", "b/three.txt", "b/two.txt"))
    (root / "a/one.txt").unlink()  # the stored path goes: the document lives on at a copy
    make_index(root)
    with open_index(make_index.path) as cw:
        hits = cw.search("Bocas")
        assert hits.total == 1 and hits.hits[0].path == str(root / "b/three.txt")
        assert cw.document(hits.hits[0].doc_id).copies == [str(root / "b/two.txt")]
    (root / "b/two.txt").write_text("Something else entirely about Pemex.\n")  # a copy changes
    make_index(root)
    with open_index(make_index.path) as cw:
        assert cw.search("Bocas").total == 1 and cw.search("Pemex").total == 1
        assert cw.document(cw.search("Bocas").hits[0].doc_id).copies == []


def test_pattern_entities_are_normalised_into_one_entity_each(tmp_path, make_index):
    root = tmp_path / "case"
    root.mkdir()
    (root / "a.txt").write_text(
        "Call +1 202-555-0143 or write to Ana.Perez@Example.org about https://Example.com/x/.\n"
        "Pay DE89 3704 0044 0532 0130 00 before Friday.\n")
    (root / "b.txt").write_text(
        "Her number is (202) 555-0143, her address ana.perez@example.org, see "
        "https://example.com/x. IBAN DE89370400440532013000; not DE89370400440532013001.\n")
    make_index(root)
    with open_index(make_index.path) as cw:
        for label, n in (("PHONE", 1), ("EMAIL", 1), ("URL", 1), ("IBAN", 1)):
            found = cw.entities(label=label)
            assert len(found) == n, (label, found)
            assert found[0].documents == 2 and found[0].mentions == 2


def test_patterns_keep_a_model_span_only_where_no_pattern_is():
    text = "Mail ana@example.org now. Ana Perez called."
    found = patterns.find(text)
    assert [(s.label, text[s.start:s.end]) for s in found] == [("EMAIL", "ana@example.org")]
    from casework.index.models import Span

    model = [Span(5, 20, "ORG", 0, 26), Span(26, 35, "PERSON", 26, 43)]
    merged = patterns.merge(model, found)
    assert [(s.label, s.start) for s in merged] == [("EMAIL", 5), ("PERSON", 26)]


def test_an_old_catalog_gains_the_new_columns_in_place(tmp_path, make_index):
    root = tmp_path / "case"
    root.mkdir()
    (root / "a.txt").write_text("Rocío Nahle visited Dos Bocas.\n")
    make_index(root)
    conn = sqlite3.connect(make_index.path / "catalog.sqlite")
    conn.execute("DROP INDEX documents_parent")
    conn.execute("DROP TABLE copies")
    old = ("doc_id", "path", "root", "relpath", "title", "text", "size", "mtime", "sha256",
           "encoding", "words", "ft_hash")
    conn.execute("PRAGMA legacy_alter_table=ON")  # mentions keep pointing at \"documents\"
    conn.execute("ALTER TABLE documents RENAME TO documents_new")
    conn.execute("""CREATE TABLE documents (doc_id TEXT PRIMARY KEY, path TEXT NOT NULL UNIQUE,
        root TEXT NOT NULL, relpath TEXT NOT NULL, title TEXT NOT NULL, text TEXT NOT NULL,
        size INTEGER NOT NULL, mtime REAL NOT NULL, sha256 TEXT NOT NULL, encoding TEXT NOT NULL,
        words INTEGER NOT NULL, ft_hash TEXT)""")
    conn.execute(f"INSERT INTO documents SELECT {', '.join(old)} FROM documents_new")
    conn.execute("DROP TABLE documents_new")
    conn.commit()
    conn.close()
    with open_index(make_index.path) as cw:  # opened for writing: migrated
        doc = cw.document(cw.search("Bocas").hits[0].doc_id)
        assert doc.parent == "" and doc.metadata == {} and doc.children == []
    (root / "b.txt").write_text("Octavio Romero at Pemex.\n")
    assert make_index(root).added == 1
    conn = sqlite3.connect(make_index.path / "catalog.sqlite")
    assert json.loads(conn.execute("SELECT metadata FROM documents LIMIT 1").fetchone()[0]) == {}


@pilot_test
async def test_explorer_moves_from_a_message_to_its_attachment_and_back(tmp_path, make_index):
    root = _case(tmp_path / "case")
    make_index(root)
    with open_index(make_index.path) as cw:
        mail_id = cw.catalog.doc_id_at(str(root / "tip.eml"))
        pdf_id = cw.document(mail_id).children[0].doc_id
    async with opened(make_index.path, (80, 24)) as (app, pilot):
        app.open_document(mail_id)
        await settle(app, pilot, 0.2)
        view = app.query_one(DocumentView)
        assert view.doc.doc_id == mail_id
        assert "1 part: contract.pdf" in str(app.query_one("#message").render())
        await pilot.press("c")
        await settle(app, pilot, 0.2)
        assert view.doc.doc_id == pdf_id
        assert "part of tip.eml" in str(app.query_one("#message").render())
        await pilot.press("p")
        await settle(app, pilot, 0.2)
        assert view.doc.doc_id == mail_id


def test_the_copy_lookup_each_stored_file_makes_reads_an_index_not_the_table(tmp_path,
                                                                             make_index):
    # every stored file asks whether its content is stored already; a scan of the documents
    # per file made a 100,000-document build quadratic
    folder = tmp_path / "case"
    folder.mkdir()
    (folder / "a.txt").write_text("Maria Lopez met the mayor of Leon.", encoding="utf-8")
    (folder / "b.txt").write_text("Maria Lopez met the mayor of Leon.", encoding="utf-8")
    make_index(folder)
    conn = sqlite3.connect(make_index.path / "catalog.sqlite")
    try:
        for sql in ("SELECT doc_id, path FROM documents WHERE sha256 = ? ORDER BY path LIMIT 1",
                    "SELECT doc_id FROM documents WHERE sha256 = ? ORDER BY path"):
            plan = " ".join(row[-1] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", ("x",)))
            assert "documents_sha256" in plan, plan
    finally:
        conn.close()
    # the statements the catalog runs are those checked above
    source = (Path(__file__).resolve().parents[1] / "index" / "catalog" / "documents.py").read_text()
    assert "WHERE sha256 = ? ORDER BY path LIMIT 1" in source
