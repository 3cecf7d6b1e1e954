"""A ``YoutubeDL`` that cannot be talked into fetching a refused address.

Every request yt-dlp starts goes through :meth:`GuardedYDL.urlopen` (extractor pages, feeds,
media files, thumbnails): the URL is checked before sending. Redirects are checked hop by hop
*before* they are followed, inside the one HTTP handler this YoutubeDL uses (yt-dlp's urllib
handler, whose redirect step is wrapped); the final URL of every response is checked again.
A refusal aborts the run even with ``ignoreerrors`` (it is a ``DownloadCancelled``). The yt-dlp
internals this depends on are listed in ``docs/protocols/yt-dlp.md#url-guard``.

Only yt-dlp's own downloaders fetch through that path. Formats another program would fetch
(ffmpeg for non-native HLS, RTMP, ...) are dropped before a format is chosen; any download
(media, merged formats, subtitles) whose downloader is not native is refused; and an HLS
playlist the native downloader would pass on to ffmpeg (``SAMPLE-AES`` keys, live streams, ...)
is fetched here, through the guard, judged, then handed to the native downloader as data.
"""

from __future__ import annotations

import functools
import urllib.error
from collections.abc import Callable
from typing import Any

from yt_dlp import YoutubeDL
from yt_dlp.downloader import get_suitable_downloader
from yt_dlp.downloader.dash import DashSegmentsFD
from yt_dlp.downloader.hls import HlsFD
from yt_dlp.downloader.http import HttpFD
from yt_dlp.extractor import gen_extractor_classes
from yt_dlp.networking import Request
from yt_dlp.networking._urllib import RedirectHandler, UrllibRH
from yt_dlp.utils import DownloadCancelled, determine_protocol

from medianest.observability.logging import get_logger

log = get_logger(__name__)

Guard = Callable[[str], object]

# Protocols yt-dlp fetches itself (through ``urlopen``); anything else means another program.
NATIVE_PROTOCOLS = frozenset(
    {"http", "https", "m3u8_native", "http_dash_segments", "http_dash_segments_generator"}
)
NATIVE_DOWNLOADERS = (HttpFD, HlsFD, DashSegmentsFD)
EXTERNAL = (
    "This video is only offered as a stream that an external program (ffmpeg) would fetch, "
    "outside MediaNest's address checks, so it is not downloaded."
)


class Refused(DownloadCancelled):  # type: ignore[misc]
    """The guard said no; yt-dlp re-raises this even with ignoreerrors
    (docs/protocols/yt-dlp.md#cancelling)."""


class UserCancelled(DownloadCancelled):  # type: ignore[misc]
    """Raised from a hook when the person cancelled the download."""


class YdlLogger:
    """yt-dlp's chatter goes to our log at debug level; its errors come back as exceptions."""

    def debug(self, msg: str) -> None:
        log.debug("yt-dlp", message=msg[:300])

    def info(self, msg: str) -> None:
        log.debug("yt-dlp", message=msg[:300])

    def warning(self, msg: str) -> None:
        if "generic information extractor" not in msg:
            log.info("yt-dlp warning", message=msg[:300])

    def error(self, msg: str) -> None:
        log.info("yt-dlp error", message=msg[:300])


class _GuardedUrllibRH(UrllibRH):  # type: ignore[misc]
    """yt-dlp's urllib handler whose redirect step asks the guard before following a hop."""

    ydl: GuardedYDL

    def _create_instance(self, **kwargs: Any) -> Any:
        opener = super()._create_instance(**kwargs)
        ydl = self.ydl
        for handler in opener.handlers:
            if isinstance(handler, RedirectHandler):
                original = handler.redirect_request

                def guarded(
                    req: Any,
                    fp: Any,
                    code: int,
                    msg: str,
                    headers: Any,
                    newurl: str,
                    _original: Any = original,
                ) -> Any:
                    problem = ydl.refusal_of(newurl)
                    if problem:
                        raise urllib.error.HTTPError(req.full_url, code, problem, headers, fp)
                    return _original(req, fp, code, msg, headers, newurl)

                handler.redirect_request = guarded
        return opener


@functools.cache
def _default_extractors() -> tuple[type[Any], ...]:
    """yt-dlp's default extractor classes, in its order, worked out once per process: yt-dlp
    does it in every ``YoutubeDL()`` (an ordered set of ~1,800 names, a few hundred ms of CPU)."""
    by_name = {ie.IE_NAME.lower(): ie for ie in gen_extractor_classes()}  # as yt-dlp keys them
    return tuple(ie for ie in by_name.values() if ie._ENABLED)


class GuardedYDL(YoutubeDL):  # type: ignore[misc]
    def __init__(self, params: dict[str, Any], guard: Guard) -> None:
        self._guard = guard
        self._refusal: str | None = None
        self._rh = type("MediaNestUrllibRH", (_GuardedUrllibRH,), {"ydl": self})
        super().__init__(params)

    def add_default_info_extractors(self) -> None:
        # What yt-dlp's own adds for the default ``allowed_extractors`` (MediaNest never sets
        # it), from a list made once.
        for extractor in _default_extractors():
            self.add_info_extractor(extractor)

    def refusal_of(self, url: str) -> str | None:
        """Why ``url`` may not be fetched (and remember it), or None when it may."""
        try:
            self._guard(url)
        except Exception as exc:
            self._refusal = str(getattr(exc, "message", None) or exc)
            return self._refusal
        return None

    def build_request_director(self, handlers: Any, preferences: Any = None) -> Any:
        # Only our guarded handler: the others (requests, curl_cffi) follow redirects unseen.
        return super().build_request_director([self._rh], preferences)

    def urlopen(self, req: Any) -> Any:
        url = req if isinstance(req, str) else str(req.url)
        if problem := self.refusal_of(url):
            raise Refused(problem)
        try:
            response = super().urlopen(req)
        except Exception:
            if self._refusal:
                raise Refused(self._refusal) from None
            raise
        final = getattr(response, "url", None)
        if final and (problem := self.refusal_of(str(final))):
            response.close()
            raise Refused(problem)
        return response

    def process_video_result(self, info_dict: dict[str, Any], download: bool = True) -> Any:
        """Drops the formats another program would fetch before yt-dlp chooses one."""
        formats = info_dict.get("formats")
        if formats:
            native = [f for f in formats if determine_protocol(f) in NATIVE_PROTOCOLS]
            if not native:
                raise Refused(EXTERNAL)
            info_dict["formats"] = native
        return super().process_video_result(info_dict, download)

    def dl(
        self, name: str, info: dict[str, Any], subtitle: bool = False, test: bool = False
    ) -> Any:
        """Every download (media, merged formats, subtitles) runs on a native downloader."""
        downloader = get_suitable_downloader(info, self.params, to_stdout=(name == "-"))
        if downloader not in NATIVE_DOWNLOADERS:
            raise Refused(EXTERNAL)
        if downloader is HlsFD and not info.get("hls_media_playlist_data"):
            info = self._native_hls(info)
        return super().dl(name, info, subtitle, test)

    def _native_hls(self, info: dict[str, Any]) -> dict[str, Any]:
        """The playlist, fetched through the guard; refused when yt-dlp would pass it to ffmpeg.
        Handing it over as data also keeps AES-128 decryption (and its key fetch) native."""
        request = Request(info["url"], headers=info.get("http_headers") or {})
        with self.urlopen(request) as response:
            final_url = str(response.url)
            playlist = response.read().decode("utf-8", "ignore")
        unplayable = bool(self.params.get("allow_unplayable_formats"))
        if not HlsFD.can_download(playlist, info, unplayable):
            raise Refused(EXTERNAL)
        return {**info, "url": final_url, "hls_media_playlist_data": playlist}
