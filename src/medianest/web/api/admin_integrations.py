"""Admin JSON API for integration settings: list, test, save. Secrets go in, never out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from medianest.domain.errors import DomainError
from medianest.services.integration_fields import SERVICES
from medianest.services.integration_probe import Probe
from medianest.services.integration_settings import Submitted, TestFailed
from medianest.web.auth import Viewer, require_admin
from medianest.web.pages.admin_integrations import integration_settings
from medianest.web.problems import Problem

router = APIRouter(prefix="/api/v1/admin/integrations", tags=["admin"])


class IntegrationIn(BaseModel):
    """New values by field name; a secret left out (or "") keeps the stored one."""

    model_config = ConfigDict(extra="forbid")

    values: dict[str, str] = Field(default_factory=dict)
    clear: list[str] = Field(default_factory=list, description="Secret fields to clear.")


class CheckOut(BaseModel):
    label: str
    ok: bool
    detail: str


class TestOut(BaseModel):
    ok: bool
    message: str
    credentials_rejected: bool
    checks: list[CheckOut]

    @classmethod
    def of(cls, probe: Probe) -> TestOut:
        return cls(
            ok=probe.ok,
            message=probe.message,
            credentials_rejected=probe.credentials_rejected,
            checks=[CheckOut(label=c.label, ok=c.ok, detail=c.detail) for c in probe.checks],
        )


def _submitted(service: str, body: IntegrationIn, *, whole: bool) -> Submitted:
    """``whole``: the body replaces every setting (PUT), so each plain field must be in it;
    otherwise it changes only what it carries (PATCH). Secrets are write-only: left out, kept."""
    if service not in SERVICES:
        raise Problem(404, f"There is no integration called '{service[:40]}'.")
    spec = SERVICES[service]
    names = {f.name for f in spec.fields}
    unknown = sorted(set(body.values) - names)
    if unknown:
        raise Problem(422, f"Unknown fields for {spec.title}: {', '.join(unknown)[:200]}.")
    missing = [f.name for f in spec.fields if not f.secret and f.name not in body.values]
    if whole and missing:
        raise Problem(
            422,
            f"PUT replaces all of {spec.title}'s settings; missing: {', '.join(missing)}. "
            "Send every field, or PATCH to change some.",
        )
    clear = frozenset(body.clear) & set(spec.secret_names)
    return Submitted(dict(body.values), clear, partial=not whole)


async def _item(request: Request, service: str) -> dict[str, Any]:
    for view in await integration_settings(request).views():
        if view.spec.key == service:
            return view.public()
    raise Problem(404, "There is no such integration.")


@router.get("")
async def list_integrations(
    request: Request, viewer: Viewer = Depends(require_admin)
) -> list[dict[str, Any]]:
    return [view.public() for view in await integration_settings(request).views()]


@router.get("/{service}")
async def get_integration(
    request: Request, service: str, viewer: Viewer = Depends(require_admin)
) -> dict[str, Any]:
    return await _item(request, service)


@router.post("/{service}/test", response_model=TestOut)
async def probe_integration(
    request: Request, service: str, body: IntegrationIn, viewer: Viewer = Depends(require_admin)
) -> TestOut:
    submitted = _submitted(service, body, whole=False)
    try:
        return TestOut.of(await integration_settings(request).test(service, submitted))
    except DomainError as exc:
        raise Problem(422, exc.message) from None


async def _save(
    request: Request, service: str, body: IntegrationIn, viewer: Viewer, *, whole: bool
) -> Any:
    submitted = _submitted(service, body, whole=whole)
    try:
        await integration_settings(request).save(viewer.actor, service, submitted)
    except TestFailed as exc:
        raise Problem(
            422,
            exc.message,
            title="Connection test failed",
            extra={"credentials_rejected": exc.probe.credentials_rejected},
        ) from None
    except DomainError as exc:
        raise Problem(422, exc.message) from None
    return await _item(request, service)


@router.put("/{service}")
async def put_integration(
    request: Request, service: str, body: IntegrationIn, viewer: Viewer = Depends(require_admin)
) -> dict[str, Any]:
    """Replaces the settings: every plain field must be sent (secrets left out are kept)."""
    result: dict[str, Any] = await _save(request, service, body, viewer, whole=True)
    return result


@router.patch("/{service}")
async def patch_integration(
    request: Request, service: str, body: IntegrationIn, viewer: Viewer = Depends(require_admin)
) -> dict[str, Any]:
    """Changes only the fields sent; the rest keep their values."""
    result: dict[str, Any] = await _save(request, service, body, viewer, whole=False)
    return result


@router.post("/{service}")
async def post_integration(
    request: Request, service: str, body: IntegrationIn, viewer: Viewer = Depends(require_admin)
) -> dict[str, Any]:
    """The same as PUT."""
    result: dict[str, Any] = await _save(request, service, body, viewer, whole=True)
    return result
