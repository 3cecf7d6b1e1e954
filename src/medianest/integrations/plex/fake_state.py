"""State of the fake Plex Media Server: sections, metadata items, collections and tokens.

Everything the fake serves is read from one :class:`PlexFakeState` (items and sections are the
``fake_model`` dataclasses); tests and the demo mutate it
through the builder methods, which keep the derived indexes (children, collection tags, cached
sort orders) consistent. Code that edits an :class:`Item` in place must call
:meth:`PlexFakeState.invalidate` so cached sort orders are rebuilt.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from medianest.demo.identities import (
    ACCOUNTS,
    OWNER,
    PLEX_MACHINE_ID,
    PLEX_OWNER_TOKEN,
    PLEX_SERVER_NAME,
    PLEX_VERSION,
)
from medianest.integrations.fakekit import Faults
from medianest.integrations.plex.fake_images import ImageCache
from medianest.integrations.plex.fake_model import (
    CODE_TYPES,
    SECTION_ITEM_TYPES,
    Item,
    Section,
    title_sort_for,
)
from medianest.integrations.plex.fake_query import QueryError, build_filter, parse_sort, sort_key


def default_media_root() -> Path:
    return Path(tempfile.gettempdir()) / "medianest-fake-plex-media"


class PlexFakeState:
    """The single source of truth of one fake Plex Media Server."""

    def __init__(self, *, media_root: str | Path | None = None, seed: int = 1) -> None:
        self.faults = Faults()
        self.seed = seed
        self.machine_id = PLEX_MACHINE_ID
        self.friendly_name = PLEX_SERVER_NAME
        self.version = PLEX_VERSION
        self.owner_username = OWNER.email or OWNER.username
        self.media_root = Path(media_root) if media_root else default_media_root()
        self.scan_delay = 0.5
        self.scan_never_finishes = False
        self.refuse_edits = False  # metadata edits answer 400, as PMS does for one it cannot apply
        self.scan_tasks: set[asyncio.Task[None]] = set()
        self.owner_tokens: set[str] = {PLEX_OWNER_TOKEN}
        self.tokens: set[str] = {PLEX_OWNER_TOKEN}
        self.tokens.update(a.server_access_token for a in ACCOUNTS if a.server_access_token)
        self.sections: dict[int, Section] = {}
        self.items: dict[int, Item] = {}
        self.genres: dict[int, str] = {}
        self._genre_by_name: dict[str, int] = {}
        self._next_rk = 1
        self._next_genre = 4001
        self._cache: dict[tuple[Any, ...], list[Item]] = {}
        self.images = ImageCache(maxsize=256)
        self.started_at = int(time.time())

    def close(self) -> None:
        """Nothing runs in the background here; every fake state has ``close()`` for the demo."""

    # ---------------------------------------------------------------- world builders
    @classmethod
    def demo(cls, seed: int = 1, media_root: str | Path | None = None) -> PlexFakeState:
        """Movies (~200), TV Shows (~40 with seasons/episodes), an empty YouTube section."""
        from medianest.integrations.plex.fake_seed import build_demo

        state = cls(media_root=media_root, seed=seed)
        build_demo(state, seed)
        return state

    @classmethod
    def generated(
        cls, n_items: int = 100_000, seed: int = 1, media_root: str | Path | None = None
    ) -> PlexFakeState:
        """The demo world with ``n_items`` movies in Movies, for benchmarks."""
        from medianest.integrations.plex.fake_seed import build_generated

        state = cls(media_root=media_root, seed=seed)
        build_generated(state, n_items, seed)
        return state

    # ---------------------------------------------------------------- tokens
    def add_token(self, token: str, *, owner: bool = False) -> None:
        self.tokens.add(token)
        if owner:
            self.owner_tokens.add(token)

    def remove_token(self, token: str) -> None:
        self.tokens.discard(token)
        self.owner_tokens.discard(token)

    def token_ok(self, token: str | None) -> bool:
        return bool(token) and not self.faults.revoked and token in self.tokens

    def token_is_owner(self, token: str | None) -> bool:
        return self.token_ok(token) and token in self.owner_tokens

    # ---------------------------------------------------------------- sections
    def add_section(
        self,
        title: str,
        type: str = "movie",
        *,
        location: str | Path | None = None,
        agent: str | None = None,
        scanner: str | None = None,
        language: str = "en-US",
        created_at: int | None = None,
    ) -> Section:
        if type not in SECTION_ITEM_TYPES:
            raise ValueError(f"unsupported section type {type!r}")
        sid = max(self.sections, default=0) + 1
        stamp = created_at if created_at is not None else int(time.time())
        section = Section(
            id=sid,
            title=title,
            type=type,
            agent=agent or ("tv.plex.agents.movie" if type == "movie" else "tv.plex.agents.series"),
            scanner=scanner or ("Plex Movie" if type == "movie" else "Plex TV Series"),
            location=str(location) if location is not None else title.lower().replace(" ", "-"),
            uuid=str(uuid.UUID(int=(self.seed << 64) + sid)),
            created_at=stamp,
            updated_at=stamp,
            scanned_at=stamp,
            language=language,
        )
        self.sections[sid] = section
        return section

    def section_path(self, section: Section) -> Path:
        """Where the section's Location is on disk (relative locations live under media_root)."""
        path = Path(section.location)
        return path if path.is_absolute() else self.media_root / path

    def section_by_title(self, title: str) -> Section:
        for section in self.sections.values():
            if section.title == title:
                return section
        raise KeyError(title)

    # ---------------------------------------------------------------- genres
    def genre_id(self, name: str) -> int:
        key = name.casefold()
        gid = self._genre_by_name.get(key)
        if gid is None:
            gid = self._next_genre
            self._next_genre += 1
            self.genres[gid] = name
            self._genre_by_name[key] = gid
        return gid

    def genre_lookup(self, value: str) -> int | None:
        if value.isdigit():
            return int(value) if int(value) in self.genres else None
        return self._genre_by_name.get(value.casefold())

    # ---------------------------------------------------------------- items
    def new_rk(self) -> int:
        rk = self._next_rk
        self._next_rk += 1
        return rk

    def add_item(self, item: Item) -> Item:
        if item.section_id not in self.sections:
            raise KeyError(f"no section {item.section_id}")
        self.items[item.rk] = item
        self._next_rk = max(self._next_rk, item.rk + 1)
        if item.parent_rk is not None:
            parent = self.items[item.parent_rk]
            if parent.children is None:
                parent.children = []
            parent.children.append(item.rk)
        self.invalidate()
        return item

    def add_movie(
        self,
        section_id: int,
        title: str,
        *,
        year: int | None = None,
        genres: Iterable[str] = (),
        added_at: int | None = None,
        **fields: Any,
    ) -> Item:
        """Add a movie; extra keyword arguments are :class:`Item` fields."""
        now = int(time.time())
        stamp = added_at if added_at is not None else now
        item = Item(
            rk=self.new_rk(),
            type=fields.pop("type", "movie"),
            section_id=section_id,
            title=title,
            title_sort=title_sort_for(title),
            year=year,
            genre_ids=tuple(self.genre_id(g) for g in genres),
            added_at=stamp,
            updated_at=fields.pop("updated_at", stamp),
            **fields,
        )
        return self.add_item(item)

    def remove_item(self, rk: int) -> None:
        """Remove an item with its descendants, its collection tags and membership."""
        item = self.items.pop(rk, None)
        if item is None:
            return
        for child in list(item.children or ()):
            if item.type != "collection":
                self.remove_item(child)
        if item.type == "collection":
            for member in item.children or ():
                self._untag(member, rk)
        for crk in list(item.collections or ()):
            coll = self.items.get(crk)
            if coll and coll.children and rk in coll.children:
                coll.children.remove(rk)
        if item.parent_rk is not None:
            parent = self.items.get(item.parent_rk)
            if parent and parent.children and rk in parent.children:
                parent.children.remove(rk)
        self.invalidate()

    def snapshot(self) -> list[Item]:
        """All items, copied in one step: a FakeServer thread may read while a test mutates."""
        return list(self.items.values())

    def add_show(
        self,
        section_id: int,
        title: str,
        *,
        seasons: Iterable[int] = (3,),
        year: int | None = None,
        genres: Iterable[str] = (),
        added_at: int | None = None,
    ) -> Item:
        """Add a show with one season per entry of ``seasons`` holding that many episodes."""
        show = self.add_movie(
            section_id, title, year=year, genres=genres, added_at=added_at, type="show"
        )
        for season_no, episodes in enumerate(seasons, start=1):
            season = self.add_movie(
                section_id, f"Season {season_no}", added_at=show.added_at, type="season"
            )
            self._adopt(season, show, season_no)
            for episode_no in range(1, episodes + 1):
                episode = self.add_movie(
                    section_id,
                    f"Episode {episode_no}",
                    year=year,
                    added_at=show.added_at,
                    type="episode",
                )
                self._adopt(episode, season, episode_no)
        return show

    def _adopt(self, child: Item, parent: Item, index: int) -> None:
        child.parent_rk, child.index = parent.rk, index
        parent.children = [*(parent.children or ()), child.rk]

    def invalidate(self) -> None:
        """Forget cached sort orders (call after editing items in place)."""
        self._cache.clear()

    # ---------------------------------------------------------------- collections
    def add_collection(
        self,
        section_id: int,
        title: str,
        members: Iterable[int] = (),
        *,
        summary: str = "",
        subtype: str | None = None,
        smart_query: str | None = None,
        added_at: int | None = None,
    ) -> Item:
        section = self.sections[section_id]
        stamp = added_at if added_at is not None else int(time.time())
        coll = Item(
            rk=self.new_rk(),
            type="collection",
            section_id=section_id,
            title=title,
            title_sort=title_sort_for(title),
            added_at=stamp,
            updated_at=stamp,
            summary=summary,
            children=[],
            subtype=subtype or section.type,
            smart_query=smart_query,
        )
        self.add_item(coll)
        self.collect(coll.rk, members, touch=False)
        return coll

    def collect(self, crk: int, members: Iterable[int], *, touch: bool = True) -> list[int]:
        """Add items of the collection's section to it; returns the ones actually added."""
        coll = self.items[crk]
        assert coll.children is not None
        added = []
        for rk in members:
            item = self.items.get(rk)
            if item is None or item.section_id != coll.section_id or rk in coll.children:
                continue
            if item.type == "collection":
                continue
            coll.children.append(rk)
            if item.collections is None:
                item.collections = []
            item.collections.append(crk)
            added.append(rk)
        if touch and added:
            self._touch(coll)
        return added

    def uncollect(self, crk: int, rk: int) -> bool:
        coll = self.items[crk]
        if not coll.children or rk not in coll.children:
            return False
        coll.children.remove(rk)
        self._untag(rk, crk)
        self._touch(coll)
        return True

    def _untag(self, rk: int, crk: int) -> None:
        item = self.items.get(rk)
        if item and item.collections and crk in item.collections:
            item.collections.remove(crk)

    def edit(self, item: Item, values: Mapping[str, str], locked: Iterable[str] = ()) -> None:
        """Set ``title``/``titleSort`` as a metadata edit does; other fields are not modelled."""
        if "title" in values:
            item.title, item.fold = values["title"], values["title"].casefold()
        if "titleSort" in values:
            item.title_sort = values["titleSort"] or None
        item.locked = tuple(dict.fromkeys((*item.locked, *locked)))
        self._touch(item)

    def _touch(self, item: Item) -> None:
        item.updated_at = max(int(time.time()), item.updated_at + 1)
        self.invalidate()

    def collection_members(self, coll: Item) -> list[Item]:
        if coll.smart_query is not None:
            return self.query_section(coll.section_id, _smart_params(coll.smart_query))
        return [self.items[rk] for rk in coll.children or () if rk in self.items]

    # ---------------------------------------------------------------- queries
    def section_items(self, section_id: int, type_name: str, sort: str | None) -> list[Item]:
        """Items of one type in a section, sorted; cached until the library changes."""
        order = parse_sort(sort)
        key = (section_id, type_name, order)
        cached = self._cache.get(key)
        if cached is None:
            cached = [
                i for i in self.snapshot() if i.section_id == section_id and i.type == type_name
            ]
            cached.sort(key=lambda i: i.rk)
            for name, desc in reversed(order):
                cached.sort(key=sort_key(name), reverse=desc)
            self._cache[key] = cached
        return cached

    def query_section(self, section_id: int, params: Mapping[str, str]) -> list[Item]:
        """The ``/library/sections/{id}/all`` query language subset: type, sort and filters."""
        section = self.sections[section_id]
        type_name = section.type
        if params.get("type"):
            try:
                type_name = CODE_TYPES[int(params["type"])]
            except (KeyError, ValueError):
                raise QueryError(f"bad type {params['type']!r}") from None
        if type_name not in SECTION_ITEM_TYPES[section.type]:
            return []
        items = self.section_items(section_id, type_name, params.get("sort"))
        filters = [f for k, v in params.items() if (f := build_filter(self, k, v)) is not None]
        if filters:
            items = [i for i in items if all(f(i) for f in filters)]
        return items

    def query_library(self, params: Mapping[str, str]) -> list[Item]:
        """``/library/all``: the section query over every section, merged in the same order."""
        found = [i for sid in self.sections for i in self.query_section(sid, params)]
        for name, desc in reversed(parse_sort(params.get("sort"))):
            found.sort(key=sort_key(name), reverse=desc)
        return found

    def recently_added(self) -> list[Item]:
        """Movies and episodes of every section, newest first."""
        leaves = [i for i in self.snapshot() if i.type in ("movie", "episode", "clip")]
        leaves.sort(key=lambda i: (i.added_at, i.rk), reverse=True)
        return leaves

    def search(self, query: str, section_id: int | None = None) -> dict[str, list[Item]]:
        """Case-insensitive substring match on titles, grouped by type, best matches first."""
        needle = query.casefold().strip()
        hits: dict[str, list[Item]] = {}
        if not needle:
            return hits
        for item in self.snapshot():
            if item.type == "season" or needle not in item.fold:
                continue
            if section_id is None or item.section_id == section_id:
                hits.setdefault(item.type, []).append(item)
        for found in hits.values():
            found.sort(key=lambda i: (not i.fold.startswith(needle), i.sort_title.casefold()))
        return hits

    def leaves(self, item: Item) -> list[Item]:
        """Playable descendants: a show's or season's episodes, or the item itself."""
        if item.type == "show":
            return [e for s in self.children_of(item) for e in self.children_of(s)]
        if item.type == "season":
            return self.children_of(item)
        return [item]

    def children_of(self, item: Item) -> list[Item]:
        if item.type == "collection":
            return self.collection_members(item)
        kids = [self.items[rk] for rk in item.children or () if rk in self.items]
        kids.sort(key=lambda i: (i.index is None, i.index or 0, i.rk))
        return kids


def _smart_params(query: str) -> dict[str, str]:
    from urllib.parse import parse_qsl

    return dict(parse_qsl(query, keep_blank_values=True))
