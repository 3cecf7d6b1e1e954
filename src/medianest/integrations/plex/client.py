"""The Plex Media Server client: browse libraries, search, manage collections, scan, artwork.

The one choke point for PMS's wire protocol (``docs/protocols/plex.md``). Every call asks for JSON
(PMS answers XML otherwise) and carries the ``X-Plex-*`` product headers; the token goes only in
the ``X-Plex-Token`` header, never in a URL or an error message. Listings are paged by the server
(``X-Plex-Container-Start``/``-Size`` headers) so a 100,000-item library is never loaded whole.
"""

from __future__ import annotations

import httpx

from medianest.integrations.base import Clock, HttpPolicy, NotFound, ServiceClient, ServiceHttp
from medianest.integrations.plex.client_wire import (
    MAX_PAGE_SIZE,
    SERVICE,
    PlexWire,
    check_image_path,
    check_rating_key,
    check_side,
    library_uri,
    normalize_folder,
)
from medianest.integrations.plex.models import (
    TYPE_CODES,
    Collection,
    ItemPage,
    ItemType,
    LibrarySection,
    MediaItem,
    SearchHub,
    ServerIdentity,
    ServerInfo,
    Tag,
)

__all__ = ["MAX_PAGE_SIZE", "PlexServerClient"]

MAX_SEARCH_LIMIT = 100
_COLLECTION = TYPE_CODES[ItemType.COLLECTION]


def _type_code(value: int | ItemType | None) -> int | None:
    return TYPE_CODES.get(value) if isinstance(value, ItemType) else value


class PlexServerClient(ServiceClient):
    """Async client of one Plex Media Server, acting with one token (usually the owner's)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        client_identifier: str = "medianest",
        product: str = "MediaNest",
        transport: httpx.AsyncBaseTransport | None = None,
        policy: HttpPolicy | None = None,
        clock: Clock | None = None,
    ) -> None:
        headers = {
            "Accept": "application/json",
            "X-Plex-Client-Identifier": client_identifier,
            "X-Plex-Product": product,
        }
        http = ServiceHttp(
            SERVICE,
            base_url.rstrip("/"),
            headers=headers,
            policy=policy,
            transport=transport,
            clock=clock,
        )
        self._http = http
        self._wire = PlexWire(http, token)

    # -- the server ----------------------------------------------------------------------------

    async def identity(self) -> ServerIdentity:
        """Who answers at the base URL; sends no token, so it is safe against an unknown URL."""
        box, _ = await self._wire.container("GET", "/identity", "the identity", auth=False)
        return self._http.parse(ServerIdentity, box, "the identity")

    async def server_info(self) -> ServerInfo:
        box, _ = await self._wire.container("GET", "/", "the server info")
        return self._http.parse(ServerInfo, box, "the server info")

    # -- libraries -----------------------------------------------------------------------------

    async def sections(self) -> list[LibrarySection]:
        try:
            box, _ = await self._wire.container("GET", "/library/sections", "the library sections")
        except NotFound:  # every Plex server has this list: the address is not Plex's
            raise self._http.misconfigured(
                "no Plex library at this address (404 for the library list)", 404
            ) from None
        entries = self._wire.entries(box, "Directory", "the library sections")
        return self._http.parse_each(LibrarySection, entries, "library sections")

    async def section_size(self, section_id: int, type: int | ItemType | None = None) -> int:
        """How many items (of ``type``) a section holds, without fetching any of them."""
        params = {"type": code} if (code := _type_code(type)) is not None else None
        headers = {"X-Plex-Container-Start": "0", "X-Plex-Container-Size": "0"}
        path = f"/library/sections/{int(section_id)}/all"
        box, response = await self._wire.container(
            "GET", path, "the library section", params, headers=headers
        )
        return self._wire.total(box, response, 0)

    async def section_items(
        self,
        section_id: int,
        *,
        type: int | ItemType | None = None,
        sort: str | None = None,
        genre: str | None = None,
        year: int | None = None,
        start: int = 0,
        size: int = 50,
        files: bool = False,
    ) -> ItemPage:
        """One page of a section; ``size`` is clamped to 1..:data:`MAX_PAGE_SIZE`, ``genre`` is
        a :class:`Tag` id from :meth:`genres`, ``sort`` is PMS's (``titleSort``, ``year:desc``);
        the items' ``files`` are read only with ``files``."""
        params: dict[str, str | int] = {}
        if (code := _type_code(type)) is not None:
            params["type"] = code
        if sort:
            params["sort"] = sort
        if genre:
            params["genre"] = genre
        if year is not None:
            params["year"] = int(year)
        path = f"/library/sections/{int(section_id)}/all"
        return await self._wire.page(path, "the library section", params, start, size, files=files)

    async def genres(self, section_id: int) -> list[Tag]:
        path = f"/library/sections/{int(section_id)}/genre"
        box, _ = await self._wire.container("GET", path, "the library section")
        return self._http.parse_each(Tag, self._wire.entries(box, "Directory", "genres"), "genres")

    async def item(self, rating_key: str) -> MediaItem | None:
        """An item with its details, or None when there is none (or the key cannot be one)."""
        try:
            key = check_rating_key(rating_key)
        except ValueError:
            return None
        try:
            box, _ = await self._wire.container("GET", f"/library/metadata/{key}", "the item")
        except NotFound:
            return None
        entries = self._wire.entries(box, "Metadata", "the item")
        if not entries:
            return None
        return self._http.parse(MediaItem, entries[0], "the item")

    async def children(self, rating_key: str) -> list[MediaItem]:
        """A show's seasons or a season's episodes (without the "All episodes" pseudo-entry)."""
        path = f"/library/metadata/{check_rating_key(rating_key)}/children"
        box, _ = await self._wire.container("GET", path, "the item", {"excludeAllLeaves": 1})
        entries = [e for e in self._wire.entries(box, "Metadata", "children") if "ratingKey" in e]
        return self._http.parse_each(MediaItem, entries, "children")

    async def search(
        self, query: str, *, limit: int = 10, section_id: int | None = None
    ) -> list[SearchHub]:
        """Hub search: results grouped by type; a blank query finds nothing without asking."""
        if not query.strip():
            return []
        params: dict[str, str | int] = {
            "query": query,
            "limit": min(MAX_SEARCH_LIMIT, max(1, limit)),
        }
        params["includeCollections"] = 1
        if section_id is not None:
            params["sectionId"] = int(section_id)
        return await self._wire.hubs("/hubs/search", "the search", params)

    async def edit_title(
        self, rating_key: str, item_type: int | ItemType, title: str, sort_title: str
    ) -> None:
        """Set an item's title and sort title, locked so a later scan or refresh keeps them."""
        key, code = check_rating_key(rating_key), _type_code(item_type)
        if not title.strip() or code is None:
            raise ValueError("an edit needs a title and a known item type")
        params: dict[str, str | int] = {"type": code, "id": key}
        params |= {"title.value": title, "title.locked": 1}
        params |= {"titleSort.value": sort_title or title, "titleSort.locked": 1}
        self._wire.check(
            await self._wire.send("PUT", f"/library/metadata/{key}", params), "the item"
        )

    # -- collections ---------------------------------------------------------------------------

    async def collections(self, section_id: int) -> list[Collection]:
        """Every collection of a section (``/all?type=18``, what plexapi and old PMS use)."""
        path = f"/library/sections/{int(section_id)}/all"
        box, _ = await self._wire.container(
            "GET", path, "the library section", {"type": _COLLECTION}
        )
        entries = self._wire.entries(box, "Metadata", "collections")
        return self._http.parse_each(Collection, entries, "collections")

    async def collection_items(self, rating_key: str, start: int = 0, size: int = 50) -> ItemPage:
        """One page of a collection's items (without their ``files``)."""
        path = f"/library/collections/{check_rating_key(rating_key)}/children"
        return await self._wire.page(path, "the collection", {}, start, size)

    async def create_collection(
        self,
        section_id: int,
        title: str,
        rating_keys: list[str],
        *,
        machine_identifier: str,
        item_type: int = 1,
    ) -> Collection:
        """A new collection holding ``rating_keys`` (at least one; PMS refuses empty ones)."""
        if not title.strip() or not rating_keys:
            raise ValueError("a collection needs a title and at least one item")
        params: dict[str, str | int] = {"type": int(item_type), "title": title, "smart": 0}
        params["sectionId"] = int(section_id)
        params["uri"] = library_uri(machine_identifier, rating_keys)
        box, _ = await self._wire.container(
            "POST", "/library/collections", "the collection", params
        )
        entries = self._wire.entries(box, "Metadata", "the new collection")
        if not entries:
            raise self._wire.http.bad_response("the new collection is missing")
        return self._http.parse(Collection, entries[0], "the new collection")

    async def add_to_collection(
        self, collection_rk: str, rating_keys: list[str], *, machine_identifier: str
    ) -> None:
        if not rating_keys:
            return
        path = f"/library/collections/{check_rating_key(collection_rk)}/items"
        params = {"uri": library_uri(machine_identifier, rating_keys)}
        self._wire.check(await self._wire.send("PUT", path, params), "the collection")

    async def remove_from_collection(self, collection_rk: str, item_rk: str) -> None:
        coll, item = check_rating_key(collection_rk), check_rating_key(item_rk)
        path = f"/library/collections/{coll}/items/{item}"
        self._wire.check(await self._wire.send("DELETE", path), "the collection item")

    async def delete_collection(self, collection_rk: str) -> None:
        path = f"/library/collections/{check_rating_key(collection_rk)}"
        self._wire.check(await self._wire.send("DELETE", path), "the collection")

    # -- scans ---------------------------------------------------------------------------------

    async def refresh_section(self, section_id: int, path: str | None = None) -> None:
        """Asks PMS to scan the section (or one folder of it); the scan runs in the background,
        so poll :meth:`items_by_path` or ``LibrarySection.refreshing`` for the outcome."""
        params = {"path": path} if path else None
        response = await self._wire.send(
            "GET", f"/library/sections/{int(section_id)}/refresh", params
        )
        self._wire.check(response, "the library section")

    async def items_by_path(
        self, section_id: int, folder: str, *, type: int | ItemType | None = None
    ) -> list[MediaItem]:
        """Items with a media file under ``folder`` (server-side path), found by paging through
        the section oldest first; fine for a YouTube-sized section, not for a huge one.

        ``type`` defaults to the section's playable items (episodes in a show section)."""
        if type is None:
            sections = {s.id: s for s in await self.sections()}
            if int(section_id) not in sections:
                raise NotFound(SERVICE, "the library section not found", status=404)
            type = ItemType.EPISODE if sections[int(section_id)].type is ItemType.SHOW else None
        prefix = normalize_folder(folder) + "/"
        found: dict[str, MediaItem] = {}
        start = 0
        while True:
            page = await self.section_items(
                section_id,
                type=type,
                sort="addedAt:asc",
                start=start,
                size=MAX_PAGE_SIZE,
                files=True,
            )
            for item in page.items:
                if any(normalize_folder(f).startswith(prefix) for f in item.files):
                    found.setdefault(item.rating_key, item)
            start += len(page.items)
            if not page.items or start >= page.total:
                return list(found.values())

    # -- artwork -------------------------------------------------------------------------------

    async def image(self, path: str, *, width: int, height: int) -> tuple[bytes, str]:
        """A resized poster or background (bytes, content type) through PMS's transcoder.

        ``path`` must be this server's artwork path (``/library/...``, ``/:/resources/...``);
        anything else is a ValueError, so a caller cannot make PMS fetch other URLs."""
        params: dict[str, str | int] = {"url": check_image_path(path)}
        params |= {"width": check_side("width", width), "height": check_side("height", height)}
        params |= {"minSize": 1, "upscale": 1}
        headers = {"Accept": "image/*"}
        response = await self._wire.send("GET", "/photo/:/transcode", params, headers=headers)
        self._wire.check(response, "the image")
        content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if not content_type.startswith("image/") or not response.content:
            raise self._wire.http.bad_response("the image is not an image")
        return response.content, content_type
