"""Withdrawing a request: in Overseerr first (as its owner), then MediaNest's record.

Only requests still waiting for approval can be withdrawn, as in Overseerr's own interface. An
admin may withdraw anyone's (with the admin key, and an audit entry); a person only their own.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from medianest.domain.errors import Conflict, PermissionDenied
from medianest.domain.requests import RequestState, state_named
from medianest.domain.users import Actor
from medianest.integrations.base import NotFound as RemoteNotFound
from medianest.integrations.base import Refused
from medianest.persistence.models import MediaRequest
from medianest.realtime.bus import EventBus
from medianest.services import audit, request_accounts, users
from medianest.services.request_common import OverseerrGate, publish_change
from medianest.services.request_queries import visible_request


async def withdraw(
    sessions: async_sessionmaker[AsyncSession],
    bus: EventBus,
    gate: OverseerrGate,
    actor: Actor,
    request_id: int,
) -> None:
    async with sessions() as db:
        row = await visible_request(db, actor, request_id)
    if state_named(row.status) != RequestState.PENDING:
        raise Conflict("Only a request that is still waiting for approval can be withdrawn.")
    if row.overseerr_request_id is not None:
        acting = None
        if row.user_id == actor.user_id:
            async with sessions() as db:
                user = await users.get_user(db, row.user_id)
            acting = await request_accounts.overseerr_user_id(sessions, gate, user)
        try:
            async with gate.calling() as client:
                await client.delete_request(row.overseerr_request_id, as_user=acting)
        except RemoteNotFound:
            pass  # already gone there
        except Refused as exc:
            raise PermissionDenied(f"Overseerr refused: {exc.message}") from exc
    async with sessions.begin() as db:
        stored = await db.get(MediaRequest, row.id)
        if stored is not None:
            await db.delete(stored)
        if row.user_id != actor.user_id:
            audit.record(
                db,
                actor,
                "request_withdrawn",
                f"Withdrew the request for {row.title}",
                target_type="media_request",
                target_id=row.id,
                target_label=row.title,
            )
    await publish_change(bus, row, removed=True)
