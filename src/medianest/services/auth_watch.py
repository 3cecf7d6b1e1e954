"""Notices, at commit, every change to who may do what, and tells every process.

Services mark bulk changes with ``note``; row changes (a role, a status, a revoked token, a
deleted session) are found in the flush. After the commit, this process forgets the people
concerned at once, and an internal ``auth.changed`` event tells the other processes (their
caches) and every open live stream of those people (which then re-check their viewer).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from medianest.domain.events import Event
from medianest.observability.logging import get_logger
from medianest.persistence.models import ApiToken, User, UserSession
from medianest.realtime.bus import EventBus
from medianest.realtime.sse import AUTH_CHANGED, auth_changed
from medianest.services.auth_cache import AuthCache

log = get_logger(__name__)
_WATCH = "medianest.auth_watch"
_CHANGED = "medianest.auth_changed"
# What a cached identity shows or decides with; other columns (last sign-in, Plex tokens) may lag.
USER_FIELDS = (
    "role",
    "status",
    "must_change_password",
    "password_hash",
    "username",
    "display_name",
    "email",
    "avatar_url",
)


def note(db: AsyncSession | Session, user_id: int) -> None:
    """Marks a change to this person's access that the flush cannot see (a bulk statement)."""
    db.info.setdefault(_CHANGED, set()).add(user_id)


class AuthWatch:
    def __init__(self, cache: AuthCache, bus: EventBus) -> None:
        self.cache = cache
        self.bus = bus
        self._sending: set[asyncio.Task[None]] = set()

    def attach(self, factory: async_sessionmaker[AsyncSession]) -> None:
        """Every session of this factory reports its commits here."""
        info = dict(factory.kw.get("info") or {})
        info[_WATCH] = self
        factory.configure(info=info)
        self.bus.observe(self.on_event)

    def on_event(self, received: Event) -> None:
        """A change committed by any process: forget it here before streams re-check."""
        if received.type == AUTH_CHANGED and isinstance(received.data.get("user_id"), int):
            self.cache.forget_users([received.data["user_id"]])

    def committed(self, user_ids: Iterable[int]) -> None:
        ids = sorted(set(user_ids))
        self.cache.forget_users(ids)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a synchronous tool): nothing here to tell
            return
        for user_id in ids:
            task = loop.create_task(self._send(user_id))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)

    async def _send(self, user_id: int) -> None:
        try:
            await self.bus.publish(auth_changed(user_id))
        except Exception as exc:  # the cache lifetime still bounds how long others lag
            log.warning("could not announce an access change", user_id=user_id, error=str(exc))

    async def settled(self) -> None:
        """Waits until every announcement made so far has been handed to the bus."""
        while self._sending:
            await asyncio.gather(*tuple(self._sending), return_exceptions=True)


def _changed_fields(obj: Any, fields: Iterable[str]) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in fields)


@event.listens_for(Session, "before_flush")
def _collect(session: Session, _context: Any, _instances: Any) -> None:
    if _WATCH not in session.info:
        return
    for obj in session.dirty:
        if isinstance(obj, User) and _changed_fields(obj, USER_FIELDS):
            note(session, obj.id)
        elif isinstance(obj, ApiToken) and _changed_fields(obj, ("revoked_at",)):
            note(session, obj.user_id)
    for obj in session.deleted:
        if isinstance(obj, User):
            note(session, obj.id)
        elif isinstance(obj, UserSession | ApiToken):
            note(session, obj.user_id)


@event.listens_for(Session, "after_commit")
def _announce(session: Session) -> None:
    changed = session.info.pop(_CHANGED, None)
    watch = session.info.get(_WATCH)
    if changed and isinstance(watch, AuthWatch):
        watch.committed(changed)


@event.listens_for(Session, "after_rollback")
def _discard(session: Session) -> None:
    session.info.pop(_CHANGED, None)
