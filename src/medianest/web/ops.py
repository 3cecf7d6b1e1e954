"""Operations endpoints: liveness, readiness, Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from medianest.services.health import check_readiness
from medianest.web.deps import container_of

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    container = container_of(request)
    readiness = await check_readiness(
        container.engine, container.bus, redis_configured=bool(container.settings.redis_url)
    )
    body: dict[str, object] = {
        "status": "ready" if readiness.ok else "unavailable",
        "checks": readiness.checks,
    }
    settings = container.integration_settings
    if settings is not None and readiness.checks.get("database") == "ok":
        # Told, not judged: a dead Plex degrades its feature, not this process's readiness.
        body["integrations"] = await settings.health_summary()
    return JSONResponse(body, status_code=200 if readiness.ok else 503)


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    return Response(
        generate_latest(request.app.state.metrics_registry), media_type=CONTENT_TYPE_LATEST
    )
