"""GET /api/v1/library/...: the Plex browser as JSON (typed; images as MediaNest URLs).

Listings answer ``stale: true`` when Plex could not be asked and the data is what MediaNest saw
last. Unknown or malformed ids are 404 problems; a page past the end is an empty page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from pydantic_core import to_json

from medianest.domain.library import API_PAGE_SIZE, MAX_QUERY_LENGTH, MAX_START, Paging
from medianest.integrations.plex.models import MediaItem
from medianest.services.library_views import BrowseQuery, CollectionView, Degraded
from medianest.web.auth import Viewer, require_viewer
from medianest.web.pages.library import MAX_YEAR, MIN_YEAR, library_of
from medianest.web.pages.library_links import LINKS

router = APIRouter(prefix="/api/v1/library", tags=["library"])


class SectionOut(BaseModel):
    id: int
    title: str
    type: str
    count: int | None
    collections_url: str


class SectionsOut(BaseModel):
    sections: list[SectionOut]
    stale: bool


class ItemOut(BaseModel):
    rating_key: str
    type: str
    title: str
    year: int | None
    summary: str
    rating: float | None
    content_rating: str | None
    duration_ms: int | None
    genres: list[str]
    section_id: int | None
    index: int | None
    parent_rating_key: str | None
    parent_title: str | None
    grandparent_rating_key: str | None
    grandparent_title: str | None
    child_count: int | None
    leaf_count: int | None
    added_at: datetime | None
    poster_url: str | None
    art_url: str | None

    @classmethod
    def of(cls, item: MediaItem) -> ItemOut:
        return cls.model_construct(**item_fields(item))


def item_fields(item: MediaItem) -> dict[str, Any]:
    """An :class:`ItemOut`'s fields, in its order. Listings serialise these plain dicts: every
    value comes from a MediaItem validated on arrival, and building 50 models per page cost
    more than the rest of the request."""
    return {
        "rating_key": item.rating_key,
        "type": item.type_raw or item.type.value,
        "title": item.title,
        "year": item.year,
        "summary": item.summary,
        "rating": item.rating,
        "content_rating": item.content_rating,
        "duration_ms": item.duration_ms,
        "genres": [g.title for g in item.genres],
        "section_id": item.section_id,
        "index": item.index,
        "parent_rating_key": item.parent_rating_key,
        "parent_title": item.parent_title,
        "grandparent_rating_key": item.grandparent_rating_key,
        "grandparent_title": item.grandparent_title,
        "child_count": item.child_count,
        "leaf_count": item.leaf_count,
        "added_at": item.added_at,
        "poster_url": LINKS.poster(item.thumb),
        "art_url": LINKS.art(item.art),
    }


class ItemPageOut(BaseModel):
    items: list[ItemOut]
    total: int
    start: int
    size: int
    stale: bool


class CollectionOut(BaseModel):
    rating_key: str
    title: str
    summary: str
    section_id: int | None
    child_count: int
    smart: bool
    created_by_medianest: bool
    poster_url: str | None

    @classmethod
    def of(cls, view: CollectionView) -> CollectionOut:
        c = view.collection
        return cls(
            rating_key=c.rating_key,
            title=c.title,
            summary=c.summary,
            section_id=c.section_id,
            child_count=c.child_count,
            smart=c.smart,
            created_by_medianest=view.by_medianest,
            poster_url=LINKS.poster(c.thumb),
        )


class CollectionsOut(BaseModel):
    collections: list[CollectionOut]
    stale: bool


class ItemDetailOut(ItemOut):
    children: list[ItemOut]
    collections: list[CollectionOut]
    plex_url: str | None
    stale: bool


class SearchHubOut(BaseModel):
    type: str
    title: str
    items: list[ItemOut]


class SearchOut(BaseModel):
    query: str
    hubs: list[SearchHubOut]
    stale: bool


def _json(body: bytes) -> Response:
    """Sent as made (the route's response model documents it; it is not validated again)."""
    return Response(content=body, media_type="application/json")


def _stale(*notices: Degraded | None) -> bool:
    return any(n is not None and n.stale for n in notices)


@router.get("/sections", response_model=SectionsOut)
async def sections(request: Request, viewer: Viewer = Depends(require_viewer)) -> SectionsOut:
    found = await library_of(request).sections()
    out = [
        SectionOut(
            id=s.section.id,
            title=s.section.title,
            type=s.section.type_raw or s.section.type.value,
            count=s.count,
            collections_url=f"/api/v1/library/collections?section={s.section.id}",
        )
        for s in found.value
    ]
    return SectionsOut(sections=out, stale=_stale(found.degraded))


@router.get("/sections/{section_id}/items", response_model=ItemPageOut)
async def section_items(
    request: Request,
    section_id: str,
    start: int | None = Query(None, ge=0, le=MAX_START),
    page: int | None = Query(None, ge=1, le=MAX_START),
    size: int = Query(API_PAGE_SIZE, ge=1, description="clamped to 200"),
    sort: str = Query("title", pattern="^(title|added|year|rating)$"),
    genre: str | None = Query(None, pattern="^[0-9]{1,12}$", description="a genre id"),
    year: int | None = Query(None, ge=MIN_YEAR, le=MAX_YEAR),
    viewer: Viewer = Depends(require_viewer),
) -> Response:
    library = library_of(request)
    section = await library.section(section_id)
    paging = Paging.of(start=start, page=page, size=size, default=API_PAGE_SIZE)
    found = await library.browse(section.value, BrowseQuery(sort, genre, year, paging))
    stale = _stale(section.degraded, found.degraded)

    def page_json() -> bytes:  # an ItemPageOut
        return to_json(
            {
                "items": [item_fields(i) for i in found.value.items],
                "total": found.value.total,
                "start": paging.start,
                "size": paging.size,
                "stale": stale,
            }
        )

    return _json(library.rendered.render(found.version, ("items", paging, stale), page_json))


@router.get("/items/{rating_key}", response_model=ItemDetailOut)
async def item(
    request: Request, rating_key: str, viewer: Viewer = Depends(require_viewer)
) -> ItemDetailOut:
    found = await library_of(request).item(rating_key)
    detail = found.value
    return ItemDetailOut(
        **ItemOut.of(detail.item).model_dump(),
        children=[ItemOut.of(c) for c in detail.children],
        collections=[CollectionOut.of(c) for c in detail.collections],
        plex_url=detail.plex_url,
        stale=_stale(found.degraded),
    )


@router.get("/collections", response_model=CollectionsOut)
async def collections(
    request: Request,
    section: str | None = Query(None, description="only this library section's collections"),
    viewer: Viewer = Depends(require_viewer),
) -> CollectionsOut:
    library = library_of(request)
    chosen = await library.section(section) if section is not None else None
    found = await library.collections(chosen.value if chosen else None)
    return CollectionsOut(
        collections=[CollectionOut.of(c) for c in found.value],
        stale=_stale(found.degraded, chosen.degraded if chosen else None),
    )


@router.get("/search", response_model=SearchOut)
async def search(
    request: Request,
    q: str = Query(..., max_length=MAX_QUERY_LENGTH),
    limit: int = Query(10, ge=1, le=50, description="results per type"),
    viewer: Viewer = Depends(require_viewer),
) -> Response:
    library = library_of(request)
    found = await library.search(q, limit=limit)
    stale = _stale(found.degraded)

    def search_json() -> bytes:  # a SearchOut
        hubs = [
            {
                "type": h.type_raw or h.type.value,
                "title": h.title,
                "items": [item_fields(i) for i in h.items],
            }
            for h in found.value
        ]
        return to_json({"query": q, "hubs": hubs, "stale": stale})

    return _json(library.rendered.render(found.version, ("search", q, stale), search_json))
