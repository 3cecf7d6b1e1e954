"""The inbox as its owner uses it: marking read only ever touches the person's own notices."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from medianest.domain.errors import InvalidInput, NotFound
from medianest.persistence.models import Notification
from medianest.services import notifications

MAX_IDS = 500


async def mark_read(db: AsyncSession, user_id: int, ids: Sequence[int] | None) -> int:
    """Marks the given notices (all when ``ids`` is None) read; another person's id is a 404."""
    if ids is None:
        return await notifications.mark_read(db, user_id)
    wanted = set(ids)
    if not wanted:
        raise InvalidInput("Name at least one notification, or ask for all.", "ids")
    if len(wanted) > MAX_IDS:
        raise InvalidInput(f"At most {MAX_IDS} notifications at once.", "ids")
    owned = await db.scalar(
        select(func.count()).where(Notification.user_id == user_id, Notification.id.in_(wanted))
    )
    if owned != len(wanted):
        raise NotFound("No such notification.")
    return await notifications.mark_read(db, user_id, wanted)
