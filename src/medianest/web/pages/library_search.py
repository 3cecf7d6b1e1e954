"""Search (header suggestions and the full results page), the recently-added row, and the
image endpoint that serves Plex artwork at MediaNest's own URLs."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from medianest.domain.errors import InvalidInput, NotFound, ServiceDown
from medianest.domain.library import clean_query
from medianest.services.library_images import ImageStore
from medianest.web.auth import Viewer, page_context, require_viewer
from medianest.web.deps import container_of
from medianest.web.pages.library import library_of, library_page
from medianest.web.pages.library_links import LINKS
from medianest.web.problems import Problem
from medianest.web.templating import render

router = APIRouter(include_in_schema=False)
SUGGESTIONS_PER_TYPE = 5
RESULTS_PER_TYPE = 30
IMAGE_MAX_AGE = 7 * 86400
# Shown in place of artwork Plex cannot send; an <img> renders it whatever the status.
PLACEHOLDER = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 2 3" preserveAspectRatio="none">'
    b'<rect width="2" height="3" fill-opacity="0"/></svg>'
)


@router.get("/library/search", response_class=HTMLResponse)
async def search_page(
    request: Request, q: str = "", viewer: Viewer = Depends(require_viewer)
) -> HTMLResponse:
    query = clean_query(q)
    hubs, message = [], None
    degraded = None
    if query:
        try:
            found = await library_of(request).search(query, limit=RESULTS_PER_TYPE)
            hubs, degraded = found.value, found.degraded
        except ServiceDown as exc:
            message = exc.message
    return library_page(
        request,
        viewer,
        "library_search.html",
        title="Search",
        degraded=[degraded],
        query=query,
        hubs=hubs,
        message=message,
    )


@router.get("/library/search/suggest", response_class=HTMLResponse)
async def suggest(
    request: Request, q: str = "", viewer: Viewer = Depends(require_viewer)
) -> HTMLResponse:
    """The header search's dropdown: a few results per type, and a link to all of them."""
    query = clean_query(q)
    hubs, message = [], None
    if query:
        try:
            found = await library_of(request).search(query, limit=SUGGESTIONS_PER_TYPE)
            hubs = found.value
            message = found.degraded.text if found.degraded else None
        except ServiceDown as exc:
            message = exc.message
    context = page_context(request, viewer, lib=LINKS, query=query, hubs=hubs, message=message)
    return render(request, "_library_suggest.html", context)


@router.get("/library/recently-added", response_class=HTMLResponse)
async def recently_added(request: Request, viewer: Viewer = Depends(require_viewer)) -> Response:
    """A row of posters for the dashboard (empty when no Plex server is configured)."""
    library = library_of(request)
    if not library.configured:
        return HTMLResponse("")
    items, message = [], None
    try:
        found = await library.recently_added()
        items = found.value
        message = found.degraded.text if found.degraded else None
    except ServiceDown as exc:
        message = exc.message
    context = page_context(request, viewer, lib=LINKS, items=items, message=message)
    return render(request, "_library_recent.html", context)


def _store(request: Request) -> ImageStore:
    store = container_of(request).library_images
    if store is None:
        raise ServiceDown("The library is starting up.")
    return store


@router.get("/library/images")
async def image(
    request: Request,
    path: str = "",
    w: int = 0,
    h: int = 0,
    viewer: Viewer = Depends(require_viewer),
) -> Response:
    """Plex artwork, resized by Plex, cached on disk; never the Plex address or token."""
    try:
        found = await _store(request).get(path, w, h)
    except InvalidInput as exc:
        raise Problem(400, exc.message) from None
    except (NotFound, ServiceDown) as exc:
        status = 404 if isinstance(exc, NotFound) else 503
        headers = {"Cache-Control": "no-store"}
        return Response(PLACEHOLDER, status, headers=headers, media_type="image/svg+xml")
    headers = {
        "ETag": found.etag,
        "Cache-Control": f"private, max-age={IMAGE_MAX_AGE}",
        "X-Content-Type-Options": "nosniff",
    }
    if found.etag in _etags(request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=headers)
    return Response(found.data, media_type=found.content_type, headers=headers)


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}
