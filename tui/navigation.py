"""Back and forward through the places the reader has been: documents and entities."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    """One step of history: a document (at an offset, maybe marking an entity) or an entity."""

    kind: str  # "doc" or "entity"
    ident: str
    offset: int | None = None
    entity_id: str | None = None


class History:
    """A browser's history: going somewhere new after going back drops the places ahead."""

    def __init__(self) -> None:
        self._places: list[Place] = []
        self._pos = -1

    def push(self, place: Place) -> None:
        del self._places[self._pos + 1 :]
        if not self._places or self._places[-1] != place:
            self._places.append(place)
        self._pos = len(self._places) - 1

    def back(self) -> Place | None:
        """The place before the current one (now current), or None at the first."""
        if self._pos <= 0:
            return None
        self._pos -= 1
        return self._places[self._pos]

    def forward(self) -> Place | None:
        """The place after the current one (now current), or None at the last."""
        if self._pos >= len(self._places) - 1:
            return None
        self._pos += 1
        return self._places[self._pos]

    @property
    def trail(self) -> list[Place]:
        """The places up to and including the current one."""
        return self._places[: self._pos + 1]
