"""The inbox: store a notification per person, then tell their open pages (SSE)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from medianest.domain.events import Event, for_user
from medianest.domain.links import local_path
from medianest.domain.text import plain_text
from medianest.persistence.models import Notification
from medianest.persistence.types import utcnow
from medianest.realtime.bus import EventBus

LEVELS = frozenset({"info", "success", "warning", "error"})


@dataclass(frozen=True)
class NewNotification:
    kind: str
    title: str
    body: str = ""
    link: str | None = None
    level: str = "info"


def _link(value: str | None) -> str | None:
    """Only local paths: a notification never links off-site."""
    path = local_path(value)
    return path[:500] if path else None


def add(db: AsyncSession, user_ids: Iterable[int], note: NewNotification) -> list[Notification]:
    """Adds rows to the caller's transaction; publish with :func:`publish` after the commit."""
    rows = [
        Notification(
            user_id=user_id,
            kind=note.kind[:48],
            title=plain_text(note.title)[:200],
            body=plain_text(note.body, keep_lines=True)[:1000],
            link=_link(note.link),
            level=note.level if note.level in LEVELS else "info",
        )
        for user_id in sorted(set(user_ids))
    ]
    db.add_all(rows)
    return rows


async def publish(bus: EventBus, rows: Sequence[Notification]) -> None:
    for row in rows:
        await bus.publish(
            Event(
                "notification",
                {
                    "id": row.id,
                    "kind": row.kind,
                    "title": row.title,
                    "body": row.body,
                    "link": row.link,
                    "level": row.level,
                },
                audience=for_user(row.user_id),
            )
        )


async def deliver(
    sessions: async_sessionmaker[AsyncSession],
    bus: EventBus,
    user_ids: Iterable[int],
    note: NewNotification,
) -> list[Notification]:
    """Store, commit, then publish: a toast never announces what the inbox does not have."""
    async with sessions.begin() as db:
        rows = add(db, user_ids, note)
        await db.flush()
    await publish(bus, rows)
    return rows


@dataclass(frozen=True)
class InboxPage:
    items: Sequence[Notification]
    unread: int
    total: int
    page: int
    size: int


async def inbox(
    db: AsyncSession, user_id: int, *, page: int = 1, size: int = 30, unread_only: bool = False
) -> InboxPage:
    size, page = max(1, min(size, 100)), max(1, page)
    query = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    total = await db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await db.scalars(
        query.order_by(Notification.created_at.desc(), Notification.id.desc())
        .offset((page - 1) * size)
        .limit(size)
    )
    return InboxPage(list(rows), await unread_count(db, user_id), int(total), page, size)


async def unread_count(db: AsyncSession, user_id: int) -> int:
    return int(
        await db.scalar(
            select(func.count()).where(
                Notification.user_id == user_id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


async def mark_read(db: AsyncSession, user_id: int, ids: Iterable[int] | None = None) -> int:
    """Marks the user's own notifications read (all of them when ``ids`` is None)."""
    query = update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    if ids is not None:
        wanted = list(ids)[:500]
        if not wanted:
            return 0
        query = query.where(Notification.id.in_(wanted))
    result = await db.execute(query.values(read_at=utcnow()))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def prune(db: AsyncSession, older_than: timedelta) -> int:
    result = await db.execute(
        delete(Notification).where(Notification.created_at < utcnow() - older_than)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
