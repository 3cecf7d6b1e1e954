"""The one choke point around yt-dlp: resolve a URL, download one video.

What it relies on in yt-dlp: ``docs/protocols/yt-dlp.md``.

yt-dlp is used as a library, never through a shell, with options built only here (nothing a
person types reaches them but the URL). Each call makes its own ``YoutubeDL`` (it keeps per-run
state) and blocks: call it from a job thread, never from the event loop.

Every request yt-dlp makes, and every redirect hop, is checked by the URL guard first
(see :mod:`medianest.integrations.youtube.ydl`).

yt-dlp itself (about 30 MB and 0.3 s to import) is loaded by the first call that resolves or
downloads, not when this module is imported: a web process that never downloads never loads it.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from medianest.integrations.youtube.files import (
    archive_path,
    find_media_file,
    remove_item_files,
    remove_partials,
)
from medianest.integrations.youtube.models import (
    SERVICE,
    Cancelled,
    DownloadResult,
    DownloadSpec,
    Entry,
    MediaUnavailable,
    Progress,
    Resolved,
    UnsafeFetch,
    Unsupported,
)
from medianest.observability.logging import get_logger

if TYPE_CHECKING:
    from yt_dlp.utils import DownloadError

    from medianest.integrations.youtube.ydl import Guard

log = get_logger(__name__)

ProgressSink = Callable[[Progress], None]

MAX_SOURCE_BYTES = 64 * 1024  # per listed entry kept for the download

FORMATS = {
    "best": "bv*+ba/b",
    "1080p": "bv*[height<=?1080]+ba/b[height<=?1080]",
    "720p": "bv*[height<=?720]+ba/b[height<=?720]",
    "480p": "bv*[height<=?480]+ba/b[height<=?480]",
    "audio": "ba/b",
}


def find_ffmpeg() -> str | None:
    """The system ffmpeg, else the one shipped with imageio-ffmpeg (merging needs one)."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except Exception:
        return None


def _clean_error(exc: BaseException) -> str:
    text = str(exc).removeprefix("ERROR: ").strip()
    text = text.split(" (caused by", 1)[0]
    return (text or exc.__class__.__name__)[:300]


def _smuggled_id(url: str | None) -> str | None:
    """RSS entries carry their guid as yt-dlp's smuggled ``force_videoid``."""
    if not url or "#__youtubedl_smuggle=" not in url:
        return None
    from yt_dlp.utils import unsmuggle_url

    _, data = unsmuggle_url(url, {})
    value = data.get("force_videoid") if isinstance(data, dict) else None
    return str(value) if value else None


def _range_refused(exc: DownloadError) -> bool:
    """Whether yt-dlp gave up on a ``416 Range Not Satisfiable`` (a resume past the end)."""
    from yt_dlp.networking.exceptions import HTTPError

    cause = exc.exc_info[1] if exc.exc_info else None
    return isinstance(cause, HTTPError) and cause.status == 416


def _replayable(raw: dict[str, Any]) -> dict[str, Any] | None:
    """The entry as yt-dlp's own ``--load-info-json`` keeps it (no run-time keys), when small
    enough to store."""
    from yt_dlp import YoutubeDL

    clean = YoutubeDL.sanitize_info(dict(raw), remove_private_keys=True)
    if not isinstance(clean, dict) or len(json.dumps(clean)) > MAX_SOURCE_BYTES:
        return None
    return clean


def _entry(position: int, raw: dict[str, Any], source: dict[str, Any] | None = None) -> Entry:
    url = raw.get("url") if isinstance(raw.get("url"), str) else None
    video_id = raw.get("id") or _smuggled_id(url)
    return Entry(
        position=position,
        video_id=str(video_id) if video_id else None,
        title=str(raw.get("title") or video_id or f"Video {position}"),
        url=url,
        thumbnail=_thumbnail(raw),
        duration=raw.get("duration") if isinstance(raw.get("duration"), int | float) else None,
        source=source,
    )


def _thumbnail(info: dict[str, Any]) -> str | None:
    """A mid-sized thumbnail when several are listed (the page shows ~320 px)."""
    thumbs = [t for t in info.get("thumbnails") or () if isinstance(t, dict) and t.get("url")]
    sized = [t for t in thumbs if isinstance(t.get("width"), int)]
    if sized:
        fitting = [t for t in sized if t["width"] <= 640] or sized
        return str(max(fitting, key=lambda t: t["width"])["url"])
    if isinstance(info.get("thumbnail"), str):
        return str(info["thumbnail"])
    return str(thumbs[-1]["url"]) if thumbs else None


class YoutubeClient:
    def __init__(
        self,
        guard: Guard,
        *,
        socket_timeout: float = 20.0,
        ffmpeg: str | None = None,
    ) -> None:
        self._guard = guard
        self._socket_timeout = socket_timeout
        self._ffmpeg = ffmpeg

    def _base(self) -> dict[str, Any]:
        from medianest.integrations.youtube.ydl import YdlLogger

        params: dict[str, Any] = {
            "quiet": True,
            "noprogress": True,
            "logger": YdlLogger(),
            "socket_timeout": self._socket_timeout,
            "retries": 3,
            "fragment_retries": 3,
            "cachedir": False,
            "noplaylist": False,
            "color": {"stdout": "never", "stderr": "never"},
        }
        if self._ffmpeg:
            params["ffmpeg_location"] = self._ffmpeg
        return params

    # -- resolve -------------------------------------------------------------------------------

    def resolve(self, url: str, *, max_entries: int) -> Resolved:
        """Title, count, thumbnail and the list of videos, without downloading any.

        Lists at most ``max_entries + 1`` entries, so a huge playlist is known to be too big
        without walking all of it (``count`` still says how many it has when yt-dlp knows)."""
        from yt_dlp.utils import DownloadError, UnsupportedError

        from medianest.integrations.youtube.ydl import GuardedYDL, Refused

        params = self._base() | {"extract_flat": "in_playlist", "playlistend": max_entries + 1}
        try:
            with GuardedYDL(params, self._guard) as ydl:
                raw = ydl.extract_info(url, download=False)
                info: dict[str, Any] = ydl.sanitize_info(raw) if raw else {}
        except Refused as exc:
            raise UnsafeFetch(SERVICE, str(exc.msg or exc)) from None
        except DownloadError as exc:
            if isinstance(exc.exc_info[1], UnsupportedError):
                raise Unsupported(
                    SERVICE, "There is no video or playlist at that address."
                ) from None
            raise MediaUnavailable(SERVICE, _clean_error(exc)) from None
        if not info:
            raise Unsupported(SERVICE, "There is no video or playlist at that address.")
        webpage = str(info.get("webpage_url") or url)
        if info.get("_type") == "playlist":
            entries = [
                _entry(n, e, source=_replayable(e))
                for n, e in enumerate(info.get("entries") or [], 1)
                if isinstance(e, dict)
            ]
            count = info.get("playlist_count")
            thumb = _thumbnail(info) or next((e.thumbnail for e in entries if e.thumbnail), None)
            return Resolved(
                kind="playlist",
                source_id=str(info.get("id") or webpage),
                title=str(info.get("title") or "Playlist"),
                count=int(count) if isinstance(count, int) else len(entries),
                webpage_url=webpage,
                thumbnail=thumb,
                entries=entries,
            )
        single = _entry(1, info)
        return Resolved(
            kind="video",
            source_id=single.video_id or webpage,
            title=single.title,
            count=1,
            webpage_url=webpage,
            thumbnail=single.thumbnail,
            entries=[single],
        )

    def fetch_thumbnail(self, url: str, *, max_bytes: int = 1_000_000) -> bytes | None:
        """The image bytes (JPEG/PNG/WebP), through the guard; None when unusable."""
        from medianest.integrations.youtube.ydl import GuardedYDL

        try:
            with GuardedYDL(self._base(), self._guard) as ydl:
                response = ydl.urlopen(url)
                try:
                    kind = str(response.headers.get("Content-Type", "")).split(";")[0].strip()
                    data = bytes(response.read(max_bytes + 1))
                finally:
                    response.close()
        except Exception as exc:  # a missing thumbnail never stops a download
            log.info("thumbnail not fetched", reason=_clean_error(exc))
            return None
        if not kind.startswith("image/") or len(data) > max_bytes or not data:
            return None
        return data

    # -- download ------------------------------------------------------------------------------

    def _run(self, params: dict[str, Any], spec: DownloadSpec) -> None:
        from medianest.integrations.youtube.ydl import GuardedYDL

        with GuardedYDL(params, self._guard) as ydl:
            if spec.source is not None:  # listed already: no second fetch of the playlist
                ydl.process_ie_result(copy.deepcopy(spec.source), download=True)
            else:
                ydl.extract_info(spec.url, download=True)

    def _run_resuming(self, params: dict[str, Any], spec: DownloadSpec) -> None:
        from yt_dlp.utils import DownloadError

        try:
            self._run(params, spec)
        except DownloadError as exc:
            if not _range_refused(exc):
                raise
            # A part-file the host will not continue (complete already, or the file changed):
            # yt-dlp's own fallback re-sends the Range, so start again from byte zero.
            log.info("resume refused by the host, starting again", stem=spec.stem)
            remove_partials(spec.folder, spec.stem)
            self._run(params, spec)

    def _run_any(self, params: dict[str, Any], spec: DownloadSpec) -> None:
        from yt_dlp.utils import DownloadError

        try:
            self._run_resuming(params, spec)
        except DownloadError:
            if spec.source is None:
                raise
            # The listed copy may have gone stale (format addresses that expire): list afresh.
            log.info("listed entry failed, extracting the video again", stem=spec.stem)
            self._run_resuming(params, dataclasses.replace(spec, source=None))

    def _download_params(self, spec: DownloadSpec) -> dict[str, Any]:
        folder = str(spec.folder).replace("%", "%%")
        stem = spec.stem.replace("%", "%%")
        params = self._base() | {
            "format": FORMATS.get(spec.quality, FORMATS["best"]),
            "merge_output_format": "mp4/mkv",
            "outtmpl": {"default": f"{folder}/{stem}.%(ext)s"},
            # Names come from our own sanitiser (domain.download_safety: no separators, no "..",
            # capped at 120 bytes); these are belts on top. No trim_file_name: yt-dlp trims the
            # whole path with it, which would cut the "[video id]" off our names.
            "restrictfilenames": True,
            "windowsfilenames": True,
            "download_archive": str(spec.archive),
            "writethumbnail": True,
            "writeinfojson": True,
            "allow_playlist_files": False,
            "continuedl": True,
            "overwrites": False,
            "ignoreerrors": False,
        }
        if spec.position is not None:
            params["playlist_items"] = str(spec.position)
        if spec.rate_limit_bps:
            params["ratelimit"] = spec.rate_limit_bps
        if spec.quality == "audio" and self._ffmpeg:
            params["postprocessors"] = [{"key": "FFmpegExtractAudio", "preferredcodec": "m4a"}]
        return params

    def download(
        self, spec: DownloadSpec, on_progress: ProgressSink, should_cancel: Callable[[], bool]
    ) -> DownloadResult:
        """Downloads one video (the playlist's ``spec.position``-th, or the URL's video).

        ``on_progress`` is called from yt-dlp's hook (throttle it); ``should_cancel`` is asked on
        every hook call, so a cancel lands within one chunk. Raises :class:`Cancelled` (partial
        files removed), :class:`UnsafeFetch` or :class:`MediaUnavailable`."""
        from yt_dlp.utils import DownloadError

        from medianest.integrations.youtube.ydl import Refused, UserCancelled

        seen: dict[str, Any] = {}

        def hook(d: dict[str, Any]) -> None:
            if should_cancel():
                raise UserCancelled("cancelled")
            status = d.get("status")
            if status not in ("downloading", "finished"):
                return
            info = d.get("info_dict") or {}
            seen["id"], seen["title"] = info.get("id"), info.get("title")
            seen["archive"] = f"{str(info.get('extractor_key', '')).lower()} {info.get('id')}"
            done = int(d.get("downloaded_bytes") or 0)
            total = d.get("total_bytes") or d.get("total_bytes_estimate")
            if status == "finished":
                seen["finished"] = True
                seen["size"] = int(seen.get("size", 0)) + done
            speed, eta = d.get("speed"), d.get("eta")
            on_progress(
                Progress(
                    status=status,
                    downloaded=done,
                    total=int(total) if total else None,
                    speed=float(speed) if speed else None,
                    eta=int(eta) if eta is not None else None,
                )
            )

        def pp_hook(d: dict[str, Any]) -> None:
            if should_cancel():
                raise UserCancelled("cancelled")
            if d.get("status") == "finished":
                path = (d.get("info_dict") or {}).get("filepath")
                if path:
                    seen["file"] = str(path)

        params = self._download_params(spec) | {
            "progress_hooks": [hook],
            "postprocessor_hooks": [pp_hook],
        }
        spec.folder.mkdir(parents=True, exist_ok=True)
        try:
            self._run_any(params, spec)
        except UserCancelled:
            remove_item_files(spec.folder, spec.stem)
            raise Cancelled(SERVICE, "The download was cancelled.") from None
        except Refused as exc:
            remove_partials(spec.folder, spec.stem)
            raise UnsafeFetch(SERVICE, str(exc.msg or exc)) from None
        except DownloadError as exc:
            remove_partials(spec.folder, spec.stem)
            raise MediaUnavailable(SERVICE, _clean_error(exc)) from None
        if not seen.get("finished"):
            return DownloadResult("skipped", None, None, None, None)
        reported = Path(str(seen["file"])) if seen.get("file") else None
        media = reported if reported and reported.is_file() else None
        media = media or find_media_file(spec.folder, spec.stem)
        return DownloadResult(
            "done",
            video_id=str(seen["id"]) if seen.get("id") else None,
            title=str(seen["title"]) if seen.get("title") else None,
            media_file=media,
            archive_key=str(seen.get("archive") or "") or None,
            size=media.stat().st_size if media and media.exists() else int(seen.get("size", 0)),
        )


__all__ = [
    "FORMATS",
    "YoutubeClient",
    "archive_path",
    "find_ffmpeg",
    "find_media_file",
    "remove_item_files",
    "remove_partials",
]
