"""Media requests: the states a person sees, how Overseerr's two statuses map onto them, and
which changes deserve a notification.

Overseerr keeps a *request* status (pending, approved, declined, failed; Seerr adds completed)
and a *media* status (unknown, pending, processing, partially available, available; newer
servers add more). People want one word, so :func:`derive_state` folds the two together. Values
this code does not know become ``UNKNOWN``: a newer server must never break a page.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from enum import StrEnum

from medianest.domain.errors import InvalidInput, PermissionDenied

MEDIA_TYPES = ("movie", "tv")
MAX_SEASON = 200
POSTER_SIZES = ("w92", "w154", "w185", "w342", "w500", "w780")
_POSTER_NAME = re.compile(r"[A-Za-z0-9_-]{1,100}\.(?:jpg|jpeg|png|webp)")


class NoRequestAccount(PermissionDenied):
    """This person has no Overseerr user to act as, so nothing may be filed in their name.

    ``admin_hint`` says what an admin can do about it (shown to admins only).
    """

    def __init__(self, message: str, admin_hint: str = "") -> None:
        super().__init__(message)
        self.admin_hint = admin_hint


class RequestState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    PROCESSING = "processing"
    PARTIALLY_AVAILABLE = "partially_available"
    AVAILABLE = "available"
    FAILED = "failed"
    REMOVED = "removed"  # deleted in Overseerr by someone else
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return LABELS[self]

    @property
    def tone(self) -> str:
        """The badge class suffix (``badge-<tone>``) of this state."""
        return TONES[self]

    @property
    def settled(self) -> bool:
        """Nothing will change any more: reconciliation stops asking Overseerr."""
        return self in (RequestState.AVAILABLE, RequestState.DECLINED, RequestState.REMOVED)

    @property
    def open(self) -> bool:
        """Counts as "already requested" when the same title is asked for again."""
        return self not in (RequestState.DECLINED, RequestState.FAILED, RequestState.REMOVED)


LABELS = {
    RequestState.PENDING: "Pending approval",
    RequestState.APPROVED: "Approved",
    RequestState.DECLINED: "Declined",
    RequestState.PROCESSING: "Approved, processing",
    RequestState.PARTIALLY_AVAILABLE: "Partially available",
    RequestState.AVAILABLE: "Available",
    RequestState.FAILED: "Failed",
    RequestState.REMOVED: "Removed in Overseerr",
    RequestState.UNKNOWN: "Unknown",
}
TONES = {
    RequestState.PENDING: "pending",
    RequestState.APPROVED: "info",
    RequestState.DECLINED: "down",
    RequestState.PROCESSING: "info",
    RequestState.PARTIALLY_AVAILABLE: "partial",
    RequestState.AVAILABLE: "ok",
    RequestState.FAILED: "down",
    RequestState.REMOVED: "unknown",
    RequestState.UNKNOWN: "unknown",
}

_IN_PROGRESS_MEDIA = {"pending", "processing", "unknown", "not_requested"}


def state_named(value: str | None) -> RequestState:
    """A stored or wire state name; anything else is UNKNOWN."""
    try:
        return RequestState((value or "").strip().lower())
    except ValueError:
        return RequestState.UNKNOWN


def derive_state(
    request_status: str,
    media_status: str,
    requested_seasons: Sequence[int] = (),
    available_seasons: Collection[int] | None = None,
) -> RequestState:
    """One word from Overseerr's request status and the media's availability.

    ``request_status``/``media_status`` are the lower-case names the client parses into (the
    values of its ``RequestStatus``/``MediaStatus``); ``other`` stands for a value it did not
    know. For a show whose Season rows are known (``available_seasons``), *this* request is
    available once every season it asked for is, whatever the rest of the show is doing.
    """
    if request_status == "pending":
        return RequestState.PENDING
    if request_status == "declined":
        return RequestState.DECLINED
    if request_status == "failed":
        return RequestState.FAILED
    if request_status not in ("approved", "completed"):
        return RequestState.UNKNOWN
    if requested_seasons and available_seasons is not None:
        asked = set(requested_seasons)
        here = asked & set(available_seasons)
        if here == asked:
            return RequestState.AVAILABLE
        if here:
            return RequestState.PARTIALLY_AVAILABLE
        if media_status in ("available", "partially_available"):
            return RequestState.PROCESSING  # other seasons are there, not the ones asked for
    if media_status == "available":
        return RequestState.AVAILABLE
    if media_status == "partially_available":
        return RequestState.PARTIALLY_AVAILABLE
    if request_status == "completed":  # Seerr: approved and the media arrived
        return RequestState.AVAILABLE
    if media_status == "processing":
        return RequestState.PROCESSING
    if media_status in _IN_PROGRESS_MEDIA:
        return RequestState.APPROVED
    return RequestState.UNKNOWN


def approved_state(media_status: str) -> RequestState:
    """An approval notice: what Overseerr does next, even if parts of the title are there."""
    state = derive_state("approved", media_status)
    if state in (RequestState.AVAILABLE, RequestState.PARTIALLY_AVAILABLE):
        return RequestState.PROCESSING
    return state


_PROGRESS = {
    RequestState.PENDING: 0,
    RequestState.APPROVED: 1,
    RequestState.PROCESSING: 1,
    RequestState.PARTIALLY_AVAILABLE: 2,
    RequestState.AVAILABLE: 3,
}


def is_stale(old: RequestState, new: RequestState) -> bool:
    """Webhooks are fire-and-forget and may arrive out of order ("approved" after "available"):
    a notice that would move a request back along the way it normally goes is ignored."""
    if old not in _PROGRESS or new not in _PROGRESS:
        return False
    return _PROGRESS[new] < _PROGRESS[old]


class Notice(StrEnum):
    """What a person is told about their request (inbox + toast)."""

    APPROVED = "approved"
    DECLINED = "declined"
    FAILED = "failed"
    AVAILABLE = "available"


def notice_for(old: RequestState, new: RequestState) -> Notice | None:
    """Tell people about decisions and arrivals, once each, never about a non-change."""
    if old == new:
        return None
    if new == RequestState.AVAILABLE:
        return Notice.AVAILABLE
    if new == RequestState.DECLINED:
        return Notice.DECLINED
    if new == RequestState.FAILED:
        return Notice.FAILED
    if new in (RequestState.APPROVED, RequestState.PROCESSING) and old in (
        RequestState.PENDING,
        RequestState.UNKNOWN,
    ):
        return Notice.APPROVED
    return None


def check_media_type(value: str) -> str:
    kind = (value or "").strip().lower()
    if kind not in MEDIA_TYPES:
        raise InvalidInput("Choose a movie or a TV show.", field="media_type")
    return kind


def clean_seasons(values: Iterable[int | str]) -> list[int]:
    """Season numbers from a form or JSON: whole numbers 1..200, sorted, no duplicates."""
    numbers: set[int] = set()
    for value in values:
        text = str(value).strip()
        if not text.isdigit() or not 1 <= int(text) <= MAX_SEASON:
            raise InvalidInput(f"{text or 'An empty value'} is not a season number.", "seasons")
        numbers.add(int(text))
    return sorted(numbers)


def seasons_text(seasons: Sequence[int] | None) -> str:
    """``"Seasons 1, 2"`` / ``"Season 3"`` / ``""`` (movies)."""
    if not seasons:
        return ""
    word = "Season" if len(seasons) == 1 else "Seasons"
    return f"{word} {', '.join(str(n) for n in seasons)}"


def poster_name(path: str | None) -> str | None:
    """The file name of a TMDB poster path (``/abc.jpg`` → ``abc.jpg``), None if it is odd."""
    name = (path or "").removeprefix("/")
    return name if _POSTER_NAME.fullmatch(name) else None
