"""Search results and request drafts: what Overseerr knows, in the words people read.

Availability comes from Overseerr's Media row (``mediaInfo``): in Plex, partly in Plex, already
requested (with how far it got), or nothing. The viewer's own open request, from MediaNest's
table, is shown in preference, since it says more ("you asked for it, it is approved").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from medianest.domain.errors import Conflict, InvalidInput
from medianest.domain.requests import clean_seasons, seasons_text, state_named
from medianest.domain.users import Actor
from medianest.integrations.overseerr.models import (
    MediaInfo,
    MediaStatus,
    MovieDetails,
    SearchResult,
    TvDetails,
    TvSeason,
)
from medianest.persistence.models import MediaRequest

Seasons = Sequence[int | str] | Literal["all"] | None
OVERVIEW_MAX = 320
_PLEX_KEY = re.compile(r"%2Flibrary%2Fmetadata%2F(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class Availability:
    kind: str  # "available", "partial", "requested", "unknown", or "" for nothing yet
    label: str = ""
    tone: str = ""
    library_url: str | None = None


NOTHING = Availability("")


@dataclass(frozen=True)
class SearchHit:
    media_type: str
    tmdb_id: int
    title: str
    year: int | None
    overview: str
    poster_path: str | None
    availability: Availability
    requestable: bool

    @property
    def key(self) -> str:
        return f"{self.media_type}-{self.tmdb_id}"


@dataclass(frozen=True)
class SearchOutcome:
    query: str
    page: int = 1
    total_pages: int = 0
    hits: Sequence[SearchHit] = ()


@dataclass(frozen=True)
class SeasonChoice:
    number: int
    name: str
    episodes: int
    status: str  # what is already true of it, "" when it can be requested
    selectable: bool


@dataclass(frozen=True)
class RequestDraft:
    """What the confirmation dialog shows before anything is filed."""

    hit: SearchHit
    seasons: Sequence[SeasonChoice] = field(default_factory=tuple)

    @property
    def selectable_seasons(self) -> list[int]:
        return [s.number for s in self.seasons if s.selectable]


def library_url(media: MediaInfo | None) -> str | None:
    """The MediaNest library page of the Plex item, when Overseerr knows which one it is."""
    if media is None:
        return None
    key = media.rating_key
    if not key and media.plex_url:
        found = _PLEX_KEY.search(media.plex_url)
        key = found.group(1) if found else None
    return f"/library/items/{key}" if key and key.isdigit() else None


def availability_of(media: MediaInfo | None, mine: MediaRequest | None) -> Availability:
    status = media.status if media else MediaStatus.NOT_REQUESTED
    link = library_url(media)
    if status == MediaStatus.AVAILABLE:
        return Availability("available", "Available in Plex", "ok", link)
    if status == MediaStatus.PARTIALLY_AVAILABLE:
        return Availability("partial", "Partially available", "partial", link)
    if mine is not None:
        state = state_named(mine.status)
        return Availability("requested", f"You requested it · {state.label}", state.tone)
    if status == MediaStatus.PENDING:
        return Availability("requested", "Requested · pending approval", "pending")
    if status == MediaStatus.PROCESSING:
        return Availability("requested", "Requested · processing", "info")
    if status == MediaStatus.BLOCKLISTED:
        return Availability("unknown", "Blocklisted in Overseerr", "down")
    if status == MediaStatus.OTHER:
        return Availability("unknown", "Status unknown", "unknown")
    return NOTHING


def requestable(media_type: str, media: MediaInfo | None, mine: MediaRequest | None) -> bool:
    """Movies: only when nothing is under way. Shows: while some season may still be missing."""
    status = media.status if media else MediaStatus.NOT_REQUESTED
    if status in (MediaStatus.AVAILABLE, MediaStatus.BLOCKLISTED):
        return False
    if media_type == "movie":
        return status.requestable and mine is None
    return True


def _overview(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= OVERVIEW_MAX:
        return text
    return text[: OVERVIEW_MAX - 1].rsplit(" ", 1)[0] + "…"


def hit_of(result: SearchResult | MovieDetails | TvDetails, mine: MediaRequest | None) -> SearchHit:
    media = result.media_info
    return SearchHit(
        media_type=result.media_type,
        tmdb_id=result.tmdb_id,
        title=result.title,
        year=result.year,
        overview=_overview(result.overview),
        poster_path=result.poster_path,
        availability=availability_of(media, mine),
        requestable=requestable(result.media_type, media, mine),
    )


async def open_requests_of(
    db: AsyncSession, user_id: int, keys: Sequence[tuple[str, int]]
) -> dict[tuple[str, int], MediaRequest]:
    """The viewer's newest open request per (media type, TMDB id) among ``keys``."""
    if not keys:
        return {}
    tmdb_ids = {tmdb_id for _, tmdb_id in keys}
    rows = await db.scalars(
        select(MediaRequest)
        .where(MediaRequest.user_id == user_id, MediaRequest.tmdb_id.in_(tmdb_ids))
        .order_by(MediaRequest.id)
    )
    found: dict[tuple[str, int], MediaRequest] = {}
    for row in rows:
        if state_named(row.status).open and (row.media_type, row.tmdb_id) in keys:
            found[(row.media_type, row.tmdb_id)] = row
    return found


_SEASON_WORDS = {
    MediaStatus.AVAILABLE: "Available",
    MediaStatus.PARTIALLY_AVAILABLE: "Partly available",
    MediaStatus.PENDING: "Requested, pending",
    MediaStatus.PROCESSING: "Requested, processing",
    MediaStatus.BLOCKLISTED: "Blocklisted",
}


def season_choices(show: TvDetails, taken: set[int]) -> list[SeasonChoice]:
    """Regular seasons (specials left out, as Overseerr does by default)."""
    choices = []
    for season in sorted(show.seasons, key=lambda s: s.season_number):
        if season.season_number < 1:
            continue
        status = _season_word(season, taken)
        choices.append(
            SeasonChoice(
                number=season.season_number,
                name=season.name or f"Season {season.season_number}",
                episodes=season.episode_count,
                status=status,
                selectable=not status,
            )
        )
    return choices


def _season_word(season: TvSeason, taken: set[int]) -> str:
    if season.requestable and season.season_number not in taken:
        return ""
    if season.status in _SEASON_WORDS:
        return _SEASON_WORDS[season.status]
    if season.season_number in taken or season.request_status is not None:
        return "Requested"
    return "Not requestable"


def taken_seasons(rows: Sequence[MediaRequest]) -> set[int]:
    """Seasons MediaNest already has open requests for (anyone's)."""
    taken: set[int] = set()
    for row in rows:
        if state_named(row.status).open and row.media_type == "tv":
            taken.update(row.seasons or [])
    return taken


def refuse_duplicate(actor: Actor, rows: Sequence[MediaRequest]) -> None:
    """A movie someone already asked for (and nobody declined) is not asked for again."""
    for row in rows:
        state = state_named(row.status)
        if not state.open:
            continue
        if row.user_id == actor.user_id:
            raise Conflict(f"You already requested “{row.title}” ({state.label.lower()}).")
        raise Conflict(f"“{row.title}” has already been requested ({state.label.lower()}).")


def wanted_seasons(show: TvDetails, taken: set[int], seasons: Seasons) -> list[int]:
    """The seasons to ask for: every free one for ``"all"``, else the chosen ones if free."""
    choices = season_choices(show, taken)
    free = [c.number for c in choices if c.selectable]
    if seasons is None or seasons == "all":
        wanted = free
    else:
        wanted = clean_seasons(seasons)
        if not wanted:
            raise InvalidInput("Choose at least one season.", field="seasons")
        known = {c.number for c in choices}
        if strange := [n for n in wanted if n not in known]:
            raise InvalidInput(f"“{show.title}” has no {seasons_text(strange).lower()}.", "seasons")
        if blocked := [n for n in wanted if n not in free]:
            raise Conflict(
                f"{seasons_text(blocked)} of “{show.title}” "
                f"{'is' if len(blocked) == 1 else 'are'} already available or requested; "
                "choose other seasons."
            )
    if not wanted:
        raise Conflict(f"Every season of “{show.title}” is already available or requested.")
    return wanted
