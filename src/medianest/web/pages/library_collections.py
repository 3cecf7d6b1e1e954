"""Collection pages: a section's collections and one collection's items."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from medianest.domain.errors import ServiceDown
from medianest.services.library_views import Degraded
from medianest.web.auth import Viewer, page_context, require_viewer
from medianest.web.pages.library import (
    browse_query,
    library_of,
    library_page,
    more_links,
    unavailable,
)
from medianest.web.pages.library_links import LINKS
from medianest.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/library/sections/{section_id}/collections", response_class=HTMLResponse)
async def section_collections(
    request: Request, section_id: str, viewer: Viewer = Depends(require_viewer)
) -> HTMLResponse:
    library = library_of(request)
    try:
        section = await library.section(section_id)
        found = await library.collections(section.value)
    except ServiceDown as exc:
        return unavailable(request, viewer, exc, "Collections")
    return library_page(
        request,
        viewer,
        "library_collections.html",
        title=f"{section.value.title} · Collections",
        degraded=[section.degraded, found.degraded],
        section=section.value,
        collections=found.value,
    )


async def _collection(
    request: Request, viewer: Viewer, rating_key: str, page: str, *, fragment: bool
) -> HTMLResponse:
    query = browse_query("title", "", "", page)
    try:
        found = await library_of(request).collection(rating_key, query.paging)
    except ServiceDown as exc:
        if fragment:
            context = page_context(request, viewer, message=exc.message)
            return render(request, "_library_fragment_notice.html", context)
        return unavailable(request, viewer, exc, "Collection")
    view, items = found.value
    base = f"/library/collections/{view.collection.rating_key}"
    links = more_links(base, f"{base}/cards", query, items)
    links["wide_cards"] = view.by_medianest  # downloaded videos: landscape thumbnails
    if fragment:
        context = page_context(request, viewer, lib=LINKS, page=items, **links)
        return render(request, "_library_cards.html", context)
    degraded: list[Degraded | None] = [found.degraded]
    return library_page(
        request,
        viewer,
        "library_collection.html",
        title=view.collection.title or "Collection",
        degraded=degraded,
        view=view,
        collection=view.collection,
        page=items,
        **links,
    )


@router.get("/library/collections/{rating_key}", response_class=HTMLResponse)
async def collection_page(
    request: Request, rating_key: str, page: str = "1", viewer: Viewer = Depends(require_viewer)
) -> HTMLResponse:
    return await _collection(request, viewer, rating_key, page, fragment=False)


@router.get("/library/collections/{rating_key}/cards", response_class=HTMLResponse)
async def collection_cards(
    request: Request, rating_key: str, page: str = "1", viewer: Viewer = Depends(require_viewer)
) -> HTMLResponse:
    return await _collection(request, viewer, rating_key, page, fragment=True)
