"""The demo world: every fake service running on 127.0.0.1, seeded and wired to each other.

plex.tv lists the fake Plex server as a resource of the accounts that have access; the fake Plex
server's YouTube library folder is MediaNest's download folder, so downloaded playlists really
appear in Plex; Overseerr and Uptime Kuma send their webhooks to MediaNest. MediaNest itself
reaches all of them through its real clients, configured by :meth:`DemoWorld.settings_overrides`.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medianest.config import DEFAULT_ALLOWED_DOWNLOAD_HOSTS
from medianest.demo import identities
from medianest.integrations.fakekit import FakeServer
from medianest.integrations.overseerr.fake import OverseerrFakeState
from medianest.integrations.overseerr.fake import create_app as overseerr_app
from medianest.integrations.overseerr.fake_model import MediaStatus
from medianest.integrations.plex.fake import PlexFakeState
from medianest.integrations.plex.fake import create_app as plex_app
from medianest.integrations.plextv.fake import PlexTvFakeState
from medianest.integrations.plextv.fake import create_app as plextv_app
from medianest.integrations.uptime_kuma.fake import UptimeKumaFakeState
from medianest.integrations.uptime_kuma.fake import create_app as kuma_app
from medianest.integrations.youtube.fake import MediaHostFakeState
from medianest.integrations.youtube.fake import create_app as media_app

OVERSEERR_PROGRESS_SECONDS = 20.0
KUMA_BEAT_SECONDS = 20.0


@dataclass
class DemoWorld:
    plextv: PlexTvFakeState
    plex: PlexFakeState
    overseerr: OverseerrFakeState
    kuma: UptimeKumaFakeState
    media: MediaHostFakeState
    media_root: Path
    overseerr_webhook_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    kuma_webhook_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    servers: dict[str, FakeServer] = field(default_factory=dict)

    @classmethod
    def build(cls, data_dir: Path, seed: int = 1) -> DemoWorld:
        media_root = data_dir / "plex-media"
        (media_root / "youtube").mkdir(parents=True, exist_ok=True)
        plex = PlexFakeState.demo(seed, media_root=media_root)
        overseerr = OverseerrFakeState.demo(seed)
        _put_available_titles_in_plex(overseerr, plex)
        return cls(
            plextv=PlexTvFakeState.demo(seed),
            plex=plex,
            overseerr=overseerr,
            kuma=UptimeKumaFakeState.demo(seed),
            media=MediaHostFakeState.demo(seed, media_cache_dir=data_dir / "media-cache"),
            media_root=media_root,
        )

    def start(self, medianest_url: str, *, live: bool = True) -> DemoWorld:
        """Serve every fake on its own port and point the webhooks at MediaNest."""
        apps = {
            "plextv": plextv_app(self.plextv),
            "plex": plex_app(self.plex),
            "overseerr": overseerr_app(self.overseerr),
            "uptime-kuma": kuma_app(self.kuma),
            "media": media_app(self.media),
        }
        for name, app in apps.items():
            self.servers[name] = FakeServer(app).start()
        self.plextv.server_url = self.url("plex")
        self.overseerr.configure_webhook(
            f"{medianest_url.rstrip('/')}/api/v1/webhooks/overseerr", self.overseerr_webhook_secret
        )
        self.kuma.add_webhook(
            f"{medianest_url.rstrip('/')}/api/v1/webhooks/uptime-kuma",
            {"Authorization": f"Bearer {self.kuma_webhook_secret}"},
            name="MediaNest",
        )
        if live:
            self.overseerr.start_progress(OVERSEERR_PROGRESS_SECONDS)
            self.kuma.start_beating(KUMA_BEAT_SECONDS)
        # Encoding the demo videos takes a second or two: do it before anyone presses Download.
        threading.Thread(target=self._warm_media, name="demo-media-warm", daemon=True).start()
        return self

    def _warm_media(self) -> None:
        self.media.media.warm({video.look for video in self.media.videos.values()})

    def url(self, name: str) -> str:
        return self.servers[name].url

    def stop(self) -> None:
        for state in (self.plextv, self.plex, self.overseerr, self.kuma, self.media):
            state.close()
        for server in self.servers.values():
            server.stop()
        self.servers.clear()

    def settings_overrides(self) -> dict[str, Any]:
        media_host = self.url("media").removeprefix("http://")
        return {
            "plex_url": self.url("plex"),
            "plex_token": identities.PLEX_OWNER_TOKEN,
            "plextv_url": self.url("plextv"),
            "plex_auth_url": f"{self.url('plextv')}/auth",
            "overseerr_url": self.url("overseerr"),
            "overseerr_api_key": identities.OVERSEERR_API_KEY,
            "overseerr_webhook_secret": self.overseerr_webhook_secret,
            "tmdb_image_url": f"{self.url('overseerr')}/__fake__/tmdb/t/p",
            "uptime_kuma_url": self.url("uptime-kuma"),
            "uptime_kuma_slug": identities.UPTIME_KUMA_SLUG,
            "uptime_kuma_api_key": identities.UPTIME_KUMA_API_KEY,
            "uptime_kuma_webhook_secret": self.kuma_webhook_secret,
            "download_dir": self.media_root / "youtube",
            "download_allowed_hosts": ",".join((*DEFAULT_ALLOWED_DOWNLOAD_HOSTS, media_host)),
            "plex_youtube_section": str(self.plex.section_by_title("YouTube").id),
            "demo_sample_urls": list(self.media.urls(self.url("media")).values())[:4],
        }

    def describe(self) -> list[tuple[str, str]]:
        """(label, URL) lines for the console: what runs where, and what to try."""
        lines = [(f"fake {name}", server.url) for name, server in self.servers.items()]
        for label, link in list(self.media.urls(self.url("media")).items())[:3]:
            lines.append((f"try downloading: {label}", link))
        return lines


def _put_available_titles_in_plex(overseerr: OverseerrFakeState, plex: PlexFakeState) -> None:
    """What the demo's Overseerr calls "available" is in the demo's Plex too, so a first look
    can find it in the Library (and the request links to it)."""
    sections = {"movie": plex.section_by_title("Movies"), "tv": plex.section_by_title("TV Shows")}
    for media in overseerr.media.values():
        if media.status not in (MediaStatus.AVAILABLE, MediaStatus.PARTIALLY_AVAILABLE):
            continue
        title = overseerr.catalog.get(media.media_type, media.tmdb_id)
        if title is None:
            continue
        section = sections[media.media_type]
        found = next(
            (
                item
                for item in plex.items.values()
                if item.section_id == section.id and item.title == title.title
            ),
            None,
        )
        if found is None and media.media_type == "movie":
            found = plex.add_movie(section.id, title.title, year=title.year)
        elif found is None:
            seasons = [3 for _ in title.regular_seasons()] or [3]
            found = plex.add_show(section.id, title.title, year=title.year, seasons=seasons)
        media.rating_key = str(found.rk)
