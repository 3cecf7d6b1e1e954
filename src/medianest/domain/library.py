"""Rules of the library browser that need no I/O: sorts, paging, image sizes, Plex links.

Kept pure so the web layer, the API and the services agree on one list of sorts and sizes, and
so the image cache stays bounded: only the sizes named here are ever fetched and stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

# One page of a listing asks Plex for at most this many items (Plex pages on its side).
MAX_PAGE_SIZE = 200
GRID_PAGE_SIZE = 60  # divisible by 2..6, so full rows at most widths
API_PAGE_SIZE = 50
MAX_START = 10_000_000
MAX_QUERY_LENGTH = 200

# Collections whose Plex summary carries this mark were made by MediaNest (YouTube playlists).
MEDIANEST_MARK = "Created by MediaNest"

_DIGITS = re.compile(r"[0-9]{1,12}")
_SECTION_ID = re.compile(r"[0-9]{1,9}")


@dataclass(frozen=True)
class SortOption:
    key: str
    label: str
    plex: str  # PMS's sort expression; ties are broken by title so pages never overlap


SORTS: tuple[SortOption, ...] = (
    SortOption("title", "Title", "titleSort:asc"),
    SortOption("added", "Recently added", "addedAt:desc,titleSort:asc"),
    SortOption("year", "Year", "year:desc,titleSort:asc"),
    SortOption("rating", "Rating", "rating:desc,titleSort:asc"),
)
SORT_BY_KEY = {s.key: s for s in SORTS}
DEFAULT_SORT = "title"


def sort_option(key: str | None) -> SortOption:
    """The named sort, or the default for anything unknown (a bad link must not break a page)."""
    return SORT_BY_KEY.get(key or DEFAULT_SORT, SORT_BY_KEY[DEFAULT_SORT])


# Image sizes MediaNest asks Plex's transcoder for (width, height). A small fixed set keeps the
# disk cache bounded and makes every URL cacheable; posters are 2:3, backdrops and stills 16:9.
IMAGE_SIZES: dict[str, tuple[tuple[int, int], ...]] = {
    "poster": ((160, 240), (240, 360), (400, 600)),
    "art": ((960, 540), (1920, 1080)),
    "still": ((320, 180), (640, 360)),
}
ALLOWED_IMAGE_SIZES = frozenset(size for sizes in IMAGE_SIZES.values() for size in sizes)


def image_size_allowed(width: int, height: int) -> bool:
    return (width, height) in ALLOWED_IMAGE_SIZES


@dataclass(frozen=True)
class Paging:
    """Where a page starts and how big it is, clamped: huge sizes shrink, never fail."""

    start: int
    size: int

    @classmethod
    def of(cls, *, start: int | None, page: int | None, size: int | None, default: int) -> Paging:
        size = min(MAX_PAGE_SIZE, max(1, size if size is not None else default))
        if start is None:
            start = (max(1, page or 1) - 1) * size
        return cls(min(MAX_START, max(0, start)), size)

    @property
    def page(self) -> int:
        return self.start // self.size + 1


def rating_key_or_none(value: str) -> str | None:
    """A Plex rating key (digits), or None for anything else (answered as "not found")."""
    text = value.strip()
    return text if _DIGITS.fullmatch(text) else None


def section_id_or_none(value: str) -> int | None:
    text = value.strip()
    return int(text) if _SECTION_ID.fullmatch(text) else None


def clean_query(value: str | None) -> str:
    """A search string as sent to Plex: trimmed, inner whitespace collapsed, bounded."""
    return " ".join((value or "").split())[:MAX_QUERY_LENGTH]


def plex_web_url(machine_identifier: str, rating_key: str) -> str:
    """The app.plex.tv deep link that opens the item on our server."""
    key = quote(f"/library/metadata/{rating_key}", safe="")
    return f"https://app.plex.tv/desktop#!/server/{quote(machine_identifier, safe='')}/details?key={key}"


def is_marked_by_medianest(summary: str | None) -> bool:
    return bool(summary) and MEDIANEST_MARK.casefold() in (summary or "").casefold()


def format_duration(ms: int | None) -> str | None:
    """``2 h 3 min`` / ``45 min``: how long something plays, for people."""
    if not ms or ms <= 0:
        return None
    minutes = round(ms / 60_000)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{max(1, minutes)} min"
