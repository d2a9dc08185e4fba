"""The help screen, generated from the bindings so it never drifts from the keys."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from casework.tui import bindings


def binding_table(sections: list[tuple[str, list[Binding]]], key_display) -> Text:
    """The help text: a heading per section, then one 'keys  description' line per binding."""
    text = Text()
    for title, section in sections:
        text.append(f"{title}\n", style="bold underline")
        rows: dict[tuple[str, str], list[str]] = {}  # one line per action, all its keys
        for b in section:
            if b.description:
                rows.setdefault((b.description, b.action), []).extend(
                    key_display(k) for k in b.key.split(","))
        for (description, _action), keys in rows.items():
            text.append(f"  {' '.join(keys):<18}", style="bold")
            text.append(f" {description}\n")
        text.append("\n")
    return text


class HelpScreen(ModalScreen[None]):
    BINDINGS = bindings.HELP_SCREEN

    def __init__(self, sections: list[tuple[str, list[Binding]]]):
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body") as body:
            body.border_title = "Keys (Esc closes)"
            self.table = binding_table(self.sections, self._key)
            yield Static(self.table, id="help-table")

    def _key(self, key: str) -> str:
        return self.app.get_key_display(Binding(key.strip(), ""))

    def action_scroll(self, direction: str) -> None:
        body = self.query_one("#help-body", VerticalScroll)
        (body.scroll_down if direction == "down" else body.scroll_up)(animate=False)
