"""JSON API of YouTube downloads (/api/v1/downloads): start, list, read, cancel, delete."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from medianest.services.downloads import DownloadService
from medianest.web.auth import Viewer, require_viewer
from medianest.web.deps import container_of
from medianest.web.problems import Problem

router = APIRouter(prefix="/api/v1", tags=["downloads"])


class DownloadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2000, description="A YouTube video or playlist URL")
    quality: str = Field(default="best", description="best, 1080p, 720p, 480p or audio")


class ItemOut(BaseModel):
    id: int
    position: int
    video_id: str | None
    title: str
    state: str = Field(description="pending, downloading, done, skipped, failed, cancelled")
    bytes_done: int
    bytes_total: int | None
    percent: float | None
    speed: float | None = Field(description="bytes per second")
    eta: int | None = Field(description="seconds")
    error: str | None


class TotalsOut(BaseModel):
    count: int
    done: int
    failed: int
    running: int
    percent: float
    bytes_done: int
    speed: float | None
    eta: int | None


class PlexOut(BaseModel):
    state: str = Field(description="none, waiting, done, missing")
    not_yet_in_plex: bool
    message: str | None
    collection_key: str | None
    collection_title: str | None
    link: str | None


class FailureOut(BaseModel):
    position: int
    title: str
    error: str | None


class DownloadOut(BaseModel):
    id: int
    url: str
    title: str
    kind: str = Field(description="video or playlist")
    quality: str
    owner: str
    user_id: int
    state: str = Field(
        description="queued, downloading, processing, completed, partially_completed, "
        "failed, cancelled"
    )
    state_label: str
    active: bool
    cancellable: bool
    retryable: bool
    deletable: bool
    wait_reason: str | None
    error: str | None
    plex: PlexOut
    has_thumbnail: bool
    created_at: str
    finished_at: str | None
    totals: TotalsOut
    failures: list[FailureOut]
    items: list[ItemOut]


class PreviewOut(BaseModel):
    token: str
    url: str
    kind: str
    title: str
    count: int
    quality: str
    entries: list[dict[str, Any]]


def service_of(request: Request) -> DownloadService:
    service = container_of(request).downloads
    if service is None:
        raise Problem(503, "Downloads are not available.")
    return service


@router.post("/downloads/resolve", response_model=PreviewOut)
async def resolve(
    request: Request, body: DownloadIn, viewer: Viewer = Depends(require_viewer)
) -> PreviewOut:
    """What a URL holds (title, count), without starting anything; checks the allow-list."""
    found = await service_of(request).preview(viewer.actor, body.url, body.quality)
    return PreviewOut(
        token=found.token,
        url=found.url,
        kind=found.resolved.kind,
        title=found.resolved.title,
        count=found.resolved.count,
        quality=found.quality.value,
        entries=[
            {"position": e.position, "video_id": e.video_id, "title": e.title}
            for e in found.resolved.entries
        ],
    )


@router.post("/downloads", response_model=DownloadOut, status_code=201)
async def start(
    request: Request, body: DownloadIn, viewer: Viewer = Depends(require_viewer)
) -> dict[str, Any]:
    return await service_of(request).create(viewer.actor, body.url, body.quality)


@router.get("/downloads", response_model=list[DownloadOut])
async def list_downloads(
    request: Request, all: bool = False, viewer: Viewer = Depends(require_viewer)
) -> list[dict[str, Any]]:
    """Your downloads, newest first; ``all=true`` lists everyone's (admins only)."""
    if all and not viewer.is_admin:
        raise Problem(403, "Only an admin can list everyone's downloads.")
    return await service_of(request).list(viewer.actor, everyone=all)


@router.get("/downloads/{job_id}", response_model=DownloadOut)
async def get_download(
    request: Request, job_id: int, viewer: Viewer = Depends(require_viewer)
) -> dict[str, Any]:
    return await service_of(request).get(viewer.actor, job_id)


@router.post("/downloads/{job_id}/cancel", response_model=DownloadOut)
async def cancel(
    request: Request, job_id: int, viewer: Viewer = Depends(require_viewer)
) -> dict[str, Any]:
    return await service_of(request).cancel(viewer.actor, job_id)


@router.post("/downloads/{job_id}/retry", response_model=DownloadOut)
async def retry(
    request: Request, job_id: int, viewer: Viewer = Depends(require_viewer)
) -> dict[str, Any]:
    """Queues the failed and cancelled videos of a finished download again."""
    return await service_of(request).retry(viewer.actor, job_id)


@router.post("/downloads/{job_id}/retry-plex", response_model=DownloadOut)
async def retry_plex(
    request: Request, job_id: int, viewer: Viewer = Depends(require_viewer)
) -> dict[str, Any]:
    """For a download flagged "not yet in Plex": scan and make the collection again."""
    return await service_of(request).retry_plex(viewer.actor, job_id)


@router.delete("/downloads/{job_id}", status_code=204)
async def delete(
    request: Request, job_id: int, viewer: Viewer = Depends(require_viewer)
) -> Response:
    """Deletes a finished download: its files and its Plex collection."""
    await service_of(request).delete(viewer.actor, job_id)
    return Response(status_code=204)
