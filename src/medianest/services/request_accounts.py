"""Who a MediaNest user is in Overseerr: matched by Plex account id, remembered in the database.

Requests are filed *as* that Overseerr user (``X-API-User``) so Overseerr applies their own
permissions, quota and auto-approval. Without a match nothing is filed: never under the admin's
key. A missing match is re-checked after a few minutes, because the admin may import the person
into Overseerr in the meantime.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from medianest.domain.requests import NoRequestAccount
from medianest.persistence.models import Base, OverseerrAccount, User
from medianest.persistence.types import utcnow
from medianest.persistence.upsert import upsert
from medianest.services.request_common import OverseerrGate

RECHECK_MISSING = timedelta(minutes=3)
RECHECK_FOUND = timedelta(days=1)

LOCAL_ACCOUNT = (
    "You are signed in with a local MediaNest account, which has no Plex account, so Overseerr "
    "cannot tell who you are. Sign in with Plex to request movies and shows."
)
NO_ACCOUNT = (
    "Your Plex account has no Overseerr account yet, so MediaNest cannot file requests in your "
    "name. Ask the admin to add you to Overseerr; searching works in the meantime."
)
ADMIN_HINT = (
    "In Overseerr, open Users and press “Import Plex Users”: everyone who shares your Plex "
    "server gets an account, and their requests then work here."
)


def missing_account(user: User) -> NoRequestAccount:
    if user.plex_id is None:
        return NoRequestAccount(LOCAL_ACCOUNT)
    return NoRequestAccount(NO_ACCOUNT, ADMIN_HINT)


async def cached_link(db: AsyncSession, user: User) -> OverseerrAccount | None:
    link = await db.get(OverseerrAccount, user.id)
    return link if link is not None and link.plex_id == user.plex_id else None


async def overseerr_user_id(
    sessions: async_sessionmaker[AsyncSession],
    gate: OverseerrGate,
    user: User,
    *,
    refresh: bool = False,
) -> int:
    """The Overseerr user id to act as; raises ``NoRequestAccount`` (or ``ServiceDown``)."""
    if user.plex_id is None:
        raise missing_account(user)
    async with sessions() as db:
        link = await cached_link(db, user)
    if link is not None and not refresh:
        age = utcnow() - link.checked_at
        if link.overseerr_user_id is not None and age < RECHECK_FOUND:
            return link.overseerr_user_id
        if link.overseerr_user_id is None and age < RECHECK_MISSING:
            raise missing_account(user)
    async with gate.calling() as client:
        found = await client.find_user_by_plex_id(user.plex_id)
    link_values = {
        "plex_id": user.plex_id,
        "overseerr_user_id": found.id if found else None,
        "overseerr_name": found.name[:255] if found else None,
        "checked_at": utcnow(),
    }
    async with sessions.begin() as db:  # one statement: two first requests at once both succeed
        await upsert(
            db,
            Base.metadata.tables[OverseerrAccount.__tablename__],
            {"user_id": user.id, **link_values},
            conflict=["user_id"],
            update=link_values,
        )
    if found is None:
        raise missing_account(user)
    return found.id


async def known_missing(sessions: async_sessionmaker[AsyncSession], user: User) -> bool:
    """True when we already know this person cannot request (no Overseerr call)."""
    if user.plex_id is None:
        return True
    async with sessions() as db:
        link = await cached_link(db, user)
    return (
        link is not None
        and link.overseerr_user_id is None
        and utcnow() - link.checked_at < RECHECK_MISSING
    )
