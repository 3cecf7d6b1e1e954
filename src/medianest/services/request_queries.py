"""Reading MediaNest's own request records: "My requests", "All requests", one request.

These never call Overseerr, so they keep working while it is down. A person sees only their own
requests; another person's request answers 404, so ids cannot be probed. Admins see everyone's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from medianest.domain.errors import NotFound
from medianest.domain.requests import MEDIA_TYPES, RequestState
from medianest.domain.users import Actor
from medianest.persistence.models import MediaRequest, OverseerrAccount, User
from medianest.services import users as user_admin

PAGE_SIZE = 30


@dataclass(frozen=True)
class RequestFilter:
    status: str | None = None
    media_type: str | None = None
    user_id: int | None = None
    q: str = ""
    everyone: bool = False  # admins only: every person's requests

    def clean(self) -> RequestFilter:
        states = {s.value for s in RequestState}
        return RequestFilter(
            status=self.status if self.status in states else None,
            media_type=self.media_type if self.media_type in MEDIA_TYPES else None,
            user_id=self.user_id,
            q=" ".join(self.q.split())[:120],
            everyone=self.everyone,
        )


@dataclass(frozen=True)
class RequestRow:
    request: MediaRequest
    requester: str  # display name of the person who asked


@dataclass(frozen=True)
class RequestPage:
    rows: Sequence[RequestRow]
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


async def visible_request(db: AsyncSession, actor: Actor, request_id: int) -> MediaRequest:
    row = await db.get(MediaRequest, request_id)
    if row is None or (row.user_id != actor.user_id and not actor.is_admin):
        raise NotFound("No such request.")
    return row


async def request_row(db: AsyncSession, actor: Actor, request_id: int) -> RequestRow:
    row = await visible_request(db, actor, request_id)
    name = await db.scalar(select(User.display_name).where(User.id == row.user_id))
    return RequestRow(row, name or "")


async def browse(
    db: AsyncSession, actor: Actor, wanted: RequestFilter, *, page: int = 1, size: int = PAGE_SIZE
) -> RequestPage:
    """Newest first. ``everyone`` and ``user_id`` are honoured for admins only."""
    found = wanted.clean()
    size, page = max(1, min(size, 100)), max(1, page)
    query = select(MediaRequest, User.display_name).join(User, User.id == MediaRequest.user_id)
    if not (actor.is_admin and found.everyone):
        query = query.where(MediaRequest.user_id == actor.user_id)
    elif found.user_id is not None:
        query = query.where(MediaRequest.user_id == found.user_id)
    if found.status:
        query = query.where(MediaRequest.status == found.status)
    if found.media_type:
        query = query.where(MediaRequest.media_type == found.media_type)
    if found.q:
        query = query.where(func.lower(MediaRequest.title).contains(found.q.lower()))
    total = await db.scalar(select(func.count()).select_from(query.subquery())) or 0
    result = await db.execute(
        query.order_by(MediaRequest.created_at.desc(), MediaRequest.id.desc())
        .offset((page - 1) * size)
        .limit(size)
    )
    rows = [RequestRow(request, name) for request, name in result.all()]
    return RequestPage(rows, int(total), page, size)


async def requesters(db: AsyncSession) -> list[tuple[int, str]]:
    """People who have requests, for the admin's filter."""
    result = await db.execute(
        select(User.id, User.display_name)
        .where(User.id.in_(select(MediaRequest.user_id).distinct()))
        .order_by(User.display_name)
    )
    return [(user_id, name) for user_id, name in result.all()]


async def hand_over(db: AsyncSession, user_id: int, heir_id: int | None) -> None:
    """A user is being deleted: their request records go to ``heir_id``, or with them."""
    if heir_id is None:
        await db.execute(delete(MediaRequest).where(MediaRequest.user_id == user_id))
    else:
        await db.execute(
            update(MediaRequest).where(MediaRequest.user_id == user_id).values(user_id=heir_id)
        )
    await db.execute(delete(OverseerrAccount).where(OverseerrAccount.user_id == user_id))


if hand_over not in user_admin.OWNERSHIP_HANDLERS:
    user_admin.OWNERSHIP_HANDLERS.append(hand_over)
