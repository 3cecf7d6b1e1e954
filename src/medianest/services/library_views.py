"""What the library service hands to pages and the API: plain frozen records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from medianest.domain.library import Paging
from medianest.integrations.base import Availability, CredentialsRejected, IntegrationError
from medianest.integrations.plex.models import Collection, LibrarySection, MediaItem


@dataclass(frozen=True)
class Degraded:
    """Why a page shows old data (or none): fit to show to people as it is."""

    text: str
    since: datetime | None
    stale: bool


@dataclass(frozen=True)
class SectionSummary:
    section: LibrarySection
    count: int | None


@dataclass(frozen=True)
class CollectionView:
    collection: Collection
    by_medianest: bool  # made by MediaNest from a YouTube playlist


@dataclass(frozen=True)
class ItemDetail:
    item: MediaItem
    children: list[MediaItem]  # a show's seasons, a season's episodes
    collections: list[CollectionView]
    plex_url: str | None  # the app.plex.tv deep link, when the server's id is known
    section: LibrarySection | None = None


@dataclass(frozen=True)
class BrowseQuery:
    sort: str
    genre: str | None
    year: int | None
    paging: Paging


def degraded_notice(availability: Availability, error: BaseException, *, stale: bool) -> Degraded:
    """The notice for a failed Plex call, naming the cause and since when it lasts."""
    since = availability.unavailable_since
    if isinstance(error, CredentialsRejected) or availability.credentials_rejected:
        text = "Plex refused MediaNest's token. An admin needs to reconnect the Plex server."
        since = None
    elif isinstance(error, TimeoutError):
        text = "Plex is slow to answer right now."
    elif isinstance(error, IntegrationError) and since is not None:
        text = f"Plex is not answering (since {since:%H:%M} UTC)."
    else:
        text = "Plex is not answering right now."
    if stale:
        text += " Showing what MediaNest saw last."
    return Degraded(text, since, stale)
