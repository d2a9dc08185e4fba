"""Rich renderables for people: snippets, documents with entities marked, entity tables.

Shared by the CLI and the TUI so an entity looks the same in both. Every string that comes from
a document or a file name goes into a ``rich.text.Text`` (never a markup string) and through
``safe.printable``, so it is shown, not interpreted.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

from casework.index import LABEL_TAGS, printable, printable_same_length
from casework.index.models import Document, Hit

# Colour is never the only signal: every entity is also underlined, each label has its own
# underline style or weight, and the label's short tag is shown in legends and lists.
LABEL_STYLES: dict[str, Style] = {
    "PERSON": Style(color="bright_cyan", bold=True, underline=True),
    "ORG": Style(color="bright_magenta", underline=True, italic=True),
    "GPE": Style(color="bright_green", underline=True),
    "LOC": Style(color="green", underline=True),
    "NORP": Style(color="yellow", underline=True),
    "FAC": Style(color="bright_yellow", underline=True),
    "EVENT": Style(color="bright_red", underline=True),
    "PRODUCT": Style(color="bright_blue", underline=True),
    "LAW": Style(color="blue", underline=True),
    "WORK_OF_ART": Style(color="red", underline=True),
    "LANGUAGE": Style(color="cyan", underline=True),
    "EMAIL": Style(color="bright_white", underline=True, italic=True),
    "PHONE": Style(color="bright_white", underline=True, bold=True),
    "URL": Style(color="blue", underline=True, italic=True),
    "IBAN": Style(color="bright_white", underline=True, reverse=True),
}
DEFAULT_ENTITY_STYLE = Style(underline=True)
MATCH_STYLE = Style(bold=True, reverse=True)


# a hit's kind (Hit.type, as ``type:`` searches it) as the results list names it
_TYPE_LABELS = {"email": "E-mail", "mbox": "Mailbox", "text": "Text", "markdown": "Markdown"}


def type_label(kind: str) -> str:
    """``pdf``: PDF, ``email``: E-mail, ``text``: Text; "" for a hit that has none."""
    return _TYPE_LABELS.get(kind) or kind.upper()


def name_and_type(hit: Hit, style: str = "italic") -> Text:
    """``report.pdf · PDF``: a hit's file name and type (safe: names come from the files)."""
    text = safe_text(hit.name or hit.path.replace("\\", "/").rsplit("/", 1)[-1], style)
    if hit.type:
        text.append(f" · {type_label(hit.type)}", style="dim")
    return text


def match_count(total: int) -> str:
    """ "1 document matches", "2 documents match": the count line of a search."""
    return f"{total} document matches" if total == 1 else f"{total} documents match"


def label_style(label: str, colour: bool = True) -> Style:
    """How a label's mentions look. Without ``colour`` (NO_COLOR in the explorer, whose filter
    turns colours into greys: bright magenta became grey 237 on 234) only the underline,
    weight and slant stay, drawn in the pane's own foreground."""
    style = LABEL_STYLES.get(label, DEFAULT_ENTITY_STYLE)
    if colour:
        return style
    return Style(bold=style.bold, italic=style.italic, underline=style.underline)


def label_tag(label: str) -> str:
    return LABEL_TAGS.get(label, label[:3])


def label_text(label: str) -> Text:
    """A label as a tag styled like its mentions: '[PER]'."""
    return Text(f"[{label_tag(label)}]", style=label_style(label))


def snippet_text(hit: Hit) -> Text:
    """A hit's snippet with its matched terms in bold reverse video."""
    text = Text(printable_same_length(hit.snippet))
    for start, end in hit.highlights:
        text.stylize(MATCH_STYLE, start, end)
    return text


def safe_text(value: str, style: str | Style = "") -> Text:
    return Text(printable(value), style=style)


def document_text(doc: Document, tags: bool = False) -> Text:
    """The whole document with every entity mention styled by label.

    With ``tags``, each mention is written inside its label tag ('[PER Claudia Sheinbaum]') for
    output with no colour at all; offsets then no longer index the returned text.
    """
    raw = printable_same_length(doc.text)
    if not tags:
        text = Text(raw)
        for m in doc.entities:
            text.stylize(label_style(m.label), m.start, m.end)
        return text
    text = Text()
    pos = 0
    for m in doc.entities:
        if m.start < pos:
            continue
        text.append(raw[pos : m.start])
        text.append(f"[{label_tag(m.label)} ", style="dim")
        text.append(raw[m.start : m.end], style=label_style(m.label))
        text.append("]", style="dim")
        pos = m.end
    text.append(raw[pos:])
    return text


def marked_text(raw: str, marks: list[tuple[int, int, str]], tags: bool = False) -> Text:
    """``raw`` with each (start, end, label) styled as its label, and bold; with ``tags``,
    written inside its tag ('[PER Claudia Sheinbaum]') for output without colour."""
    raw = printable_same_length(raw)
    text, pos = Text(), 0
    for start, end, label in sorted(marks):
        if start < pos:
            continue
        text.append(raw[pos:start])
        if tags:
            text.append(f"[{label_tag(label)} ", style="dim")
        text.append(raw[start:end], style=label_style(label) + Style(bold=True))
        if tags:
            text.append("]", style="dim")
        pos = end
    text.append(raw[pos:])
    return text


def legend(labels: list[str]) -> Text:
    text = Text()
    for i, label in enumerate(labels):
        if i:
            text.append("  ")
        text.append(f"{label_tag(label)}", style=label_style(label))
        text.append(f" {label.lower()}", style="dim")
    return text
