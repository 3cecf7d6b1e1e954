"""'My requests', the admins' 'All requests', withdrawing, and the poster proxy.

The lists read MediaNest's own records only, so they work while Overseerr is down. They refresh
themselves (HTMX ``sse:request.updated``) when a status changes.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from medianest.domain.errors import DomainError, NotFound
from medianest.domain.requests import MEDIA_TYPES, RequestState, seasons_text, state_named
from medianest.services import request_queries
from medianest.services.request_queries import RequestFilter
from medianest.web.auth import Viewer, page_context, require_admin, require_viewer
from medianest.web.deps import container_of
from medianest.web.problems import Problem
from medianest.web.request_helpers import (
    int_param,
    library_url,
    page_base,
    poster_url,
    requests_service,
)
from medianest.web.templating import render

router = APIRouter(include_in_schema=False)
POSTER_CACHE = "private, max-age=2592000, immutable"  # TMDB names change with the picture


def _filter(request: Request, *, everyone: bool) -> RequestFilter:
    params = request.query_params
    user = params.get("user", "")
    return RequestFilter(
        status=params.get("status") or None,
        media_type=params.get("type") or None,
        user_id=int(user) if user.isdigit() else None,
        q=params.get("q", "")[:120],
        everyone=everyone,
    )


async def _list_page(
    request: Request, viewer: Viewer, *, everyone: bool, error: str | None = None, status: int = 200
) -> HTMLResponse:
    wanted = _filter(request, everyone=everyone)
    page = int_param(request.query_params.get("page"))
    async with container_of(request).sessions() as db:
        found = await request_queries.browse(db, viewer.actor, wanted, page=page)
        people = await request_queries.requesters(db) if everyone else []
    context: dict[str, Any] = page_context(
        request,
        viewer,
        page_title="All requests" if everyone else "My requests",
        active="requests",
        tab="all" if everyone else "mine",
        found=found,
        wanted=wanted.clean(),
        people=people,
        states=list(RequestState),
        media_types=MEDIA_TYPES,
        created=request.query_params.get("created"),
        withdrawn=request.query_params.get("withdrawn") == "1",
        synced=request.query_params.get("synced", "")[:6],
        changed=request.query_params.get("changed", "")[:6],
        error=error,
        poster_url=poster_url,
        library_url=library_url,
        state_named=state_named,
        seasons_text=seasons_text,
        page_base=page_base(request),
    )
    return render(request, "requests_list.html", context, status_code=status)


@router.get("/requests/mine", response_class=HTMLResponse)
async def my_requests(request: Request, viewer: Viewer = Depends(require_viewer)) -> HTMLResponse:
    return await _list_page(request, viewer, everyone=False)


@router.get("/requests/all", response_class=HTMLResponse)
async def all_requests(request: Request, viewer: Viewer = Depends(require_admin)) -> HTMLResponse:
    return await _list_page(request, viewer, everyone=True)


@router.post("/requests/{request_id}/withdraw")
async def withdraw(
    request: Request,
    request_id: int,
    back: Annotated[str, Form(max_length=8)] = "mine",
    viewer: Viewer = Depends(require_viewer),
) -> Response:
    everyone = back == "all" and viewer.is_admin
    try:
        await requests_service(request).withdraw(viewer.actor, request_id)
    except NotFound:
        raise
    except DomainError as exc:
        return await _list_page(request, viewer, everyone=everyone, error=exc.message, status=409)
    target = "/requests/all" if everyone else "/requests/mine"
    return RedirectResponse(f"{target}?withdrawn=1", status_code=303)


@router.post("/requests/sync")
async def sync_now(request: Request, viewer: Viewer = Depends(require_admin)) -> Response:
    """Admins: ask Overseerr about every open request now instead of at the next interval."""
    report = await requests_service(request).reconcile(due_only=False)
    if report.problem:
        return await _list_page(request, viewer, everyone=True, error=report.problem, status=503)
    return RedirectResponse(
        f"/requests/all?synced={report.checked}&changed={report.changed}", status_code=303
    )


@router.get("/requests/posters/{size}/{name}")
async def poster(
    request: Request, size: str, name: str, viewer: Viewer = Depends(require_viewer)
) -> Response:
    try:
        found = await requests_service(request).posters.get(size, name)
        # One thread hop for the whole (small) file: a streamed FileResponse makes four or
        # five (stat, open, read, close), and posters are most of what a page asks for.
        body = await asyncio.to_thread(found.path.read_bytes)
    except NotFound:
        raise Problem(404, "No such poster.") from None
    except (DomainError, OSError):  # OSError: pruned from the cache just now
        raise Problem(502, "The poster could not be fetched.") from None
    return Response(body, media_type=found.media_type, headers={"Cache-Control": POSTER_CACHE})
