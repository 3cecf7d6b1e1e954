"""Putting a saved integration configuration into effect in this process, without a restart.

Services fetch their client from :class:`Integrations` at call time, so swapping a field is the
whole reconfiguration; what keeps its own copy (the Plex machine id, the Kuma webhook secret, the
download service's Plex library) is told here. A replaced client is closed after a short grace
period, so calls already under way finish on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from dataclasses import dataclass, field
from typing import Any

from medianest.integrations.base import ServiceClient
from medianest.integrations.overseerr.client import OverseerrClient
from medianest.integrations.plex.client import PlexServerClient
from medianest.integrations.uptime_kuma.client import UptimeKumaClient
from medianest.services.integration_health import HealthBook
from medianest.services.integration_probe import build_client
from medianest.services.integrations import Integrations
from medianest.services.library_cache import LibraryCache
from medianest.services.plex_server import ConfiguredPlexServer
from medianest.services.status import StatusCoordinator

GRACE_SECONDS = 15.0

# Which Integrations attribute holds each service's client, and the client's class.
CLIENT_FIELDS: dict[str, tuple[str, type[ServiceClient]]] = {
    "plex": ("plex", PlexServerClient),
    "overseerr": ("overseerr", OverseerrClient),
    "uptime_kuma": ("kuma", UptimeKumaClient),
}


@dataclass
class LiveTargets:
    """Everything in one process that a changed integration setting must reach."""

    integrations: Integrations
    plex_server: ConfiguredPlexServer
    client_id: str
    status: StatusCoordinator | None = None
    downloads: Any = None  # DownloadService (its config carries the Plex library id)
    library_cache: LibraryCache | None = None
    health: HealthBook | None = None  # shares each client's health with the other processes
    _retiring: dict[asyncio.Task[None], ServiceClient] = field(default_factory=dict)

    async def apply(self, service: str, values: dict[str, str], *, rebuild: bool = True) -> None:
        """Uses ``values`` from now on; ``rebuild=False`` keeps the clients the container made."""
        if rebuild and service in CLIENT_FIELDS:
            attribute, kind = CLIENT_FIELDS[service]
            client = build_client(service, values, self.client_id)
            assert client is None or isinstance(client, kind)
            self._retire(getattr(self.integrations, attribute))
            setattr(self.integrations, attribute, client)
        if service == "plex" and rebuild:
            self.plex_server.reconnect(self.integrations.plex)
            if self.library_cache is not None:
                await self.library_cache.invalidate_all()
        elif service == "overseerr":
            self.integrations.overseerr_webhook_secret = values.get("webhook_secret") or None
        elif service == "uptime_kuma":
            if self.status is not None:
                secret = values.get("webhook_secret") or None
                self.status.policy = dataclasses.replace(self.status.policy, webhook_secret=secret)
                if rebuild:
                    self.status.sign_of_life()  # use the new configuration at once
        elif service == "youtube":
            self._set_download_section(values.get("section") or None)
        current = self.client(service)
        if self.health is not None and current is not None:
            self.health.watch(service, current)

    def client(self, service: str) -> ServiceClient | None:
        if service not in CLIENT_FIELDS:
            return None
        found: ServiceClient | None = getattr(self.integrations, CLIENT_FIELDS[service][0])
        return found

    def _set_download_section(self, section: str | None) -> None:
        # The download service and its Plex step each hold the (frozen) DownloadConfig.
        if self.downloads is None:
            return
        holders: list[Any] = [self.downloads, getattr(self.downloads, "plex", None)]
        for holder in holders:
            config = getattr(holder, "config", None)
            if config is not None and hasattr(config, "plex_section"):
                holder.config = dataclasses.replace(config, plex_section=section)

    def _retire(self, client: ServiceClient | None) -> None:
        if client is None:
            return

        async def close_later() -> None:
            await asyncio.sleep(GRACE_SECONDS)
            await client.aclose()

        task = asyncio.get_running_loop().create_task(close_later())
        self._retiring[task] = client
        task.add_done_callback(lambda done: self._retiring.pop(done, None))

    async def aclose(self) -> None:
        """At shutdown: close the replaced clients now instead of after their grace period."""
        for task, client in list(self._retiring.items()):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await client.aclose()
        self._retiring.clear()
