"""Files to text: encodings, titles, stable ids, what is skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from casework.index import ingest
from casework.index.ingest import Candidate, Skipped, decode, doc_id_for, read_source, scan, title_for

SAMPLE = "Peña Nieto and “Sheinbaum” — café in Zapopan, naïve façade, 50 °C."


@pytest.mark.parametrize(
    "encoded, expected_codec",
    [
        (SAMPLE.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + SAMPLE.encode("utf-8"), "utf-8-sig"),
        (SAMPLE.encode("utf-16"), "utf-16"),  # with BOM, native order
        (b"\xff\xfe" + SAMPLE.encode("utf-16-le"), "utf-16"),
        (b"\xfe\xff" + SAMPLE.encode("utf-16-be"), "utf-16"),
        (SAMPLE.encode("cp1252"), "cp1252"),
    ],
)
def test_each_encoding_is_read_right(encoded, expected_codec):
    text, codec = decode(encoded)
    assert text == SAMPLE
    assert codec == expected_codec


def test_latin1_text_is_read_right():
    sample = "Straße Müller, señor Núñez habló en Guadalajara. Él dijo: años."
    text, codec = decode(sample.encode("latin-1"))
    assert text == sample
    assert codec in ("cp1252", "latin_1")


def test_non_western_legacy_text_is_not_forced_into_cp1252():
    sample = "Привет, как дела? Это текст на русском языке о картелях и политике."
    text, codec = decode(sample.encode("cp1251"))
    assert text == sample


def test_newlines_are_normalised():
    assert decode(b"a\r\nb\rc\n")[0] == "a\nb\nc\n"


def test_binary_is_refused():
    with pytest.raises(ingest.NotText):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))


@pytest.mark.parametrize(
    "text, title",
    [
        ("Intro line\n\n# The Real Heading\nbody", "The Real Heading"),
        ("\n\n  First line of text  \nsecond", "First line of text"),
        ("", "file.txt"),
        ("   \n\t\n", "file.txt"),
        ("## Sub heading ##\ntext", "Sub heading"),
    ],
)
def test_title_is_heading_else_first_line_else_file_name(text, title):
    assert title_for(text, "file.txt") == title


def test_long_first_line_is_shortened_at_a_word():
    title = title_for("word " * 100, "f.txt")
    assert len(title) <= 121 and title.endswith("…")


def test_scan_walks_recursively_and_reports_skips(tmp_path):
    root = tmp_path / "leaks"
    (root / "a" / "b").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / "top.txt").write_text("top")
    (root / "a" / "b" / "deep.md").write_text("# deep")
    (root / ".git" / "config.txt").write_text("hidden")
    (root / ".env.txt").write_text("hidden file")
    (root / "a" / "image.png").write_bytes(b"\x89PNG")
    found = list(scan([root]))
    candidates = {c.relpath for c in found if isinstance(c, Candidate)}
    skipped = {Path(s.path).name: s.reason for s in found if isinstance(s, Skipped)}
    assert candidates == {"leaks/top.txt", "leaks/a/b/deep.md"}
    assert skipped[".git"] == "hidden directory"
    assert skipped[".env.txt"] == "hidden file"
    assert "not a text document" in skipped["image.png"]


def test_doc_id_is_stable_and_short_and_from_the_relative_path(tmp_path):
    one = tmp_path / "x" / "case"
    two = tmp_path / "y" / "case"
    for root in (one, two):
        root.mkdir(parents=True)
        (root / "memo.txt").write_text("same relative path, different place")
    a = [read_source(c) for c in scan([one]) if isinstance(c, Candidate)][0]
    b = [read_source(c) for c in scan([two]) if isinstance(c, Candidate)][0]
    assert a.doc_id == b.doc_id == doc_id_for("case/memo.txt")
    assert len(a.doc_id) == 8


def test_read_source_records_metadata_and_never_modifies_the_file(tmp_path):
    f = tmp_path / "notes.md"
    f.write_bytes("# Title here\r\nBody text".encode("utf-8"))
    before = (f.read_bytes(), f.stat().st_mtime_ns)
    src = [read_source(c) for c in scan([f]) if isinstance(c, Candidate)][0]
    assert src.title == "Title here"
    assert src.text == "# Title here\nBody text"
    assert src.size == len(before[0])
    assert len(src.sha256) == 64
    assert (f.read_bytes(), f.stat().st_mtime_ns) == before


def test_a_file_read_from_its_bytes_elsewhere_gives_what_reading_it_here_gives(tmp_path):
    """``load`` + ``Reader.read_loaded`` (a cluster worker's way: the writer sends the bytes)
    against ``Reader.read``, on a file of every format, a broken one, an empty one, a
    Markdown file, a file sniffed by content and one that is no document."""
    import pickle

    from tests import format_samples

    format_samples.case_folder(tmp_path)
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip file")
    (tmp_path / "empty.pdf").write_bytes(b"")
    (tmp_path / "spaces.txt").write_bytes(b"  \n ")
    (tmp_path / "noise").write_bytes(bytes(range(256)) * 8)
    cands = [c for c in scan([tmp_path]) if isinstance(c, Candidate)]
    assert len(cands) == 17  # the noise is skipped by the walk: binary
    with ingest.Reader() as here, ingest.Reader() as there:
        for cand in cands:
            loaded = ingest.load(cand)
            if not isinstance(loaded, ingest.Read):
                loaded = pickle.loads(pickle.dumps(loaded))  # as it travels to a worker
                assert isinstance(loaded, ingest.Loaded) and loaded.data == cand.path.read_bytes()
                loaded = there.read_loaded(loaded)
            assert loaded == here.read(cand), cand.relpath
        assert here._sandbox is not None and there._sandbox is not None, "both extracted"
