"""Every byte fetched for a download passes the URL guard, whatever program would fetch it: a
stream that yt-dlp would hand to ffmpeg (or any external program) is refused, never handed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from medianest.domain.download_safety import HostPolicy
from medianest.integrations.fakekit import FakeServer
from medianest.integrations.youtube.client import YoutubeClient, find_ffmpeg
from medianest.integrations.youtube.guard import UrlGuard
from medianest.integrations.youtube.models import DownloadSpec, UnsafeFetch
from tests.support.downloads import MediaHost


class Trap:
    """A service on a private address (loopback, not allow-listed) that records every visit."""

    def __init__(self) -> None:
        self.visits: list[str] = []

        async def anything(request: Request) -> Response:
            self.visits.append(request.url.path)
            return Response(b"\x00" * 188, media_type="video/mp2t")

        self.server = FakeServer(Starlette(routes=[Route("/{rest:path}", anything)])).start()


@pytest.fixture
def trap() -> Iterator[Trap]:
    found = Trap()
    yield found
    found.server.stop()


def _client(media_host: MediaHost) -> YoutubeClient:
    guard = UrlGuard(HostPolicy((media_host.netloc,)))
    return YoutubeClient(guard, socket_timeout=5, ffmpeg=find_ffmpeg())


def _spec(url: str, folder: Path) -> DownloadSpec:
    return DownloadSpec(
        url=url, quality="best", folder=folder, stem="stream", archive=folder / "archive.txt"
    )


@pytest.mark.parametrize("key", ["sample-aes", "aes-128", "none"])
def test_hls_key_and_segments_elsewhere_are_never_fetched(
    media_host: MediaHost, trap: Trap, tmp_path: Path, key: str
) -> None:
    assert find_ffmpeg(), "ffmpeg must be there, or the delegation this guards cannot happen"
    url = f"{media_host.url}/hls/stream.m3u8?to={quote(trap.server.url)}&key={key}"
    with pytest.raises(UnsafeFetch) as refused:
        _client(media_host).download(_spec(url, tmp_path), lambda _: None, lambda: False)
    assert trap.visits == []
    expected = "external program" if key == "sample-aes" else "not allowed"
    assert expected in refused.value.message
    assert not list(tmp_path.glob("stream*.mp4"))
