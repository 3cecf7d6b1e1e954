"""Typed answers of a Plex Media Server (JSON form, ``docs/protocols/plex.md#json-and-xml``).

The models read PMS's camelCase ``MediaContainer`` JSON directly and ignore fields they do not
use, so a new PMS release never breaks browsing. Item and section types outside the known set
become :attr:`ItemType.UNKNOWN` with the server's word kept in ``type_raw``, because Plex keeps
adding kinds of things (podcasts, live TV, ...) and one odd item must not break a page.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel
from typing_extensions import TypedDict

__all__ = [
    "TYPE_CODES",
    "Collection",
    "ItemPage",
    "ItemType",
    "LibrarySection",
    "ListedItem",
    "MediaItem",
    "SearchHub",
    "ServerIdentity",
    "ServerInfo",
    "Tag",
]


class ItemType(StrEnum):
    MOVIE = "movie"
    SHOW = "show"
    SEASON = "season"
    EPISODE = "episode"
    TRAILER = "trailer"
    CLIP = "clip"
    COLLECTION = "collection"
    ARTIST = "artist"
    ALBUM = "album"
    TRACK = "track"
    PHOTO = "photo"
    PHOTO_ALBUM = "photoalbum"
    PLAYLIST = "playlist"
    UNKNOWN = "unknown"


# The numeric ``type`` codes of ``/library/sections/{id}/all`` [plexapi utils.SEARCHTYPES].
TYPE_CODES: dict[ItemType, int] = {
    ItemType.MOVIE: 1,
    ItemType.SHOW: 2,
    ItemType.SEASON: 3,
    ItemType.EPISODE: 4,
    ItemType.TRAILER: 5,
    ItemType.ARTIST: 8,
    ItemType.ALBUM: 9,
    ItemType.TRACK: 10,
    ItemType.CLIP: 12,
    ItemType.PHOTO: 13,
    ItemType.PHOTO_ALBUM: 14,
    ItemType.PLAYLIST: 15,
    ItemType.COLLECTION: 18,
}


def _item_type(value: Any) -> ItemType:
    try:
        return ItemType(str(value).lower())
    except ValueError:
        return ItemType.UNKNOWN


def _keep_raw_type(data: Any) -> Any:
    if isinstance(data, dict) and "type" in data and "type_raw" not in data:
        return {**data, "type_raw": str(data["type"])}
    return data


def _lenient_date(value: Any) -> Any:
    """``originallyAvailableAt`` is sometimes missing, empty or partial: never fatal."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return value


def _as_str(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class _Wire(BaseModel):
    model_config = ConfigDict(
        extra="ignore", alias_generator=to_camel, populate_by_name=True, frozen=True
    )


class ServerIdentity(_Wire):
    """``GET /identity``: who the server is, answered without a token."""

    machine_identifier: str
    version: str = ""
    claimed: bool | None = None


class ServerInfo(_Wire):
    """``GET /``: the server's own description (needs a token)."""

    machine_identifier: str
    friendly_name: str = ""
    version: str = ""
    my_plex_username: str | None = None
    platform: str | None = None
    platform_version: str | None = None


class Tag(_Wire):
    """A genre or collection tag; ``id`` is what the section filters take (``genre=<id>``).

    Items carry ``{"id": 4, "tag": "Action"}``; ``/genre`` lists ``{"key": "4", "title":
    "Action"}``: aliases read both without a Python step per tag."""

    id: str | None = Field(default=None, validation_alias=AliasChoices("id", "key"))
    title: str = Field(default="", validation_alias=AliasChoices("title", "tag"))

    _id = field_validator("id", mode="before")(_as_str)


def _tags(value: Any) -> Any:
    return [] if value is None else value


class MediaPart(TypedDict, total=False):
    """One file of a :class:`MediaFile` (PMS's ``Part``); only its server-side path is kept."""

    file: Any  # anything but a string is not a path: ``MediaItem.files`` leaves it out


class MediaFile(TypedDict, total=False):
    """One version of an item's media (PMS's ``Media``); plain typed dicts, as models cost more
    to build than the rest of an item."""

    Part: list[MediaPart] | None


class LibrarySection(_Wire):
    """One library section (``Directory`` of ``/library/sections``)."""

    id: int = Field(validation_alias=AliasChoices("key", "id"))
    type: ItemType = ItemType.UNKNOWN
    type_raw: str = ""
    title: str = ""
    agent: str | None = None
    scanner: str | None = None
    language: str | None = None
    uuid: str | None = None
    locations: list[str] = Field(default_factory=list)
    refreshing: bool = False
    hidden: bool = False
    thumb: str | None = None
    art: str | None = None
    updated_at: datetime | None = None
    scanned_at: datetime | None = None

    _type = field_validator("type", mode="before")(_item_type)

    @model_validator(mode="before")
    @classmethod
    def _from_wire(cls, data: Any) -> Any:
        data = _keep_raw_type(data)
        if isinstance(data, dict) and "Location" in data:
            paths = [loc.get("path") for loc in data["Location"] if isinstance(loc, dict)]
            data = {**data, "locations": [p for p in paths if isinstance(p, str)]}
        return data


class MediaItem(_Wire):
    """A movie, show, season, episode, clip or collection, with the details MediaNest shows.

    ``files`` are the server-side paths of the item's media parts (empty for shows, seasons and
    collections), from ``media`` (PMS's ``Media[].Part[]``); ``parent_*``/``grandparent_*``
    place a season or episode in its show.
    """

    rating_key: str
    key: str = ""
    guid: str | None = None
    type: ItemType = ItemType.UNKNOWN
    type_raw: str = Field(default="", validation_alias=AliasChoices("type_raw", "type"))
    subtype: str | None = None
    title: str = ""
    title_sort: str | None = None
    year: int | None = None
    summary: str = ""
    rating: float | None = None
    audience_rating: float | None = None
    content_rating: str | None = None
    studio: str | None = None
    duration_ms: int | None = Field(default=None, validation_alias=AliasChoices("duration"))
    originally_available_at: date | None = None
    index: int | None = None
    parent_rating_key: str | None = None
    parent_title: str | None = None
    parent_index: int | None = None
    grandparent_rating_key: str | None = None
    grandparent_title: str | None = None
    thumb: str | None = None
    art: str | None = None
    added_at: datetime | None = None
    updated_at: datetime | None = None
    section_id: int | None = Field(default=None, validation_alias=AliasChoices("librarySectionID"))
    child_count: int | None = None
    leaf_count: int | None = None
    genres: list[Tag] = Field(default_factory=list, validation_alias=AliasChoices("Genre"))
    collections: list[Tag] = Field(
        default_factory=list, validation_alias=AliasChoices("Collection")
    )
    media: list[MediaFile] | None = Field(
        default=None, validation_alias=AliasChoices("media", "Media")
    )

    # Field validators only, no model-level one: a page of 200 items is read straight from the
    # JSON bytes, and copying every item's dict in Python cost more than the rest of the parse.
    _type = field_validator("type", mode="before")(_item_type)
    _keys = field_validator(
        "rating_key", "parent_rating_key", "grandparent_rating_key", "type_raw", mode="before"
    )(_as_str)
    _date = field_validator("originally_available_at", mode="before")(_lenient_date)
    _tag_lists = field_validator("genres", "collections", mode="before")(_tags)

    @property
    def files(self) -> list[str]:
        """The server-side paths of the item's media parts."""
        parts = (p for m in self.media or () for p in m.get("Part") or ())
        return [p["file"] for p in parts if isinstance(p.get("file"), str)]


class ListedItem(MediaItem):
    """An item as a listing page reads it: without its media parts, so ``files`` is empty.
    Only the search by folder needs them, and reading them was a third of reading a page."""

    media: list[MediaFile] | None = Field(default=None, validation_alias="_not_read")


class Collection(_Wire):
    """A collection (``type="collection"``); ``subtype`` is the type of its members."""

    rating_key: str
    key: str = ""
    guid: str | None = None
    title: str = ""
    title_sort: str | None = None
    subtype: str | None = None
    summary: str = ""
    smart: bool = False
    child_count: int = 0
    section_id: int | None = Field(default=None, validation_alias=AliasChoices("librarySectionID"))
    thumb: str | None = None
    art: str | None = None
    added_at: datetime | None = None
    updated_at: datetime | None = None
    min_year: int | None = None
    max_year: int | None = None

    _key = field_validator("rating_key", mode="before")(_as_str)


class ItemPage(BaseModel):
    """One page of a listing: ``total`` counts every match, ``start`` is this page's offset."""

    model_config = ConfigDict(frozen=True)

    items: list[MediaItem]
    total: int
    start: int

    @property
    def has_more(self) -> bool:
        return self.start + len(self.items) < self.total


class SearchHub(_Wire):
    """One group of ``/hubs/search`` results (Movies, Shows, Episodes, Collections, ...)."""

    type: ItemType = ItemType.UNKNOWN
    type_raw: str = Field(default="", validation_alias=AliasChoices("type_raw", "type"))
    title: str = ""
    hub_identifier: str = ""
    size: int = 0
    more: bool = False
    items: list[MediaItem] = Field(
        default_factory=list, validation_alias=AliasChoices("items", "Metadata")
    )

    _type = field_validator("type", mode="before")(_item_type)
    _raw = field_validator("type_raw", mode="before")(_as_str)
