"""The clients of the external services, as currently configured.

Services ask this object for a client at call time (never keep one), so that when the admin
changes an integration's settings the next call uses the new client.
"""

from __future__ import annotations

from dataclasses import dataclass

from medianest.integrations.overseerr.client import OverseerrClient
from medianest.integrations.plex.client import PlexServerClient
from medianest.integrations.plextv.client import PlexTvClient
from medianest.integrations.uptime_kuma.client import UptimeKumaClient


@dataclass
class Integrations:
    plextv: PlexTvClient
    plex: PlexServerClient | None = None
    overseerr: OverseerrClient | None = None
    kuma: UptimeKumaClient | None = None
    # The Authorization value Overseerr's webhook agent must send (None: webhooks refused).
    overseerr_webhook_secret: str | None = None

    async def aclose(self) -> None:
        for client in (self.plextv, self.plex, self.overseerr, self.kuma):
            close = getattr(client, "aclose", None)
            if close is not None:
                await close()
