"""What the request services share: reaching Overseerr safely, and telling pages about changes.

A dead or slow Overseerr must only switch off searching and requesting: every call goes through
:func:`OverseerrGate.calling`, which bounds the wait and turns any client failure into
``ServiceDown`` with a message fit for people, and remembers the failure for a short while so
pages can disable their buttons instead of letting everyone wait for the same timeout.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from medianest.domain.errors import ServiceDown
from medianest.domain.events import Event, for_owner_and_admins
from medianest.domain.requests import state_named
from medianest.integrations.base import BadResponse, CredentialsRejected, Unavailable
from medianest.integrations.overseerr.client import OverseerrClient
from medianest.observability.logging import get_logger
from medianest.persistence.models import MediaRequest
from medianest.realtime.bus import EventBus
from medianest.services.integrations import Integrations

log = get_logger(__name__)

NOT_CONFIGURED = "Requests are not set up yet: Overseerr is not configured."
DOWN = "Overseerr is not answering right now, so searching and requesting are paused."
REJECTED = "Overseerr refused MediaNest's API key; an admin needs to check the integration."
REMEMBER_FAILURE_S = 20.0
EVENT = "request.updated"


@dataclass
class OverseerrGate:
    """Hands out the configured client and guards calls to it."""

    integrations: Integrations
    timeout_s: float
    failed_at: float | None = None
    last_problem: str = DOWN

    def client(self) -> OverseerrClient:
        client = self.integrations.overseerr
        if client is None:
            raise ServiceDown(NOT_CONFIGURED)
        return client

    @property
    def recently_failed(self) -> bool:
        return self.failed_at is not None and time.monotonic() - self.failed_at < REMEMBER_FAILURE_S

    @asynccontextmanager
    async def calling(self, timeout_s: float | None = None) -> AsyncIterator[OverseerrClient]:
        """``async with gate.calling() as client:``; an unreachable, slow or garbled Overseerr
        leaves as ``ServiceDown``. Answers (not found, refused) pass through to the caller."""
        client = self.client()
        try:
            async with asyncio.timeout(timeout_s or self.timeout_s):
                yield client
        except CredentialsRejected as exc:
            self._failed(REJECTED, exc)
        except (Unavailable, BadResponse, TimeoutError) as exc:
            self._failed(DOWN, exc)
        else:
            self.failed_at = None

    def _failed(self, message: str, exc: BaseException) -> None:
        self.failed_at, self.last_problem = time.monotonic(), message
        log.warning("overseerr call failed", reason=str(exc)[:200] or type(exc).__name__)
        raise ServiceDown(message) from exc


def event_data(row: MediaRequest) -> dict[str, object]:
    state = state_named(row.status)
    return {
        "id": row.id,
        "user_id": row.user_id,
        "title": row.title,
        "status": state.value,
        "label": state.label,
        "tone": state.tone,
    }


async def publish_change(bus: EventBus, row: MediaRequest, *, removed: bool = False) -> None:
    """The owner's pages and every admin's "All requests" page refresh on this."""
    data = event_data(row) | {"removed": removed}
    await bus.publish(Event(EVENT, data, audience=for_owner_and_admins(row.user_id)))
