"""Admin pages for the docs hub: list, add, edit with preview, reorder, hide, delete, restore."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from medianest.domain.errors import NotFound
from medianest.persistence.models import DocsPage
from medianest.services import docs
from medianest.services.docs import PageInput, PageInvalid
from medianest.web.auth import Viewer, page_context, require_admin
from medianest.web.deps import container_of
from medianest.web.pages.docs import hub_of
from medianest.web.templating import render

router = APIRouter(include_in_schema=False)

Title = Annotated[str, Form(max_length=1000)]
Slug = Annotated[str, Form(max_length=1000)]
Body = Annotated[str, Form(max_length=docs.MAX_BODY * 2)]
ACTIONS = ("up", "down", "hide", "show", "delete")
SAVED = {
    "added": "Page added.",
    "saved": "Page saved.",
    "up": "Moved up.",
    "down": "Moved down.",
    "hide": "Page hidden: only admins see it now.",
    "show": "Page shown to everyone.",
    "delete": "Page deleted.",
    "restore": "Default pages restored.",
}


@router.get("/admin/docs", response_class=HTMLResponse)
async def docs_admin(request: Request, viewer: Viewer = Depends(require_admin)) -> HTMLResponse:
    async with container_of(request).sessions() as db:
        pages = await docs.list_pages(db, include_hidden=True)
        missing = await docs.missing_defaults(db)
    context = page_context(
        request,
        viewer,
        page_title="Docs pages",
        active="admin",
        pages=pages,
        titles=await hub_of(request).titles(pages),
        missing=missing,
        saved=SAVED.get(request.query_params.get("saved", "")),
    )
    return render(request, "admin_docs.html", context)


async def _form(
    request: Request,
    viewer: Viewer,
    form: PageInput,
    page: DocsPage | None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    context = page_context(
        request,
        viewer,
        page_title="Edit docs page" if page else "New docs page",
        active="admin",
        form=form,
        page=page,
        errors=errors or {},
        preview=await hub_of(request).preview(form.body) if form.body else None,
    )
    return render(request, "admin_docs_edit.html", context, status_code=status)


@router.get("/admin/docs/new", response_class=HTMLResponse)
async def new_page(request: Request, viewer: Viewer = Depends(require_admin)) -> HTMLResponse:
    return await _form(request, viewer, PageInput("", "", ""), None)


@router.post("/admin/docs", response_class=HTMLResponse)
async def add_page(
    request: Request,
    title: Title = "",
    slug: Slug = "",
    body: Body = "",
    viewer: Viewer = Depends(require_admin),
) -> Response:
    data = PageInput(title, slug, body)
    try:
        async with container_of(request).sessions.begin() as db:
            page = await docs.create(db, viewer.actor, data)
            slug = page.slug
    except PageInvalid as exc:
        return await _form(request, viewer, data, None, exc.errors, status=422)
    return RedirectResponse(f"/admin/docs?saved=added#page-{slug}", status_code=303)


@router.get("/admin/docs/{page_id}/edit", response_class=HTMLResponse)
async def edit_page(
    request: Request, page_id: int, viewer: Viewer = Depends(require_admin)
) -> HTMLResponse:
    async with container_of(request).sessions() as db:
        page = await docs.get(db, page_id)
    return await _form(request, viewer, PageInput(page.title, page.slug, page.body), page)


@router.post("/admin/docs/{page_id}/edit", response_class=HTMLResponse)
async def save_page(
    request: Request,
    page_id: int,
    title: Title = "",
    slug: Slug = "",
    body: Body = "",
    viewer: Viewer = Depends(require_admin),
) -> Response:
    data = PageInput(title, slug, body)
    try:
        async with container_of(request).sessions.begin() as db:
            await docs.update(db, viewer.actor, page_id, data)
    except PageInvalid as exc:
        async with container_of(request).sessions() as db:
            page = await docs.get(db, page_id)
        return await _form(request, viewer, data, page, exc.errors, status=422)
    return RedirectResponse("/admin/docs?saved=saved", status_code=303)


@router.post("/admin/docs/preview", response_class=HTMLResponse)
async def preview(
    request: Request, body: Body = "", viewer: Viewer = Depends(require_admin)
) -> HTMLResponse:
    context = page_context(request, viewer, preview=await hub_of(request).preview(body))
    return render(request, "_docs_preview.html", context)


@router.post("/admin/docs/restore")
async def restore(request: Request, viewer: Viewer = Depends(require_admin)) -> Response:
    async with container_of(request).sessions.begin() as db:
        await docs.restore_defaults(db, viewer.actor)
    return RedirectResponse("/admin/docs?saved=restore", status_code=303)


@router.post("/admin/docs/{page_id}/{action}")
async def page_action(
    request: Request, page_id: int, action: str, viewer: Viewer = Depends(require_admin)
) -> Response:
    if action not in ACTIONS:
        raise NotFound("There is no such action.")
    async with container_of(request).sessions.begin() as db:
        if action == "delete":
            await docs.delete(db, viewer.actor, page_id)
        elif action in ("hide", "show"):
            await docs.set_hidden(db, viewer.actor, page_id, action == "hide")
        else:
            await docs.move(db, viewer.actor, page_id, up=action == "up")
    return RedirectResponse(f"/admin/docs?saved={action}", status_code=303)
