"""Typed Overseerr / Jellyseerr / Seerr answers (``docs/protocols/overseerr.md``).

The three servers share ``/api/v1`` but not their enums: Seerr added request COMPLETED and media
BLOCKLISTED/DELETED, Jellyseerr says BLACKLISTED. Every status therefore parses into an enum
with an explicit ``OTHER`` member and the wire value is kept beside it (``*_raw``), so a newer
server never breaks a page and an operator can still see what it said. Unknown fields are
ignored; missing keys and ``null`` mean the same thing (the servers differ on which they send).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

__all__ = [
    "MediaInfo",
    "MediaRequestInfo",
    "MediaStatus",
    "MovieDetails",
    "OverseerrUser",
    "RequestPage",
    "RequestResult",
    "RequestStatus",
    "SearchPage",
    "SearchResult",
    "SeasonRequest",
    "SeasonStatus",
    "ServerStatus",
    "TvDetails",
    "TvSeason",
    "UserPage",
]


class MediaStatus(StrEnum):
    """Availability of a title. ``NOT_REQUESTED``: Overseerr has no Media row for it at all."""

    NOT_REQUESTED = "not_requested"
    UNKNOWN = "unknown"
    PENDING = "pending"
    PROCESSING = "processing"
    PARTIALLY_AVAILABLE = "partially_available"
    AVAILABLE = "available"
    BLOCKLISTED = "blocklisted"
    DELETED = "deleted"
    OTHER = "other"

    @classmethod
    def from_wire(cls, value: object) -> MediaStatus:
        """A number from the API, a NAME from a webhook, or one of our own values."""
        return _from_wire(cls, value, _MEDIA_NUMBERS, cls.OTHER)

    @property
    def requestable(self) -> bool:
        return self in (MediaStatus.NOT_REQUESTED, MediaStatus.UNKNOWN, MediaStatus.DELETED)


class RequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    FAILED = "failed"
    COMPLETED = "completed"  # Seerr: approved and the media arrived
    OTHER = "other"

    @classmethod
    def from_wire(cls, value: object) -> RequestStatus:
        return _from_wire(cls, value, _REQUEST_NUMBERS, cls.OTHER)


_MEDIA_NUMBERS = dict(enumerate(list(MediaStatus)[1:8], start=1))  # UNKNOWN=1 .. DELETED=7
_REQUEST_NUMBERS = dict(enumerate(list(RequestStatus)[:5], start=1))  # PENDING=1 .. COMPLETED=5
_ALIASES = {"BLACKLISTED": "blocklisted"}  # Jellyseerr's name for 6
E = TypeVar("E", bound=StrEnum)


def _from_wire(enum: type[E], value: object, numbers: Mapping[int, E], other: E) -> E:
    if isinstance(value, enum):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return numbers.get(value, other)
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return _from_wire(enum, int(text), numbers, other)
        name = _ALIASES.get(text.upper(), text.lower())
        if name in enum._value2member_map_ and name != other.value:
            return enum(name)
    return other


MediaStatusField = Annotated[MediaStatus, BeforeValidator(MediaStatus.from_wire)]
RequestStatusField = Annotated[RequestStatus, BeforeValidator(RequestStatus.from_wire)]
Raw = int | str | None


class _Wire(BaseModel):
    model_config = ConfigDict(
        extra="ignore", alias_generator=to_camel, populate_by_name=True, frozen=True
    )
    raw_keys: ClassVar[tuple[str, ...]] = ()  # statuses whose wire value goes to ``<key>_raw``

    @model_validator(mode="before")
    @classmethod
    def _keep_raw(cls, data: Any) -> Any:
        """Copy each wire status to ``<key>Raw`` before the enum conversion loses it."""
        if not isinstance(data, dict) or not cls.raw_keys:
            return data
        kept = {f"{k}Raw": data.get(k) for k in cls.raw_keys if f"{k}Raw" not in data}
        return {**data, **kept}


class ServerStatus(_Wire):
    """``GET /status`` (public). ``flavor`` is a guess from the version line."""

    version: str
    commit_tag: str | None = None
    update_available: bool = False
    restart_required: bool = False
    flavor: Literal["overseerr", "jellyseerr", "seerr", "unknown"] = "unknown"

    @model_validator(mode="before")
    @classmethod
    def _guess_flavor(cls, data: Any) -> Any:
        # Overseerr froze at 1.x, Jellyseerr 2.x, Seerr 3.x (a Jellyseerr 1.x reads as Overseerr).
        if isinstance(data, dict) and "flavor" not in data:
            major = str(data.get("version", "")).lstrip("v").split(".")[0]
            flavors = {"1": "overseerr", "2": "jellyseerr"}
            guess = flavors.get(major, "seerr" if major.isdigit() and int(major) >= 3 else None)
            return {**data, "flavor": guess or "unknown"}
        return data

    @property
    def product(self) -> str:
        return {"jellyseerr": "Jellyseerr", "seerr": "Seerr"}.get(self.flavor, "Overseerr")


class OverseerrUser(_Wire):
    """A User; ``email``/``plexId`` are only visible to MANAGE_USERS (the API key's admin)."""

    id: int
    display_name: str = ""
    username: str | None = None
    plex_username: str | None = None
    plex_id: int | None = None
    email: str | None = None
    user_type: int | None = None
    permissions: int = 0
    avatar: str | None = None
    request_count: int | None = None
    jellyfin_username: str | None = None
    created_at: datetime | None = None

    @property
    def name(self) -> str:
        return (
            self.display_name
            or self.username
            or self.plex_username
            or self.jellyfin_username
            or self.email
            or f"user {self.id}"
        )

    @property
    def is_admin(self) -> bool:
        return bool(self.permissions & 2)  # Permission.ADMIN


class SeasonStatus(_Wire):
    """A Season row of a Media: what Plex/Sonarr know about one season."""

    raw_keys = ("status", "status4k")

    season_number: int
    status: MediaStatusField = MediaStatus.UNKNOWN
    status_raw: Raw = None
    status4k: MediaStatusField = MediaStatus.UNKNOWN
    status4k_raw: Raw = None


class SeasonRequest(_Wire):
    raw_keys = ("status",)
    season_number: int
    status: RequestStatusField = RequestStatus.OTHER
    status_raw: Raw = None


class MediaInfo(_Wire):
    """The Media row (``mediaInfo`` / ``media``); detail pages also carry its requests."""

    raw_keys = ("status", "status4k")

    id: int | None = None
    media_type: str | None = None
    tmdb_id: int | None = None
    tvdb_id: int | None = None
    imdb_id: str | None = None
    status: MediaStatusField = MediaStatus.UNKNOWN
    status_raw: Raw = None
    status4k: MediaStatusField = MediaStatus.UNKNOWN
    status4k_raw: Raw = None
    seasons: list[SeasonStatus] = []
    requests: list[MediaRequestInfo] = []
    rating_key: str | None = None
    plex_url: str | None = None
    media_added_at: datetime | None = None


class MediaRequestInfo(_Wire):
    """A MediaRequest. It has no title: look the title up by ``tmdb_id`` for display."""

    raw_keys = ("status",)

    id: int
    status: RequestStatusField = RequestStatus.OTHER
    status_raw: Raw = None
    media_type: str | None = Field(default=None, alias="type")
    media: MediaInfo | None = None  # absent in the ``requests`` of a detail page's mediaInfo
    requested_by: OverseerrUser | None = None
    modified_by: OverseerrUser | None = None
    seasons: list[SeasonRequest] = []
    is4k: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def tmdb_id(self) -> int | None:
        return self.media.tmdb_id if self.media else None

    @property
    def season_numbers(self) -> list[int]:
        return [s.season_number for s in self.seasons]


class RequestResult(_Wire):
    """A request Overseerr created (201); ``auto_approved`` when the acting user may skip review."""

    request: MediaRequestInfo

    @property
    def auto_approved(self) -> bool:
        return self.request.status == RequestStatus.APPROVED


def _flatten_page(data: Any) -> Any:
    """``{"pageInfo": {pages, pageSize, results, page}, "results": [...]}`` made flat."""
    if not isinstance(data, dict) or not isinstance(data.get("pageInfo"), dict):
        return data
    info = data["pageInfo"]
    flat = {"pages": info.get("pages"), "pageSize": info.get("pageSize")}
    flat |= {"total": info.get("results"), "page": info.get("page")}
    return {k: v for k, v in flat.items() if v is not None} | {"results": data.get("results")}


class _Page(_Wire):
    page: int = 1
    pages: int = 0
    page_size: int = 0
    total: int = 0

    @model_validator(mode="before")
    @classmethod
    def _flatten(cls, data: Any) -> Any:
        return _flatten_page(data)


class RequestPage(_Page):
    results: list[MediaRequestInfo] = []


class UserPage(_Page):
    results: list[OverseerrUser] = []


class _Title(_Wire):
    """What TMDB-backed answers share; ``title`` is a movie's title or a show's name."""

    tmdb_id: int = Field(alias="id")
    title: str
    original_title: str | None = None
    year: int | None = None
    release_date: str | None = None  # releaseDate or firstAirDate, "YYYY-MM-DD"
    overview: str = ""
    poster_path: str | None = None
    backdrop_path: str | None = None
    media_info: MediaInfo | None = None

    @model_validator(mode="before")
    @classmethod
    def _tmdb_shape(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        date = data.get("releaseDate") or data.get("firstAirDate") or None
        extra = {
            "title": data.get("title") or data.get("name"),
            "originalTitle": data.get("originalTitle") or data.get("originalName"),
            "releaseDate": date,
            "overview": data.get("overview") or "",
        }
        if "year" not in data and isinstance(date, str) and date[:4].isdigit():
            extra["year"] = int(date[:4])
        return {**data, **extra}

    @property
    def availability(self) -> MediaStatus:
        return self.media_info.status if self.media_info else MediaStatus.NOT_REQUESTED

    @property
    def availability_4k(self) -> MediaStatus:
        return self.media_info.status4k if self.media_info else MediaStatus.NOT_REQUESTED

    @property
    def availability_raw(self) -> Raw:
        return self.media_info.status_raw if self.media_info else None

    @property
    def requestable(self) -> bool:
        return self.availability.requestable

    @property
    def season_statuses(self) -> list[SeasonStatus]:
        return list(self.media_info.seasons) if self.media_info else []


class SearchResult(_Title):
    media_type: Literal["movie", "tv"]


class SearchPage(_Wire):
    """One page of ``/search``; ``total_results`` also counts the people/collections left out."""

    page: int = 1
    total_pages: int = 0
    total_results: int = 0
    results: list[SearchResult] = []


class _Detail(_Title):
    genres: list[str] = []

    @model_validator(mode="before")
    @classmethod
    def _genre_names(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("genres"), list):
            names = [g.get("name") if isinstance(g, dict) else g for g in data["genres"]]
            return {**data, "genres": [n for n in names if isinstance(n, str)]}
        return data

    @property
    def requests(self) -> list[MediaRequestInfo]:
        return list(self.media_info.requests) if self.media_info else []


class MovieDetails(_Detail):
    media_type: Literal["movie"] = "movie"
    runtime: int | None = None
    imdb_id: str | None = None


class TvSeason(_Wire):
    """A season of a show, merged from TMDB, the Season rows and the requests."""

    season_number: int
    episode_count: int = 0
    name: str | None = None
    air_date: str | None = None
    status: MediaStatus = MediaStatus.NOT_REQUESTED
    status_raw: Raw = None
    request_status: RequestStatus | None = None  # of the open (not declined) request, if any

    @property
    def requestable(self) -> bool:
        return self.request_status is None and self.status.requestable


class TvDetails(_Detail):
    media_type: Literal["tv"] = "tv"
    tvdb_id: int | None = None
    number_of_seasons: int | None = None
    seasons: list[TvSeason] = []

    @model_validator(mode="before")
    @classmethod
    def _tvdb(cls, data: Any) -> Any:
        if isinstance(data, dict) and "tvdbId" not in data:
            ids = data.get("externalIds")
            media = data.get("mediaInfo")
            tvdb = ids.get("tvdbId") if isinstance(ids, dict) else None
            if tvdb is None and isinstance(media, dict):
                tvdb = media.get("tvdbId")
            return {**data, "tvdbId": tvdb}
        return data

    @model_validator(mode="after")
    def _season_statuses(self) -> TvDetails:
        return self.model_copy(update={"seasons": merge_seasons(self.seasons, self.media_info)})


def merge_seasons(seasons: list[TvSeason], media: MediaInfo | None) -> list[TvSeason]:
    """A season's Season row wins once it knows more than UNKNOWN; else an open request says
    PENDING (waiting for approval) or PROCESSING (approved, failed or done downloading)."""
    rows = {s.season_number: s for s in media.seasons} if media else {}
    requested: dict[int, RequestStatus] = {}
    for request in media.requests if media else []:
        if request.is4k or request.status == RequestStatus.DECLINED:
            continue
        for asked_season in request.seasons:
            requested.setdefault(asked_season.season_number, request.status)
    merged: list[TvSeason] = []
    for season in seasons:
        row, asked = rows.get(season.season_number), requested.get(season.season_number)
        status = MediaStatus.NOT_REQUESTED if row is None else row.status
        if asked is not None and status in (MediaStatus.NOT_REQUESTED, MediaStatus.UNKNOWN):
            pending = asked == RequestStatus.PENDING
            status = MediaStatus.PENDING if pending else MediaStatus.PROCESSING
        update = {"status": status, "status_raw": row.status_raw if row else None}
        merged.append(season.model_copy(update=update | {"request_status": asked}))
    return merged


MediaInfo.model_rebuild()
