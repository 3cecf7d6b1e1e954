"""Composition root: the one place that picks concrete pieces from settings.

SQLite or PostgreSQL, in-process or Redis events, SQLite or Redis job storage: services receive
what is built here and never ask which one they got.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from huey.api import Huey
from huey.consumer import Consumer
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from medianest import __version__
from medianest.bootstrap import install_id, open_secret_box, prepare_data_dir
from medianest.config import Settings
from medianest.integrations.overseerr.client import OverseerrClient
from medianest.integrations.plex.client import PlexServerClient
from medianest.integrations.plextv.client import PlexTvClient
from medianest.integrations.uptime_kuma.client import UptimeKumaClient
from medianest.jobs import download_jobs, request_jobs, retention_jobs
from medianest.jobs.queue import EmbeddedConsumer, JobRuntime, build_huey
from medianest.jobs.tasks import Tasks, register_tasks
from medianest.persistence.engine import create_engine, session_factory
from medianest.realtime.bus import EventBus, InProcessBus, RedisBus
from medianest.security.secretbox import SecretBox
from medianest.services.auth import LocalAuth, LockoutPolicy
from medianest.services.auth_cache import AuthCache
from medianest.services.auth_watch import AuthWatch
from medianest.services.docs_hub import DocsHub
from medianest.services.download_setup import build_downloads
from medianest.services.downloads import DownloadService
from medianest.services.integration_fields import SERVICES, configured, env_value
from medianest.services.integration_health import HealthBook
from medianest.services.integration_live import LiveTargets
from medianest.services.integration_probe import build_client
from medianest.services.integration_settings import (
    IntegrationSettings,
    start_integration_settings,
)
from medianest.services.integrations import Integrations
from medianest.services.library import LibraryService
from medianest.services.library_cache import LibraryCache, build_library_cache
from medianest.services.library_images import ImageStore
from medianest.services.live_settings import LiveSettings, Tunables
from medianest.services.plex_server import ConfiguredPlexServer
from medianest.services.plex_signin import PlexSignIn
from medianest.services.ratelimit import Limiter
from medianest.services.requests import RequestsService
from medianest.services.retention import Retention, RetentionPolicy
from medianest.services.sessions import SessionPolicy
from medianest.services.status import StatusCoordinator, StatusPolicy
from medianest.services.status_loop import StatusLoop

ClientT = TypeVar("ClientT", PlexServerClient, OverseerrClient, UptimeKumaClient)


class Closeable(Protocol):
    async def aclose(self) -> None: ...


@dataclass
class Container:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    bus: EventBus
    huey: Huey
    tasks: Tasks
    runtime: JobRuntime
    box: SecretBox
    limiter: Limiter
    session_policy: SessionPolicy
    integrations: Integrations
    plex_server: ConfiguredPlexServer
    local_auth: LocalAuth
    plex_signin: PlexSignIn
    auth_cache: AuthCache = field(default_factory=lambda: AuthCache(0))
    consumer: Consumer | None = field(default=None)
    closing: list[Closeable] = field(default_factory=list)
    # Feature services, set by build_container (each feature below its marker).
    # --- container fields: dashboard ---
    status: StatusCoordinator | None = None
    status_loop: StatusLoop | None = None
    # --- container fields: library ---
    library_cache: LibraryCache | None = None
    library: LibraryService | None = None
    library_images: ImageStore | None = None
    # --- container fields: requests ---
    requests: RequestsService | None = None
    # --- container fields: downloads ---
    downloads: DownloadService | None = None
    # --- container fields: admin integrations ---
    integration_settings: IntegrationSettings | None = None
    # --- container fields: admin limits, features and branding ---
    live: LiveSettings | None = None
    # --- container fields: docs hub ---
    docs: DocsHub | None = None
    # --- container fields: retention (operations) ---
    retention: Retention | None = None

    def make_consumer(self, *, embedded: bool) -> Consumer:
        """Job consumer threads for this process: embedded in `serve`, or the `worker` command's."""
        consumer_class = EmbeddedConsumer if embedded else Consumer
        consumer: Consumer = consumer_class(
            self.huey,
            workers=self.settings.worker_threads,
            worker_type="thread",
            periodic=True,
            initial_delay=0.05,
            max_delay=1.0,
            check_worker_health=True,
        )
        self.consumer = consumer
        return consumer

    def stop_consumer(self) -> None:
        if self.consumer is not None:
            self.consumer.stop(graceful=True)
            self.consumer = None

    def close_later(self, resource: Closeable) -> None:
        """Background loops and connections a feature started, closed (newest first) at shutdown."""
        self.closing.append(resource)

    async def close(self) -> None:
        for resource in reversed(self.closing):
            await resource.aclose()
        self.closing.clear()
        await asyncio.to_thread(self.stop_consumer)
        await self.integrations.aclose()
        await self.bus.close()
        await self.engine.dispose()


def build_bus(settings: Settings) -> EventBus:
    if settings.redis_url:
        return RedisBus(settings.redis_url, key=f"{settings.redis_namespace}:events")
    return InProcessBus()


def build_limiter(settings: Settings) -> Limiter:
    if settings.redis_url:
        return Limiter.redis(settings.redis_url, settings.redis_namespace)
    return Limiter.in_memory()


def build_from_settings(
    service: str, settings: Settings, client_id: str, kind: type[ClientT]
) -> ClientT | None:
    """A service's client from its MEDIANEST_* pre-seeds; None unless they are complete."""
    spec = SERVICES[service]
    values = {item.name: env_value(settings, item) for item in spec.fields}
    if not configured(spec, values):
        return None
    client = build_client(service, values, client_id)
    assert isinstance(client, kind)
    return client


async def build_container(settings: Settings) -> Container:
    """Build every piece; must run on the event loop that will serve the services."""
    data_dir = prepare_data_dir(settings)
    client_id = install_id(settings)
    box = open_secret_box(settings, data_dir)
    engine = create_engine(
        settings.resolved_database_url, pool_timeout=settings.database_pool_timeout_seconds
    )
    sessions = session_factory(engine)
    bus = build_bus(settings)
    auth_cache = AuthCache(settings.auth_cache_seconds)
    AuthWatch(auth_cache, bus).attach(sessions)
    await bus.start()
    huey = build_huey(settings)
    runtime = JobRuntime(asyncio.get_running_loop())
    tasks = register_tasks(huey, runtime, sessions)
    limiter = build_limiter(settings)
    live = LiveSettings(sessions, Tunables.defaults(settings))  # admin limits
    policy = SessionPolicy.from_settings(settings, live)
    plextv = PlexTvClient(settings.plextv_url, client_identifier=client_id, version=__version__)
    integrations = Integrations(
        plextv=plextv,
        plex=build_from_settings("plex", settings, client_id, PlexServerClient),
        overseerr=build_from_settings("overseerr", settings, client_id, OverseerrClient),
        kuma=build_from_settings("uptime_kuma", settings, client_id, UptimeKumaClient),
    )
    plex_server = ConfiguredPlexServer(integrations.plex, sessions)
    lockout = LockoutPolicy(
        settings.sign_in_attempts_per_account,
        settings.sign_in_attempts_per_ip,
        settings.sign_in_lockout_minutes,
    )
    container = Container(
        settings=settings,
        engine=engine,
        sessions=sessions,
        bus=bus,
        auth_cache=auth_cache,
        huey=huey,
        tasks=tasks,
        runtime=runtime,
        box=box,
        limiter=limiter,
        session_policy=policy,
        integrations=integrations,
        plex_server=plex_server,
        local_auth=LocalAuth(sessions, limiter, policy, lockout),
        plex_signin=PlexSignIn(
            sessions,
            plextv,
            plex_server,
            box,
            policy,
            auth_url=settings.plex_auth_url,
            base_url=settings.base_url,
            bus=bus,
        ),
    )
    # --- container build: dashboard ---
    container.status = StatusCoordinator(
        sessions,
        bus,
        integrations,
        StatusPolicy(
            poll_seconds=settings.status_poll_seconds,
            history_days=settings.status_history_days,
            retention_days=settings.notification_retention_days,
            webhook_secret=settings.uptime_kuma_webhook_secret.get_secret_value()
            if settings.uptime_kuma_webhook_secret
            else None,
        ),
    )
    container.status_loop = StatusLoop(container.status)
    # --- container build: library ---
    container.library_cache = build_library_cache(
        settings.redis_url, settings.redis_namespace, settings.library_stale_seconds
    )
    container.close_later(container.library_cache)
    container.library = LibraryService(
        integrations,
        container.library_cache,
        plex_server,
        ttl=settings.library_cache_seconds,
        timeout=settings.library_plex_timeout_seconds,
    )
    container.library_images = ImageStore(
        integrations,
        data_dir / "cache" / "library-images",
        max_bytes=settings.library_image_cache_mb * 1024 * 1024,
        timeout=settings.library_plex_timeout_seconds,
    )
    # --- container build: requests ---
    container.requests = RequestsService.build(settings, sessions, bus, limiter, integrations, live)
    container.close_later(container.requests.posters)
    request_jobs.bind(huey, container.requests)
    # --- container build: downloads ---
    container.downloads = build_downloads(
        settings,
        sessions,
        bus,
        limiter,
        integrations,
        plex_server,
        container.library_cache.invalidate_section if container.library_cache else None,
        live,
    )
    download_jobs.bind(huey, container.downloads.worker, container.downloads.plex, runtime)
    if container.library is not None:
        container.library.use_collection_origin(container.downloads.plex.created_collections)
    # --- container build: admin integrations ---
    container.integration_settings = await start_integration_settings(
        sessions,
        settings,
        box,
        bus,
        LiveTargets(
            integrations,
            plex_server,
            client_id,
            container.status,
            container.downloads,
            container.library_cache,
            HealthBook(sessions),
        ),
    )
    container.close_later(container.integration_settings)
    # --- container build: admin limits, features and branding ---
    container.live = live
    container.close_later(live)
    # --- container build: docs hub ---
    container.docs = DocsHub(sessions, container.live)
    # --- container build: retention (operations) ---
    container.retention = build_retention(settings, sessions, policy, container.status)
    retention_jobs.bind(huey, container.retention)
    return container


def build_retention(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    session_policy: SessionPolicy,
    status: StatusCoordinator | None,
) -> Retention:
    retention = Retention(sessions, RetentionPolicy.from_settings(settings), session_policy)
    if status is not None:
        coordinator = status

        async def status_history() -> int:  # the dashboard decides what history it keeps
            history, _notifications = await coordinator.prune()
            return history

        retention.add("service_history", status_history)
    return retention
