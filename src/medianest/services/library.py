"""The Plex library browser: sections, paged browsing, items, collections, search.

Every read goes through :class:`~medianest.services.library_cache.LibraryCache`; paging, sorting
and filtering are pushed down to Plex, so a 100,000-item section costs what a 100-item one does.
When Plex is slow, down or refuses the token, callers get what was cached last together with a
:class:`Degraded` notice, or :class:`~medianest.domain.errors.ServiceDown` when nothing is cached.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Collection

from pydantic import TypeAdapter

from medianest.domain import library as rules
from medianest.domain.errors import DomainError, NotFound, ServiceDown
from medianest.integrations.plex.client import PlexServerClient
from medianest.integrations.plex.models import Collection as PlexCollection
from medianest.integrations.plex.models import (
    ItemPage,
    ItemType,
    LibrarySection,
    MediaItem,
    SearchHub,
    Tag,
)
from medianest.services.integrations import Integrations
from medianest.services.library_cache import LibraryCache
from medianest.services.library_reader import GONE, Fetched, PlexReader, first_notice
from medianest.services.library_views import (
    BrowseQuery,
    CollectionView,
    Degraded,
    ItemDetail,
    SectionSummary,
)
from medianest.services.plex_server import ConfiguredPlexServer
from medianest.services.render_memo import RenderMemo

BROWSABLE = (ItemType.MOVIE, ItemType.SHOW)
SECTIONS_TTL = 300.0
CollectionOrigin = Callable[[], Awaitable[Collection[str]]]

_SECTIONS = TypeAdapter(list[LibrarySection])
_COUNTS = TypeAdapter(dict[int, int])
_PAGE = TypeAdapter(ItemPage)
_ITEM = TypeAdapter(MediaItem | None)
_ITEMS = TypeAdapter(list[MediaItem])
_TAGS = TypeAdapter(list[Tag])
_HUBS = TypeAdapter(list[SearchHub])
_COLLECTIONS = TypeAdapter(list[PlexCollection])


class LibraryService:
    """Browse the configured Plex server; gets the client from ``integrations`` at each call."""

    def __init__(
        self,
        integrations: Integrations,
        cache: LibraryCache,
        plex_server: ConfiguredPlexServer,
        *,
        ttl: float = 60.0,
        timeout: float = 6.0,
    ) -> None:
        self.integrations = integrations
        self.cache = cache
        self.plex_server = plex_server
        self.reader = PlexReader(integrations, cache, ttl=ttl, timeout=timeout)
        self.rendered = RenderMemo()  # views of fresh answers, shared by every viewer
        self._origin: CollectionOrigin | None = None

    def use_collection_origin(self, origin: CollectionOrigin) -> None:
        """Hook for the downloads feature: ``origin()`` returns the rating keys of the
        collections MediaNest created, so they are marked even without the summary mark."""
        self._origin = origin

    @property
    def configured(self) -> bool:
        return self.integrations.plex is not None

    # -- sections -------------------------------------------------------------------------------

    async def _listed(self) -> Fetched[list[LibrarySection]]:
        # Libraries are added rarely (and invalidate_all() shows one at once): a longer TTL
        # spares every page a second request to Plex.
        ttl = max(self.reader.ttl, SECTIONS_TTL)
        listed = await self.reader.fetch("sections", _SECTIONS, lambda c: c.sections(), ttl=ttl)
        return Fetched([s for s in listed.value if not s.hidden], listed.degraded, listed.version)

    async def sections(self) -> Fetched[list[SectionSummary]]:
        """Every visible section with its item count (counted by Plex, nothing fetched)."""
        listed = await self._listed()

        async def count_all(client: PlexServerClient) -> dict[int, int]:
            sizes = await asyncio.gather(*(client.section_size(s.id) for s in listed.value))
            return dict(zip((s.id for s in listed.value), sizes, strict=True))

        try:
            counts = await self.reader.fetch("counts", _COUNTS, count_all)
        except ServiceDown as exc:  # the names are worth showing without counts
            counts = Fetched({}, Degraded(exc.message, None, stale=False))
        summaries = [SectionSummary(s, counts.value.get(s.id)) for s in listed.value]
        return Fetched(summaries, first_notice((listed.degraded, counts.degraded)))

    async def section(self, raw_id: str | int) -> Fetched[LibrarySection]:
        section_id = rules.section_id_or_none(str(raw_id))
        listed = await self._listed()
        found = next((s for s in listed.value if s.id == section_id), None)
        if found is None:
            raise NotFound("There is no such library.")
        return Fetched(found, listed.degraded, listed.version)

    async def browse(self, section: LibrarySection, query: BrowseQuery) -> Fetched[ItemPage]:
        """One page of a section, sorted and filtered by Plex."""
        sort = rules.sort_option(query.sort)
        start, size = query.paging.start, query.paging.size
        key = f"browse:{sort.key}:{query.genre or ''}:{query.year or ''}:{start}:{size}"
        return await self.reader.fetch(
            key,
            _PAGE,
            lambda c: c.section_items(
                section.id,
                sort=sort.plex,
                genre=query.genre,
                year=query.year,
                start=start,
                size=size,
            ),
            section_id=section.id,
        )

    async def genres(self, section: LibrarySection) -> Fetched[list[Tag]]:
        """The section's genres for the filter; an outage just leaves the filter empty."""
        try:  # like the sections, they change rarely and a section change invalidates them
            return await self.reader.fetch(
                "genres",
                _TAGS,
                lambda c: c.genres(section.id),
                section_id=section.id,
                ttl=max(self.reader.ttl, SECTIONS_TTL),
            )
        except ServiceDown:
            return Fetched([])

    # -- items ----------------------------------------------------------------------------------

    async def _metadata(self, raw_key: str) -> tuple[str, Fetched[MediaItem | None]]:
        key = rules.rating_key_or_none(raw_key)
        if key is None:
            raise NotFound(GONE)
        return key, await self.reader.fetch(f"item:{key}", _ITEM, lambda c: c.item(key))

    async def item(self, raw_key: str) -> Fetched[ItemDetail]:
        """An item with its seasons/episodes, the collections it is in and its Plex link."""
        key, found = await self._metadata(raw_key)
        item = found.value
        if item is None or item.type is ItemType.COLLECTION:
            raise NotFound(GONE)
        notices: list[Degraded | None] = [found.degraded]
        children: list[MediaItem] = []
        if item.type in (ItemType.SHOW, ItemType.SEASON):
            kids = await self.reader.fetch(f"children:{key}", _ITEMS, lambda c: c.children(key))
            children = kids.value
            notices.append(kids.degraded)
        collections: list[CollectionView] = []
        if item.collections and item.section_id is not None:
            # Items name their collections by tag; the section's list gives the rating keys.
            listed = await self._collections_of(item.section_id)
            notices.append(listed.degraded)
            titles = {t.title for t in item.collections}
            collections = [c for c in listed.value if c.collection.title in titles]
        listed_sections = await self._listed()
        section = next((s for s in listed_sections.value if s.id == item.section_id), None)
        plex_url = await self._plex_url(key)
        detail = ItemDetail(item, children, collections, plex_url, section)
        return Fetched(detail, first_notice(notices))

    async def _plex_url(self, rating_key: str) -> str | None:
        try:
            machine = await self.plex_server.machine_identifier()
        except DomainError:
            return None
        return rules.plex_web_url(machine, rating_key)

    # -- collections ----------------------------------------------------------------------------

    async def _collections_of(self, section_id: int) -> Fetched[list[CollectionView]]:
        listed = await self.reader.fetch(
            "collections", _COLLECTIONS, lambda c: c.collections(section_id), section_id=section_id
        )
        return Fetched(await self._mark(listed.value), listed.degraded)

    async def collections(
        self, section: LibrarySection | None = None
    ) -> Fetched[list[CollectionView]]:
        """Collections of one section, or of every visible section."""
        if section is not None:
            return await self._collections_of(section.id)
        listed = await self._listed()
        views: list[CollectionView] = []
        notices = [listed.degraded]
        for each in listed.value:
            found = await self._collections_of(each.id)
            views += found.value
            notices.append(found.degraded)
        return Fetched(views, first_notice(notices))

    async def _mark(self, collections: list[PlexCollection]) -> list[CollectionView]:
        created: Collection[str] = ()
        if self._origin is not None:
            try:
                created = await self._origin()
            except Exception:  # another feature's failure must not break browsing
                created = ()
        return [
            CollectionView(c, rules.is_marked_by_medianest(c.summary) or c.rating_key in created)
            for c in collections
        ]

    async def collection(
        self, raw_key: str, paging: rules.Paging
    ) -> Fetched[tuple[CollectionView, ItemPage]]:
        """A collection and one page of its items."""
        key, found = await self._metadata(raw_key)
        meta = found.value
        if meta is None or meta.type is not ItemType.COLLECTION:
            raise NotFound("There is no such collection.")
        page = await self.reader.fetch(
            f"collection:{key}:{paging.start}:{paging.size}",
            _PAGE,
            lambda c: c.collection_items(key, paging.start, paging.size),
            section_id=meta.section_id,
        )
        collection = PlexCollection(
            rating_key=meta.rating_key,
            key=meta.key,
            title=meta.title,
            summary=meta.summary,
            subtype=meta.subtype,
            child_count=meta.child_count or page.value.total,
            section_id=meta.section_id,
            thumb=meta.thumb,
            art=meta.art,
            added_at=meta.added_at,
            updated_at=meta.updated_at,
        )
        (view,) = await self._mark([collection])
        return Fetched((view, page.value), first_notice((found.degraded, page.degraded)))

    # -- search and recently added --------------------------------------------------------------

    async def search(self, raw_query: str, *, limit: int = 10) -> Fetched[list[SearchHub]]:
        """Hub search across every library: non-empty groups of results, by type."""
        query = rules.clean_query(raw_query)
        if not query:
            return Fetched([])
        digest = hashlib.sha256(query.casefold().encode()).hexdigest()[:32]

        async def hubs(client: PlexServerClient) -> list[SearchHub]:
            return [h for h in await client.search(query, limit=limit) if h.items]

        return await self.reader.fetch(
            f"search:{limit}:{digest}", _HUBS, hubs, ttl=self.reader.ttl / 2
        )

    async def recently_added(self, limit: int = 18) -> Fetched[list[MediaItem]]:
        """The newest movies and shows of every library, newest first."""
        listed = await self._listed()
        browsable = [s for s in listed.value if s.type in BROWSABLE]

        async def newest(client: PlexServerClient) -> list[MediaItem]:
            pages = await asyncio.gather(
                *(client.section_items(s.id, sort="addedAt:desc", size=limit) for s in browsable)
            )
            items = [i for p in pages for i in p.items]
            items.sort(key=lambda i: i.added_at.timestamp() if i.added_at else 0.0, reverse=True)
            return items[:limit]

        found = await self.reader.fetch(f"recent:{limit}", _ITEMS, newest)
        return Fetched(found.value, first_notice((listed.degraded, found.degraded)))


__all__ = [
    "BrowseQuery",
    "CollectionView",
    "Degraded",
    "Fetched",
    "ItemDetail",
    "LibraryService",
    "SectionSummary",
]
