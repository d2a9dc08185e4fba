"""Whoosh side of the index: schema, writing (derived from the catalog), searching, snippets.

Document text is not stored in Whoosh; snippets are highlighted from the catalog's copy, which
keeps the segments small (cold queries read less) and the text in one place.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from whoosh import fields, highlight, index, qparser
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, Tokenizer
from whoosh.support.charset import accent_map

from casework.index.entities import ENTITY_FIELDS


class NameListTokenizer(Tokenizer):
    """Tokenises newline-separated names, leaving a wide position gap between names.

    So ``person:"Harfuch Claudia"`` cannot match across the end of one name and the start of
    the next, while ``person:"Omar García Harfuch"`` and ``person:harfuch`` both match.
    """

    GAP = 100

    def __init__(self):
        self.inner = RegexTokenizer()

    def __eq__(self, other):
        return type(other) is type(self)

    def __call__(self, value, positions=False, chars=False, start_pos=0, start_char=0, **kw):
        pos, char = start_pos, start_char
        for line in value.split("\n"):
            last = pos - 1
            for token in self.inner(
                line, positions=positions, chars=chars, start_pos=pos, start_char=char, **kw
            ):
                if positions:
                    last = token.pos
                yield token
            pos = last + 1 + self.GAP
            char += len(line) + 1


def text_analyzer():
    # No stemming and no stop words: exact search must be exact ("the cartel" is a phrase).
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


def names_analyzer():
    return NameListTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


def make_schema() -> fields.Schema:
    schema = fields.Schema(
        doc_id=fields.ID(stored=True, unique=True),
        path=fields.ID(stored=True),
        title=fields.TEXT(analyzer=text_analyzer(), stored=True, field_boost=2.0),
        body=fields.TEXT(analyzer=text_analyzer(), phrase=True, stored=False),
        entity=fields.TEXT(analyzer=names_analyzer(), phrase=True),
    )
    for name in ENTITY_FIELDS:
        schema.add(name, fields.TEXT(analyzer=names_analyzer(), phrase=True))
    return schema


@dataclass(frozen=True)
class FulltextEntry:
    doc_id: str
    path: str
    title: str
    body: str
    entities: dict[str, list[str]]

    def fingerprint(self, sha256: str) -> str:
        """Changes whenever what Whoosh should hold for this document changes."""
        h = hashlib.sha1(sha256.encode())
        h.update(self.path.encode("utf-8", "backslashreplace"))
        h.update(self.title.encode("utf-8", "backslashreplace"))
        for field in sorted(self.entities):
            h.update(field.encode())
            h.update("\n".join(self.entities[field]).encode("utf-8", "backslashreplace"))
        return h.hexdigest()


class Fulltext:
    def __init__(self, path: Path):
        self.path = path
        self._ix = None

    @property
    def ix(self):
        if self._ix is None:
            self._ix = index.open_dir(str(self.path))
        return self._ix

    @classmethod
    def create(cls, path: Path) -> "Fulltext":
        path.mkdir(parents=True, exist_ok=True)
        index.create_in(str(path), make_schema())
        return cls(path)

    def write(
        self,
        upserts: Iterable[FulltextEntry],
        deletes: Iterable[str],
        big: bool = False,
        on_written: Callable[[FulltextEntry], None] | None = None,
    ) -> int:
        """Apply changes in one Whoosh commit; returns the number of documents written.

        Segments are not compound: Whoosh reads a compound file whole into memory on open, and
        non-compound segments made cold queries ~30-40% faster and cold RSS ~290 MB -> ~25 MB at
        20k documents (FIELD-NOTES); measured again on bench/corpus.py at 2,000 documents, one
        merged segment each, a whole-process cold query (Whoosh imports, open, top 10): median
        144 ms and 31 MB non-compound against 158 ms and 86 MB compound. After a big build the
        segments are merged into one, since every extra segment costs a cold query another set
        of file opens and term lookups.
        """
        writer = self.ix.writer(limitmb=128, compound=False)
        n = 0
        try:
            for doc_id in deletes:
                writer.delete_by_term("doc_id", doc_id)
            for entry in upserts:
                doc = {
                    "doc_id": entry.doc_id,
                    "path": entry.path,
                    "title": entry.title,
                    "body": entry.body,
                    "entity": "\n".join(n for names in entry.entities.values() for n in names),
                }
                for field, names in entry.entities.items():
                    if field in ENTITY_FIELDS:
                        doc[field] = "\n".join(names)
                writer.update_document(**doc)
                if on_written:
                    on_written(entry)
                n += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit(optimize=big, merge=True)
        self._ix = None
        return n

    def doc_ids(self) -> set[str]:
        with self.ix.searcher() as s:
            return {t.decode("utf-8") for t in s.reader().lexicon("doc_id")}

    def doc_count(self) -> int:
        return self.ix.doc_count()


# -- searching ---------------------------------------------------------------------------------

SEARCH_FIELDS = ["title", "body", "entity"]


def make_parser(schema) -> qparser.QueryParser:
    """Whoosh's parser with AND by default, fuzzy ``term~``, and every field addressable."""
    parser = qparser.MultifieldParser(
        SEARCH_FIELDS, schema, fieldboosts={"title": 2.0, "body": 1.0, "entity": 0.5}
    )
    parser.add_plugin(qparser.FuzzyTermPlugin())
    return parser


class RangeFormatter(highlight.Formatter):
    """Returns the best fragment as ``(snippet, [(start, end), ...])`` instead of markup.

    Newlines become spaces one for one, so the ranges stay true.
    """

    def format_fragment(self, fragment, replace=False):
        text = fragment.text[fragment.startchar : fragment.endchar]
        ranges = []
        for t in fragment.matches:
            if t.startchar >= fragment.startchar and t.endchar <= fragment.endchar:
                ranges.append((t.startchar - fragment.startchar, t.endchar - fragment.startchar))
        prefix = "…" if fragment.startchar > 0 else ""
        suffix = "…" if fragment.endchar < len(fragment.text) else ""
        shift = len(prefix)
        clean = _one_line(text)
        return prefix + clean + suffix, [(a + shift, b + shift) for a, b in ranges]

    def format(self, fragments, replace=False):
        if not fragments:
            return None
        return self.format_fragment(fragments[0], replace=replace)


def make_highlighter() -> highlight.Highlighter:
    fragmenter = highlight.ContextFragmenter(maxchars=240, surround=80)
    # Whoosh only looks for matches in the first 32 KB by default; long documents deserve
    # a snippet from where they match.
    fragmenter.charlimit = 1_000_000
    return highlight.Highlighter(fragmenter=fragmenter, formatter=RangeFormatter())


def lead_snippet(text: str, chars: int = 200) -> str:
    """The opening of a document, for hits that matched outside the body."""
    head = _one_line(text[: chars + 1])
    return head[:chars] + ("…" if len(text) > chars else "")


def _one_line(text: str) -> str:
    return text.replace("\n", " ").replace("\t", " ")
