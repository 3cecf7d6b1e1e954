"""The ``NotificationPayload`` objects Overseerr hands its agents, built from the fake's rows.

Mirrors ``MediaRequest.sendNotification`` and ``MediaSubscriber`` [ovr]: ``event`` strings,
``subject`` "Title (YYYY)", the overview shortened to 500 characters, the TMDB poster URL, and
for series an ``extra`` entry "Requested Seasons". The webhook agent turns these into its
all-string JSON (``fake_webhook.render``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .fake_model import FakeRequest, FakeUser, Notification
from .fake_webhook import truncate

if TYPE_CHECKING:
    from .fake_state import OverseerrFakeState

TMDB_IMAGE = "https://image.tmdb.org/t/p/w600_and_h900_bestv2"


def user_payload(user: FakeUser) -> dict[str, Any]:
    """The User fields the webhook key map reads (``displayName``, ``settings.discordId``...)."""
    return {
        "displayName": user.display_name,
        "email": user.email,
        "avatar": user.avatar,
        "settings": dict(user.settings),
    }


def _event(kind: Notification, request: FakeRequest) -> str | None:
    noun = ("4K " if request.is4k else "") + ("Movie" if request.type == "movie" else "Series")
    events = {
        Notification.MEDIA_PENDING: f"New {noun} Request",
        Notification.MEDIA_APPROVED: f"{noun} Request Approved",
        Notification.MEDIA_AUTO_APPROVED: f"{noun} Request Automatically Approved",
        Notification.MEDIA_DECLINED: f"{noun} Request Declined",
        Notification.MEDIA_FAILED: f"{noun} Request Failed",
        Notification.MEDIA_AVAILABLE: f"{noun} Request Now Available",
    }
    return events.get(kind)


def request_payload(
    state: OverseerrFakeState, kind: Notification, request: FakeRequest
) -> dict[str, Any]:
    """A media notification about one request, as the state is right now."""
    media = state.media[request.media_id]
    item = state.item_of(media)
    payload: dict[str, Any] = {
        "event": _event(kind, request),
        "subject": f"{item.title} ({item.date[:4]})" if item.date else item.title,
        "message": truncate(item.overview),
        "image": f"{TMDB_IMAGE}{item.poster_path}",
        "media": {
            "tmdbId": media.tmdb_id,
            "tvdbId": media.tvdb_id,
            "mediaType": media.media_type,
            "status": media.status,
            "status4k": media.status4k,
        },
        "request": {
            "id": request.id,
            "requestedBy": user_payload(state.users[request.requested_by_id]),
        },
    }
    if request.type == "tv":
        numbers = ", ".join(str(s.season_number) for s in request.seasons)
        payload["extra"] = [{"name": "Requested Seasons", "value": numbers}]
    return payload


def notification_test_payload(notify_user: FakeUser | None = None) -> dict[str, Any]:
    """What the webhook *test* sends [ovr routes/settings/notifications.ts]."""
    payload: dict[str, Any] = {
        "subject": "Test Notification",
        "message": "Check check, 1, 2, 3. Are we coming in clear?",
    }
    if notify_user is not None:
        payload["notifyUser"] = user_payload(notify_user)
    return payload
