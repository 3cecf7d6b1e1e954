"""Parsing Overseerr's webhook notifications (``docs/protocols/overseerr.md#webhooks``).

The webhook agent renders a JSON *template*, so every value is a string: ids are ``"12"``,
missing values ``""``, and ``media.status`` is the enum NAME (``"PENDING"``; ``"undefined"``
for a number the sender itself does not know). ``media``/``request`` are ``null`` when a
notification has none (the test notification). An admin may edit the template, so the parser
needs only ``notification_type`` and is lenient about everything else, but it refuses shapes
that cannot be the agent's output with a :class:`ValueError` naming the field.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from medianest.domain.json_input import INT64_MAX

from .models import MediaStatus

__all__ = [
    "NotificationType",
    "OverseerrWebhook",
    "WebhookExtra",
    "WebhookMedia",
    "WebhookRequest",
    "parse_webhook",
]


class NotificationType(StrEnum):
    """``Notification`` names [ovr server/lib/notifications/index.ts]; OTHER for new ones."""

    MEDIA_PENDING = "MEDIA_PENDING"
    MEDIA_APPROVED = "MEDIA_APPROVED"
    MEDIA_AVAILABLE = "MEDIA_AVAILABLE"
    MEDIA_FAILED = "MEDIA_FAILED"
    TEST_NOTIFICATION = "TEST_NOTIFICATION"
    MEDIA_DECLINED = "MEDIA_DECLINED"
    MEDIA_AUTO_APPROVED = "MEDIA_AUTO_APPROVED"
    ISSUE_CREATED = "ISSUE_CREATED"
    ISSUE_COMMENT = "ISSUE_COMMENT"
    ISSUE_RESOLVED = "ISSUE_RESOLVED"
    ISSUE_REOPENED = "ISSUE_REOPENED"
    MEDIA_AUTO_REQUESTED = "MEDIA_AUTO_REQUESTED"
    OTHER = "OTHER"


class _Plain(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class WebhookMedia(_Plain):
    media_type: str | None = None
    tmdb_id: int | None = None
    tvdb_id: int | None = None
    status: MediaStatus = MediaStatus.UNKNOWN
    status_raw: str | None = None
    status4k: MediaStatus = MediaStatus.UNKNOWN
    status4k_raw: str | None = None


class WebhookRequest(_Plain):
    request_id: int | None = None
    requested_by_username: str | None = None
    requested_by_email: str | None = None


class WebhookExtra(_Plain):
    name: str
    value: str


class OverseerrWebhook(_Plain):
    notification_type: str  # as sent, even when it is a name we do not know
    kind: NotificationType
    event: str | None = None
    subject: str | None = None
    message: str | None = None
    image: str | None = None
    media: WebhookMedia | None = None
    request: WebhookRequest | None = None
    extra: list[WebhookExtra] = []

    @property
    def is_test(self) -> bool:
        return self.kind == NotificationType.TEST_NOTIFICATION


def parse_webhook(payload: Any) -> OverseerrWebhook:
    """One webhook body (already JSON-decoded). Raises :class:`ValueError` with the reason."""
    if not isinstance(payload, dict):
        raise ValueError("the webhook body is not a JSON object")
    raw_type = payload.get("notification_type")
    if not isinstance(raw_type, str) or not raw_type.strip():
        raise ValueError("notification_type is missing")
    raw_type = raw_type.strip()
    known = raw_type in NotificationType.__members__ and raw_type != "OTHER"
    return OverseerrWebhook(
        notification_type=raw_type,
        kind=NotificationType(raw_type) if known else NotificationType.OTHER,
        event=_text(payload, "event"),
        subject=_text(payload, "subject"),
        message=_text(payload, "message"),
        image=_text(payload, "image"),
        media=_media(_section(payload, "media")),
        request=_request(_section(payload, "request")),
        extra=_extra(payload.get("extra")),
    )


def _text(data: dict[str, Any], key: str, where: str = "") -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return str(value)
    if not isinstance(value, str):
        raise ValueError(f"{where}{key} is not a string")
    return value or None  # the agent renders a missing value as ""


def _number(data: dict[str, Any], key: str, where: str) -> int | None:
    text = _text(data, key, where)
    if text is None:
        return None
    if not text.strip().isdigit() or int(text) > INT64_MAX:
        raise ValueError(f"{where}{key} is not a number an id can be")
    return int(text)


def _section(payload: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = payload.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError(f"{key} is neither an object nor null")
    return value


def _status(data: dict[str, Any], key: str) -> tuple[MediaStatus, str | None]:
    raw = _text(data, key, "media.")
    return (MediaStatus.from_wire(raw) if raw else MediaStatus.UNKNOWN), raw


def _media(data: dict[str, Any] | None) -> WebhookMedia | None:
    if data is None:
        return None
    status, status_raw = _status(data, "status")
    status4k, status4k_raw = _status(data, "status4k")
    media_type = _text(data, "media_type", "media.")
    return WebhookMedia(
        media_type=media_type.lower() if media_type else None,
        tmdb_id=_number(data, "tmdbId", "media."),
        tvdb_id=_number(data, "tvdbId", "media."),
        status=status,
        status_raw=status_raw,
        status4k=status4k,
        status4k_raw=status4k_raw,
    )


def _request(data: dict[str, Any] | None) -> WebhookRequest | None:
    if data is None:
        return None
    return WebhookRequest(
        request_id=_number(data, "request_id", "request."),
        requested_by_username=_text(data, "requestedBy_username", "request."),
        requested_by_email=_text(data, "requestedBy_email", "request."),
    )


def _extra(value: Any) -> list[WebhookExtra]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError("extra is not a list")
    extra = []
    for item in value:
        if not isinstance(item, dict):
            raise ValueError("an extra entry is not an object")
        name, text = _text(item, "name", "extra."), _text(item, "value", "extra.")
        if name:
            extra.append(WebhookExtra(name=name, value=text or ""))
    return extra
