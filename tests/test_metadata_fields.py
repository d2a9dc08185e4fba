"""Metadata as search fields (issue 22, point 3): a real case folder of two e-mails, a PDF, a
DOCX and text files, indexed with the real annotator and searched by the real CLI by sender,
recipient, subject, author, type, path, extension and date; each hit says its file name and
type. Indexes written before these fields still search, and say what a --rebuild adds."""

from __future__ import annotations

import json
import shutil
from email.message import EmailMessage
from pathlib import Path

import pytest

from casework.index.fulltext import FulltextEntry, create_fulltext, open_fulltext
from casework.index.fulltext.query import date_terms
from casework.index.fulltext.schema import address_tokens, date_tokens, path_tokens
from conftest import run_cli
from tests.format_samples import make_docx, make_eml, make_pdf

OLD_INDEX = Path(__file__).parent / "data" / "fulltext-before-the-move"


def _reply() -> bytes:
    msg = EmailMessage()
    msg["From"] = "Omar García Harfuch <omar@sspc.example.mx>"
    msg["To"] = "ana@example.org"
    msg["Date"] = "Wed, 20 Nov 2024 18:00:00 +0000"
    msg["Subject"] = "Re: the harbour budget"
    msg["Message-ID"] = "<reply9@sspc.example.mx>"
    msg["In-Reply-To"] = "<abc123@example.org>"
    msg.set_content("Omar answers about the harbour budget and the audit of the port.")
    return msg.as_bytes()


@pytest.fixture(scope="module")
def case(tmp_path_factory, annotator):
    """A folder with mail/, invoices/ and a loose file; its index (built once)."""
    from casework.index.api import Casework

    root = tmp_path_factory.mktemp("meta")
    folder = root / "case"
    files = {
        "mail/contract.eml": make_eml(),  # from Ana (example.org) to Omar and Rosa, cc desk
        "mail/reply.eml": _reply(),
        "invoices/filing.pdf": make_pdf(author="Juzgado Quinto", title="Court filing"),
        "interview.docx": make_docx(author="Anabel Hernández"),
        # its words name the other fields' values: only the fields may find them
        "invoices/notes.txt": b"Notes: the pdf from ana@example.org, docx, email, Juzgado Quinto"
                              b" and the invoices folder. Subject pemex.",
    }
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    index = root / "index"
    from casework.index.store import IndexDir
    from casework.index.indexer import build

    build(IndexDir(index), [folder], annotator=annotator)
    with Casework.open(index):
        pass
    return index


def _names(index: Path, query: str) -> list[str]:
    proc = run_cli("search", query, "--json", "-n", "50", index=index)
    assert proc.returncode in (0, 1), proc.stderr
    return sorted(h["name"] for h in json.loads(proc.stdout)["hits"])


@pytest.mark.parametrize("query, names", [
    ("from:ana@example.org", ["contract.eml"]),
    ("from:example.org", ["contract.eml"]),  # by domain
    ("from:example.mx", ["reply.eml"]),  # a domain above the sender's (sspc.example.mx)
    ("from:ana", ["contract.eml"]),  # by a word of the display name
    ('from:"Omar García Harfuch"', ["reply.eml"]),  # the display name whole
    ("from:garcia", ["reply.eml"]),  # accents folded
    ("to:omar@example.mx", ["contract.eml"]),
    ("to:ana@example.org", ["reply.eml"]),
    ("cc:desk@example.org", ["contract.eml"]),
    ("subject:pemex", ["contract.eml"]),
    ("subject:harbour", ["reply.eml"]),
    ("author:juzgado", ["filing.pdf"]),
    ("author:hernandez", ["interview.docx"]),
    ("type:pdf", ["filing.pdf"]),
    ("type:email", ["contract.eml", "reply.eml"]),
    ("type:docx", ["interview.docx"]),
    ("type:text", ["notes.txt"]),
    ("type:application/pdf", ["filing.pdf"]),
    ("path:invoices", ["filing.pdf", "notes.txt"]),
    ("path:mail", ["contract.eml", "reply.eml"]),
    ("path:filing", ["filing.pdf"]),  # the file name without its extension
    ("ext:pdf", ["filing.pdf"]),
    ("ext:.docx", ["interview.docx"]),
    ("ext:eml", ["contract.eml", "reply.eml"]),
    ("created:2025-03", ["contract.eml", "interview.docx"]),  # Date header; core.xml created
    ("created:2024-11-01..2024-12", ["reply.eml"]),
    ("created:..2024", ["reply.eml"]),
    ("created:2025*", ["contract.eml", "interview.docx"]),  # a wildcard over the date terms
    ("(created:2024 OR author:juzgado)", ["filing.pdf", "reply.eml"]),
    ("in_reply_to:<abc123@example.org>", ["reply.eml"]),
    ("message_id:abc123@example.org", ["contract.eml"]),
    ("type:email AND harbour", ["reply.eml"]),
    ("type:pdf OR from:ana", ["contract.eml", "filing.pdf"]),
    ("pemex NOT type:email", ["filing.pdf", "interview.docx", "notes.txt"]),
])
def test_the_cli_finds_exactly_the_documents_a_field_names(case, query, names):
    assert _names(case, query) == names


def test_each_hit_says_its_file_name_and_type(case):
    proc = run_cli("search", "type:pdf OR type:email OR ext:docx", index=case)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    for shown in ("filing.pdf · PDF", "contract.eml · E-mail", "interview.docx · DOCX"):
        assert any(line.startswith(shown + "  ") for line in lines), proc.stdout
    payload = json.loads(run_cli("search", "ext:pdf", "--json", index=case).stdout)
    (hit,) = payload["hits"]
    assert (hit["name"], hit["type"], hit["content_type"]) == ("filing.pdf", "pdf",
                                                               "application/pdf")


def test_an_unknown_field_lists_the_metadata_fields_too(case):
    proc = run_cli("search", "sender:ana", index=case)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    listed = set(proc.stderr.split("fields: ", 1)[1].split(" (or ", 1)[0].split(", "))
    assert {"from", "to", "cc", "subject", "author", "type", "path", "ext", "created",
            "modified", "message_id", "in_reply_to", "title", "person"} <= listed, listed
    help_text = run_cli("search", "--help").stdout
    assert all(f"{name}:" in help_text for name in ("from", "to", "subject", "author", "type",
                                                     "path", "ext", "created", "modified"))


@pytest.mark.parametrize("query", ["created:2025-13", "modified:yesterday",
                                   "created:2024-02-30", "from:ana created:2025..2024"])
def test_a_bad_date_is_one_line_and_exit_2(case, query):
    proc = run_cli("search", query, index=case)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0
    assert "not a date" in proc.stderr or "ends before it starts" in proc.stderr


def test_explain_shows_the_fields_and_a_date_range_as_its_terms(case):
    explained = json.loads(run_cli("search", "from:ana created:2024-12..2025", "--explain",
                                   "--json", index=case).stdout)
    assert explained["parsed"] == "(from:ana AND (created:2024-12 OR created:2025))"
    assert explained["notes"] == []


def test_date_ranges_become_few_terms():
    assert date_terms("2024-01-01", "2024-12-31") == ["2024"]
    assert date_terms("2024-02-28", "2024-03-31") == ["2024-02-28", "2024-02-29", "2024-03"]
    assert date_terms("0000-01-01", "9999-12-31") == [f"{d}xxx" for d in range(10)]
    assert date_terms("2019-01-01", "2030-12-31") == ["2019", "202x", "2030"]
    assert date_tokens("2024-03-05T10:00:00+01:00") == ["2024-03-05", "2024-03", "2024", "202x",
                                                        "20xx", "2xxx"]
    assert date_tokens("Tuesday, sometime") == []


def test_analysers_split_addresses_and_paths_as_people_search_them():
    tokens = address_tokens("Ana Lilia Pérez <Ana.Perez@mail.Example.org>")
    assert {"ana.perez@mail.example.org", "mail.example.org", "example.org", "ana.perez",
            "ana", "perez", "ana lilia perez", "lilia"} <= set(tokens)
    assert "org" not in tokens  # a bare top-level domain finds too much
    assert address_tokens("desk@example.org")[:2] == ["desk@example.org", "example.org"]
    assert {"invoices 2024", "invoices", "2024", "report.pdf", "report"} <= set(
        path_tokens("/case/Invoices 2024/report.pdf"))


@pytest.mark.parametrize("engine", ["fast", "plain"])
def test_an_index_from_before_the_fields_searches_and_says_a_rebuild_adds_them(tmp_path,
                                                                               engine):
    folder = tmp_path / "fulltext"
    shutil.copytree(OLD_INDEX, folder)
    ft = open_fulltext(folder, engine=engine)
    found = ft.search("from:ana OR cartel")
    assert found.total == 2  # the words still find what they found
    (note,) = [n for n in found.notes if "from:" in n]
    assert "casework index --rebuild adds them" in note
    assert any("path:" in n for n in ft.search("path:invoices").notes)
    assert not any("rebuild adds them" in n for n in ft.search("cartel").notes)
    assert any("from:" in n for n in ft.explain("from:ana")["notes"])
    # it still takes writes: the fields it lacks are left out
    entry = FulltextEntry("d9", "/c/d9.txt", "Ninth", "The cartel again.", {}, sender="ana@x.org",
                          kind="text")
    assert ft.index([entry]) == 1 and ft.search("cartel").total == 3
    ft.close()


def test_a_new_index_holds_the_fields_on_both_engines(tmp_path):
    path = tmp_path / "ft"
    create_fulltext(path, engine="fast").index([
        FulltextEntry("d1", "/c/mail/a.eml", "Hello", "Body one.", {}, subject="Hello",
                      sender="Ana <ana@example.org>", to=("omar@example.mx",), kind="email",
                      content_type="message/rfc822", created="2025-03-04T09:15:00-06:00")])
    open_fulltext(path, engine="plain").index([
        FulltextEntry("d2", "/c/pdf/b.pdf", "Filing", "Body two.", {}, author="Juzgado",
                      kind="pdf", content_type="application/pdf", modified="2024-01-02")])
    for engine in ("fast", "plain"):
        ft = open_fulltext(path, engine=engine)
        assert [h.doc_id for h in ft.search("from:example.org").hits] == ["d1"]
        assert [h.doc_id for h in ft.search("type:pdf OR to:omar@example.mx").hits] in (
            ["d1", "d2"], ["d2", "d1"])
        assert [h.doc_id for h in ft.search("path:pdf ext:pdf modified:2024").hits] == ["d2"]
        assert not ft.search("from:ana").notes
        ft.close()
