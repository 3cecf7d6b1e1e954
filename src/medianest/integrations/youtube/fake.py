"""Fake media host standing in for YouTube, built so real yt-dlp extracts and downloads from it.

yt-dlp has no extractor for a made-up site, so everything here is shaped for yt-dlp's *generic*
extractor (``docs/protocols/yt-dlp.md#generic-extractor``, checked against yt-dlp 2026.10.26):

* ``GET /v/{id}.mp4`` (320x180), ``/v/{id}.mp4?q=720`` (1280x720), ``/v/{id}.m4a`` (audio only):
  direct media, served with Content-Type, Content-Length, Last-Modified, ETag and Range (206/416).
  yt-dlp: a single video, id = file stem = video id, title = video id, ``direct``; timestamp from
  Last-Modified; no height known (quality caps need ``?``, see
  ``docs/protocols/yt-dlp.md#format-selection``).
* ``GET /watch/{id}``: HTML with one ``<video>`` (720p + 180p ``<source>``, poster). yt-dlp's
  HTML5MediaEmbed gives a single video with id ``{id}-1`` and title ``"<video title> (1)"`` and two
  formats ``180p``/``720p`` with heights, so ``height<=?360`` picks the small file.
* ``GET /playlist/{pid}.rss``: RSS 2.0 (``application/rss+xml``). yt-dlp: playlist id = the feed
  URL, title = playlist title; entries in order with id = ``<guid>`` = video id and title = the
  video title (entries are ``url_transparent`` to the 180p enclosure). Atom is deliberately not
  offered: yt-dlp does not support it.
* ``GET /playlist/{pid}.html``: one ``<video>`` per entry. yt-dlp: playlist id = ``pid``, title =
  playlist title, entry ids ``{pid}-{n}`` and titles ``"<playlist title> (n)"`` (page title, not the
  video titles: tricky titles only reach clients through the RSS feed).
* ``GET /thumb/{id}.jpg``: 320x180 JPEG. ``GET /r?to=<url>[&status=302]``: an open redirect, and
  ``GET /hls/<name>.m3u8?to=<url>[&key=sample-aes|aes-128]``: an HLS playlist whose key and
  segments are at another address; test tools for SSRF checks only. ``GET /__fake__/catalog``: JSON of videos, playlists and URLs (exempt
  from the fakekit faults). ``GET /``: a human index.

Faults: fakekit ``Faults`` (down/slow/fail_next/garbage) for every route; per-video or global
:class:`MediaFaults`: ``missing`` → 404; ``slow_bps`` → throttled 16 KiB chunks;
``disconnect_after`` → a response from byte 0 stops after that many bytes and the connection is
dropped (uvicorn logs "ASGI callable returned without completing response."), while any Range
request from beyond byte 0 succeeds. ``state.requests`` logs method, path, query and Range.

Assumed, since no capture of a real host exists: the RSS/HTML layouts above are ordinary
podcast/HTML5 conventions, not any real site's markup.
"""

from __future__ import annotations

import html

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Route

from medianest.integrations.fakekit import ASGIApp, FaultMiddleware, Receive, Scope, Send
from medianest.integrations.youtube.fake_media import AUDIO, HD, SD, Rendition
from medianest.integrations.youtube.fake_pages import (
    render_hls,
    render_playlist_page,
    render_rss,
    render_watch_page,
)
from medianest.integrations.youtube.fake_serve import MediaBody
from medianest.integrations.youtube.fake_state import (
    CATALOG_PATH,
    TRICKY_TITLES,
    FakePlaylist,
    FakeVideo,
    MediaFaults,
    MediaHostFakeState,
    RequestRecord,
)

__all__ = [
    "TRICKY_TITLES",
    "FakePlaylist",
    "FakeVideo",
    "MediaFaults",
    "MediaHostFakeState",
    "RequestRecord",
    "create_app",
]

_REDIRECT_CODES = {301, 302, 303, 307, 308}


def _not_found(what: str) -> Response:
    return PlainTextResponse(f"{what} not found", status_code=404)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


class _Routes:
    """Route handlers bound to one state object."""

    def __init__(self, state: MediaHostFakeState) -> None:
        self.state = state

    def _available(self, video_id: str) -> FakeVideo | None:
        if self.state.is_missing(video_id):
            return None
        return self.state.videos[video_id]

    async def _media(self, request: Request, rendition: Rendition) -> Response:
        video = self._available(request.path_params["video_id"])
        if video is None:
            return _not_found("video")
        data = await anyio.to_thread.run_sync(self.state.media.data, video.look, rendition)
        faults = self.state.effective_faults(video.id)
        return MediaBody(
            data, rendition.content_type, video.published, faults.slow_bps, faults.disconnect_after
        )

    async def mp4(self, request: Request) -> Response:
        quality = request.query_params.get("q", "180")
        rendition = {"180": SD, "720": HD}.get(quality.removesuffix("p"))
        if rendition is None:
            return _not_found(f"quality {quality!r}")
        return await self._media(request, rendition)

    async def m4a(self, request: Request) -> Response:
        return await self._media(request, AUDIO)

    async def thumbnail(self, request: Request) -> Response:
        video = self._available(request.path_params["video_id"])
        if video is None:
            return _not_found("thumbnail")
        data = self.state.media.thumbnail(video.id)
        return MediaBody(data, "image/jpeg", video.published)

    async def watch(self, request: Request) -> Response:
        video = self._available(request.path_params["video_id"])
        if video is None:
            return _not_found("video")
        return HTMLResponse(render_watch_page(self.state, _base(request), video))

    async def feed(self, request: Request) -> Response:
        playlist = self.state.playlists.get(request.path_params["playlist_id"])
        if playlist is None:
            return _not_found("playlist")
        sizes = await anyio.to_thread.run_sync(self._enclosure_sizes, playlist)
        body = render_rss(self.state, _base(request), playlist, sizes)
        return Response(body, media_type="application/rss+xml; charset=utf-8")

    def _enclosure_sizes(self, playlist: FakePlaylist) -> dict[str, int]:
        videos = [self.state.videos[vid] for vid in playlist.video_ids]
        self.state.media.warm({v.look for v in videos}, [SD])
        return {v.id: self.state.media.size(v.look, SD) for v in videos}

    async def playlist_page(self, request: Request) -> Response:
        playlist = self.state.playlists.get(request.path_params["playlist_id"])
        if playlist is None:
            return _not_found("playlist")
        return HTMLResponse(render_playlist_page(self.state, _base(request), playlist))

    async def catalog(self, request: Request) -> Response:
        return JSONResponse(self.state.catalog(_base(request)))

    async def redirect(self, request: Request) -> Response:
        """Open redirect on purpose: lets SSRF tests bounce a client to any host or scheme."""
        target = request.query_params.get("to")
        status = request.query_params.get("status", "302")
        if not target or not status.isdigit() or int(status) not in _REDIRECT_CODES:
            return PlainTextResponse("usage: /r?to=<url>[&status=301|302|303|307|308]", 400)
        return RedirectResponse(target, status_code=int(status))

    async def hls(self, request: Request) -> Response:
        """An HLS media playlist whose key and segments live at ``to`` (a test tool for SSRF
        checks only); ``key`` picks the encryption line: ``sample-aes``, ``aes-128`` or none."""
        target = request.query_params.get("to", "").rstrip("/")
        if not target:
            return PlainTextResponse("usage: /hls/<name>.m3u8?to=<url>[&key=sample-aes]", 400)
        return Response(
            render_hls(target, request.query_params.get("key", "")),
            media_type="application/vnd.apple.mpegurl",
        )

    async def index(self, request: Request) -> Response:
        rows = "".join(
            f'<li><a href="{html.escape(url)}">{html.escape(label)}</a></li>'
            for label, url in self.state.urls(_base(request)).items()
        )
        page = (
            f"<!DOCTYPE html><html><head><title>Fake media host</title></head><body><ul>{rows}</ul>"
        )
        return HTMLResponse(page + "</body></html>")


class _RequestLog:
    """Outermost layer: records every request, including ones the faults answer."""

    def __init__(self, app: ASGIApp, state: MediaHostFakeState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = dict(scope.get("headers", []))
            range_header = headers.get(b"range")
            self.state.requests.append(
                RequestRecord(
                    method=scope["method"],
                    path=scope["path"],
                    query=bytes(scope.get("query_string", b"")).decode("latin-1"),
                    range=range_header.decode("latin-1") if range_header else None,
                )
            )
        await self.app(scope, receive, send)


def create_app(state: MediaHostFakeState) -> ASGIApp:
    routes = _Routes(state)
    app = Starlette(
        routes=[
            Route("/", routes.index),
            Route("/v/{video_id}.mp4", routes.mp4),
            Route("/v/{video_id}.m4a", routes.m4a),
            Route("/thumb/{video_id}.jpg", routes.thumbnail),
            Route("/watch/{video_id}", routes.watch),
            Route("/playlist/{playlist_id}.rss", routes.feed),
            Route("/playlist/{playlist_id}.html", routes.playlist_page),
            Route("/r", routes.redirect),
            Route("/hls/{name}.m3u8", routes.hls),
            Route(CATALOG_PATH, routes.catalog),
        ]
    )
    return _RequestLog(FaultMiddleware(app, state.faults), state)
