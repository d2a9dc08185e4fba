"""HTML with selectolax (lexbor): the page's text with scripts, styles and navigation dropped."""

from __future__ import annotations

from casework.index.ingest.formats.utf8_lines import STREAM_BYTES
from casework.index.ingest.shape import Budget, Extracted, NotText
from casework.index.ingest.text import decode

_DROP = ["script", "style", "noscript", "template", "nav", "svg", "iframe", "object", "head"]
_BLOCKS = ("p,div,br,li,tr,h1,h2,h3,h4,h5,h6,section,article,header,footer,blockquote,pre,"
           "table,ul,ol,dl,dt,dd,figure,figcaption,aside,main,address,hr,td,th")


def extract(data: bytes, name: str, budget: Budget) -> Extracted:
    # a long page is read as a stream (html_stream.py): the tree of a 200 MB page and its text
    # as one str passed the extraction process's memory cap; pages are rarely over 2 MB
    if len(data) > STREAM_BYTES:
        from casework.index.ingest.formats.html_stream import text_of

        utf8, title, meta = text_of(data, frozenset(_DROP), frozenset(_BLOCKS.split(",")))
        return _page("", title, meta, "html.parser (streamed)", utf8)
    text, _ = decode(data)
    return extract_str(text)


def extract_str(html: str) -> Extracted:
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    title_node = tree.css_first("title")
    title = title_node.text(strip=True) if title_node is not None else ""
    meta = {}
    for node in tree.css("meta[name], meta[property]"):
        key = (node.attributes.get("name") or node.attributes.get("property") or "").lower()
        if key and node.attributes.get("content"):
            meta.setdefault(key, node.attributes["content"])
    for node in tree.css('[role="navigation"], [aria-hidden="true"]'):
        node.decompose()
    tree.strip_tags(_DROP)
    body = tree.body or tree.root
    if body is None:
        raise NotText("HTML without a body")
    for node in body.css(_BLOCKS):
        node.insert_before("\n")  # so paragraphs and cells do not run together
    lines = (" ".join(line.split()) for line in body.text(separator="", strip=False).split("\n"))
    text = "\n".join(line for line in lines if line)
    if not text.strip():
        raise NotText("HTML without text")
    return _page(text, title, meta, "selectolax")


def _page(text: str, title: str, meta: dict[str, str], extractor: str,
          utf8: bytearray | None = None) -> Extracted:
    return Extracted(
        text=text,
        utf8=utf8,
        title=title or meta.get("og:title", ""),
        content_type="text/html",
        extractor=extractor,
        author=meta.get("author", "") or meta.get("article:author", ""),
        created=meta.get("article:published_time", "") or meta.get("date", ""),
        modified=meta.get("article:modified_time", ""),
    )
