"""The timeline: dated sentences in day order, for the current search, the entity in focus,
or the whole index. Enter closes it and opens the document at that sentence."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from casework.tui import bindings
from casework.tui.render import safe_text


def event_prompt(event) -> Text:
    """'2025-02-22  Feb. 22, 2025 · title' over the sentence with the date in bold; one row
    each, cut at the width."""
    when = event.iso_start if event.iso_start == event.iso_end else f"{event.iso_start}..{event.iso_end[5:]}"
    text = Text(f"{when:<17} ", style="bold")
    text.append_text(safe_text(event.title, "italic"))
    text.append("\n  ")
    sentence = safe_text(event.sentence)
    at = sentence.plain.find(" ".join(event.text.split()))
    if at >= 0:
        sentence.stylize("bold underline", at, at + len(" ".join(event.text.split())))
        if at > 40:  # the date on screen even in a long sentence
            sentence = Text("…") + sentence[at - 30 :]
    text.append_text(sentence)
    text.no_wrap = True
    text.overflow = "ellipsis"
    return text


class TimelineList(OptionList):
    BINDINGS = bindings.TIMELINE

    def action_dismiss(self) -> None:
        self.screen.dismiss(None)


class TimelineScreen(ModalScreen[tuple[str, int | None] | None]):
    """Dismissed with (doc_id, offset of the sentence) on Enter, None on Esc."""

    def __init__(self, scope: str):
        super().__init__()
        self.scope = scope
        self.events: list = []

    def compose(self) -> ComposeResult:
        with Vertical(id="timeline-box"):
            yield Static(Text(f"Timeline — {self.scope} (loading…)", style="bold"), id="timeline-title")
            yield TimelineList(id="timeline-list", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(TimelineList).focus()

    def show_events(self, events: list) -> None:
        self.events = events
        timeline = self.query_one(TimelineList)
        timeline.clear_options()
        if events:
            timeline.add_options([Option(event_prompt(e), id=f"ev:{i}") for i, e in enumerate(events)])
            timeline.highlighted = 0
        else:
            timeline.add_option(Option(Text("No dated sentences", style="italic"), disabled=True))
        title = self.query_one("#timeline-title", Static)
        title.update(Text(f"Timeline — {self.scope} · {len(events)} dated sentences · "
                          "Enter opens at the sentence, Esc closes", style="bold"))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        option_id = event.option.id or ""
        if option_id.startswith("ev:"):
            e = self.events[int(option_id[3:])]
            self.dismiss((e.doc_id, e.sent_start if e.sent_start >= 0 else None))
