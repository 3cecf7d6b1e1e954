"""The docs hub for readers: the list of pages, one page, and search.

Readable without signing in on purpose: the FAQ explains sign-in problems (waiting for approval,
no access), and the people who need that page are the ones who cannot sign in. Hidden pages are
for admins only (with a badge); anything else answers a friendly 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from medianest.services import docs
from medianest.services.docs_hub import DocsHub
from medianest.web.auth import Viewer, page_context, viewer_of
from medianest.web.deps import container_of
from medianest.web.request_helpers import is_htmx
from medianest.web.templating import render

router = APIRouter(include_in_schema=False)


def hub_of(request: Request) -> DocsHub:
    hub = container_of(request).docs
    if hub is None:  # pragma: no cover - always built; a guard for partial containers
        hub = DocsHub(container_of(request).sessions, container_of(request).live)
    return hub


def _is_admin(viewer: Viewer | None) -> bool:
    return viewer is not None and viewer.is_admin


async def _reader(request: Request) -> Viewer | None:
    """The viewer, if any; a session that must change its password first reads as signed out."""
    viewer = await viewer_of(request)
    return None if viewer is not None and viewer.user.must_change_password else viewer


@router.get("/docs", response_class=HTMLResponse)
async def hub(request: Request) -> HTMLResponse:
    viewer = await _reader(request)
    service = hub_of(request)
    async with container_of(request).sessions() as db:
        pages = await docs.list_pages(db, include_hidden=_is_admin(viewer))
    context = page_context(
        request,
        viewer,
        page_title="Docs",
        active="docs",
        pages=pages,
        titles=await service.titles(pages),
        summaries=await service.summaries(pages),
        server_name=await service.server_name(),
        q="",
    )
    return render(request, "docs.html", context)


@router.get("/docs/search", response_class=HTMLResponse)
async def search(request: Request, q: Annotated[str, Query(max_length=200)] = "") -> HTMLResponse:
    viewer = await _reader(request)
    async with container_of(request).sessions() as db:
        hits = await hub_of(request).search(db, q, include_hidden=_is_admin(viewer))
    context = page_context(
        request, viewer, page_title="Search the docs", active="docs", q=q.strip(), hits=hits
    )
    template = "_docs_results.html" if is_htmx(request) else "docs_search.html"
    return render(request, template, context)


@router.get("/docs/{slug}", response_class=HTMLResponse)
async def page(request: Request, slug: str) -> HTMLResponse:
    viewer = await _reader(request)
    admin = _is_admin(viewer)
    service = hub_of(request)
    async with container_of(request).sessions() as db:
        pages = await docs.list_pages(db, include_hidden=admin)
        found = next((p for p in pages if p.slug == slug), None)
        titles = await service.titles(pages)
        shown = await service.render_page(db, found, viewer is not None) if found else None
    context = page_context(
        request,
        viewer,
        page_title=shown.title if shown else "Docs",
        active="docs",
        pages=pages,
        titles=titles,
        shown=shown,
        slug=slug,
        is_admin=admin,
    )
    return render(request, "docs_page.html", context, status_code=200 if shown else 404)
