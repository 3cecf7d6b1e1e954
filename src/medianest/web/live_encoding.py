"""What /events sends for each event, worked out once per process whatever the number of open
streams: the JSON of every event, and for a service's status change its card, rendered once.

A dashboard swaps the card in place, so a change costs one render here plus the fan-out, instead
of one board request per open dashboard.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict

from fastapi.templating import Jinja2Templates

from medianest.domain.errors import NotFound
from medianest.domain.events import Event
from medianest.observability.logging import get_logger
from medianest.services.status import StatusCoordinator
from medianest.web.card_pieces import card_html

log = get_logger(__name__)
STATUS_EVENT = "service.status"
REMEMBERED = 256  # events whose encoding is kept (streams read the same events at once)


class LiveEncoder:
    def __init__(self, templates: Jinja2Templates, status: StatusCoordinator | None) -> None:
        self._templates = templates
        self._status = status
        self._encoded: OrderedDict[str, asyncio.Task[str]] = OrderedDict()

    async def encode(self, event: Event) -> str:
        if not event.id:
            return await self._encode(event)
        task = self._encoded.get(event.id)
        if task is None:
            task = asyncio.ensure_future(self._encode(event))
            self._encoded[event.id] = task
            while len(self._encoded) > REMEMBERED:
                self._encoded.popitem(last=False)
        if task.done():
            return task.result()
        return await asyncio.shield(task)  # a viewer leaving must not cancel the others' copy

    async def _encode(self, event: Event) -> str:
        if event.type == STATUS_EVENT and isinstance(event.data.get("id"), int):
            html = await self._card(event.data["id"])
            if html is not None:
                return Event(
                    event.type, {**event.data, "html": html}, event.audience, event.id
                ).to_json()
        return event.to_json()

    async def _card(self, service_id: int) -> str | None:
        if self._status is None:
            return None
        try:
            detail = await self._status.detail(service_id)
        except NotFound:
            return None  # gone meanwhile: the page re-fetches its board
        except Exception as exc:  # the event still goes out; the page re-fetches its board
            log.warning("service card not rendered for a live update", error=str(exc)[:200])
            return None
        return str(card_html(self._templates, detail.card, self._status.clock()))
