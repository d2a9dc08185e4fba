"""A case folder of mixed formats through a real build: every file indexed or listed, what is
inside a file stored as documents of their own, and re-indexing keeps them in step."""

from __future__ import annotations

from casework.index.api import open_index
from tests import format_samples as S


def stored_paths(index) -> dict[str, str]:
    with open_index(index) as cw:
        return {r[0]: r[1] for r in cw.catalog.conn.execute("SELECT path, title FROM documents")}


def test_case_folder_is_indexed_whole_with_attachments_and_members(tmp_path, make_index):
    folder = tmp_path / "case"
    files = S.case_folder(folder)
    (folder / "locked.pdf").write_bytes(S.make_pdf(password="pw"))
    (folder / "scan.pdf").write_bytes(S.make_scanned_pdf())
    (folder / "bad.pdf").write_bytes(b"%PDF-1.4 nothing else")
    report = make_index(folder)
    paths = stored_paths(make_index.path)
    top = {p.rsplit("/", 1)[-1] for p in paths if "//" not in p}
    assert top == set(files)
    inside = sorted(p.split("//", 1)[1] for p in paths if "//" in p)
    assert inside == ["contract.pdf", "inner/memo.txt"]
    assert {s["path"].rsplit("/", 1)[-1]: s["reason"] for s in report.skipped} == {
        "locked.pdf": "encrypted PDF (needs a password)",
        "scan.pdf": "scanned PDF: no text layer on its 1 pages (OCR is not done)"}
    assert [f["path"].rsplit("/", 1)[-1] for f in report.failed] == ["bad.pdf"]
    assert "malformed PDF" in report.failed[0]["error"]
    with open_index(make_index.path) as cw:
        hits = cw.search("Vidanta contract").hits
        assert any(h.path.endswith("tip.eml//contract.pdf") for h in hits)
        assert cw.search("Octavio").total == 1  # a speaker note
        assert cw.search("tracking").total == 0  # a script in the HTML page


def test_reindex_keeps_children_and_follows_their_parent(tmp_path, make_index):
    folder = tmp_path / "case"
    pdf = S.make_pdf(["Contract between Pemex and Vidanta."])
    (folder).mkdir()
    (folder / "tip.eml").write_bytes(S.make_eml([("contract.pdf", pdf, "application/pdf")]))
    (folder / "bundle.zip").write_bytes(S.make_zip({"memo.txt": b"Memo about Dos Bocas."}))
    first = make_index(folder)
    assert first.added == 4
    again = make_index(folder)
    assert (again.added, again.updated, again.removed, again.documents) == (0, 0, 0, 4)
    # the mail is sent again without its attachment: the attachment's document goes
    (folder / "tip.eml").write_bytes(S.make_eml(body="No attachment this time."))
    third = make_index(folder)
    assert third.removed == 1 and third.updated == 1
    assert not any(p.endswith("tip.eml//contract.pdf") for p in stored_paths(make_index.path))
    (folder / "bundle.zip").unlink()
    fourth = make_index(folder)
    assert fourth.removed == 2 and fourth.documents == 1


def test_include_and_exclude_globs(tmp_path, make_index):
    folder = tmp_path / "case"
    S.case_folder(folder)
    (folder / "drafts").mkdir()
    (folder / "drafts" / "old.txt").write_text("An old draft.")
    report = make_index(folder, exclude=["*.pdf", "drafts"], include=["*.txt", "*.pdf", "*.eml"])
    names = {p.split("/case/", 1)[1] for p in stored_paths(make_index.path)}
    # the globs choose files on disk; what is inside a chosen file comes with it
    assert names == {"readme.txt", "tip.eml", "tip.eml//contract.pdf"}
    reasons = {s["path"].rsplit("/", 1)[-1]: s["reason"] for s in report.skipped}
    assert reasons["filing.pdf"] == "excluded by *.pdf"
    assert reasons["drafts"] == "excluded by drafts"
    assert reasons["notes.odt"] == "not matched by any include pattern"


def test_cli_index_of_a_hostile_mixed_folder_exits_0_without_traceback(tmp_path):
    import json

    from tests.conftest import run_cli

    folder = tmp_path / "case"
    folder.mkdir()
    (folder / "tip.eml").write_bytes(S.make_eml([("x.zip", S.nested_zip(7), "application/zip")]))
    (folder / "bomb.zip").write_bytes(S.zip_bomb(member_mb=210))
    (folder / "bad.pdf").write_bytes(b"%PDF-1.4 nothing else")
    (folder / "locked.pdf").write_bytes(S.make_pdf(password="pw"))
    proc = run_cli("index", str(folder), "--json", index=tmp_path / "index", timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    report = json.loads(proc.stdout)
    assert report["documents"] == 7  # tip.eml, x.zip and the 4 zips inside it above the cap, bomb.zip
    assert len(report["failed"]) == 1 and len(report["skipped"]) == 3


def test_cli_index_takes_include_and_exclude_globs_and_checks_its_limits(tmp_path):
    import json

    from tests.conftest import run_cli

    folder = tmp_path / "case"
    S.case_folder(folder)
    index = tmp_path / "index"
    proc = run_cli("index", str(folder), "--include", "*.txt", "--include", "*.eml",
                   "--exclude", "*.pdf", "--json", index=index, timeout=300)
    assert proc.returncode == 0, proc.stderr
    names = {p.split("/case/", 1)[1] for p in stored_paths(index)}
    assert names == {"readme.txt", "tip.eml", "tip.eml//contract.pdf"}
    assert json.loads(proc.stdout)["documents"] == 3
    bad = run_cli("index", str(folder), "--extract-timeout", "0", index=tmp_path / "other")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
