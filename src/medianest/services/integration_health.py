"""Integration health shared by every process: each client's availability record, written to
the database when its state or reason changes, so the Integrations page, the diagnostics and
``/readyz`` say the same thing whichever web or worker process made the call.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from medianest.integrations.base import Availability, ServiceClient
from medianest.observability.logging import get_logger
from medianest.persistence.types import utcnow
from medianest.services import runtime_settings

log = get_logger(__name__)
KEY_PREFIX = "integration.health."
REFRESH_EVERY = timedelta(seconds=60)  # a steady state is written again this often


@dataclass(frozen=True)
class StoredHealth:
    """The last known state of one integration, as any process last saw it."""

    state: str  # healthy, unavailable, credentials_rejected, misconfigured
    since: datetime | None
    last_success_at: datetime | None
    last_error: str | None

    @classmethod
    def of(cls, seen: Availability, now: datetime) -> StoredHealth:
        if seen.credentials_rejected:
            state = "credentials_rejected"
        elif seen.misconfigured:
            state = "misconfigured"
        elif seen.unavailable_since is not None:
            state = "unavailable"
        else:
            state = "healthy"
        since = seen.unavailable_since if state == "unavailable" else now
        return cls(state, since, seen.last_success_at, seen.last_error)

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "since": _iso(self.since),
            "last_success_at": _iso(self.last_success_at),
            "last_error": self.last_error,
        }

    @classmethod
    def from_json(cls, raw: Any) -> StoredHealth | None:
        if not isinstance(raw, dict) or not isinstance(raw.get("state"), str):
            return None
        error = raw.get("last_error")
        return cls(
            raw["state"],
            _time(raw.get("since")),
            _time(raw.get("last_success_at")),
            error if isinstance(error, str) else None,
        )


@dataclass
class HealthBook:
    """Watches clients' availability records and keeps their state in ``app_settings``."""

    sessions: async_sessionmaker[AsyncSession]
    _pending: dict[str, StoredHealth] = field(default_factory=dict)
    _writers: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    _written: dict[str, tuple[StoredHealth, datetime]] = field(default_factory=dict)

    def watch(self, service: str, client: ServiceClient) -> None:
        client.availability.listener = lambda seen: self._changed(service, seen)

    def _changed(self, service: str, seen: Availability) -> None:
        now = utcnow()
        health = StoredHealth.of(seen, now)
        written = self._written.get(service)
        if written is not None and (written[0].state, written[0].last_error) == (
            health.state,
            health.last_error,
        ):
            if now - written[1] < REFRESH_EVERY:
                return
            health = replace(health, since=written[0].since)  # the same state, still
        self._written[service] = (health, now)
        self._pending[service] = health
        writer = self._writers.get(service)
        if writer is None or writer.done():
            with contextlib.suppress(RuntimeError):  # no loop: nothing to share it with
                self._writers[service] = asyncio.get_running_loop().create_task(
                    self._write(service)
                )

    async def _write(self, service: str) -> None:
        while (health := self._pending.pop(service, None)) is not None:
            try:
                async with self.sessions.begin() as db:
                    await runtime_settings.set_value(db, KEY_PREFIX + service, health.to_json())
            except Exception as exc:  # the database may be down: the next change retries
                log.warning("integration health not stored", service=service, reason=str(exc)[:200])
                return

    async def flush(self) -> None:
        """Waits for the writes under way (tests, shutdown)."""
        await asyncio.gather(*self._writers.values(), return_exceptions=True)

    async def read(self, db: AsyncSession, service: str) -> StoredHealth | None:
        return StoredHealth.from_json(
            await runtime_settings.get_value(db, KEY_PREFIX + service, None)
        )

    async def read_all(self, services: list[str]) -> dict[str, StoredHealth]:
        found: dict[str, StoredHealth] = {}
        async with self.sessions() as db:
            for service in services:
                if (health := await self.read(db, service)) is not None:
                    found[service] = health
        return found

    async def aclose(self) -> None:
        await self.flush()


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
