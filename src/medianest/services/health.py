"""Readiness: can this process do its job right now? Each check reports a reason when it cannot."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from medianest.persistence.migrate import current_revision, head_revision
from medianest.realtime.bus import EventBus

CHECK_TIMEOUT_S = 3.0


@dataclass
class Readiness:
    checks: dict[str, str] = field(default_factory=dict)  # name -> "ok" or the reason it is not
    ok: bool = True
    events: str | None = None  # how live updates travel, when they do

    def record(self, name: str, problem: str | None) -> None:
        self.checks[name] = problem or "ok"
        if problem:
            self.ok = False


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return f"no answer within {CHECK_TIMEOUT_S:g}s"
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return message[:200]


async def _database(engine: AsyncEngine) -> str | None:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            current = await current_revision(engine)
    except Exception as exc:
        return f"unreachable: {_describe(exc)}"
    head = head_revision()
    if current != head:
        return f"schema at {current or 'empty'}, expected {head}: run `medianest migrate`"
    return None


async def _redis(bus: EventBus) -> str | None:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            await bus.ping()
    except Exception as exc:
        return f"redis unreachable: {_describe(exc)}"
    return None


async def _events(bus: EventBus, readiness: Readiness) -> str | None:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            readiness.events = await bus.round_trip()
    except Exception as exc:
        return f"live updates cannot travel: {_describe(exc)}"
    return None


async def check_readiness(
    engine: AsyncEngine, bus: EventBus, *, redis_configured: bool
) -> Readiness:
    readiness = Readiness()
    readiness.record("database", await _database(engine))
    if redis_configured:
        readiness.record("redis", await _redis(bus))
    readiness.record("events", await _events(bus, readiness))
    return readiness
