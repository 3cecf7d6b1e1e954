"""Assembles the downloads feature from settings (called once by the composition root)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from medianest.config import Settings
from medianest.integrations.youtube.client import find_ffmpeg
from medianest.realtime.bus import EventBus
from medianest.services import download_owners
from medianest.services.download_claims import Claimer, worker_identity
from medianest.services.download_files import DownloadConfig
from medianest.services.download_plex import DownloadPlex, Invalidate
from medianest.services.download_policy import HostPolicySource
from medianest.services.download_worker import DownloadWorker
from medianest.services.downloads import DownloadService
from medianest.services.integrations import Integrations
from medianest.services.live_settings import LiveSettings
from medianest.services.plex_server import ConfiguredPlexServer
from medianest.services.ratelimit import Limiter


def build_downloads(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    bus: EventBus,
    limiter: Limiter,
    integrations: Integrations,
    plex_server: ConfiguredPlexServer,
    invalidate_section: Invalidate | None = None,
    live: LiveSettings | None = None,
) -> DownloadService:
    config = DownloadConfig.of(settings, live)
    config.root.mkdir(parents=True, exist_ok=True)
    download_owners.configure(config)
    ffmpeg = find_ffmpeg()
    policy = HostPolicySource(sessions, settings)
    claimer = Claimer(worker_identity(), config.concurrency)
    worker = DownloadWorker(sessions, bus, config, policy, claimer, ffmpeg)
    plex = DownloadPlex(
        sessions, bus, integrations, plex_server, config, invalidate_section, me=claimer.me
    )
    return DownloadService(
        sessions, bus, limiter, config, policy, worker, plex, integrations, ffmpeg
    )
