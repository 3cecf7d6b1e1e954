"""Admin page: connection settings of Plex, Overseerr, Uptime Kuma and the YouTube downloader.

"Test connection" (HTMX) answers a small fragment; Save re-tests on the server and refuses
failing values with the reason inline. Secret fields are write-only: never put in a page.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from medianest.domain.errors import DomainError
from medianest.services.integration_fields import SERVICES, spec_of
from medianest.services.integration_probe import Probe
from medianest.services.integration_settings import IntegrationSettings, Submitted
from medianest.web.auth import Viewer, page_context, require_admin
from medianest.web.deps import container_of
from medianest.web.pages.dashboard_format import Format
from medianest.web.problems import Problem
from medianest.web.templating import render

router = APIRouter(include_in_schema=False)
DIAGNOSTICS_NAME = "medianest-integrations-diagnostics.json"


def integration_settings(request: Request) -> IntegrationSettings:
    service = container_of(request).integration_settings
    if service is None:
        raise Problem(503, "Integration settings are not available in this process.")
    return service


async def submitted_form(request: Request, service: str) -> Submitted:
    spec = spec_of(service)
    form = await request.form()
    values = {f.name: str(form.get(f.name) or "") for f in spec.fields}
    clear = frozenset(str(v) for v in form.getlist("clear")) & set(spec.secret_names)
    return Submitted(values, clear)


async def _page(
    request: Request,
    viewer: Viewer,
    *,
    failed: str | None = None,
    error: str | None = None,
    entered: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    service = integration_settings(request)
    context: dict[str, Any] = page_context(
        request,
        viewer,
        page_title="Integrations",
        active="admin",
        views=await service.views(),
        sections=await service.plex_sections(),
        download_root=str(service.download_root),
        failed=failed,
        error=error,
        entered=entered or {},
        saved=request.query_params.get("saved") if status == 200 else None,
        demo=bool(container_of(request).settings.demo),
        fmt=Format(datetime.now(UTC)),
    )
    return render(request, "admin_integrations.html", context, status_code=status)


@router.get("/admin/integrations", response_class=HTMLResponse)
async def integrations_page(
    request: Request, viewer: Viewer = Depends(require_admin)
) -> HTMLResponse:
    return await _page(request, viewer)


@router.get("/admin/integrations/diagnostics")
async def diagnostics_download(
    request: Request, viewer: Viewer = Depends(require_admin)
) -> Response:
    text = await integration_settings(request).diagnostics_json()
    return Response(
        text,
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{DIAGNOSTICS_NAME}"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/admin/integrations/{service}/test", response_class=HTMLResponse)
async def probe_connection(
    request: Request, service: str, viewer: Viewer = Depends(require_admin)
) -> HTMLResponse:
    if service not in SERVICES:
        raise Problem(404, "There is no such integration.")
    try:
        probe: Probe | None = await integration_settings(request).test(
            service, await submitted_form(request, service)
        )
        error = None
    except DomainError as exc:
        probe, error = None, exc.message
    context = {"probe": probe, "error": error, "service": service}
    return render(request, "_admin_integration_result.html", context)


@router.post("/admin/integrations/{service}", response_class=HTMLResponse)
async def save(request: Request, service: str, viewer: Viewer = Depends(require_admin)) -> Response:
    if service not in SERVICES:
        raise Problem(404, "There is no such integration.")
    submitted = await submitted_form(request, service)
    entered = {
        f.name: submitted.values.get(f.name, "") for f in SERVICES[service].fields if not f.secret
    }
    try:
        await integration_settings(request).save(viewer.actor, service, submitted)
    except DomainError as exc:
        return await _page(
            request, viewer, failed=service, error=exc.message, entered=entered, status=422
        )
    return RedirectResponse(f"/admin/integrations?saved={service}#{service}", status_code=303)
