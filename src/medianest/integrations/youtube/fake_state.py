"""Catalog and fault switches of the media-host fake (see ``fake.py`` for the HTTP side).

The state is the single source of truth: tests and ``medianest demo`` add videos and playlists
and flip per-video or global media faults directly on it while the server is running.
"""

from __future__ import annotations

import random
import re
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from medianest.integrations.fakekit import Faults
from medianest.integrations.youtube.fake_media import LOOKS, MediaLook, MediaStore

_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
CATALOG_PATH = "/__fake__/catalog"

# Titles that a downloader must sanitise before using them as file names.
TRICKY_TITLES: dict[str, str] = {
    "tricky-traversal": "../../etc/passwd",
    "tricky-slashes": "a/b\\c",
    "tricky-long": "Very long title " + "x" * 284,  # 300 characters
    "tricky-script": "<script>alert(1)</script>",
    "tricky-emoji": "Emoji 🎬🍿 party 🎉 — naïve café",
    "tricky-quotes": "Quotes \"double\" 'single' & ampersand; pipe | star * what?",
}


@dataclass
class MediaFaults:
    """Per-video (or, on the state, global) misbehaviour of the media endpoints.

    ``missing``: 404 for the video's media, watch page and thumbnail (the feed still lists it).
    ``slow_bps``: stream the body in 16 KiB chunks at about this many bytes per second.
    ``disconnect_after``: a response starting at byte 0 sends this many bytes, then the
    connection drops; requests with a Range starting beyond 0 are served in full, so a resume
    (yt-dlp's own retry, or a later run continuing the ``.part``) completes the file.
    """

    missing: bool = False
    slow_bps: int | None = None
    disconnect_after: int | None = None

    def reset(self) -> None:
        self.missing = False
        self.slow_bps = None
        self.disconnect_after = None


@dataclass
class FakeVideo:
    id: str
    title: str
    description: str
    published: datetime
    look: MediaLook
    faults: MediaFaults = field(default_factory=MediaFaults)


@dataclass
class FakePlaylist:
    id: str
    title: str
    description: str
    video_ids: list[str]


@dataclass(frozen=True)
class RequestRecord:
    """One request seen by the fake, so tests can prove e.g. that a resume sent ``Range``."""

    method: str
    path: str
    query: str
    range: str | None


class MediaHostFakeState:
    """Videos, playlists, fault switches and a request log of the media-host fake."""

    def __init__(self, media_cache_dir: Path | None = None) -> None:
        self.videos: dict[str, FakeVideo] = {}
        self.playlists: dict[str, FakePlaylist] = {}
        self.media = MediaStore(media_cache_dir)
        self.media_faults = MediaFaults()  # global: applies to every video
        self.faults = Faults(exempt_paths={CATALOG_PATH})
        self.requests: deque[RequestRecord] = deque(maxlen=1000)
        self._clock = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    # -- catalog builders ----------------------------------------------------------------------

    def add_video(
        self,
        video_id: str,
        title: str,
        *,
        description: str = "",
        published: datetime | None = None,
        look: MediaLook | None = None,
    ) -> FakeVideo:
        """Ids are URL-path safe by contract; the titles carry the awkward characters."""
        if not _ID_RE.match(video_id):
            raise ValueError(f"video id must match {_ID_RE.pattern}: {video_id!r}")
        if published is None:
            self._clock += timedelta(hours=7)
            published = self._clock
        look = look or LOOKS[len(self.videos) % len(LOOKS)]
        video = FakeVideo(video_id, title, description or f"About {title}", published, look)
        self.videos[video_id] = video
        return video

    def add_playlist(
        self, playlist_id: str, title: str, video_ids: list[str], *, description: str = ""
    ) -> FakePlaylist:
        if not _ID_RE.match(playlist_id):
            raise ValueError(f"playlist id must match {_ID_RE.pattern}: {playlist_id!r}")
        unknown = [vid for vid in video_ids if vid not in self.videos]
        if unknown:
            raise KeyError(f"unknown video ids: {unknown}")
        playlist = FakePlaylist(playlist_id, title, description or title, list(video_ids))
        self.playlists[playlist_id] = playlist
        return playlist

    # -- fault switches ------------------------------------------------------------------------

    def _faults_of(self, video_id: str | None) -> MediaFaults:
        return self.media_faults if video_id is None else self.videos[video_id].faults

    def set_missing(self, video_id: str | None, missing: bool = True) -> None:
        """``None`` switches the global fault (every video 404s)."""
        self._faults_of(video_id).missing = missing

    def set_slow(self, video_id: str | None, bytes_per_second: int | None = 64 * 1024) -> None:
        if bytes_per_second is not None and bytes_per_second <= 0:
            raise ValueError("bytes_per_second must be positive (or None to switch off)")
        self._faults_of(video_id).slow_bps = bytes_per_second

    def set_disconnect_after(self, video_id: str | None, offset: int | None) -> None:
        self._faults_of(video_id).disconnect_after = offset

    def reset_faults(self) -> None:
        self.faults.reset()
        self.media_faults.reset()
        for video in self.videos.values():
            video.faults.reset()

    def close(self) -> None:
        """Nothing runs in the background here; every fake state has ``close()`` for the demo."""

    def effective_faults(self, video_id: str) -> MediaFaults:
        """A video's own switches win; the global ones fill in what it leaves unset."""
        own, common = self.videos[video_id].faults, self.media_faults
        return MediaFaults(
            missing=own.missing or common.missing,
            slow_bps=own.slow_bps or common.slow_bps,
            disconnect_after=(
                own.disconnect_after
                if own.disconnect_after is not None
                else common.disconnect_after
            ),
        )

    def is_missing(self, video_id: str) -> bool:
        return video_id not in self.videos or self.effective_faults(video_id).missing

    # -- URLs ----------------------------------------------------------------------------------

    def video_urls(self, base_url: str, video_id: str) -> dict[str, str]:
        base = base_url.rstrip("/")
        return {
            "watch": f"{base}/watch/{video_id}",
            "mp4": f"{base}/v/{video_id}.mp4",
            "mp4_720": f"{base}/v/{video_id}.mp4?q=720",
            "m4a": f"{base}/v/{video_id}.m4a",
            "thumbnail": f"{base}/thumb/{video_id}.jpg",
        }

    def playlist_urls(self, base_url: str, playlist_id: str) -> dict[str, str]:
        base = base_url.rstrip("/")
        return {
            "rss": f"{base}/playlist/{playlist_id}.rss",
            "html": f"{base}/playlist/{playlist_id}.html",
        }

    def urls(self, base_url: str) -> dict[str, str]:
        """Human label -> URL for what a person would paste into MediaNest (CLI/demo output)."""
        out: dict[str, str] = {}
        for playlist in self.playlists.values():
            links = self.playlist_urls(base_url, playlist.id)
            out[f"{playlist.title} (RSS feed)"] = links["rss"]
            out[f"{playlist.title} (HTML page)"] = links["html"]
        in_playlists = {vid for p in self.playlists.values() for vid in p.video_ids}
        for video in self.videos.values():
            if video.id not in in_playlists:
                out[f"{video.title} (watch page)"] = self.video_urls(base_url, video.id)["watch"]
        return out

    def catalog(self, base_url: str) -> dict[str, Any]:
        """JSON-ready listing of everything, with URLs, for tests and the demo."""
        return {
            "videos": [self._video_entry(base_url, video) for video in self.videos.values()],
            "playlists": [
                {
                    "id": p.id,
                    "title": p.title,
                    "video_ids": list(p.video_ids),
                    "urls": self.playlist_urls(base_url, p.id),
                }
                for p in self.playlists.values()
            ],
        }

    def _video_entry(self, base_url: str, video: FakeVideo) -> dict[str, Any]:
        faults = self.effective_faults(video.id)
        return {
            "id": video.id,
            "title": video.title,
            "duration": video.look.seconds,
            "published": video.published.isoformat(),
            "missing": faults.missing,
            "slow_bps": faults.slow_bps,
            "disconnect_after": faults.disconnect_after,
            "urls": self.video_urls(base_url, video.id),
        }

    # -- demo world ----------------------------------------------------------------------------

    @classmethod
    def demo(cls, seed: int = 1, media_cache_dir: Path | None = None) -> MediaHostFakeState:
        """Deterministic per seed: the seed shuffles looks and publication times, not titles."""
        rng = random.Random(seed)
        state = cls(media_cache_dir)

        def add(video_id: str, title: str, look: MediaLook | None = None) -> str:
            published = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=rng.randint(0, 24 * 300))
            state.add_video(video_id, title, published=published, look=look or rng.choice(LOOKS))
            return video_id

        cozy = [
            add("cozy-knife-skills", "Knife Skills for Beginners"),
            add("cozy-perfect-rice", "How to Cook Perfect Rice"),
            add("cozy-omelette", "The French Omelette, Slowly"),
            add("cozy-sourdough", "Sourdough Starter from Scratch"),
        ]
        state.add_playlist("cozy-cooking-basics", "Cozy Cooking Basics", cozy)
        synth = [
            add("synth-neon-drive", "Neon Drive (Study Loop)"),
            add("synth-night-grid", "Night Grid"),
            add("synth-retro-focus", "Retro Focus 1986"),
        ]
        state.add_playlist("synthwave-study-mix", "Synthwave Study Mix", synth)
        broken = [
            add("broken-first", "Broken Mixtape: Side A"),
            add("broken-gone", "Broken Mixtape: Deleted Track"),
            add("broken-last", "Broken Mixtape: Side B"),
        ]
        state.add_playlist("broken-mixtape", "Broken Mixtape", broken)
        state.set_missing("broken-gone")
        tricky = [add(vid, title) for vid, title in TRICKY_TITLES.items()]
        state.add_playlist("odds-and-ends", "Odds & Ends <Weird Titles>", tricky)
        add("single-sunrise", "Sunrise Timelapse")
        # 128 KiB/s on the largest look: ~1 s for the 180p file, ~10 s for 720p (progress bars).
        slow = add("single-slow-rain", "Rain Ambience (slow server)", LOOKS[0])
        state.set_slow(slow, 128 * 1024)
        state.set_disconnect_after(add("single-flaky", "Flaky Connection Test"), 24 * 1024)
        return state
