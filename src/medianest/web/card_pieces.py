"""Each status card rendered once (its dashboard HTML, its API JSON) and kept while the card
and the minute stay the same.

A board rebuild re-renders only the cards that changed (and all of them once a minute, for
wordings like "down for 5 min"), a few at a time between which the event loop serves others;
a request then only joins the kept pieces.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from medianest.services.status_view import Board, ServiceCard
from medianest.web.pages.dashboard_format import Format

T = TypeVar("T")
CARDS_PER_STEP = 8  # a card's HTML takes about a millisecond: a few per loop step
CARD_TEMPLATE = "_service_card.html"


def card_html(templates: Jinja2Templates, card: ServiceCard, now: datetime) -> Markup:
    """One card as the dashboard shows it (in the board, and sent with a live status change)."""
    template = templates.env.get_template(CARD_TEMPLATE)
    return Markup(template.render(card=card, fmt=Format(now)))  # noqa: S704 - a Jinja template with autoescape


@dataclass(frozen=True)
class _Kept(Generic[T]):
    card: ServiceCard
    minute: datetime
    value: T


class CardPieces(Generic[T]):
    def __init__(
        self, render: Callable[[ServiceCard, datetime], T], clock: Callable[[], datetime]
    ) -> None:
        self._render = render
        self._clock = clock
        self._kept: dict[int, _Kept[T]] = {}

    async def prepare(self, board: Board) -> None:
        """Renders the cards of a new board that are not kept yet, before it is served."""
        now = self._clock()
        minute = now.replace(second=0, microsecond=0)
        kept: dict[int, _Kept[T]] = {}
        rendered = 0
        for card in board.cards:
            found = self._kept.get(card.id)
            if found is not None and found.minute == minute and found.card == card:
                kept[card.id] = _Kept(card, minute, found.value)
                continue
            if rendered and rendered % CARDS_PER_STEP == 0:
                await asyncio.sleep(0)
            kept[card.id] = _Kept(card, minute, self._render(card, now))
            rendered += 1
        self._kept = kept

    def of(self, card: ServiceCard) -> T:
        """The kept rendering of ``card``; made here only before the first prepared board."""
        found = self._kept.get(card.id)
        if found is not None and (found.card is card or found.card == card):
            return found.value
        return self._render(card, self._clock())
