"""JSON API of media requests: search, request, list, read, withdraw (``/api/v1``).

A person sees and withdraws only their own requests (another person's answers 404); admins see
everyone's. Errors are problem details: 409 duplicates, 403 no Overseerr account or quota,
429 with ``Retry-After`` past the hourly limit, 503 while Overseerr is down.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from medianest.domain.requests import state_named
from medianest.persistence.models import MediaRequest
from medianest.services import request_queries
from medianest.services.request_queries import RequestFilter, RequestRow
from medianest.services.request_search import SearchHit
from medianest.web.auth import Viewer, require_viewer
from medianest.web.deps import container_of
from medianest.web.request_helpers import library_url, poster_url, requests_service

router = APIRouter(prefix="/api/v1", tags=["requests"])


class AvailabilityOut(BaseModel):
    kind: str = Field(description="available, partial, requested, unknown, or empty: nothing yet")
    label: str
    library_url: str | None


class SearchResultOut(BaseModel):
    media_type: Literal["movie", "tv"]
    tmdb_id: int
    title: str
    year: int | None
    overview: str
    poster_url: str | None
    availability: AvailabilityOut
    requestable: bool

    @classmethod
    def of(cls, hit: SearchHit) -> SearchResultOut:
        found = hit.availability
        return cls(
            media_type="tv" if hit.media_type == "tv" else "movie",
            tmdb_id=hit.tmdb_id,
            title=hit.title,
            year=hit.year,
            overview=hit.overview,
            poster_url=poster_url(hit.poster_path, "w342"),
            availability=AvailabilityOut(
                kind=found.kind, label=found.label, library_url=found.library_url
            ),
            requestable=hit.requestable,
        )


class SearchOut(BaseModel):
    query: str
    page: int
    total_pages: int
    results: list[SearchResultOut]


class RequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    media_type: Literal["movie", "tv"]
    tmdb_id: int = Field(ge=1, le=2**31 - 1)
    seasons: list[int] | Literal["all"] | None = Field(
        default=None, description='TV only: season numbers, or "all" (the default)'
    )


class RequestOut(BaseModel):
    id: int
    media_type: str
    tmdb_id: int
    title: str
    year: int | None
    poster_url: str | None
    seasons: list[int] | None
    status: str = Field(
        description="pending, approved, declined, processing, partially_available, available, "
        "failed, removed or unknown"
    )
    status_label: str
    library_url: str | None
    overseerr_request_id: int | None
    user_id: int
    requested_by: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: MediaRequest, requester: str) -> RequestOut:
        state = state_named(row.status)
        return cls(
            id=row.id,
            media_type=row.media_type,
            tmdb_id=row.tmdb_id,
            title=row.title,
            year=row.year,
            poster_url=poster_url(row.poster_path, "w342"),
            seasons=row.seasons,
            status=state.value,
            status_label=state.label,
            library_url=library_url(row.rating_key),
            overseerr_request_id=row.overseerr_request_id,
            user_id=row.user_id,
            requested_by=requester,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @classmethod
    def of_row(cls, found: RequestRow) -> RequestOut:
        return cls.of(found.request, found.requester)


class RequestListOut(BaseModel):
    total: int
    page: int
    pages: int
    results: list[RequestOut]


@router.get("/media/search", response_model=SearchOut)
async def search(
    request: Request,
    q: str = Query(min_length=1, max_length=200),
    page: int = Query(default=1, ge=1, le=500),
    viewer: Viewer = Depends(require_viewer),
) -> SearchOut:
    found = await requests_service(request).search(viewer.actor, q, page)
    return SearchOut(
        query=found.query,
        page=found.page,
        total_pages=found.total_pages,
        results=[SearchResultOut.of(hit) for hit in found.hits],
    )


@router.post("/requests", response_model=RequestOut, status_code=201)
async def create(
    request: Request, body: RequestIn, viewer: Viewer = Depends(require_viewer)
) -> RequestOut:
    seasons = body.seasons if body.media_type == "tv" else None
    row = await requests_service(request).create(
        viewer.actor, body.media_type, body.tmdb_id, seasons
    )
    return RequestOut.of(row, viewer.user.display_name)


@router.get("/requests", response_model=RequestListOut)
async def list_requests(
    request: Request,
    status: str | None = Query(default=None, max_length=24),
    media_type: Literal["movie", "tv"] | None = None,
    user_id: int | None = Query(default=None, description="admins: one person's requests"),
    mine: bool = Query(default=False, description="admins: only your own requests"),
    page: int = Query(default=1, ge=1, le=10_000),
    viewer: Viewer = Depends(require_viewer),
) -> RequestListOut:
    """Your requests, newest first; an admin gets everyone's unless ``mine=true``."""
    wanted = RequestFilter(status=status, media_type=media_type, user_id=user_id, everyone=not mine)
    async with container_of(request).sessions() as db:
        found = await request_queries.browse(db, viewer.actor, wanted, page=page)
    return RequestListOut(
        total=found.total,
        page=found.page,
        pages=found.pages,
        results=[RequestOut.of_row(r) for r in found.rows],
    )


@router.get("/requests/{request_id}", response_model=RequestOut)
async def get_request(
    request: Request, request_id: int, viewer: Viewer = Depends(require_viewer)
) -> RequestOut:
    async with container_of(request).sessions() as db:
        return RequestOut.of_row(await request_queries.request_row(db, viewer.actor, request_id))


@router.delete("/requests/{request_id}", status_code=204)
async def withdraw(
    request: Request, request_id: int, viewer: Viewer = Depends(require_viewer)
) -> Response:
    """Withdraw a request that is still pending (your own; admins anyone's)."""
    await requests_service(request).withdraw(viewer.actor, request_id)
    return Response(status_code=204)
