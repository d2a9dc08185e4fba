"""Entity curation from the entities and cross-reference panes: merge, split an alias, rename,
relabel, hide, undo, and the review queue of likely-same entities (review_screen.py). The engine does the work (Casework.merge_entities and friends); this
module asks for the missing argument in a prompt, runs the call through the session and
refreshes the panes. The keys are ``bindings.CURATION``."""

from __future__ import annotations

from functools import partial

from casework.tui.render import LABEL_TAGS

from casework.tui.entities_pane import EntitiesPane
from casework.tui.prompt_screen import PromptScreen
from casework.tui.review_screen import ReviewScreen
from casework.tui.xref_pane import XrefPane

ENGINE_METHOD = {"merge": "merge_entities", "rename": "rename_entity", "relabel": "relabel_entity",
                 "split": "split_alias", "hide": "hide_entity", "undo": "undo_curation",
                 "apart": "keep_apart", "review": "merge_suggestions"}
REVIEW_LIMIT = 200


class CurationMixin:
    """Mixed into the app (which has ``session``, ``_say`` and ``refresh_after_curation``):
    the keys live only while an entities or cross-reference pane has focus, and only if the
    engine offers curation."""

    def curation_target(self) -> tuple[str, str] | None:
        """(entity_id, name) of the entity the focused pane points at."""
        focused = self.focused
        if isinstance(focused, EntitiesPane) and focused.highlighted_entity:
            entity_id = focused.highlighted_entity
            name = next((s.name for s in focused._summaries if s.entity_id == entity_id), entity_id)
            return entity_id, name
        if isinstance(focused, XrefPane) and focused.card is not None:
            return focused.card.entity_id, focused.card.name
        return None

    def curation_allowed(self, kind: str) -> bool:
        if not self.session.offers(ENGINE_METHOD[kind]):
            return False
        if not isinstance(self.focused, (EntitiesPane, XrefPane)):
            return False
        return kind in ("undo", "review") or self.curation_target() is not None

    def action_curate(self, kind: str) -> None:
        target = self.curation_target()
        if kind == "review":
            self._say("Looking for likely-same entities…")
            self.session.run("review", lambda cw: cw.merge_suggestions(limit=REVIEW_LIMIT),
                             self._open_review)
            return
        if kind == "undo":
            self.run_curation("undo", ())
            return
        if target is None:
            return
        entity_id, name = target
        if kind == "hide":
            self.run_curation(kind, (entity_id,))
            return
        questions = {
            "merge": (f"Merge {name} with which entity? (name or id)", "",
                      "The other entity's mentions and aliases join this one."),
            "rename": (f"New name for {name}", name, ""),
            "relabel": (f"New label for {name}", "", "One of: " + " ".join(LABEL_TAGS)),
            "split": (f"Which alias of {name} is a different entity?", "", self._alias_hint()),
        }
        question, value, hint = questions[kind]

        def answered(answer: str | None) -> None:
            if answer:
                self.run_curation(kind, (entity_id, answer))

        self.push_screen(PromptScreen(question, value, hint), answered)

    def _alias_hint(self) -> str:
        card = self.query_one(XrefPane).card
        return "Aliases: " + ", ".join(a.text for a in card.aliases) if card else ""

    def run_curation(self, kind: str, args: tuple) -> None:
        method = ENGINE_METHOD[kind]
        self.session.run("curation", lambda cw: getattr(cw, method)(*args),
                         partial(self._curated, kind, args))

    # -- the review queue: the panes under it refresh once it closes and its calls are done
    # (while it is open, the app's queries reach the queue's screen, not the panes)
    def _open_review(self, found) -> None:
        self._say("")
        screen = ReviewScreen(found, lambda decision, pair: self._reviewed(screen, decision, pair))
        self.push_screen(screen, lambda _: self._review_settled(screen))

    def _reviewed(self, screen: ReviewScreen, decision: str, pair) -> None:
        """A pair decided in the queue: merged (accept) or kept apart (reject). Not exclusive:
        a quick y, n, y runs all three, one after the other."""
        kind = "merge" if decision == "accept" else "apart"
        args = (pair.keep.entity_id, pair.other.entity_id)
        method = ENGINE_METHOD[kind]
        screen.pending += 1

        def settled(outcome: str, error: bool = False) -> None:
            screen.pending -= 1
            screen.outcomes.append(("⚠ " if error else "") + outcome)
            self._review_settled(screen)

        self.session.run("curation", lambda cw: getattr(cw, method)(*args), settled,
                         failed=partial(settled, error=True), group="review", exclusive=False)

    def _review_settled(self, screen: ReviewScreen) -> None:
        if screen.pending or not screen.closed:
            if not screen.closed and screen.outcomes:
                screen.note(screen.outcomes[-1])
            return
        if screen.outcomes:
            self._say(f"review: {len(screen.outcomes)} decided ({screen.outcomes[-1]}); u undoes")
            self.refresh_after_curation(None)
            self.session.run("generation", lambda cw: cw.generation(), self._generation_seen)

    def _curated(self, kind: str, args: tuple, outcome) -> None:
        self._say(f"{kind}: done" + (f" ({outcome})" if isinstance(outcome, str) else "") + "; u undoes")
        self.refresh_after_curation(args[0] if args else None)
        # our own commit: take its generation now, so the index watch does not announce it
        self.session.run("generation", lambda cw: cw.generation(), self._generation_seen)
