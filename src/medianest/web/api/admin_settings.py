"""GET/PATCH /api/v1/admin/settings: limits, feature switches and branding, for admins."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Request

from medianest.services.live_settings import LABELS, LiveSettings, SettingsInvalid, Tunables
from medianest.web.auth import Viewer, require_admin
from medianest.web.deps import container_of
from medianest.web.problems import Problem

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])


def live_of(request: Request) -> LiveSettings:
    live = container_of(request).live
    if live is None:  # pragma: no cover - the container always builds it
        raise Problem(503, "Settings are not available yet.")
    return live


@router.get("/settings", response_model=Tunables)
async def read_settings(request: Request, viewer: Viewer = Depends(require_admin)) -> Tunables:
    """The values in force now (each a stored admin value, or the environment's default)."""
    live = live_of(request)
    live.forget()
    return await live.current()


@router.patch("/settings", response_model=Tunables)
async def change_settings(
    request: Request,
    changes: dict[str, Any] = Body(
        ..., examples=[{"requests_per_hour": 10, "feature_youtube": False}]
    ),
    viewer: Viewer = Depends(require_admin),
) -> Tunables:
    """Changes the given values (all or nothing); each change is audited with old and new."""
    live = live_of(request)
    try:
        await live.update(viewer.actor, changes)
    except SettingsInvalid as exc:
        errors = [
            {"field": name, "label": LABELS.get(name, name), "message": message}
            for name, message in exc.errors.items()
        ]
        raise Problem(
            422, exc.message, title="Invalid settings", extra={"errors": errors}
        ) from None
    return await live.current()
