"""Library pages: sections, a section's poster grid, items, collections.

Plex being slow or down never breaks a page: it renders with a notice and what was cached last
(or an explanation when nothing was). Listing fragments for infinite scroll are separate routes
so that HTMX history restores and plain links keep working without JavaScript.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from medianest.domain.errors import ServiceDown
from medianest.domain.library import GRID_PAGE_SIZE, SORTS, Paging, sort_option
from medianest.integrations.plex.models import ItemPage, ItemType
from medianest.services.library import LibraryService
from medianest.services.library_views import BrowseQuery, Degraded
from medianest.web.auth import Viewer, page_context, require_viewer
from medianest.web.deps import container_of
from medianest.web.pages.library_links import LINKS, notices
from medianest.web.shared_page import shared_page
from medianest.web.templating import render

router = APIRouter(include_in_schema=False)
MIN_YEAR, MAX_YEAR = 1870, 2200


def library_of(request: Request) -> LibraryService:
    library = container_of(request).library
    if library is None:  # only before start-up finished
        raise ServiceDown("The library is starting up.")
    return library


def library_page(
    request: Request,
    viewer: Viewer,
    template: str,
    *,
    title: str,
    degraded: list[Degraded | None] | None = None,
    status: int = 200,
    **values: Any,
) -> HTMLResponse:
    context = page_context(
        request,
        viewer,
        page_title=title,
        active="library",
        lib=LINKS,
        notices=notices(*(degraded or [])),
        **values,
    )
    return render(request, template, context, status_code=status)


def unavailable(request: Request, viewer: Viewer, error: ServiceDown, title: str) -> HTMLResponse:
    """Nothing cached and Plex cannot answer: say so, plainly, with the app around it."""
    notice = Degraded(error.message, None, stale=False)
    return library_page(
        request, viewer, "library_unavailable.html", title=title, degraded=[notice], status=503
    )


def _int_or_none(raw: str, low: int, high: int) -> int | None:
    text = raw.strip()
    return int(text) if text.isdigit() and low <= int(text) <= high else None


def browse_query(sort: str, genre: str, year: str, page: str) -> BrowseQuery:
    """Lenient on pages: a mangled link shows the first page, never an error."""
    number = _int_or_none(page, 1, 10_000_000) or 1
    return BrowseQuery(
        sort=sort_option(sort).key,
        genre=genre.strip() if genre.strip().isdigit() else None,
        year=_int_or_none(year, MIN_YEAR, MAX_YEAR),
        paging=Paging.of(start=None, page=number, size=GRID_PAGE_SIZE, default=GRID_PAGE_SIZE),
    )


async def browse_params(
    sort: str = "title", genre: str = "", year: str = "", page: str = "1"
) -> BrowseQuery:
    """The grid's query parameters, shared by the page and its infinite-scroll fragment.
    Async although it never waits: FastAPI runs a plain function in a worker thread."""
    return browse_query(sort, genre, year, page)


def query_string(query: BrowseQuery, page: int) -> str:
    params: dict[str, str | int] = {}
    if query.sort != "title":
        params["sort"] = query.sort
    if query.genre:
        params["genre"] = query.genre
    if query.year:
        params["year"] = query.year
    if page > 1:
        params["page"] = page
    return f"?{urlencode(params)}" if params else ""


def more_links(base: str, cards: str, query: BrowseQuery, page: ItemPage) -> dict[str, Any]:
    """Next (as a fragment for infinite scroll and as a page) and previous page URLs."""
    number = query.paging.page
    has_more = bool(page.items) and page.has_more
    return {
        "more_url": f"{cards}{query_string(query, number + 1)}" if has_more else None,
        "next_url": f"{base}{query_string(query, number + 1)}" if has_more else None,
        "prev_url": f"{base}{query_string(query, number - 1)}" if number > 1 else None,
    }


@router.get("/library", response_class=HTMLResponse)
async def sections_page(request: Request, viewer: Viewer = Depends(require_viewer)) -> HTMLResponse:
    library = library_of(request)
    try:
        found = await library.sections()
    except ServiceDown as exc:
        return unavailable(request, viewer, exc, "Library")
    return library_page(
        request,
        viewer,
        "library_sections.html",
        title="Library",
        degraded=[found.degraded],
        sections=found.value,
    )


async def _section_listing(
    request: Request, viewer: Viewer, section_id: str, query: BrowseQuery, *, fragment: bool
) -> HTMLResponse:
    library = library_of(request)
    try:
        section = await library.section(section_id)
    except ServiceDown as exc:
        return unavailable(request, viewer, exc, "Library")
    base = f"/library/sections/{section.value.id}"
    degraded: list[Degraded | None] = [section.degraded]
    version = None
    try:
        found = await library.browse(section.value, query)
        page, degraded, version = found.value, [*degraded, found.degraded], found.version
    except ServiceDown as exc:
        page = ItemPage(items=[], total=0, start=query.paging.start)
        degraded.append(Degraded(exc.message, None, stale=False))
    links = more_links(base, f"{base}/cards", query, page)
    links["clear_filters_url"] = base if query.genre or query.year else None

    def cards() -> bytes:  # the posters hold nothing of the viewer: one rendering serves all
        template = request.app.state.templates.get_template("_library_cards.html")
        return str(template.render(lib=LINKS, page=page, **links)).encode()

    cards_html = library.rendered.render(version, ("cards", base, query), cards)
    if fragment:
        return HTMLResponse(cards_html)
    genres = await library.genres(section.value)
    values = {
        "page_title": section.value.title,
        "active": "library",
        "lib": LINKS,
        "notices": notices(*degraded),
        "section": section.value,
        "page": page,
        "query": query,
        "sorts": SORTS,
        "genres": genres.value,
        "base_url": base,
        "cards_html": Markup(cards_html.decode()),  # noqa: S704 - rendered by the autoescaping template
        **links,
    }
    # Fresh answers only (a notice is never kept): the page holds the section, its genres and
    # the posters, so all three answers name it.
    answers = [a for a in (section.version, genres.version, version) if a is not None]
    page_version = "|".join(answers) if len(answers) == 3 else None
    return shared_page(
        request,
        viewer,
        library.rendered,
        page_version,
        (base, query),
        "library_section.html",
        values,
    )


@router.get("/library/sections/{section_id}", response_class=HTMLResponse)
async def section_page(
    request: Request,
    section_id: str,
    query: BrowseQuery = Depends(browse_params),
    viewer: Viewer = Depends(require_viewer),
) -> HTMLResponse:
    return await _section_listing(request, viewer, section_id, query, fragment=False)


@router.get("/library/sections/{section_id}/cards", response_class=HTMLResponse)
async def section_cards(
    request: Request,
    section_id: str,
    query: BrowseQuery = Depends(browse_params),
    viewer: Viewer = Depends(require_viewer),
) -> HTMLResponse:
    """The next page of posters, for infinite scroll."""
    return await _section_listing(request, viewer, section_id, query, fragment=True)


@router.get("/library/items/{rating_key}", response_class=HTMLResponse)
async def item_page(
    request: Request, rating_key: str, viewer: Viewer = Depends(require_viewer)
) -> HTMLResponse:
    try:
        found = await library_of(request).item(rating_key)
    except ServiceDown as exc:
        return unavailable(request, viewer, exc, "Library")
    detail = found.value
    return library_page(
        request,
        viewer,
        "library_item.html",
        title=detail.item.title or "Untitled",
        degraded=[found.degraded],
        detail=detail,
        item=detail.item,
        types=ItemType,
    )


@router.get("/library/items/{rating_key}/episodes", response_class=HTMLResponse)
async def season_episodes(
    request: Request, rating_key: str, viewer: Viewer = Depends(require_viewer)
) -> HTMLResponse:
    """A season's episodes, loaded when its row on the show's page is opened."""
    try:
        found = await library_of(request).item(rating_key)
    except ServiceDown as exc:
        context = page_context(request, viewer, message=exc.message)
        return render(request, "_library_fragment_notice.html", context)
    context = page_context(request, viewer, lib=LINKS, episodes=found.value.children)
    return render(request, "_library_episodes.html", context)
