"""The inbox page, the header bell's count, marking read, and which services send notices."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from medianest.services import inbox, notifications, service_notices
from medianest.web.auth import Viewer, page_context, require_viewer
from medianest.web.deps import container_of
from medianest.web.pages.dashboard_format import Format
from medianest.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 30
SAVED = {"read": "Marked as read.", "all": "Everything is marked as read.", "prefs": "Saved."}


@router.get("/inbox", response_class=HTMLResponse)
async def inbox_page(
    request: Request,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    unread: bool = False,
    viewer: Viewer = Depends(require_viewer),
) -> HTMLResponse:
    container = container_of(request)
    async with container.sessions() as db:
        found = await notifications.inbox(
            db, viewer.user.id, page=page, size=PAGE_SIZE, unread_only=unread
        )
        prefs = await service_notices.preferences(db, viewer.user.id)
    status = container.status
    context = page_context(
        request,
        viewer,
        page_title="Inbox",
        active="inbox",
        found=found,
        unread_only=unread,
        prefs=prefs,
        fmt=Format(status.clock() if status else datetime.now(UTC)),
        saved=SAVED.get(request.query_params.get("saved", "")),
        pages=max(1, -(-found.total // found.size)),
    )
    return render(request, "inbox.html", context)


@router.get("/inbox/bell", response_class=HTMLResponse)
async def bell(request: Request, viewer: Viewer = Depends(require_viewer)) -> HTMLResponse:
    async with container_of(request).sessions() as db:
        unread = await notifications.unread_count(db, viewer.user.id)
    context = page_context(request, viewer, bell_unread=unread)
    response = render(request, "_header_bell.html", context)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/inbox/{notification_id}/read")
async def read_one(
    request: Request, notification_id: int, viewer: Viewer = Depends(require_viewer)
) -> Response:
    async with container_of(request).sessions.begin() as db:
        await inbox.mark_read(db, viewer.user.id, [notification_id])
    return RedirectResponse("/inbox?saved=read", status_code=303)


@router.post("/inbox/read-all")
async def read_all(request: Request, viewer: Viewer = Depends(require_viewer)) -> Response:
    async with container_of(request).sessions.begin() as db:
        await inbox.mark_read(db, viewer.user.id, None)
    return RedirectResponse("/inbox?saved=all", status_code=303)


@router.post("/inbox/preferences")
async def save_preferences(
    request: Request,
    services: Annotated[list[int] | None, Form()] = None,
    viewer: Viewer = Depends(require_viewer),
) -> Response:
    async with container_of(request).sessions.begin() as db:
        await service_notices.set_wanted(db, viewer.user.id, services or [])
    return RedirectResponse("/inbox?saved=prefs#service-notices", status_code=303)
