"""Hostile documents: each is indexed or listed with a reason, nothing hangs, nothing is written.

Each case runs through ingest.Reader, i.e. in the extraction process with its limits, as
indexing does.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from casework.index import ingest
from casework.index.ingest.extract import extract_tree
from casework.index.ingest.limits import ExtractionFailed, Limits, Sandbox
from casework.index.ingest.shape import Caps
from tests import format_samples as S


@pytest.fixture(scope="module")
def reader():
    with ingest.Reader() as r:
        yield r


def read(reader, folder: Path, name: str, data: bytes) -> ingest.Read:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    [cand] = [c for c in ingest.scan([folder / name]) if isinstance(c, ingest.Candidate)]
    return reader.read(cand)


def reasons(got: ingest.Read) -> dict[str, str]:
    out = {s.path.rsplit("/", 1)[-1] if "//" not in s.path else s.path.split("//", 1)[1]: s.reason
           for s in got.skipped}
    out.update({f.path.rsplit("/", 1)[-1] if "//" not in f.path else f.path.split("//", 1)[1]:
                "FAILED " + f.error for f in got.failed})
    return out


def test_malformed_pdf_is_failed_with_both_libraries_reasons(reader, tmp_path):
    got = read(reader, tmp_path, "bad.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ngarbage\n")
    assert not got.sources and not got.skipped
    [failed] = got.failed
    assert "malformed PDF" in failed.error and "pdfminer" in failed.error


def test_truncated_pdf_is_indexed_or_listed(reader, tmp_path):
    data = S.make_pdf()
    got = read(reader, tmp_path, "cut.pdf", data[: len(data) // 2])
    assert len(got.sources) + len(got.skipped) + len(got.failed) == 1


def test_encrypted_pdf_is_skipped_as_needing_a_password(reader, tmp_path):
    got = read(reader, tmp_path, "locked.pdf", S.make_pdf(password="secret"))
    assert [s.reason for s in got.skipped] == ["encrypted PDF (needs a password)"]


def test_pdf_with_only_an_owner_password_is_read(reader, tmp_path):
    got = read(reader, tmp_path, "owner.pdf", S.make_pdf(password=""))
    assert "Claudia Sheinbaum" in got.sources[0].text


def test_scanned_pdf_is_listed_as_without_a_text_layer(reader, tmp_path):
    got = read(reader, tmp_path, "scan.pdf", S.make_scanned_pdf())
    assert [s.reason for s in got.skipped] == [
        "scanned PDF: no text layer on its 1 pages (OCR is not done)"]


def test_zip_bomb_member_stops_at_the_member_cap(reader, tmp_path):
    bomb = S.zip_bomb(member_mb=210)
    assert len(bomb) < 1024 * 1024
    started = time.monotonic()
    got = read(reader, tmp_path, "bomb.zip", bomb + b"")
    assert reasons(got) == {"zeros-0.txt": "expands past 200 MB (zip bomb?)"}
    assert [s.path.rsplit("/", 1)[-1] for s in got.sources] == ["bomb.zip"]
    assert time.monotonic() - started < 30


def test_zip_bomb_of_many_members_stops_at_the_total_cap():
    caps = Caps(max_member_bytes=3 * 1024 * 1024, max_expanded_bytes=8 * 1024 * 1024)
    parts = extract_tree(S.zip_bomb(member_mb=2, members=10), "many.zip", "zip", caps)
    stopped = [p for p in parts[1:] if "expands past 8 MB in all" in p.skipped]
    assert len(parts) == 11 and len(stopped) == 6  # four members of 2 MB read, then the cap
    assert sum(p.size for p in parts[1:]) == 8 * 1024 * 1024


def test_nested_archives_past_the_depth_cap_are_listed(reader, tmp_path):
    got = read(reader, tmp_path, "nest.zip", S.nested_zip(8))
    depths = sorted(s.depth for s in got.sources)
    assert depths == [0, 1, 2, 3, 4, 5]
    [(path, reason)] = list(reasons(got).items())
    assert reason == "nested more than 5 levels deep" and path.count("//") == 5


def test_zip_slip_member_names_are_only_names(reader, tmp_path):
    folder = tmp_path / "deep" / "docs"
    members = {"../../escaped.txt": b"Escaped to the parent.", "/etc/cron.d/evil.txt": b"Absolute.",
               "a/../../b.txt": b"Dotted.", "ok.txt": b"Fine.", "..\\..\\win.txt": b"Backslashes."}
    before = sorted(p for p in tmp_path.rglob("*"))
    got = read(reader, folder, "slip.zip", S.make_zip(members))
    after = sorted(p for p in tmp_path.rglob("*"))
    assert set(after) - set(before) == {folder.parent, folder, folder / "slip.zip"}
    names = sorted(s.path.split("//", 1)[1] for s in got.sources if "//" in s.path)
    assert names == ["b.txt", "escaped.txt", "etc/cron.d/evil.txt", "ok.txt", "win.txt"]
    assert not (tmp_path / "escaped.txt").exists() and not Path("/etc/cron.d/evil.txt").exists()


def test_email_with_a_thousand_attachments(reader, tmp_path):
    attachments = [(f"note-{i}.txt", f"Attachment {i} names Pemex.".encode(), "text/plain")
                   for i in range(1000)]
    started = time.monotonic()
    got = read(reader, tmp_path, "many.eml", S.make_eml(attachments))
    assert len(got.sources) == 1001 and not got.failed
    assert got.sources[500].path.endswith("many.eml//note-499.txt")
    assert {s.depth for s in got.sources[1:]} == {1}
    assert time.monotonic() - started < 30


def test_mail_without_a_charset_is_decoded_like_a_plain_file(reader, tmp_path):
    got = read(reader, tmp_path, "nocharset.eml", S.make_eml_without_charset())
    assert "Reunión con el señor Núñez en Mérida." in got.sources[0].text
    unknown = S.make_eml_without_charset().replace(b"text/plain", b"text/plain; charset=x-bogus")
    got = read(reader, tmp_path, "bogus.eml", unknown)
    assert "señor Núñez" in got.sources[0].text


def test_mail_with_broken_headers_and_base64_is_read(reader, tmp_path):
    raw = (b"From: =?utf-8?q?broken <no-at-sign\r\nTo: ,,,;<>\r\nSubject: =?x-unknown?b?????=\r\n"
           b"Date: not a date\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
           b"--B\r\nContent-Type: text/plain\r\n\r\nBody text about Pemex.\r\n--B\r\n"
           b"Content-Type: application/pdf; name=x.pdf\r\nContent-Transfer-Encoding: base64\r\n"
           b"Content-Disposition: attachment; filename=x.pdf\r\n\r\n!!!not base64!!!\r\n--B--\r\n")
    got = read(reader, tmp_path, "broken.eml", raw)
    assert "Body text about Pemex." in got.sources[0].text
    assert len(got.sources) + len(got.skipped) + len(got.failed) == 2


def test_json_nested_ten_thousand_deep_is_listed(reader, tmp_path):
    got = read(reader, tmp_path, "deep.json", b"[" * 100_000 + b"]" * 100_000)
    assert len(got.sources) + len(got.skipped) + len(got.failed) == 1


def test_time_limit_kills_the_extraction_and_the_next_file_goes_on():
    with Sandbox(Limits(timeout_s=1.0)) as box:
        started = time.monotonic()
        with pytest.raises(ExtractionFailed, match=r"took longer than the time limit \(1 s\)"):
            box.call("tests.format_samples:hang", 30)
        assert time.monotonic() - started < 5
        assert box.call("tests.format_samples:hang", 0) == "woke"
        assert box.starts == 2


def test_memory_cap_fails_the_file_not_the_run():
    with Sandbox(Limits(memory_mb=400)) as box:
        with pytest.raises(ExtractionFailed, match=r"needed more memory than the cap \(400 MB\)"):
            box.call("tests.format_samples:allocate", 1024)
        assert box.call("tests.format_samples:allocate", 10) == 10 * 1024 * 1024


def test_extraction_process_cannot_write_files(tmp_path):
    target = tmp_path / "written.txt"
    with Sandbox() as box:
        with pytest.raises(ExtractionFailed, match="OSError|File too large"):
            box.call("tests.format_samples:write_file", str(target))
    assert not target.exists() or target.stat().st_size == 0


def test_a_crashing_extractor_is_reported_and_replaced():
    with Sandbox() as box:
        with pytest.raises(ExtractionFailed, match="died .signal SIGSEGV"):
            box.call("tests.format_samples:crash")
        assert box.call("tests.format_samples:hang", 0) == "woke"


def test_reader_never_raises_for_a_file_that_vanished(reader, tmp_path):
    (tmp_path / "gone.pdf").write_bytes(S.make_pdf())
    [cand] = [c for c in ingest.scan([tmp_path]) if isinstance(c, ingest.Candidate)]
    os.unlink(tmp_path / "gone.pdf")
    got = reader.read(cand)
    assert [f.error for f in got.failed] == ["No such file or directory"]


def test_a_file_over_the_time_limit_is_listed_failed_by_the_reader(tmp_path):
    (tmp_path / "slow.pdf").write_bytes(S.make_pdf())
    [cand] = [c for c in ingest.scan([tmp_path]) if isinstance(c, ingest.Candidate)]
    with ingest.Reader(Limits(timeout_s=0.001, seconds_per_mb=0)) as slow:
        got = slow.read(cand)
    assert not got.sources and "took longer than the time limit (0.001 s)" in got.failed[0].error


def test_the_time_limit_grows_with_the_file():
    assert Limits(timeout_s=60, seconds_per_mb=2).timeout_for(200 * 1024 * 1024) == 460
