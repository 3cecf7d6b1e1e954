"""A ``YoutubeDL`` that cannot be talked into fetching a refused address.

Every request yt-dlp starts goes through :meth:`GuardedYDL.urlopen` (extractor pages, feeds,
media files, thumbnails): the URL is checked before sending. Redirects are checked hop by hop
*before* they are followed, inside the one HTTP handler this YoutubeDL uses (yt-dlp's urllib
handler, whose redirect step is wrapped); the final URL of every response is checked again.
A refusal aborts the run even with ``ignoreerrors`` (it is a ``DownloadCancelled``). The yt-dlp
internals this depends on are listed in ``docs/protocols/yt-dlp.md#url-guard``.
"""

from __future__ import annotations

import urllib.error
from collections.abc import Callable
from typing import Any

from yt_dlp import YoutubeDL
from yt_dlp.networking._urllib import RedirectHandler, UrllibRH
from yt_dlp.utils import DownloadCancelled

from medianest.observability.logging import get_logger

log = get_logger(__name__)

Guard = Callable[[str], object]


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


class GuardedYDL(YoutubeDL):  # type: ignore[misc]
    def __init__(self, params: dict[str, Any], guard: Guard) -> None:
        self._guard = guard
        self._refusal: str | None = None
        self._rh = type("MediaNestUrllibRH", (_GuardedUrllibRH,), {"ydl": self})
        super().__init__(params)

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
