"""Moving requests through their life for tests and the demo, with the webhooks on the way.

``advance`` jumps one request to a target; ``tick`` (only while ``state.scenario ==
"progress"``) moves each *followed* request one step: pending → approved (media PROCESSING) →
available (one season per tick for shows, so partial availability shows up). Requests created
while the scenario is "progress" are followed automatically; seeded ones only after
``state.follow(id)`` / ``follow_all()``, so the demo keeps showing a request in every state
while the ones its visitors make come alive. What the real service would do at each step
(hooks, notifications) runs through ``OverseerrFakeState``.
``force_status`` writes raw numbers without any hook, for testing clients against values
they do not know.
"""

from __future__ import annotations

import threading

from .fake_model import (
    FakeMedia,
    FakeRequest,
    FakeUser,
    MediaStatus,
    Notification,
    Permission,
    RequestStatus,
)
from .fake_state import OverseerrFakeState

ADVANCE_TARGETS = (
    "pending",
    "approved",
    "declined",
    "failed",
    "processing",
    "partially_available",
    "available",
)
SEERR_TARGETS = ("completed", "deleted")


def _admin(state: OverseerrFakeState) -> FakeUser:
    """Who approves in the timeline: the owner (user 1), like an admin clicking Approve."""
    admins = [u for u in state.users.values() if u.can(Permission.MANAGE_REQUESTS)]
    if not admins:
        raise ValueError("the fake needs an admin user to approve requests")
    return min(admins, key=lambda u: u.id)


def _ensure_approved(state: OverseerrFakeState, request: FakeRequest) -> None:
    if request.status not in (RequestStatus.APPROVED, RequestStatus.COMPLETED):
        state.set_request_status(request, RequestStatus.APPROVED, by=_admin(state))


def _make_seasons_available(
    state: OverseerrFakeState, request: FakeRequest, media: FakeMedia, limit: int | None
) -> None:
    available = {s.season_number for s in media.seasons if s.status == MediaStatus.AVAILABLE}
    missing = [s.season_number for s in request.seasons if s.season_number not in available]
    for number in missing[:limit]:
        state.set_season_status(media, number, MediaStatus.AVAILABLE)
    state.refresh_show_status(media)


def _make_available(
    state: OverseerrFakeState, request: FakeRequest, media: FakeMedia, step: bool
) -> None:
    """Movie: available. Show: the request's seasons (one per call when ``step``)."""
    if request.type == "movie":
        state.set_media_status(media, MediaStatus.AVAILABLE, is4k=request.is4k)
    else:
        _make_seasons_available(state, request, media, 1 if step else None)


def advance(state: OverseerrFakeState, request_id: int, to: str) -> FakeRequest:
    """Jump a request to ``to`` (see ``ADVANCE_TARGETS``; Seerr adds completed/deleted)."""
    allowed = ADVANCE_TARGETS + (SEERR_TARGETS if state.seerr else ())
    if to not in allowed:
        raise ValueError(f"cannot advance to {to!r}; choose one of {', '.join(allowed)}")
    request = state.request(request_id)
    if to == "partially_available" and request.type != "tv":
        raise ValueError("only a series request can be partially available")
    with state.lock:
        media = state.media[request.media_id]
        if to == "pending":
            request.status, request.updated_at = RequestStatus.PENDING, state.now()
        elif to in ("approved", "declined"):
            status = RequestStatus.APPROVED if to == "approved" else RequestStatus.DECLINED
            state.set_request_status(request, status, by=_admin(state))
        elif to == "failed":  # Radarr/Sonarr refused the approved request
            _ensure_approved(state, request)
            request.status, request.updated_at = RequestStatus.FAILED, state.now()
            state.notify(Notification.MEDIA_FAILED, request)
        else:
            _ensure_approved(state, request)
            if to == "processing":
                state.set_media_status(media, MediaStatus.PROCESSING, is4k=request.is4k)
            elif to == "partially_available":
                _make_seasons_available(state, request, media, 1)
            elif to == "available":
                _make_available(state, request, media, step=False)
            elif to == "completed":
                request.status, request.updated_at = RequestStatus.COMPLETED, state.now()
            else:  # deleted
                state.set_media_status(media, MediaStatus.DELETED, is4k=request.is4k)
    return request


def tick(state: OverseerrFakeState) -> list[int]:
    """One step of the "progress" scenario; returns the ids of the requests that moved."""
    if state.scenario != "progress":
        return []
    moved: list[int] = []
    with state.lock:
        followed = [r for r in state.requests.values() if r.id in state.timeline]
        for request in sorted(followed, key=lambda r: r.id):
            media = state.media[request.media_id]
            if request.status == RequestStatus.PENDING:
                state.set_request_status(request, RequestStatus.APPROVED, by=_admin(state))
            elif (
                request.status == RequestStatus.APPROVED
                and media.status_for(request.is4k) != MediaStatus.AVAILABLE
            ):
                before = [(s.season_number, s.status) for s in media.seasons]
                _make_available(state, request, media, step=True)
                if request.type == "tv" and before == [
                    (s.season_number, s.status) for s in media.seasons
                ]:
                    continue  # every season of this request is already there
            else:
                continue
            moved.append(request.id)
    return moved


def force_status(
    state: OverseerrFakeState,
    request_id: int,
    request_status: int | None = None,
    media_status: int | None = None,
) -> FakeRequest:
    """Write raw status numbers (even unknown ones) with no hooks and no webhooks."""
    request = state.request(request_id)
    with state.lock:
        if request_status is not None:
            request.status = request_status
        if media_status is not None:
            state.media[request.media_id].set_status(request.is4k, media_status)
    return request


class ProgressLoop:
    """A daemon thread that calls ``tick`` every ``interval`` seconds until stopped."""

    def __init__(self, state: OverseerrFakeState, interval: float) -> None:
        self.state, self.interval = state, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="overseerr-fake-progress", daemon=True
        )

    def start(self) -> ProgressLoop:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            tick(self.state)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
