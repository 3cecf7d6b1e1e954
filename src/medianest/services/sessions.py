"""Server-side sessions: random cookie value, SHA-256 stored, sliding expiry, absolute maximum."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from medianest.config import Settings
from medianest.domain.users import Status
from medianest.persistence.models import User, UserSession
from medianest.persistence.types import utcnow
from medianest.security.tokens import digest, new_token
from medianest.services import auth_watch

if TYPE_CHECKING:  # live_settings -> users -> sessions: only the type is needed here
    from medianest.services.live_settings import LiveSettings

# Writing last_seen on every request would turn every page view into a write.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionPolicy:
    """``sliding``: how long a session lasts without use; ``absolute``: the most it lasts at all.

    With ``live``, the admin's session lifetime replaces ``sliding`` at once: new sessions get
    it, and existing ones are judged by it on their next use (idle longer than the new lifetime
    = signed out; otherwise the expiry slides to the new lifetime).
    """

    sliding: timedelta
    absolute: timedelta
    live: LiveSettings | None = field(default=None, compare=False)

    @classmethod
    def from_settings(cls, settings: Settings, live: LiveSettings | None = None) -> SessionPolicy:
        """The configured lifetimes (the maximum is never shorter than the sliding lifetime)."""
        return cls(
            sliding=timedelta(days=settings.session_days),
            absolute=timedelta(days=max(settings.session_max_days, settings.session_days)),
            live=live,
        )

    async def now(self) -> SessionPolicy:
        """The policy in force right now."""
        if self.live is None:
            return self
        sliding = timedelta(days=(await self.live.current()).session_days)
        return SessionPolicy(sliding, max(self.absolute, sliding))


@dataclass(frozen=True)
class ActiveSession:
    session_id: int
    user: User


async def open_session(
    db: AsyncSession, user: User, policy: SessionPolicy, *, ip: str | None, user_agent: str | None
) -> str:
    """Creates a session and returns the cookie value (never stored)."""
    token = new_token()
    now = utcnow()
    policy = await policy.now()
    db.add(
        UserSession(
            token_hash=digest(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + policy.sliding,
            absolute_expires_at=now + policy.absolute,
            ip=ip,
            user_agent=(user_agent or "")[:512] or None,
        )
    )
    user.last_sign_in_at = now
    return token


async def resolve(db: AsyncSession, token: str, policy: SessionPolicy) -> ActiveSession | None:
    """The signed-in user behind a cookie, extending the session; None when it is not valid."""
    if not token or len(token) > 200:
        return None
    found = (
        await db.execute(
            select(UserSession, User)
            .join(User, User.id == UserSession.user_id)
            .where(UserSession.token_hash == digest(token))
        )
    ).first()
    if found is None:
        return None
    row, user = found
    now = utcnow()
    policy = await policy.now()
    idle_end = row.last_seen_at + policy.sliding  # a lifetime lowered since counts at once
    if row.expires_at <= now or row.absolute_expires_at <= now or idle_end <= now:
        await db.delete(row)
        return None
    if user.status != Status.ACTIVE:
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        row.expires_at = min(now + policy.sliding, row.absolute_expires_at)
    return ActiveSession(row.id, user)


async def list_for_user(db: AsyncSession, user_id: int) -> list[UserSession]:
    rows = await db.scalars(
        select(UserSession)
        .where(UserSession.user_id == user_id, UserSession.expires_at > utcnow())
        .order_by(UserSession.last_seen_at.desc())
    )
    return list(rows)


async def revoke(db: AsyncSession, user_id: int, session_id: int) -> bool:
    result = await db.execute(
        delete(UserSession).where(UserSession.id == session_id, UserSession.user_id == user_id)
    )
    if result.rowcount:  # type: ignore[attr-defined]
        auth_watch.note(db, user_id)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def revoke_all(db: AsyncSession, user_id: int, *, keep: int | None = None) -> int:
    query = delete(UserSession).where(UserSession.user_id == user_id)
    if keep is not None:
        query = query.where(UserSession.id != keep)
    result = await db.execute(query)
    if result.rowcount:  # type: ignore[attr-defined]
        auth_watch.note(db, user_id)
    return int(result.rowcount)  # type: ignore[attr-defined]


async def revoke_by_token(db: AsyncSession, token: str) -> None:
    owners = await db.scalars(
        delete(UserSession)
        .where(UserSession.token_hash == digest(token))
        .returning(UserSession.user_id)
    )
    for user_id in owners:
        auth_watch.note(db, user_id)


def ended(now: datetime, sliding: timedelta) -> ColumnElement[bool]:
    """Sessions that can never be used again: expired, past their maximum, or idle too long."""
    return (
        (UserSession.expires_at <= now)
        | (UserSession.absolute_expires_at <= now)
        | (UserSession.last_seen_at <= now - sliding)
    )
