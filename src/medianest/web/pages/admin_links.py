"""Admin page for the dashboard's quick links: add, reorder, remove."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from medianest.domain.errors import DomainError
from medianest.services import quick_links, service_notices
from medianest.services.quick_links import LinkInput
from medianest.web.auth import Viewer, page_context, require_admin
from medianest.web.deps import container_of
from medianest.web.pages.dashboard_cache import QUICK_LINKS, forget
from medianest.web.templating import render

router = APIRouter(include_in_schema=False)


async def _page(
    request: Request,
    viewer: Viewer,
    *,
    error: str | None = None,
    form: LinkInput | None = None,
    status: int = 200,
) -> HTMLResponse:
    async with container_of(request).sessions() as db:
        links = await quick_links.list_links(db)
        services = await service_notices.preferences(db, viewer.user.id)
    names = {s.service_id: s.name for s in services}
    context = page_context(
        request,
        viewer,
        page_title="Quick links",
        active="admin",
        links=links,
        services=services,
        service_names=names,
        icons=quick_links.ICONS,
        error=error,
        form=form or LinkInput("", "https://", "link"),
        saved=request.query_params.get("saved"),
    )
    return render(request, "admin_links.html", context, status_code=status)


@router.get("/admin/links", response_class=HTMLResponse)
async def links_page(request: Request, viewer: Viewer = Depends(require_admin)) -> HTMLResponse:
    return await _page(request, viewer)


@router.post("/admin/links", response_class=HTMLResponse)
async def add_link(
    request: Request,
    title: Annotated[str, Form(max_length=200)],
    url: Annotated[str, Form(max_length=1000)],
    icon: Annotated[str, Form(max_length=40)] = "link",
    service_id: Annotated[str, Form(max_length=20)] = "",
    viewer: Viewer = Depends(require_admin),
) -> Response:
    data = LinkInput(title, url, icon, int(service_id) if service_id.isdigit() else None)
    try:
        async with container_of(request).sessions.begin() as db:
            await quick_links.add(db, viewer.actor, data)
    except DomainError as exc:
        return await _page(request, viewer, error=exc.message, form=data, status=422)
    forget(request.app, QUICK_LINKS)
    return RedirectResponse("/admin/links?saved=added", status_code=303)


@router.post("/admin/links/{link_id}/{action}")
async def link_action(
    request: Request, link_id: int, action: str, viewer: Viewer = Depends(require_admin)
) -> Response:
    async with container_of(request).sessions.begin() as db:
        if action == "delete":
            await quick_links.remove(db, viewer.actor, link_id)
        elif action in ("up", "down"):
            await quick_links.move(db, viewer.actor, link_id, up=action == "up")
        else:
            raise DomainError("Unknown action.")
    forget(request.app, QUICK_LINKS)
    return RedirectResponse(f"/admin/links?saved={action}", status_code=303)
