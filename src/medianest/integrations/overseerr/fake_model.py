"""Rows and enums of the fake Overseerr: the entities its database holds.

Numbers and names follow Overseerr's ``server/constants/media.ts``, ``server/lib/permissions.ts``
and ``server/lib/notifications/index.ts`` (``docs/protocols/overseerr.md#status-values``,
``#webhooks``). Seerr adds request
COMPLETED=5 and media BLOCKLISTED=6 / DELETED=7; the fake only produces those for
``flavor == "seerr"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any


class RequestStatus(IntEnum):
    PENDING = 1
    APPROVED = 2
    DECLINED = 3
    FAILED = 4
    COMPLETED = 5  # Seerr only


class MediaStatus(IntEnum):
    UNKNOWN = 1
    PENDING = 2
    PROCESSING = 3
    PARTIALLY_AVAILABLE = 4
    AVAILABLE = 5
    BLOCKLISTED = 6  # Seerr only (Jellyseerr calls it BLACKLISTED)
    DELETED = 7  # Seerr only


class Notification(IntEnum):
    NONE = 0
    MEDIA_PENDING = 2
    MEDIA_APPROVED = 4
    MEDIA_AVAILABLE = 8
    MEDIA_FAILED = 16
    TEST_NOTIFICATION = 32
    MEDIA_DECLINED = 64
    MEDIA_AUTO_APPROVED = 128
    ISSUE_CREATED = 256
    ISSUE_COMMENT = 512
    ISSUE_RESOLVED = 1024
    ISSUE_REOPENED = 2048
    MEDIA_AUTO_REQUESTED = 4096


# Every media notification an admin would tick in the webhook settings.
ALL_MEDIA_NOTIFICATIONS = (
    Notification.MEDIA_PENDING
    | Notification.MEDIA_APPROVED
    | Notification.MEDIA_AVAILABLE
    | Notification.MEDIA_FAILED
    | Notification.MEDIA_DECLINED
    | Notification.MEDIA_AUTO_APPROVED
)


class Permission(IntEnum):
    NONE = 0
    ADMIN = 2
    MANAGE_SETTINGS = 4
    MANAGE_USERS = 8
    MANAGE_REQUESTS = 16
    REQUEST = 32
    VOTE = 64
    AUTO_APPROVE = 128
    AUTO_APPROVE_MOVIE = 256
    AUTO_APPROVE_TV = 512
    REQUEST_4K = 1024
    REQUEST_4K_MOVIE = 2048
    REQUEST_4K_TV = 4096
    REQUEST_ADVANCED = 8192
    REQUEST_VIEW = 16384
    AUTO_APPROVE_4K = 32768
    AUTO_APPROVE_4K_MOVIE = 65536
    AUTO_APPROVE_4K_TV = 131072
    REQUEST_MOVIE = 262144
    REQUEST_TV = 524288


def has_permission(granted: int, wanted: list[Permission], any_of: bool = False) -> bool:
    """Overseerr's ``hasPermission``: ADMIN passes everything; the default mode is *and*."""
    if granted & Permission.ADMIN:
        return True
    hits = [bool(granted & perm) for perm in wanted]
    return any(hits) if any_of else all(hits)


class UserType(IntEnum):
    PLEX = 1
    LOCAL = 2


def iso(moment: datetime) -> str:
    """Timestamps the way TypeORM dates serialise through ``JSON.stringify``."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class FakeUser:
    id: int
    email: str
    plex_username: str | None
    plex_id: int | None
    avatar: str
    created_at: datetime
    updated_at: datetime
    permissions: int = Permission.REQUEST
    user_type: int = UserType.PLEX
    username: str | None = None
    movie_quota_limit: int | None = None
    movie_quota_days: int | None = None
    tv_quota_limit: int | None = None
    tv_quota_days: int | None = None
    settings: dict[str, Any] = field(default_factory=dict)  # discordId, telegramChatId

    @property
    def display_name(self) -> str:
        return self.username or self.plex_username or self.email

    def can(self, *wanted: Permission, any_of: bool = False) -> bool:
        return has_permission(self.permissions, list(wanted), any_of=any_of)


@dataclass
class FakeSeason:
    """A ``Season`` row of a Media: created by Plex/Sonarr scans, not by requests."""

    id: int
    season_number: int
    status: int
    created_at: datetime
    updated_at: datetime
    status4k: int = MediaStatus.UNKNOWN


@dataclass
class FakeMedia:
    id: int
    media_type: str  # "movie" | "tv"
    tmdb_id: int
    tvdb_id: int | None
    imdb_id: str | None
    created_at: datetime
    updated_at: datetime
    status: int = MediaStatus.UNKNOWN
    status4k: int = MediaStatus.UNKNOWN
    media_added_at: datetime | None = None
    rating_key: str | None = None
    seasons: list[FakeSeason] = field(default_factory=list)

    def status_for(self, is4k: bool) -> int:
        return self.status4k if is4k else self.status

    def set_status(self, is4k: bool, value: int) -> None:
        if is4k:
            self.status4k = value
        else:
            self.status = value


@dataclass
class FakeSeasonRequest:
    id: int
    season_number: int
    status: int
    created_at: datetime
    updated_at: datetime


@dataclass
class FakeRequest:
    id: int
    status: int
    media_id: int
    type: str  # "movie" | "tv"
    requested_by_id: int
    created_at: datetime
    updated_at: datetime
    modified_by_id: int | None = None
    is4k: bool = False
    server_id: int | None = None
    profile_id: int | None = None
    root_folder: str | None = None
    language_profile_id: int | None = None
    tags: list[int] | None = None
    is_auto_request: bool = False
    seasons: list[FakeSeasonRequest] = field(default_factory=list)


class OverseerrError(Exception):
    """An error answer of the real service: the status code and the exact JSON body."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body

    @classmethod
    def message(cls, status: int, text: str) -> OverseerrError:
        """The shape of Overseerr's express error handler: ``{"message": ...}``."""
        return cls(status, {"message": text})


FORBIDDEN_BODY: dict[str, Any] = {
    "status": 403,
    "error": "You do not have permission to access this endpoint",
}


def forbidden() -> OverseerrError:
    """What ``isAuthenticated`` answers: no user, or a user without the permission."""
    return OverseerrError(403, dict(FORBIDDEN_BODY))
