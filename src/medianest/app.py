"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from prometheus_client import CollectorRegistry

from medianest import __version__
from medianest.config import Settings
from medianest.container import build_container
from medianest.observability.logging import get_logger
from medianest.web import live, ops
from medianest.web.middleware import (
    HttpMetrics,
    MetricsMiddleware,
    RequestIdMiddleware,
    SecurityHeadersMiddleware,
)
from medianest.web.pages import home
from medianest.web.problems import install_error_handlers
from medianest.web.templating import STATIC_DIR, build_templates, missing_vendor_files

log = get_logger(__name__)


def create_app(settings: Settings, *, start_worker: bool | None = None) -> FastAPI:
    """Build the app; the lifespan builds the container and (by default) an embedded job consumer."""
    run_worker = settings.embedded_worker if start_worker is None else start_worker

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        container = await build_container(settings)
        app.state.container = container
        if missing := missing_vendor_files():
            log.warning("front-end packages missing; run `make assets`", missing=missing)
        if run_worker:
            container.make_consumer(embedded=True).start()
            container.tasks.heartbeat()
        try:
            yield
        finally:
            await container.close()

    app = FastAPI(
        title="MediaNest",
        version=__version__,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    registry = CollectorRegistry()
    app.state.metrics_registry = registry
    app.state.templates = templates = build_templates()
    templates.env.globals["demo_mode"] = bool(settings.demo)
    install_error_handlers(app, templates)

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(ops.router)
    app.include_router(live.router)
    app.include_router(home.router)

    app.add_middleware(MetricsMiddleware, metrics=HttpMetrics(registry))
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.secure_cookies)
    app.add_middleware(RequestIdMiddleware)
    return app


def create_app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory` (used by `medianest serve --reload`)."""
    from medianest.config import load_settings
    from medianest.observability.logging import configure_logging

    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings)
