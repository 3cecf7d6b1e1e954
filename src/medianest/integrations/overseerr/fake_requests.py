"""Request rules of the fake Overseerr: create, quota, list filters, counts, delete.

Ported from ``MediaRequest.request()``, ``User.getQuota()`` and ``server/routes/request.ts``
(``docs/protocols/overseerr.md#creating-a-request``, ``#listing-requests``). Deliberate deviation:
the ``all`` filter (and no filter) lists requests with *any* status, so statuses injected with
``force_status`` (99, 42...) reach the client under test; Overseerr itself only lists statuses 1-4
and media statuses 1-5.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from .fake_catalog import CatalogItem
from .fake_model import (
    FakeRequest,
    FakeSeasonRequest,
    FakeUser,
    MediaStatus,
    Notification,
    OverseerrError,
    Permission,
    RequestStatus,
)
from .fake_state import OverseerrFakeState

P = Permission


@dataclass(frozen=True)
class Quota:
    days: int | None
    limit: int | None
    used: int

    @property
    def remaining(self) -> int | None:
        return max(0, self.limit - self.used) if self.limit else None

    @property
    def restricted(self) -> bool:
        return bool(self.limit) and (self.limit or 0) - self.used <= 0

    def as_json(self) -> dict[str, Any]:
        """``QuotaResponse`` part; ``undefined`` values are left out as JSON.stringify does."""
        data = {
            "days": self.days,
            "limit": self.limit,
            "used": self.used,
            "remaining": self.remaining,
        }
        return {k: v for k, v in data.items() if v is not None} | {"restricted": self.restricted}


def quota(state: OverseerrFakeState, user: FakeUser, media_type: str) -> Quota:
    """``User.getQuota``: MANAGE_USERS bypasses; declined requests do not count."""
    movie = media_type == "movie"
    limit = (
        0
        if user.can(P.MANAGE_USERS)
        else (user.movie_quota_limit if movie else user.tv_quota_limit)
    )
    days = user.movie_quota_days if movie else user.tv_quota_days
    since = state.now() - timedelta(days=days or 0)
    used = 0
    if limit:
        for request in state.requests.values():
            if (
                request.requested_by_id == user.id
                and request.type == media_type
                and request.created_at > since
                and request.status != RequestStatus.DECLINED
            ):
                used += 1 if movie else len(request.seasons)
    return Quota(days, limit, used)


def _auto_approve(user: FakeUser, media_type: str, is4k: bool) -> bool:
    general = P.AUTO_APPROVE_4K if is4k else P.AUTO_APPROVE
    if media_type == "movie":
        typed = P.AUTO_APPROVE_4K_MOVIE if is4k else P.AUTO_APPROVE_MOVIE
    else:
        typed = P.AUTO_APPROVE_4K_TV if is4k else P.AUTO_APPROVE_TV
    return user.can(general, typed, P.MANAGE_REQUESTS, any_of=True)


def _check_may_request(user: FakeUser, media_type: str, is4k: bool) -> None:
    movie = media_type == "movie"
    if is4k:
        wanted = (P.REQUEST_4K, P.REQUEST_4K_MOVIE if movie else P.REQUEST_4K_TV)
    else:
        wanted = (P.REQUEST, P.REQUEST_MOVIE if movie else P.REQUEST_TV)
    if not user.can(*wanted, any_of=True):
        kind = "movie" if movie else "series"
        raise OverseerrError.message(
            403, f"You do not have permission to make {'4K ' if is4k else ''}{kind} requests."
        )


def _request_user(state: OverseerrFakeState, acting: FakeUser, user_id: Any) -> FakeUser:
    if not user_id:
        return acting
    if not acting.can(P.MANAGE_USERS, P.MANAGE_REQUESTS):
        raise OverseerrError.message(403, "You do not have permission to modify the request user.")
    found = state.users.get(int(user_id))
    if found is None:
        raise OverseerrError.message(
            500,
            f'Could not find any entity of type "User" matching: {{"where":{{"id":{user_id}}}}}',
        )
    return found


def _catalog_item(state: OverseerrFakeState, media_type: str, tmdb_id: int) -> CatalogItem:
    item = state.catalog.get(media_type, tmdb_id)
    if item is None:  # TMDB answered 404; Overseerr turns the thrown error into a 500
        noun = "movie" if media_type == "movie" else "tv show"
        raise OverseerrError.message(
            500, f"[TMDB] Failed to fetch {noun} details: Request failed with status code 404"
        )
    return item


def _seasons_to_request(
    state: OverseerrFakeState, item: CatalogItem, body: dict[str, Any], is4k: bool
) -> list[int]:
    requested = item.regular_seasons() if body.get("seasons") == "all" else body.get("seasons")
    if requested is None:
        raise OverseerrError.message(500, "Cannot read properties of undefined (reading 'filter')")
    taken: set[int] = set()
    media = state.media_for("tv", item.tmdb_id)
    if media is not None:
        for other in state.requests_of(media):
            if other.is4k == is4k and other.status != RequestStatus.DECLINED:
                taken |= {s.season_number for s in other.seasons}
        taken |= {
            s.season_number
            for s in media.seasons
            if (s.status4k if is4k else s.status) != MediaStatus.UNKNOWN
        }
    return [int(n) for n in requested if int(n) not in taken]


def create_request(
    state: OverseerrFakeState, acting: FakeUser, body: dict[str, Any]
) -> FakeRequest:
    """``MediaRequest.request(body, user)``; ``body`` has passed schema validation."""
    media_type, tmdb_id, is4k = body["mediaType"], int(body["mediaId"]), bool(body.get("is4k"))
    with state.lock:
        requester = _request_user(state, acting, body.get("userId"))
        _check_may_request(requester, media_type, is4k)
        limits = quota(state, requester, media_type)
        if limits.restricted:
            raise OverseerrError.message(
                403, "Movie Quota exceeded." if media_type == "movie" else "Series Quota exceeded."
            )
        item = _catalog_item(state, media_type, tmdb_id)
        media = state.media_for(media_type, tmdb_id)
        existing = [] if media is None else [r for r in state.requests_of(media) if r.is4k == is4k]
        if media_type == "movie" and existing and existing[0].status != RequestStatus.DECLINED:
            raise OverseerrError.message(409, "Request for this media already exists.")
        seasons: list[int] = []
        if media_type == "tv":
            seasons = _seasons_to_request(state, item, body, is4k)
            if not seasons:
                raise OverseerrError.message(202, "No seasons available to request")
            if limits.limit and len(seasons) > (limits.remaining or 0):
                raise OverseerrError.message(403, "Series Quota exceeded.")
        media = state.ensure_media(item)
        if body.get("tvdbId") and media.tvdb_id is None:
            media.tvdb_id = int(body["tvdbId"])
        if media.status_for(is4k) == MediaStatus.UNKNOWN:
            media.set_status(is4k, MediaStatus.PENDING)
        return _insert(state, acting, requester, media.id, body, seasons)


def _insert(
    state: OverseerrFakeState,
    acting: FakeUser,
    requester: FakeUser,
    media_id: int,
    body: dict[str, Any],
    seasons: list[int],
) -> FakeRequest:
    """Save the row, then the ``AfterInsert`` hooks: notify, and approve if auto-approved."""
    now = state.now()
    is4k, media_type = bool(body.get("is4k")), body["mediaType"]
    auto = _auto_approve(acting, media_type, is4k)  # the *acting* user decides, not userId
    status = RequestStatus.APPROVED if auto else RequestStatus.PENDING
    request = FakeRequest(
        id=state.next_id("request"),
        status=status,
        media_id=media_id,
        type=media_type,
        requested_by_id=requester.id,
        created_at=now,
        updated_at=now,
        modified_by_id=acting.id if auto else None,
        is4k=is4k,
        server_id=body.get("serverId"),
        profile_id=body.get("profileId"),
        root_folder=body.get("rootFolder"),
        language_profile_id=body.get("languageProfileId"),
        tags=body.get("tags"),
        seasons=[
            FakeSeasonRequest(state.next_id("season_request"), n, status, now, now) for n in seasons
        ],
    )
    state.requests[request.id] = request
    if state.scenario == "progress":
        state.timeline.add(request.id)
    if auto:
        state.set_request_status(request, RequestStatus.APPROVED, auto=True)
    else:
        state.notify(Notification.MEDIA_PENDING, request)
    return request


REQUEST_FILTERS = ("all", "approved", "available", "pending", "processing", "unavailable", "failed")
SEERR_FILTERS = (*REQUEST_FILTERS, "completed", "deleted")


def _matches(state: OverseerrFakeState, request: FakeRequest, name: str) -> bool:
    """Filter semantics of ``GET /request`` [ovr routes/request.ts]."""
    media_status = state.media[request.media_id].status_for(request.is4k)
    status = request.status
    seerr_done = (
        (RequestStatus.APPROVED, RequestStatus.COMPLETED)
        if state.seerr
        else (RequestStatus.APPROVED,)
    )
    not_available = media_status != MediaStatus.AVAILABLE
    rules = {
        "approved": status == RequestStatus.APPROVED,
        "processing": status == RequestStatus.APPROVED and not_available,
        "available": status in seerr_done and media_status == MediaStatus.AVAILABLE,
        "pending": status == RequestStatus.PENDING,
        "unavailable": status in (RequestStatus.PENDING, RequestStatus.APPROVED) and not_available,
        "failed": status == RequestStatus.FAILED,
        "completed": status == RequestStatus.COMPLETED,
        "deleted": media_status == MediaStatus.DELETED,
    }
    return rules.get(name, True)


def list_requests(
    state: OverseerrFakeState,
    acting: FakeUser,
    *,
    take: int,
    skip: int,
    filter_name: str,
    sort: str,
    requested_by: int | None,
) -> tuple[list[FakeRequest], int]:
    """Matching requests, newest first (or most recently modified), and the total count."""
    if not acting.can(P.MANAGE_REQUESTS, P.REQUEST_VIEW, any_of=True):
        if requested_by and requested_by != acting.id:
            raise OverseerrError.message(
                403, "You do not have permission to view this user's requests."
            )
        requested_by = acting.id
    rows = [
        r
        for r in list(state.requests.values())
        if _matches(state, r, filter_name)
        and (not requested_by or r.requested_by_id == requested_by)
    ]
    if sort == "modified":
        rows.sort(key=lambda r: (r.updated_at, r.id), reverse=True)
    else:
        rows.sort(key=lambda r: r.id, reverse=True)
    return rows[skip : skip + take], len(rows)


def page_info(count: int, take: int, skip: int) -> dict[str, int]:
    return {
        "pages": math.ceil(count / take),
        "pageSize": take,
        "results": count,
        "page": math.ceil(skip / take) + 1,
    }


def request_counts(state: OverseerrFakeState) -> dict[str, int]:
    """``GET /request/count`` over every request, whoever asks."""
    rows = list(state.requests.values())

    def media_status(r: FakeRequest) -> int:
        return state.media[r.media_id].status_for(r.is4k)

    approved = [r for r in rows if r.status == RequestStatus.APPROVED]
    return {
        "total": len(rows),
        "movie": sum(r.type == "movie" for r in rows),
        "tv": sum(r.type == "tv" for r in rows),
        "pending": sum(r.status == RequestStatus.PENDING for r in rows),
        "approved": len(approved),
        "declined": sum(r.status == RequestStatus.DECLINED for r in rows),
        "processing": sum(media_status(r) != MediaStatus.AVAILABLE for r in approved),
        "available": sum(media_status(r) == MediaStatus.AVAILABLE for r in approved),
    }


def delete_request(state: OverseerrFakeState, acting: FakeUser, request_id: int) -> None:
    """Managers delete anything; others only their own pending requests (401 otherwise)."""
    with state.lock:
        request = state.request(request_id)
        own_pending = (
            request.requested_by_id == acting.id and request.status == RequestStatus.PENDING
        )
        if not acting.can(P.MANAGE_REQUESTS) and not own_pending:
            raise OverseerrError.message(401, "You do not have permission to delete this request.")
        del state.requests[request_id]
        media = state.media[request.media_id]
        remaining = state.requests_of(media)
        for is4k in (False, True):  # ``handleRemoveParentUpdate``
            if (
                not any(r.is4k == is4k for r in remaining)
                and media.status_for(is4k) != MediaStatus.AVAILABLE
            ):
                media.set_status(is4k, MediaStatus.UNKNOWN)
        media.updated_at = state.now()
