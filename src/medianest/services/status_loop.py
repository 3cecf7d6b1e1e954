"""The background loop: poll Kuma on a jittered interval, back off while it is down, prune.

Several MediaNest processes may run this loop; only the holder of the database lease
``lease.status.poller`` polls and prunes (see ``services/lease.py``), the others wait and take
over within the lease's time-to-live when the holder goes away.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from dataclasses import dataclass, field
from datetime import timedelta

from medianest.domain.errors import first_line
from medianest.domain.events import Event
from medianest.observability.logging import get_logger
from medianest.services.download_claims import worker_identity
from medianest.services.lease import DatabaseLease
from medianest.services.status import StatusCoordinator

log = get_logger(__name__)
MAX_TICK_S = 20.0  # lease renewal; the lease lives 3 ticks (a restart waits <= 1 min)
MAX_BACKOFF_S = 900.0
PRUNE_EVERY_S = 3600.0
JITTER = 0.1
BOARD_EVENTS = frozenset({"service.status", "status.source"})


@dataclass
class StatusLoop:
    coordinator: StatusCoordinator
    rng: random.Random = field(default_factory=random.Random)
    holder: str = field(default_factory=worker_identity)
    _task: asyncio.Task[None] | None = None
    _following: bool = False
    _lease: DatabaseLease | None = None
    _loop_failing: bool = False

    @property
    def poll_seconds(self) -> float:
        return self.coordinator.policy.poll_seconds

    @property
    def tick(self) -> float:
        """How often the lease is renewed (and a due poll checked for)."""
        return min(MAX_TICK_S, self.poll_seconds) if self.poll_seconds > 0 else MAX_TICK_S

    @property
    def lease(self) -> DatabaseLease:
        if self._lease is None:
            ttl = timedelta(seconds=max(3 * self.tick, 30.0))
            self._lease = DatabaseLease(
                self.coordinator.sessions, "status.poller", self.holder, ttl
            )
        return self._lease

    def next_delay(self) -> float:
        """The interval with ±10 % jitter, doubled per failed poll in a row (at most 15 min)."""
        base: float = self.poll_seconds * 2.0 ** min(self.coordinator.failures, 6)
        base = min(base, max(MAX_BACKOFF_S, self.poll_seconds))
        return base * (1.0 + self.rng.uniform(-JITTER, JITTER))

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name="status-poller")
        if not self._following:
            self._following = True
            self.coordinator.bus.observe(self._board_news)

    async def stop(self) -> None:
        await self.coordinator.boards.aclose()
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        with contextlib.suppress(Exception):  # the database may be gone at shutdown
            await self.lease.release()

    async def aclose(self) -> None:
        """Lets the container close the loop with the integrations at shutdown."""
        await self.stop()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        next_poll = next_prune = loop.time()
        while True:
            polling = self.poll_seconds > 0 and self.coordinator.configured
            woken = self.coordinator.woken.is_set()
            self.coordinator.woken.clear()
            try:
                if await self.lease.acquire():
                    if polling and (woken or await self.coordinator.woken_elsewhere()):
                        self.coordinator.failures = 0  # a sign of life: no back-off, poll now
                        next_poll = loop.time()
                    if polling and loop.time() >= next_poll:
                        await self.coordinator.poll_once()
                        next_poll = loop.time() + self.next_delay()
                    if loop.time() >= next_prune:
                        await self.coordinator.prune()
                        next_prune = loop.time() + PRUNE_EVERY_S
                self._loop_ok()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database may not be migrated or reachable yet
                self._loop_failed(exc)
            wait = self.tick
            if polling:
                wait = min(wait, max(0.0, next_poll - loop.time()))
            with contextlib.suppress(TimeoutError):  # a sign of life ends the wait early
                await asyncio.wait_for(self.coordinator.woken.wait(), max(wait, 0.05))

    def _board_news(self, event: Event) -> None:
        """Any process's status change: this process's board is rebuilt (before viewers hear)."""
        if event.type in BOARD_EVENTS:
            self.coordinator.boards.invalidate()
            self.coordinator.boards.refresh_soon()

    def _loop_ok(self) -> None:
        if self._loop_failing:
            log.info("status loop works again")
        self._loop_failing = False

    def _loop_failed(self, exc: Exception) -> None:
        if not self._loop_failing:
            log.warning("status loop failed; retrying", reason=first_line(exc))
        self._loop_failing = True
