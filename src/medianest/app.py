"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from prometheus_client import CollectorRegistry
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from medianest import __version__
from medianest.bootstrap import prepare_data_dir, resolve_secret_key
from medianest.config import Settings
from medianest.container import Container, build_container
from medianest.domain.errors import first_line
from medianest.observability.heap import settle_after_startup
from medianest.observability.logging import get_logger
from medianest.web import live, ops
from medianest.web.api import users as users_api
from medianest.web.auth import install_auth_handlers
from medianest.web.features import feature_enabled
from medianest.web.headers import SingleHeaderMiddleware
from medianest.web.input_guard import JsonBodyGuardMiddleware, input_limits
from medianest.web.middleware import (
    HttpMetrics,
    MetricsMiddleware,
    RequestIdMiddleware,
    SecurityHeadersMiddleware,
    ServerTimingMiddleware,
)
from medianest.web.openapi import install_openapi
from medianest.web.pages import account, admin_users, home
from medianest.web.pages import auth as auth_pages
from medianest.web.partials import PartialRedirectMiddleware
from medianest.web.problems import install_error_handlers
from medianest.web.route_order import api_routes_first
from medianest.web.security import BrowserCsrfMiddleware
from medianest.web.templating import STATIC_DIR, build_templates, missing_vendor_files

log = get_logger(__name__)


async def _bootstrap_admin_once(container: Container, settings: Settings) -> bool:
    """Makes sure a fresh install has an admin; False when the database is not usable yet."""
    configured = settings.admin_password.get_secret_value() if settings.admin_password else None
    try:
        generated = await container.local_auth.ensure_bootstrap_admin(configured)
    except Exception as exc:  # database not reachable or not migrated yet: readyz says why
        log.warning("cannot check for an admin account yet", reason=first_line(exc))
        return False
    if generated:
        # Shown once, on purpose: it is the only way into a fresh install without Plex.
        log.warning(
            f"Created the local admin account 'admin' with the one-time password {generated} "
            "(you must change it at first sign-in)"
        )
    return True


async def _bootstrap_admin_later(container: Container, settings: Settings) -> None:
    delay = 2.0
    while not await _bootstrap_admin_once(container, settings):
        await asyncio.sleep(delay)
        delay = min(delay * 2, 30.0)


def _without_opentelemetry() -> dict[str, Any]:
    """FastAPI's own OpenTelemetry hooks, off: MediaNest has its Prometheus metrics and logs,
    and asking for (no-op) providers cost about 10 µs on every request."""
    if "telemetry" not in inspect.signature(FastAPI.__init__).parameters:
        return {}
    return {"telemetry": {"tracing": False, "metrics": False, "logs": False}}


def create_app(settings: Settings, *, start_worker: bool | None = None) -> FastAPI:
    """Build the app; the lifespan builds the container and (by default) an embedded job consumer."""
    run_worker = settings.embedded_worker if start_worker is None else start_worker

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        container = await build_container(settings)
        app.state.container = container
        bootstrap: asyncio.Task[None] | None = None
        if not await _bootstrap_admin_once(container, settings):
            bootstrap = asyncio.create_task(_bootstrap_admin_later(container, settings))
        if missing := missing_vendor_files():
            log.warning("front-end packages missing; run `make assets`", missing=missing)
        # --- feature start-up: dashboard ---
        if container.status_loop is not None:
            container.status_loop.start()  # one process polls (a lease); stopped at close
            container.close_later(container.status_loop)
        # --- feature start-up: library ---
        # --- feature start-up: requests ---
        # --- feature start-up: downloads ---
        if container.downloads is not None:
            try:  # resume what a crash or restart left; the minute tick retries if this fails
                await container.downloads.reconcile()
            except Exception as exc:
                log.warning("downloads not reconciled at start", reason=str(exc)[:200])
        # --- feature start-up: admin integrations ---
        # --- feature start-up: admin limits, features and branding ---
        # --- feature start-up: docs hub ---
        if container.docs is not None:
            try:  # the shipped pages, once, on a fresh install
                await container.docs.seed()
            except Exception as exc:
                log.warning("default docs pages not seeded", reason=str(exc)[:200])
        if run_worker:
            container.make_consumer(embedded=True).start()
            container.tasks.heartbeat()
        settle_after_startup()
        try:
            yield
        finally:
            if bootstrap is not None:
                bootstrap.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await bootstrap
            await container.close()

    app = FastAPI(
        title="MediaNest",
        version=__version__,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        dependencies=[Depends(input_limits)],
        **_without_opentelemetry(),
    )
    prepare_data_dir(settings)
    app.state.secret_key = resolve_secret_key(settings)
    registry = CollectorRegistry()
    app.state.metrics_registry = registry
    app.state.templates = templates = build_templates()
    templates.env.globals["demo_mode"] = bool(settings.demo)
    install_error_handlers(app, templates)
    install_auth_handlers(app)

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(ops.router)
    app.include_router(live.router)
    app.include_router(home.router)
    app.include_router(auth_pages.router)
    app.include_router(account.router)
    app.include_router(admin_users.router)
    app.include_router(users_api.router)
    # --- feature routers: dashboard ---
    from medianest.web.api import notifications as notifications_api
    from medianest.web.api import services as services_api
    from medianest.web.pages import admin_links
    from medianest.web.pages import inbox as inbox_pages

    app.include_router(inbox_pages.router)
    app.include_router(admin_links.router)
    app.include_router(services_api.router)
    app.include_router(notifications_api.router)
    # --- feature routers: library ---
    from medianest.web.api import library as library_api
    from medianest.web.pages import library, library_collections, library_search

    library_on = [Depends(feature_enabled("library"))]  # admin switch
    app.include_router(library_search.router, dependencies=library_on)  # before /library/items
    app.include_router(library.router, dependencies=library_on)
    app.include_router(library_collections.router, dependencies=library_on)
    app.include_router(library_api.router, dependencies=library_on)
    # --- feature routers: requests ---
    from medianest.web.api import overseerr_webhook
    from medianest.web.api import requests as requests_api
    from medianest.web.pages import request_lists
    from medianest.web.pages import requests as requests_pages

    requests_on = [Depends(feature_enabled("requests"))]  # admin switch
    app.include_router(requests_pages.router, dependencies=requests_on)
    app.include_router(request_lists.router, dependencies=requests_on)
    app.include_router(requests_api.router, dependencies=requests_on)
    app.include_router(overseerr_webhook.router)  # webhooks keep working when it is off
    # --- feature routers: downloads ---
    from medianest.web.api import downloads as downloads_api
    from medianest.web.pages import downloads as downloads_pages

    youtube_on = [Depends(feature_enabled("youtube"))]  # admin switch
    app.include_router(downloads_pages.router, dependencies=youtube_on)
    app.include_router(downloads_api.router, dependencies=youtube_on)
    # --- feature routers: admin integrations ---
    from medianest.web.api import admin_integrations as admin_integrations_api
    from medianest.web.pages import admin_integrations

    app.include_router(admin_integrations.router)
    app.include_router(admin_integrations_api.router)
    # --- feature routers: admin limits, features and branding ---
    from medianest.web import features
    from medianest.web.api import admin_settings as admin_settings_api
    from medianest.web.pages import admin_settings

    features.install(app)
    app.include_router(admin_settings.router)
    app.include_router(admin_settings_api.router)
    # --- feature routers: docs hub ---
    from medianest.web.api import docs as docs_api
    from medianest.web.pages import admin_docs
    from medianest.web.pages import docs as docs_pages

    app.include_router(docs_pages.router)
    app.include_router(admin_docs.router)
    app.include_router(docs_api.router)

    app.add_middleware(PartialRedirectMiddleware)
    install_openapi(app)
    app.add_middleware(JsonBodyGuardMiddleware)
    app.add_middleware(
        BrowserCsrfMiddleware, secret_key=app.state.secret_key, secure=settings.secure_cookies
    )
    app.add_middleware(MetricsMiddleware, metrics=HttpMetrics(registry))
    if settings.server_timing:
        app.add_middleware(ServerTimingMiddleware)
    if settings.trusted_proxy_list:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxy_list)
    app.add_middleware(SingleHeaderMiddleware)
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.secure_cookies)
    app.add_middleware(RequestIdMiddleware)
    api_routes_first(app.router.routes)
    return app


def create_app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory` (used by `medianest serve --reload`)."""
    from medianest.config import load_settings
    from medianest.observability.logging import configure_logging

    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    app = create_app(settings)
    app.state.templates.env.auto_reload = True  # development: template edits show at once
    return app
