"""Long files are read as streams in the extraction process, and give the text the whole-file
readers give: HTML past STREAM_BYTES, CSV and text at any size, JSON past STREAM_BYTES."""

from __future__ import annotations

import csv
import io
import json
import random

import pytest

from casework.index.ingest import text as T
from casework.index.ingest.formats import html, plain, tables
from casework.index.ingest.formats.html_stream import text_of
from casework.index.ingest.formats.utf8_lines import Utf8Lines
from casework.index.ingest.limits import Limits, Sandbox
from casework.index.ingest.read import Reader
from casework.index.ingest.shape import Budget, Caps, NotText
from casework.index.ingest.walk import Candidate
from tests import format_samples as S

PAGES = [
    S.HTML,
    # <head> closed by <body> alone, role and aria-hidden, a comment, entities, CR LF, a lone CR
    "<html><head><title>A &amp; B</title><meta property='og:title' content='OG'>\r\n"
    "<body><div role='navigation'>Skip <b>me</b></div><p>Ana&nbsp;Lilia <i>Pérez</i>\r\n"
    "wrote<!-- not this --> to<br>Omar</p><div aria-hidden='true'><div>gone</div></div>"
    "<ul><li>one<li>two</ul>\rlast line<table><tr><td>a<td>b</table><svg><text>x</text></svg>"
    "<noscript>no</noscript><template><p>t</p></template>tail",
    # no <html> or <body> at all, a script holding markup, a void block element
    "Intro text<script>document.write('<p>not text</p>')</script><hr>After the rule"
    "<h2>Heading</h2>   spaced    words  \n\n\n  <pre>pre\n  formatted</pre>",
]


def _stream(page: str) -> tuple[str, str]:
    data = page.encode()
    assert len(data) < html.STREAM_BYTES  # read whole by html.extract: streamed here
    utf8, title, meta = text_of(data, frozenset(html._DROP), frozenset(html._BLOCKS.split(",")))
    return utf8.decode(), title or meta.get("og:title", "")


@pytest.mark.parametrize("page", PAGES)
def test_streamed_html_gives_what_selectolax_gives(page):
    whole = html.extract_str(page)
    text, title = _stream(page)
    assert text == whole.text
    assert " ".join(title.split()) == " ".join(whole.title.split())


def test_streamed_html_without_text_is_not_text():
    with pytest.raises(NotText):
        _stream("<html><head><title>t</title></head><body><nav>menu</nav></body></html>")


def test_long_html_is_read_under_a_memory_cap_the_whole_page_reader_needs(tmp_path):
    """20 MB of paragraphs with an emoji each: the DOM and the text as one str passed a
    400 MB cap on the extraction process ("needed more memory than the cap"); streamed, it
    is read, with the text selectolax gives."""
    para = "<p>\U0001F4F0 Rocío Nahle visited Dos Bocas with Octavio Romero on Monday.</p>\n"
    page = "<html><head><title>Long</title></head><body>" + para * (
        html.STREAM_BYTES // len(para.encode()) + 20_000) + "</body></html>"
    path = tmp_path / "long.html"
    path.write_text(page)
    assert path.stat().st_size > html.STREAM_BYTES
    with Reader(Limits(memory_mb=400)) as reader:
        got = reader.read(Candidate(path, tmp_path, path.name, "html"))
    assert not got.failed and not got.skipped
    (doc,) = got.sources
    assert doc.title == "Long"
    assert doc.text == html.extract_str(page).text


def test_a_process_left_large_by_a_file_is_replaced_for_the_next():
    """The extraction process's heap does not shrink after a long file; one left holding more
    than keep_mb is ended, and the next file gets a fresh one."""
    csv_data = b"name,place\n" + b"Ana Lilia P\xc3\xa9rez,M\xc3\xa9rida\n" * 200_000
    for keep_mb, starts in ((10_000, 1), (0, 2)):
        with Sandbox(Limits(keep_mb=keep_mb)) as box:
            for _ in range(2):
                parts = box.call("casework.index.ingest.extract:extract_tree", csv_data, "a.csv",
                                 "csv", Caps(), True)
                parts[0].extracted.take_text()
                assert parts[0].extracted.text.startswith("name\tplace\nAna Lilia Pérez\tMérida")
            assert box.starts == starts


def test_pieces_decode_as_the_whole_text_does(monkeypatch):
    monkeypatch.setattr(T, "_PIECE_BYTES", 7)  # every boundary lands somewhere awkward
    samples = [b"a\r\nb\rc\n\xf0\x9f\x93\xb0x\r\n\r", "h\xe9llo\r\nw\xf6rld\r".encode("cp1252") * 9,
               b"\xef\xbb\xbfabc\r\n" * 5, "x\r\ny".encode("utf-16") * 3, b"plain"]
    for data in samples:
        text, codec = T.decode(data)
        assert T.codec_of(data) == codec
        assert "".join(T.decoded_pieces(data, codec)) == text


def _csv_whole(data: bytes, name: str) -> tuple[str, int]:
    """The CSV reader before it streamed: the text whole, rows from a StringIO."""
    text, _ = T.decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    lines = [tables._row(r) for r in csv.reader(io.StringIO(text), dialect)]
    lines = [line for line in lines if line]
    return "\n".join(lines), len(lines)


def test_streamed_csv_gives_the_rows_the_whole_text_gives(monkeypatch):
    monkeypatch.setattr(T, "_PIECE_BYTES", 64)  # quoted line breaks cut across pieces
    rng = random.Random(3)
    cells = ["Pemex", '"a, b"', '"multi\nline"', "", " x  y ", "Núñez", "1.5", '"q""uote"']
    for _ in range(40):
        sep = rng.choice([",", ";", "\t"])
        rows = [sep.join(rng.choice(cells) for _ in range(rng.randint(1, 5)))
                for _ in range(rng.randint(1, 60))]
        data = rng.choice(["\n", "\r\n"]).join(rows).encode(rng.choice(["utf-8", "cp1252"]))
        try:
            want = _csv_whole(data, "a.csv")
        except NotText:
            continue
        if not want[1]:
            with pytest.raises(NotText):
                tables.extract_csv(data, "a.csv", Budget(Caps()))
            continue
        ex = tables.extract_csv(data, "a.csv", Budget(Caps()))
        ex.take_text()
        assert (ex.text, int(ex.metadata["rows"])) == want


def _random_json(rng: random.Random, depth: int = 0):
    r = rng.random()
    if depth > 3 or r < 0.4:
        return rng.choice(["Pemex", "", "  ", 'a"b', "Núñez\n2", "\\x", "\U0001F4F0 emoji",
                           "tab\there", 1, None, True, 2.5, -3])
    if r < 0.7:
        return [_random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice(["k", "name", 'x"y', "ñ"]) + str(i): _random_json(rng, depth + 1)
            for i in range(rng.randint(0, 4))}


def _json_text(reader, data: bytes) -> str:
    try:
        ex = reader(data, "a.json", Budget(Caps()))
    except NotText:
        return "not text"
    ex.take_text()
    return ex.text


def test_streamed_json_gives_the_string_values_json_loads_gives():
    rng = random.Random(5)
    for _ in range(500):
        if rng.random() < 0.3:  # JSON Lines
            data = b"\n".join(json.dumps(_random_json(rng)).encode() for _ in range(3))
        else:
            data = json.dumps(_random_json(rng), ensure_ascii=rng.random() < 0.5,
                              indent=rng.choice([None, 2])).encode()
        assert _json_text(plain._json_stream, data) == _json_text(plain.extract_json, data), data


def test_streamed_json_keeps_a_string_with_a_bad_escape_as_written():
    ex = plain._json_stream(b'["bad \\q escape", {"key": "ok"}]', "a.json", Budget(Caps()))
    ex.take_text()
    assert ex.text == "bad \\q escape\nok"


def test_lines_written_in_any_pieces():
    out = Utf8Lines()
    for piece in ["  Ana ", "Lilia\r", "\n\n  ", "\tPérez  \u2003 y", "\n", "", " last"]:
        out.write(piece)
    out.close()
    assert out.utf8.decode() == "Ana Lilia\nPérez y\nlast" and out.lines == 3
