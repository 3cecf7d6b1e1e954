"""What the yt-dlp client hands back: plain typed values, never yt-dlp's own dicts."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from medianest.integrations.base import IntegrationError, NotFound, Refused

SERVICE = "YouTube"


class YoutubeError(IntegrationError):
    """Base of what :class:`~medianest.integrations.youtube.client.YoutubeClient` raises."""


class Unsupported(YoutubeError):
    """No video or playlist at that address (yt-dlp has nothing to offer for it)."""


class MediaUnavailable(NotFound, YoutubeError):
    """The video is gone, private, or its file could not be fetched."""


class UnsafeFetch(Refused, YoutubeError):
    """yt-dlp was about to fetch an address the URL policy refuses (e.g. a redirect inside)."""


class Cancelled(YoutubeError):
    """The download was stopped because the person cancelled it; partial files are removed."""


@dataclass(frozen=True)
class Entry:
    """One video of a resolved playlist (or the video itself), as listed, not yet downloaded."""

    position: int
    video_id: str | None
    title: str
    url: str | None = None
    thumbnail: str | None = None
    duration: float | None = None
    # A playlist entry as yt-dlp listed it (JSON-ready): downloading from this copy needs no
    # second fetch of the playlist page. None when too big to keep, or for a single video.
    source: dict[str, Any] | None = None


@dataclass(frozen=True)
class Resolved:
    kind: Literal["video", "playlist"]
    source_id: str
    title: str
    count: int
    webpage_url: str
    thumbnail: str | None
    entries: list[Entry] = field(default_factory=list)


@dataclass(frozen=True)
class DownloadSpec:
    """One video to fetch: the job's URL (with the playlist position for playlists), where the
    files go (``folder/stem.<ext>`` plus thumbnail and info json) and the folder's archive."""

    url: str
    quality: str
    folder: Path
    stem: str
    archive: Path
    position: int | None = None
    rate_limit_bps: int | None = None
    source: dict[str, Any] | None = None  # the listed entry (see ``Entry.source``)


@dataclass(frozen=True)
class Progress:
    status: Literal["downloading", "finished"]
    downloaded: int
    total: int | None
    speed: float | None
    eta: int | None


@dataclass(frozen=True)
class DownloadResult:
    """``skipped``: the folder's archive already had it, nothing was fetched."""

    status: Literal["done", "skipped"]
    video_id: str | None
    title: str | None
    media_file: Path | None
    archive_key: str | None
    size: int = 0
