"""`casework show --query` of a big document: the marking and printing, in seconds. Prints JSON.

    python bench/show_big.py [--mb 2] [--width 100]

The document is a paragraph naming three people, repeated to ``--mb`` megabytes, with every
"Sheinbaum" an entity mention and every "Harfuch" and "cartel" a search match
(casework.index.term_spans). Measured: term_spans over the whole text, then the document printed
into a string as `casework show` prints it (render.document_segments), with tags (no colour,
a pipe) and in colour wrapped at ``--width`` (a terminal); "rich_text" prints the same marks
through rich's Text, as show did before (its cost grows with every character and span).

Measured here (2 cores shared with 7 other jobs, load 16), 2 MB, 19,170 mentions, 38,338
matches: word_forms 0.3 s, term_spans 0.49 s; segments: tags 0.35 s, colour wrapped at 100 1.6 s; rich's Text
(show before): tags 3.0 s, colour wrapped 5.7 s.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import time

from rich.console import Console
from rich.text import Text

from casework.index import term_spans
from casework.index.fulltext.snippets import word_forms
from casework.index.models import Document, Mention
from casework.tui.render import MATCH_STYLE, document_segments, label_style


def big_document(size: int) -> Document:
    para = ("Claudia Sheinbaum met Omar García Harfuch in Mexico City to discuss the cartel. "
            "[bold]not markup[/bold] ") * 6 + "\n\n"
    text = (para * (size // len(para) + 1))[:size]
    mentions = [Mention(m.start(), m.end(), "Sheinbaum", "PERSON", "e1")
                for m in re.finditer("Sheinbaum", text)]
    return Document("big", "big.txt", "/big.txt", text, mentions, size=size)


def rich_text(doc: Document, matches) -> Text:
    text = Text(doc.text)
    for m in doc.entities:
        text.stylize(label_style(m.label), m.start, m.end)
    for start, end in matches:
        text.stylize(MATCH_STYLE, start, end)
    return text


def printed(renderable, colour: bool, width: int) -> float:
    out = io.StringIO()
    console = Console(file=out, width=width, highlight=False, soft_wrap=not colour,
                      color_system="truecolor" if colour else None, no_color=not colour)
    started = time.perf_counter()
    console.print(renderable)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=float, default=2.0)
    parser.add_argument("--width", type=int, default=100)
    args = parser.parse_args()
    doc = big_document(int(args.mb * 1_000_000))
    started = time.perf_counter()
    # what Casework.match_terms adds to the index's words: their other forms in the text
    forms = word_forms(doc.text, {"harfuch", "cartel"}, limit=len(doc.text))
    forms_s = time.perf_counter() - started
    started = time.perf_counter()
    matches = term_spans(doc.text, forms)
    spans_s = time.perf_counter() - started
    figures = {"chars": len(doc.text), "mentions": len(doc.entities), "matches": len(matches),
               "word_forms_s": round(forms_s, 3), "term_spans_s": round(spans_s, 3)}
    for name, colour in (("tags", False), ("colour_wrapped", True)):
        started = time.perf_counter()
        segments = document_segments(doc, matches, tags=not colour,
                                     width=args.width if colour else None)
        made = time.perf_counter() - started
        figures[f"segments_{name}_s"] = round(made + printed(segments, colour, args.width), 3)
        started = time.perf_counter()
        text = rich_text(doc, matches)
        made = time.perf_counter() - started
        figures[f"rich_text_{name}_s"] = round(made + printed(text, colour, args.width), 3)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
