"""The demo world of the Uptime Kuma fake: the services around the demo Plex server.

One monitor per kind of trouble MediaNest must show: flapping (Tautulli), down with an open
incident (Home Assistant), slow (Downloads VPN), a name with HTML and an ampersand that must be
escaped when rendered, and a monitor in a non-public group that must never appear.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from medianest.demo import identities

if TYPE_CHECKING:
    from medianest.integrations.uptime_kuma.fake_state import UptimeKumaFakeState


def build_demo(state: UptimeKumaFakeState) -> None:
    """30 days of history at one beat per 10 minutes keeps this around 0.2 s."""
    state.cache_enabled = True
    slug = identities.UPTIME_KUMA_SLUG
    state.add_status_page(slug, "MediaNest", description="Services around the Nest Plex")
    add = state.add_monitor
    plex = add("Plex", url="http://plex.nest.lan:32400/identity")
    overseerr = add(
        "Overseerr",
        type="keyword",
        url="http://overseerr.nest.lan:5055/api/v1/status",
        keyword="version",
    )
    medianest = add("MediaNest", url="http://medianest.nest.lan:8080/healthz")
    tautulli = add("Tautulli", url="http://tautulli.nest.lan:8181/status", mode="flapping")
    home = add("Home Assistant", url="http://homeassistant.nest.lan:8123/")
    vpn = add("Downloads VPN", type="port", hostname="vpn.nest.lan", port=51820, mode="slow")
    nas = add("NAS <b>Backups</b> & Snapshots", type="ping", hostname="nas.nest.lan")
    router = add("Router admin", url="http://192.168.1.1/")
    services = [plex.id, overseerr.id, medianest.id, tautulli.id]
    state.add_group(slug, "Services", services, send_url=[overseerr.id])
    state.add_group(slug, "Infrastructure", [home.id, vpn.id, nas.id])
    state.add_group(slug, "Internal", [router.id], public=False)
    now = state.clock()
    two_hours_ago = now - timedelta(hours=2)
    state.backfill(hours=30 * 24 - 2, every_s=600, end=two_hours_ago, outage_rate=0.002)
    state.set_mode(home.id, "down")
    state.backfill(hours=2, every_s=600, end=now)
    state.add_incident(
        slug,
        "Home Assistant is unreachable",
        "The Home Assistant box lost power. Automations are paused until it is back.",
        created=now - timedelta(minutes=100),
    )
