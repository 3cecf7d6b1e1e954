"""Admin pages: Limits & features (/admin/settings) and Branding (/admin/branding).

Both post the whole form; the service validates all of it (nothing is stored when one value is
wrong), stores what changed, audits it, and applies it at once.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from medianest.services.live_settings import LABELS, SettingsInvalid, bounds
from medianest.web.api.admin_settings import live_of
from medianest.web.auth import Viewer, page_context, require_admin
from medianest.web.features import DEFAULT_WELCOME, welcome_html
from medianest.web.templating import render

router = APIRouter(include_in_schema=False)

NUMBERS = (
    "requests_per_hour",
    "download_jobs_per_hour",
    "download_max_playlist",
    "download_concurrency",
    "download_min_free_mb",
    "session_days",
)
SWITCHES = ("new_users_need_approval", "feature_requests", "feature_youtube", "feature_library")
BRANDING = ("server_name", "welcome_text")
MAX_FIELD = 10_000  # longer than any valid value; keeps a silly post from being echoed back


async def _page(
    request: Request,
    viewer: Viewer,
    template: str,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    live = live_of(request)
    live.forget()  # the Users page changes the approval switch too: show what is stored
    current = await live.current()
    shown = current.model_dump() | (values or {})
    context = page_context(
        request,
        viewer,
        page_title="Branding" if template == "admin_branding.html" else "Limits & features",
        active="admin",
        values=shown,
        errors=errors or {},
        labels=LABELS,
        bounds={name: bounds(name) for name in NUMBERS},
        defaults=live.defaults,
        saved=request.query_params.get("saved"),
    )
    return render(request, template, context, status_code=status)


async def _save(
    request: Request, viewer: Viewer, template: str, names: tuple[str, ...], back: str
) -> Response:
    form = await request.form()
    values: dict[str, Any] = {}
    for name in names:
        raw = form.get(name)
        if name in SWITCHES:
            values[name] = raw == "on"
        else:
            values[name] = str(raw)[:MAX_FIELD] if isinstance(raw, str) else ""
    try:
        changes = await live_of(request).update(viewer.actor, values)
    except SettingsInvalid as exc:
        return await _page(request, viewer, template, values=values, errors=exc.errors, status=422)
    return RedirectResponse(f"{back}?saved={len(changes)}", status_code=303)


@router.get("/admin/settings", response_class=HTMLResponse)
async def settings_page(request: Request, viewer: Viewer = Depends(require_admin)) -> HTMLResponse:
    return await _page(request, viewer, "admin_settings.html")


@router.post("/admin/settings", response_class=HTMLResponse)
async def save_settings(request: Request, viewer: Viewer = Depends(require_admin)) -> Response:
    return await _save(
        request, viewer, "admin_settings.html", NUMBERS + SWITCHES, "/admin/settings"
    )


@router.get("/admin/branding", response_class=HTMLResponse)
async def branding_page(request: Request, viewer: Viewer = Depends(require_admin)) -> HTMLResponse:
    return await _page(request, viewer, "admin_branding.html")


@router.post("/admin/branding", response_class=HTMLResponse)
async def save_branding(request: Request, viewer: Viewer = Depends(require_admin)) -> Response:
    return await _save(request, viewer, "admin_branding.html", BRANDING, "/admin/branding")


@router.post("/admin/branding/preview", response_class=HTMLResponse)
async def branding_preview(
    request: Request,
    server_name: Annotated[str, Form(max_length=200)] = "",
    welcome_text: Annotated[str, Form(max_length=4000)] = "",
    viewer: Viewer = Depends(require_admin),
) -> HTMLResponse:
    """What the sign-in page would show with the values being typed (nothing is saved)."""
    name = server_name.strip()[:80] or "MediaNest"
    welcome = welcome_html(welcome_text[:2000], name) or Markup("<p>%s</p>") % DEFAULT_WELCOME
    context = {"preview_name": name, "preview_html": welcome}
    return render(request, "_branding_preview.html", context)
