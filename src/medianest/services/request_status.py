"""Keeping MediaNest's copy of each request in step with Overseerr: webhooks and reconciliation.

Webhooks give instant updates but can be lost (MediaNest restarting, a network blip, the agent
switched off), so a periodic reconciliation asks Overseerr about every request that may still
change. Both paths end in :func:`apply_state`: store, commit, then tell the owner's pages
(event) and inbox (notification) about decisions and arrivals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from medianest.domain.errors import ServiceDown
from medianest.domain.requests import (
    Notice,
    RequestState,
    approved_state,
    derive_state,
    is_stale,
    notice_for,
    seasons_text,
    state_named,
)
from medianest.integrations.base import NotFound as RemoteNotFound
from medianest.integrations.overseerr.models import MediaRequestInfo, MediaStatus
from medianest.integrations.overseerr.webhook import NotificationType, OverseerrWebhook
from medianest.observability.logging import get_logger
from medianest.persistence.models import MediaRequest
from medianest.persistence.types import utcnow
from medianest.realtime.bus import EventBus
from medianest.services import notifications
from medianest.services.notifications import NewNotification
from medianest.services.request_common import OverseerrGate, publish_change

log = get_logger(__name__)

SYNC_BATCH = 200
_NOTES = {
    Notice.APPROVED: ("approved", "success", "Your request for “{t}” was approved."),
    Notice.DECLINED: ("declined", "warning", "Your request for “{t}” was declined."),
    Notice.FAILED: ("failed", "error", "Your request for “{t}” failed in Overseerr."),
    Notice.AVAILABLE: ("available", "success", "“{t}” is now available in Plex."),
}
_BODIES = {
    Notice.APPROVED: "It is on its way: Overseerr hands it to the downloaders now.",
    Notice.DECLINED: "An admin declined it in Overseerr. You can ask them why.",
    Notice.FAILED: "Overseerr could not pass it on to the downloaders; an admin can retry it.",
    Notice.AVAILABLE: "Enjoy watching!",
}


@dataclass(frozen=True)
class Change:
    row: MediaRequest
    old: RequestState
    new: RequestState


def _unknown_detail(info: MediaRequestInfo) -> str:
    media = info.media
    return (
        f"request status {info.status_raw!r}, media status {media.status_raw if media else None!r}"[
            :80
        ]
    )


def state_from_overseerr(
    info: MediaRequestInfo, requested: Sequence[int] | None
) -> tuple[RequestState, str | None]:
    """The state of one request as Overseerr reports it; unknown values are kept and logged."""
    media = info.media
    media_status = media.status.value if media else MediaStatus.UNKNOWN.value
    seasons = list(info.season_numbers or requested or [])
    available = None
    if media is not None and info.media_type == "tv" and media.seasons:
        available = {s.season_number for s in media.seasons if s.status == MediaStatus.AVAILABLE}
    state = derive_state(info.status.value, media_status, seasons, available)
    if state != RequestState.UNKNOWN:
        return state, None
    detail = _unknown_detail(info)
    log.warning(
        "overseerr sent a status MediaNest does not know", overseerr_id=info.id, seen=detail
    )
    return state, detail


def state_from_webhook(hook: OverseerrWebhook) -> tuple[RequestState | None, str | None]:
    """None: this notification says nothing about a request's status."""
    media_status = hook.media.status.value if hook.media else MediaStatus.UNKNOWN.value
    kind = hook.kind
    if kind == NotificationType.MEDIA_PENDING:
        return RequestState.PENDING, None
    if kind == NotificationType.MEDIA_DECLINED:
        return RequestState.DECLINED, None
    if kind == NotificationType.MEDIA_FAILED:
        return RequestState.FAILED, None
    if kind == NotificationType.MEDIA_AVAILABLE:
        return RequestState.AVAILABLE, None
    if kind in (NotificationType.MEDIA_APPROVED, NotificationType.MEDIA_AUTO_APPROVED):
        state = approved_state(media_status)
        if state == RequestState.UNKNOWN:
            raw = hook.media.status_raw if hook.media else None
            log.warning("overseerr webhook with an unknown media status", seen=raw)
            return state, f"media status {raw!r}"[:80]
        return state, None
    if kind == NotificationType.OTHER:
        log.warning("overseerr webhook of an unknown type", type=hook.notification_type[:60])
    return None, None


async def apply_state(
    sessions: async_sessionmaker[AsyncSession],
    bus: EventBus,
    request_id: int,
    new: RequestState,
    detail: str | None,
    *,
    rating_key: str | None = None,
    synced: bool = False,
    from_webhook: bool = False,
) -> Change | None:
    """Store a state; after the commit, publish the change and notify the owner.

    Webhooks arrive concurrently, so the write is a compare-and-set on the status that was
    read (SQLite has no row locks): a lost race reads again and decides again.
    """
    for _ in range(5):
        async with sessions() as db:
            row = await db.get(MediaRequest, request_id)
        if row is None:
            return None
        old = state_named(row.status)
        if from_webhook and is_stale(old, new):
            log.info("late overseerr webhook ignored", media_request=row.id, now=old, said=new)
            return None
        changed = old != new or row.status_detail != detail
        values: dict[str, Any] = {"synced_at": utcnow()} if synced else {}
        if rating_key and rating_key != row.rating_key:
            values["rating_key"] = rating_key[:32]
        if changed:
            values |= {"status": new.value, "status_detail": detail, "updated_at": utcnow()}
        if not values:
            return None
        async with sessions.begin() as db:
            result = await db.execute(
                update(MediaRequest)
                .where(MediaRequest.id == row.id, MediaRequest.status == row.status)
                .values(**values)
            )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            break
    else:
        log.warning("request status kept changing under us; left for reconciliation", id=request_id)
        return None
    if not changed:
        return None
    for key, value in values.items():
        setattr(row, key, value)
    await publish_change(bus, row)
    notice = notice_for(old, new)
    if notice is not None:
        await _notify(sessions, bus, row, notice)
    return Change(row, old, new)


async def _notify(
    sessions: async_sessionmaker[AsyncSession], bus: EventBus, row: MediaRequest, notice: Notice
) -> None:
    kind, level, title = _NOTES[notice]
    body = _BODIES[notice]
    if row.seasons:
        body = f"{seasons_text(row.seasons)}. {body}"
    link = (
        f"/library/items/{row.rating_key}"
        if notice == Notice.AVAILABLE and row.rating_key
        else "/requests/mine"
    )
    note = NewNotification(f"request_{kind}", title.format(t=row.title), body, link, level)
    await notifications.deliver(sessions, bus, [row.user_id], note)


async def apply_webhook(
    sessions: async_sessionmaker[AsyncSession], bus: EventBus, hook: OverseerrWebhook
) -> int:
    """One authenticated webhook; returns how many of our requests changed."""
    if hook.is_test:
        log.info("overseerr webhook test received")
        return 0
    state, detail = state_from_webhook(hook)
    request_id = hook.request.request_id if hook.request else None
    if state is None or request_id is None:
        return 0
    async with sessions() as db:
        ours = await db.scalar(
            select(MediaRequest.id).where(MediaRequest.overseerr_request_id == request_id)
        )
    if ours is None:
        log.info("overseerr webhook for a request MediaNest did not file", overseerr_id=request_id)
        return 0
    change = await apply_state(sessions, bus, ours, state, detail, from_webhook=True)
    return 1 if change else 0


@dataclass(frozen=True)
class SyncReport:
    checked: int = 0
    changed: int = 0
    problem: str | None = None


async def reconcile(
    sessions: async_sessionmaker[AsyncSession],
    bus: EventBus,
    gate: OverseerrGate,
    *,
    older_than: timedelta = timedelta(0),
) -> SyncReport:
    """Ask Overseerr about each request that can still change (oldest sync first)."""
    cutoff = utcnow() - older_than
    settled = [s.value for s in RequestState if s.settled]
    async with sessions() as db:
        rows = list(
            await db.scalars(
                select(MediaRequest)
                .where(
                    MediaRequest.overseerr_request_id.is_not(None),
                    MediaRequest.status.not_in(settled),
                    or_(MediaRequest.synced_at.is_(None), MediaRequest.synced_at <= cutoff),
                )
                .order_by(MediaRequest.synced_at.is_not(None), MediaRequest.synced_at)
                .limit(SYNC_BATCH)
            )
        )
    checked = changed = 0
    for row in rows:
        try:
            changed += await _sync_one(sessions, bus, gate, row)
        except ServiceDown as exc:
            return SyncReport(checked, changed, exc.message)
        checked += 1
    if rows:
        log.info("requests reconciled", checked=checked, changed=changed)
    return SyncReport(checked, changed)


async def _sync_one(
    sessions: async_sessionmaker[AsyncSession], bus: EventBus, gate: OverseerrGate, row: Any
) -> int:
    assert row.overseerr_request_id is not None
    try:
        async with gate.calling() as client:
            info = await client.request(row.overseerr_request_id)
    except RemoteNotFound:
        change = await apply_state(sessions, bus, row.id, RequestState.REMOVED, None, synced=True)
        return 1 if change else 0
    state, detail = state_from_overseerr(info, row.seasons)
    key = info.media.rating_key if info.media else None
    change = await apply_state(sessions, bus, row.id, state, detail, rating_key=key, synced=True)
    return 1 if change else 0
