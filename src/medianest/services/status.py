"""The status coordinator: polls Uptime Kuma, takes its webhooks, and tells everyone what changed.

Order of side effects: store the snapshot and history and add inbox notices in one transaction,
commit, then publish events (``service.status`` only on a change, ``status.source`` when Kuma
becomes unreachable or comes back) and the notices' own ``notification`` events.
The client is fetched from ``integrations`` at every poll, because the admin may replace it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from medianest.domain.errors import NotSignedIn
from medianest.domain.events import Event
from medianest.domain.json_input import load_json
from medianest.integrations.base import (
    BadResponse,
    CredentialsRejected,
    IntegrationError,
    Misconfigured,
    NotFound,
    Refused,
)
from medianest.integrations.uptime_kuma.client import NO_PAGE, NOT_KUMA
from medianest.integrations.uptime_kuma.models import KumaSnapshot
from medianest.integrations.uptime_kuma.webhook import parse_webhook
from medianest.observability.logging import get_logger
from medianest.persistence.models import Notification, ServiceRecord
from medianest.persistence.types import utcnow
from medianest.realtime.bus import EventBus
from medianest.security.tokens import same
from medianest.services import notifications, runtime_settings, service_notices, status_store
from medianest.services import status_sources as sources
from medianest.services import status_view as view
from medianest.services.integrations import Integrations
from medianest.services.status_board import BoardCache
from medianest.services.status_sources import BadWebhook
from medianest.services.status_store import Applied

log = get_logger(__name__)
SAMPLE_EVERY = timedelta(minutes=5)
MIN_HOLD = timedelta(minutes=15)


@dataclass(frozen=True)
class StatusPolicy:
    poll_seconds: float = 60.0
    history_days: int = 35
    retention_days: int = 90
    webhook_secret: str | None = None

    @property
    def hold(self) -> timedelta:
        """How long one record's status counts for when no newer record follows."""
        if self.poll_seconds <= 0:
            return timedelta(days=30)  # webhooks only: a status holds until the next change
        return max(MIN_HOLD, timedelta(seconds=3 * self.poll_seconds))

    @property
    def stale_after(self) -> timedelta:
        return max(timedelta(minutes=5), timedelta(seconds=3 * self.poll_seconds))


_NOT_LOOKED = object()  # the poller has not read the sign-of-life key yet


def failure_kind(error: IntegrationError) -> str:
    """What the notice names: not answering, no such page, key refused, not Uptime Kuma."""
    if isinstance(error, CredentialsRejected):
        return "key_refused"
    if error.code in (NO_PAGE, NOT_KUMA):
        return error.code
    if isinstance(error, Misconfigured | BadResponse | Refused | NotFound):
        return "bad_answer"
    return "unreachable"


@dataclass(frozen=True)
class PollResult:
    ok: bool
    error: str | None = None
    changes: Sequence[status_store.Change] = ()


@dataclass
class StatusCoordinator:
    sessions: async_sessionmaker[AsyncSession]
    bus: EventBus
    integrations: Integrations
    policy: StatusPolicy
    clock: Callable[[], datetime] = utcnow
    failures: int = 0  # polls failed in a row (the loop backs off)
    boards: BoardCache = field(init=False)
    woken: asyncio.Event = field(default_factory=asyncio.Event)  # poll now, never mind the wait
    _wake_seen: object = _NOT_LOOKED
    _write: asyncio.Lock = field(default_factory=asyncio.Lock)

    def __post_init__(self) -> None:
        self.boards = BoardCache(self._build_board, lambda: self.clock())

    @property
    def recording(self) -> status_store.Recording:
        return status_store.Recording(SAMPLE_EVERY, self.policy.hold)

    @property
    def configured(self) -> bool:
        return self.integrations.kuma is not None

    # -- reading -----------------------------------------------------------------------------

    async def board(self) -> view.Board:
        """The shared board (never rebuilt while a request waits, except the first time)."""
        board = await self.boards.get()
        stale = board.stale_at(self.clock(), self.policy.stale_after)
        if stale == board.stale:
            return board
        return self.boards.derived("stale", board, lambda b: replace(b, stale=stale))

    async def _build_board(self) -> view.Board:
        async with self.sessions() as db:
            return await view.board(
                db,
                now=self.clock(),
                hold=self.policy.hold,
                stale_after=self.policy.stale_after,
                configured=self.configured,
            )

    async def board_changed(self) -> None:
        """After a write: the board is rebuilt before anyone is told about the change."""
        self.boards.invalidate()
        await self.boards.refresh()

    async def detail(self, service_id: int) -> view.ServiceDetail:
        async with self.sessions() as db:
            return await view.detail(
                db,
                service_id,
                now=self.clock(),
                hold=self.policy.hold,
                configured=self.configured,
            )

    # -- polling -----------------------------------------------------------------------------

    async def poll_once(self) -> PollResult:
        """One poll of Kuma; a failure keeps the last snapshot and is logged once per outage."""
        client = self.integrations.kuma
        if client is None:
            return PollResult(False, "Uptime Kuma is not configured")
        try:
            snapshot = await client.snapshot()
        except IntegrationError as exc:
            self.failures += 1
            await self._source_failed(exc.message, failure_kind(exc))
            return PollResult(False, exc.message)
        observations = [sources.observe(m, i, snapshot) for i, m in enumerate(snapshot.monitors)]
        async with self._write, self.sessions.begin() as db:
            applied = await status_store.apply(
                db, observations, source="poll", policy=self.recording, complete=True
            )
            notes = await service_notices.add_due(db, self.clock())
            recovered = await self._store_source(db, snapshot)
            await db.flush()
        if self.failures or recovered:
            log.info("Uptime Kuma answers again; service status is current")
        self.failures = 0
        await self._publish(applied, notes, source_ok=True if recovered else None)
        return PollResult(True, changes=applied.changes)

    async def _store_source(self, db: AsyncSession, snapshot: KumaSnapshot) -> bool:
        """Stores the page-level facts; True when the previous poll had failed."""
        previous = await runtime_settings.get_value(db, view.SOURCE_KEY, {})
        was_failing = isinstance(previous, dict) and previous.get("ok") is False
        await runtime_settings.set_value(
            db,
            view.SOURCE_KEY,
            {
                "ok": True,
                "taken_at": snapshot.taken_at.isoformat(),
                "title": snapshot.title,
                "problems": list(snapshot.problems)[:5],
                "incidents": [
                    {
                        "title": i.title[:200],
                        "content": i.content[:2000],
                        "style": i.style[:20],
                        "created": i.created_date.isoformat() if i.created_date else None,
                    }
                    for i in snapshot.incidents[:5]
                ],
                "maintenance": [
                    {"title": m.title[:200], "description": m.description[:2000]}
                    for m in snapshot.maintenance[:5]
                ],
            },
        )
        return was_failing

    async def _source_failed(self, reason: str, kind: str) -> None:
        now = self.clock()
        async with self._write, self.sessions.begin() as db:
            stored = await runtime_settings.get_value(db, view.SOURCE_KEY, {})
            stored = stored if isinstance(stored, dict) else {}
            first = stored.get("ok", True) is not False
            news = first or stored.get("kind") != kind
            stored.update(
                ok=False,
                error=reason[:300],
                kind=kind,
                failing_since=stored.get("failing_since") if not first else now.isoformat(),
            )
            await runtime_settings.set_value(db, view.SOURCE_KEY, stored)
        await self.board_changed()
        if first:
            log.warning("Uptime Kuma is unreachable; showing the last snapshot", reason=reason)
        if news:
            await self.bus.publish(Event("status.source", {"ok": False, "kind": kind}))

    # -- signs of life -----------------------------------------------------------------------

    def sign_of_life(self) -> None:
        """Kuma (or its configuration) is known good again: forget the back-off, poll now."""
        self.failures = 0
        self.woken.set()

    async def tell_poller(self) -> None:
        """A sign of life the polling process may not have seen (it may be another process)."""
        self.sign_of_life()
        async with self.sessions.begin() as db:
            await runtime_settings.set_value(db, view.WAKE_KEY, self.clock().isoformat())

    async def woken_elsewhere(self) -> bool:
        """True once for every sign of life another process recorded since the last look."""
        async with self.sessions() as db:
            raw = await runtime_settings.get_value(db, view.WAKE_KEY, None)
        current = raw if isinstance(raw, str) else None
        first_look = self._wake_seen is _NOT_LOOKED
        seen, self._wake_seen = self._wake_seen, current
        return not first_look and current is not None and current != seen

    # -- webhooks ----------------------------------------------------------------------------

    def authenticate(self, authorization: str | None) -> None:
        """The shared secret, sent verbatim or as ``Bearer <secret>``; compared in constant time."""
        secret = self.policy.webhook_secret
        sent = (authorization or "").strip()
        token = sent[7:].strip() if sent[:7].lower() == "bearer " else sent
        if not secret or not sent or not (same(sent, secret) | same(token, secret)):
            raise NotSignedIn("Wrong or missing webhook secret.")

    async def handle_webhook(self, authorization: str | None, body: bytes | dict[str, Any]) -> str:
        """Applies one Kuma notification (raw JSON bytes, or the fields of a form-data post);
        returns what happened: "recorded", "test" or "ignored". Rejections are logged."""
        self.authenticate(authorization)
        try:
            return await self._apply_webhook(body)
        except BadWebhook as exc:
            log.warning("Uptime Kuma webhook rejected", reason=exc.message)
            raise

    async def _apply_webhook(self, body: bytes | dict[str, Any]) -> str:
        try:
            payload = load_json(body) if isinstance(body, bytes) else body
        except ValueError:
            raise BadWebhook("the body is not valid JSON") from None
        try:
            hook = parse_webhook(payload)
        except ValueError as exc:
            raise BadWebhook(str(exc)) from None
        now = self.clock()
        async with self._write, self.sessions.begin() as db:
            await runtime_settings.set_value(db, view.WEBHOOK_KEY, {"at": now.isoformat()})
            source = await runtime_settings.get_value(db, view.SOURCE_KEY, {})
            if isinstance(source, dict) and source.get("ok") is False:
                # Kuma is talking to us: the poll's back-off is out of date.
                await runtime_settings.set_value(db, view.WAKE_KEY, now.isoformat())
                self.sign_of_life()
            if hook.is_test or hook.heartbeat is None:
                self.boards.invalidate()
                return "test" if hook.is_test else "ignored"
            service = await sources.service_for(db, hook)
            observation = sources.webhook_observation(service, hook, now)
            applied = await status_store.apply(
                db, [observation], source="webhook", policy=self.recording, complete=False
            )
            notes = await service_notices.add_due(db, now)
            await db.flush()
        await self._publish(applied, notes, source_ok=None)
        return "recorded"

    # -- after the commit --------------------------------------------------------------------

    async def _publish(
        self, applied: Applied, notes: Sequence[Notification], *, source_ok: bool | None
    ) -> None:
        await self.board_changed()
        for change in applied.changes:
            data = {
                "id": change.service_id,
                "name": change.name,
                "status": change.current.value,
                "previous": change.previous.value if change.previous else None,
                "at": change.at.isoformat(),
            }
            await self.bus.publish(Event("service.status", data))
        if applied.roster_changed and not applied.changes:
            await self.bus.publish(Event("service.status", {"roster": True}))
        if source_ok is not None:
            await self.bus.publish(Event("status.source", {"ok": source_ok}))
        await notifications.publish(self.bus, notes)

    # -- housekeeping ------------------------------------------------------------------------

    async def prune(self) -> tuple[int, int]:
        """Deletes history and notifications past their settings' age: (history, notifications)."""
        now = self.clock()
        async with self.sessions.begin() as db:
            result = await db.execute(
                delete(ServiceRecord).where(
                    ServiceRecord.at < now - timedelta(days=self.policy.history_days)
                )
            )
            history = int(result.rowcount)  # type: ignore[attr-defined]
            notes = await notifications.prune(db, timedelta(days=self.policy.retention_days))
        return history, notes
