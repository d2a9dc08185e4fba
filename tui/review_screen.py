"""The review queue: entities likely to be one that resolution left apart, best first, each
with its reason and score. ``y`` accepts (the second joins the first, a merge), ``n`` rejects
(kept apart for good); either moves on to the next pair. The app does the work: this screen
only lists the pairs and hands each decision to ``decide``. Keys: ``bindings.REVIEW``."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from casework.index.models import MergeSuggestion
from casework.tui.render import label_style, safe_text

from casework.tui import bindings


class ReviewList(OptionList):
    BINDINGS = bindings.LIST


class ReviewScreen(ModalScreen[None]):
    BINDINGS = bindings.REVIEW

    def __init__(self, suggestions: list[MergeSuggestion],
                 decide: Callable[[str, MergeSuggestion], None]):
        super().__init__()
        self.suggestions = list(suggestions)
        self.decide = decide  # ("accept" | "reject", the pair)
        self.decided: list[tuple[str, MergeSuggestion]] = []
        self.pending = 0  # decisions handed on and not yet done (the app counts them)
        self.outcomes: list[str] = []  # what the engine said of each
        self.closed = False

    def compose(self) -> ComposeResult:
        with Vertical(id="review-box"):
            yield Static(Text("Likely the same: y merges, n keeps apart, Esc closes", style="bold"))
            yield ReviewList(id="review-list", markup=False)
            yield Static(id="review-note")

    def on_mount(self) -> None:
        self._fill()
        self.query_one(ReviewList).focus()

    def _fill(self, at: int = 0) -> None:
        pairs = self.query_one(ReviewList)
        pairs.clear_options()
        for i, s in enumerate(self.suggestions):
            row = Text(f"{s.score:.2f} ", style="dim")
            row.append_text(safe_text(s.keep.name, label_style(s.keep.label)))
            row.append(f" ×{s.keep.mentions}  ←  ", style="dim")
            row.append_text(safe_text(s.other.name, label_style(s.other.label)))
            row.append(f" ×{s.other.mentions}\n    {s.reason}: ", style="dim")
            row.append_text(safe_text(s.detail, "dim"))
            pairs.add_option(Option(row, id=f"pair:{i}"))
        if not self.suggestions:
            pairs.add_option(Option(Text("Nothing left to review", style="italic"), disabled=True))
        else:
            pairs.highlighted = min(at, len(self.suggestions) - 1)
        self.query_one("#review-box").border_title = f"Review queue ({len(self.suggestions)})"

    def note(self, text: str) -> None:
        """What the last decision did (the app tells once the engine has done it)."""
        self.query_one("#review-note", Static).update(safe_text(text, "dim"))

    @property
    def current(self) -> MergeSuggestion | None:
        index = self.query_one(ReviewList).highlighted
        if index is None or not 0 <= index < len(self.suggestions):
            return None
        return self.suggestions[index]

    def _decide(self, kind: str) -> None:
        pair = self.current
        if pair is None:
            return
        at = self.suggestions.index(pair)
        # after a merge, the other pairs of the entity merged away are gone too
        away = pair.other.entity_id if kind == "accept" else None
        self.suggestions = [s for s in self.suggestions if s is not pair
                            and away not in (s.keep.entity_id, s.other.entity_id)]
        self.decided.append((kind, pair))
        self.decide(kind, pair)
        self._fill(at)

    def action_accept(self) -> None:
        self._decide("accept")

    def action_reject(self) -> None:
        self._decide("reject")

    def action_close(self) -> None:
        self.closed = True
        self.dismiss(None)
