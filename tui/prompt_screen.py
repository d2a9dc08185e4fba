"""A one-line question in a modal box: Enter answers, Esc cancels (returns None)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from casework.tui import bindings


class PromptScreen(ModalScreen[str | None]):
    BINDINGS = bindings.PROMPT

    def __init__(self, question: str, value: str = "", hint: str = ""):
        super().__init__()
        self.question = question
        self.value = value
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-box"):
            yield Static(Text(self.question, style="bold"))
            yield Input(value=self.value, id="prompt-input")
            yield Static(Text(self.hint or "Enter: OK   Esc: cancel", style="dim"))

    def on_mount(self) -> None:
        self.query_one("#prompt-input", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
