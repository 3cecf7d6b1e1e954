"""GET /api/v1/docs and GET /api/v1/docs/{slug}: the docs hub for scripts and other front ends."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from medianest.services import docs
from medianest.web.auth import Viewer, require_viewer
from medianest.web.deps import container_of
from medianest.web.pages.docs import hub_of
from medianest.web.problems import Problem

router = APIRouter(prefix="/api/v1", tags=["docs"])


class DocsPageOut(BaseModel):
    slug: str
    title: str = Field(description="with placeholders such as {{server_name}} filled in")
    position: int
    hidden: bool = Field(description="hidden pages are listed for admins only")
    updated_at: datetime
    url: str = Field(description="the page in the browser")


class DocsPageDetail(DocsPageOut):
    html: str = Field(description="the page rendered and sanitised, as the browser shows it")
    markdown: str | None = Field(description="the source, for admins only (null for others)")


@router.get("/docs", response_model=list[DocsPageOut])
async def list_docs(
    request: Request, viewer: Viewer = Depends(require_viewer)
) -> list[DocsPageOut]:
    async with container_of(request).sessions() as db:
        pages = await docs.list_pages(db, include_hidden=viewer.is_admin)
    titles = await hub_of(request).titles(pages)
    return [
        DocsPageOut(
            slug=page.slug,
            title=titles[page.id],
            position=page.position,
            hidden=page.hidden,
            updated_at=page.updated_at,
            url=f"/docs/{page.slug}",
        )
        for page in pages
    ]


@router.get("/docs/{slug}", response_model=DocsPageDetail)
async def get_doc(
    request: Request, slug: str, viewer: Viewer = Depends(require_viewer)
) -> DocsPageDetail:
    async with container_of(request).sessions() as db:
        page = await docs.find(db, slug, include_hidden=viewer.is_admin)
        if page is None:
            raise Problem(404, "There is no docs page with that address.")
        shown = await hub_of(request).render_page(db, page, signed_in=True)
    return DocsPageDetail(
        slug=page.slug,
        title=shown.title,
        position=page.position,
        hidden=page.hidden,
        updated_at=page.updated_at,
        url=f"/docs/{page.slug}",
        html=str(shown.html),
        markdown=page.body if viewer.is_admin else None,
    )
