"""The data model of the fake Plex server: library sections and metadata items.

Plain slotted dataclasses, because a benchmark library holds 100,000 of them; derived details
(summaries, guids, media info) are not stored but computed from ``Item.seed`` when rendered.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# plexapi utils.SEARCHTYPES: the numeric `type` codes clients send.
TYPE_CODES: dict[str, int] = {
    "movie": 1,
    "show": 2,
    "season": 3,
    "episode": 4,
    "clip": 12,
    "collection": 18,
}
CODE_TYPES: dict[int, str] = {code: name for name, code in TYPE_CODES.items()}
# Which item types may live in a section of a given type.
SECTION_ITEM_TYPES: dict[str, tuple[str, ...]] = {
    "movie": ("movie", "clip", "collection"),
    "show": ("show", "season", "episode", "collection"),
}
ARTICLES = ("the ", "a ", "an ")


@dataclass(slots=True)
class Section:
    id: int
    title: str
    type: str
    agent: str
    scanner: str
    location: str  # absolute, or relative to ``PlexFakeState.media_root``
    uuid: str
    created_at: int
    updated_at: int
    scanned_at: int
    language: str = "en-US"
    hidden: bool = False
    active_scans: int = 0  # refreshes accepted and not finished yet

    @property
    def refreshing(self) -> bool:
        return self.active_scans > 0


@dataclass(slots=True)
class Item:
    """A metadata item: movie, show, season, episode, clip or collection."""

    rk: int
    type: str
    section_id: int
    title: str
    added_at: int
    updated_at: int
    seed: int = 0  # drives lazily generated details (summary, media info, guids)
    title_sort: str | None = None
    year: int | None = None
    rating: float | None = None
    audience_rating: float | None = None
    content_rating: str | None = None
    studio: str | None = None
    duration: int | None = None
    originally_available_at: str | None = None
    genre_ids: tuple[int, ...] = ()
    summary: str | None = None
    parent_rk: int | None = None
    index: int | None = None
    children: list[int] | None = None  # seasons, episodes, or collection members
    collections: list[int] | None = None  # collections this item is in
    file: str | None = None  # absolute path; None: derived from the section location
    file_size: int | None = None
    scanned: bool = False  # added by a scan: removed again when its file disappears
    subtype: str | None = None  # collections: type of their members
    smart_query: str | None = None  # smart collections: the section query they evaluate
    locked: tuple[str, ...] = ()  # fields an edit locked against the agents ("title"...)
    fold: str = field(default="")

    def __post_init__(self) -> None:
        if not self.fold:
            self.fold = self.title.casefold()

    @property
    def sort_title(self) -> str:
        return self.title_sort or self.title


def title_sort_for(title: str) -> str | None:
    """Plex drops a leading article for sorting; it only reports titleSort when that differs."""
    low = title.lower()
    for article in ARTICLES:
        if low.startswith(article) and len(title) > len(article):
            return title[len(article) :]
    return None
