"""The YouTube page: paste a URL, confirm what it holds, watch downloads fill up live."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from medianest.domain.downloads import Quality
from medianest.domain.errors import DomainError, InvalidInput, NotFound, RateLimited
from medianest.services.docs_defaults import FAQ_DOWNLOAD_FAILED, FAQ_RATE_LIMIT
from medianest.services.downloads import DownloadService, Preview
from medianest.web.api.downloads import service_of
from medianest.web.auth import Viewer, page_context, require_viewer
from medianest.web.deps import container_of
from medianest.web.templating import render

router = APIRouter(include_in_schema=False)
ACTIONS = {"cancel", "retry", "retry-plex"}


def fmt_bytes(value: float | None) -> str:
    if value is None:
        return "?"
    size = float(value)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def fmt_eta(seconds: int | None) -> str:
    if seconds is None:
        return ""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


HELPERS = {"fmt_bytes": fmt_bytes, "fmt_eta": fmt_eta}


async def _page(
    request: Request,
    viewer: Viewer,
    *,
    preview: Preview | None = None,
    error: str | None = None,
    url: str = "",
    quality: str = Quality.BEST.value,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    service = service_of(request)
    everyone = viewer.is_admin and request.query_params.get("scope") != "mine"
    jobs = await service.list(viewer.actor, everyone=everyone)
    hosts = (await service.policy.current()).entries
    context = page_context(
        request,
        viewer,
        page_title="YouTube downloads",
        active="youtube",
        jobs=jobs,
        everyone=everyone,
        preview=preview,
        error=error,
        url=url,
        quality=quality,
        qualities=list(Quality),
        hosts=hosts,
        samples=container_of(request).settings.demo_sample_urls,
        notice=request.query_params.get("done"),
        help_anchor=FAQ_RATE_LIMIT if status == 429 else FAQ_DOWNLOAD_FAILED,
        **HELPERS,
    )
    response = render(request, "downloads.html", context, status_code=status)
    response.headers.update(headers or {})
    return response


@router.get("/downloads", response_class=HTMLResponse)
async def downloads_page(request: Request, viewer: Viewer = Depends(require_viewer)) -> Response:
    return await _page(request, viewer)


@router.post("/downloads/preview", response_class=HTMLResponse)
async def preview(
    request: Request,
    url: Annotated[str, Form(max_length=2000)] = "",
    quality: Annotated[str, Form(max_length=16)] = "best",
    viewer: Viewer = Depends(require_viewer),
) -> Response:
    """Resolves first, so the person sees title, number of videos and thumbnail, then confirms."""
    try:
        found = await service_of(request).preview(viewer.actor, url, quality)
    except DomainError as exc:
        return await _page(request, viewer, error=exc.message, url=url, quality=quality, status=422)
    return await _page(request, viewer, preview=found, url=found.url, quality=found.quality.value)


@router.post("/downloads", response_class=HTMLResponse)
async def start(
    request: Request,
    url: Annotated[str, Form(max_length=2000)] = "",
    quality: Annotated[str, Form(max_length=16)] = "best",
    token: Annotated[str, Form(max_length=64)] = "",
    viewer: Viewer = Depends(require_viewer),
) -> Response:
    try:
        await service_of(request).create(viewer.actor, url, quality, token or None)
    except RateLimited as exc:
        headers = {"Retry-After": str(exc.retry_after)}
        return await _page(
            request,
            viewer,
            error=exc.message,
            url=url,
            quality=quality,
            status=429,
            headers=headers,
        )
    except DomainError as exc:
        return await _page(request, viewer, error=exc.message, url=url, quality=quality, status=422)
    return RedirectResponse("/downloads?done=started", status_code=303)


@router.post("/downloads/hosts")
async def change_hosts(
    request: Request,
    hosts: Annotated[str, Form(max_length=2000)] = "",
    viewer: Viewer = Depends(require_viewer),
) -> Response:
    service: DownloadService = service_of(request)
    try:
        async with container_of(request).sessions.begin() as db:
            await service.policy.replace(db, viewer.actor, hosts)
    except InvalidInput as exc:
        return await _page(request, viewer, error=exc.message, status=422)
    return RedirectResponse("/downloads?done=hosts", status_code=303)


@router.post("/downloads/{job_id}/{action}")
async def job_action(
    request: Request, job_id: int, action: str, viewer: Viewer = Depends(require_viewer)
) -> Response:
    service = service_of(request)
    if action == "delete":
        await service.delete(viewer.actor, job_id)
        return RedirectResponse("/downloads?done=deleted", status_code=303)
    if action not in ACTIONS:
        raise NotFound("No such action.")
    handlers = {"cancel": service.cancel, "retry": service.retry, "retry-plex": service.retry_plex}
    await handlers[action](viewer.actor, job_id)
    return RedirectResponse(f"/downloads?done={action}#dl-job-{job_id}", status_code=303)


@router.get("/downloads/{job_id}/card", response_class=HTMLResponse)
async def job_card(
    request: Request, job_id: int, viewer: Viewer = Depends(require_viewer)
) -> HTMLResponse:
    """One job's card, for the page's live updates (state changes, new jobs)."""
    job = await service_of(request).get(viewer.actor, job_id)
    context: dict[str, Any] = page_context(request, viewer, job=job, **HELPERS)
    return render(request, "_download_job.html", context)


@router.get("/downloads/{job_id}/thumbnail")
async def job_thumbnail(
    request: Request, job_id: int, viewer: Viewer = Depends(require_viewer)
) -> Response:
    found = await service_of(request).thumbnail(viewer.actor, job_id)
    if found is None:
        raise NotFound("No thumbnail.")
    data, kind = found
    return Response(data, media_type=kind, headers={"Cache-Control": "private, max-age=86400"})


@router.get("/downloads/preview/{token}/thumbnail")
async def preview_thumbnail(
    request: Request, token: str, viewer: Viewer = Depends(require_viewer)
) -> Response:
    found = service_of(request).preview_of(viewer.actor, token)
    if found is None or not found.thumbnail:
        raise NotFound("No thumbnail.")
    return Response(
        found.thumbnail, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=600"}
    )
