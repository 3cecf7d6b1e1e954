"""The requests page: search, the confirmation dialog, and filing a request.

With JavaScript the search results and the dialog arrive as HTMX fragments (three clicks from
the search box: search, Request, Confirm); without it the same URLs render whole pages.
"""

from __future__ import annotations

import contextlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from medianest.domain.errors import DomainError, RateLimited, ServiceDown
from medianest.domain.requests import NoRequestAccount, seasons_text, state_named
from medianest.services.docs_defaults import FAQ_REQUEST_REFUSED, faq_anchor
from medianest.services.request_search import SearchOutcome
from medianest.services.requests import Readiness
from medianest.web.auth import Viewer, page_context, require_viewer
from medianest.web.problems import problem_from
from medianest.web.request_helpers import (
    chosen_seasons,
    int_param,
    is_htmx,
    library_url,
    page_base,
    poster_url,
    requests_service,
)
from medianest.web.templating import render

router = APIRouter(include_in_schema=False)


def _context(request: Request, viewer: Viewer, **values: Any) -> dict[str, Any]:
    defaults: dict[str, Any] = {
        "page_title": "Requests",
        "active": "requests",
        "tab": "search",
        "poster_url": poster_url,
        "library_url": library_url,
        "seasons_text": seasons_text,
        "in_dialog": is_htmx(request),
        "admin_hint": "",
    }
    return page_context(request, viewer, **(defaults | values))


@router.get("/requests", response_class=HTMLResponse)
async def search_page(request: Request, viewer: Viewer = Depends(require_viewer)) -> HTMLResponse:
    service = requests_service(request)
    query = request.query_params.get("q", "")[:200]
    page = int_param(request.query_params.get("page"))
    ready = await service.readiness(viewer.actor)
    outcome, error = SearchOutcome(query=query.strip()), None
    if query.strip() and ready.can_search:
        try:
            outcome = await service.search(viewer.actor, query, page)
        except ServiceDown as exc:
            ready = Readiness(problem=exc.message)
        except DomainError as exc:
            error = exc.message
    context = _context(
        request,
        viewer,
        query=query,
        outcome=outcome,
        ready=ready,
        error=error,
        page_base=page_base(request),
    )
    if is_htmx(request) and request.headers.get("hx-target") == "request-results":
        return render(request, "_request_results.html", context)
    return render(request, "requests.html", context)


@router.get("/requests/new/{media_type}/{tmdb_id}", response_class=HTMLResponse)
async def request_dialog(
    request: Request, media_type: str, tmdb_id: int, viewer: Viewer = Depends(require_viewer)
) -> HTMLResponse:
    service = requests_service(request)
    draft, error, status = None, None, 200
    try:
        draft = await service.draft(viewer.actor, media_type, tmdb_id)
    except DomainError as exc:
        error, status = exc.message, problem_from(exc).status
    context = _context(request, viewer, draft=draft, error=error, done=None)
    if is_htmx(request):
        return render(request, "_request_dialog.html", context)
    return render(request, "request_new.html", context, status_code=status)


@router.post("/requests", response_class=HTMLResponse)
async def create_request(
    request: Request,
    media_type: Annotated[str, Form(max_length=8)],
    tmdb_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    seasons_mode: Annotated[str | None, Form(max_length=8)] = None,
    season: Annotated[list[str] | None, Form(max_length=200)] = None,
    viewer: Viewer = Depends(require_viewer),
) -> Response:
    service = requests_service(request)
    wanted = chosen_seasons(seasons_mode, season or []) if media_type == "tv" else None
    try:
        row = await service.create(viewer.actor, media_type, tmdb_id, wanted)
    except DomainError as exc:
        return await _refused(request, viewer, media_type, tmdb_id, exc)
    if not is_htmx(request):
        return RedirectResponse(f"/requests/mine?created={row.id}", status_code=303)
    hit = None
    with contextlib.suppress(DomainError):  # else the card keeps its badge; the request is filed
        hit = (await service.draft(viewer.actor, media_type, tmdb_id)).hit
    state = state_named(row.status)
    context = _context(
        request, viewer, draft=None, error=None, done=row, state=state, hit=hit, ready=Readiness()
    )
    return render(request, "_request_dialog.html", context)


async def _refused(
    request: Request, viewer: Viewer, media_type: str, tmdb_id: int, exc: DomainError
) -> HTMLResponse:
    """The dialog again, saying why; HTMX swaps only 2xx answers, so those stay 200."""
    hint = exc.admin_hint if isinstance(exc, NoRequestAccount) and viewer.is_admin else ""
    wait = exc.retry_after if isinstance(exc, RateLimited) else None
    draft = None
    if not isinstance(exc, ServiceDown):
        try:
            draft = await requests_service(request).draft(viewer.actor, media_type, tmdb_id)
        except DomainError:
            draft = None
    context = _context(request, viewer, draft=draft, error=exc.message, admin_hint=hint, done=None)
    context["help_anchor"] = faq_anchor(exc, FAQ_REQUEST_REFUSED)
    if is_htmx(request):
        return render(request, "_request_dialog.html", context)
    response = render(request, "request_new.html", context, status_code=problem_from(exc).status)
    if wait is not None:
        response.headers["Retry-After"] = str(wait)
    return response
