"""Contract tests for the media-host fake: real yt-dlp must extract and download from it.

The ASGI-level tests pin the HTTP details yt-dlp relies on (Range, Content-Type, RSS 2.0 shape);
the real-port tests run yt-dlp 2026.x as a library exactly like MediaNest's download jobs do.
"""

from __future__ import annotations

import io
import time
from collections.abc import AsyncIterator, Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import httpx
import imageio_ffmpeg
import pytest
from PIL import Image
from yt_dlp import YoutubeDL
from yt_dlp.utils import DownloadCancelled, DownloadError

from medianest.integrations.fakekit import FakeServer, Receive, Scope, Send
from medianest.integrations.youtube.fake import TRICKY_TITLES, MediaHostFakeState, create_app
from medianest.integrations.youtube.fake_media import AUDIO, HD, LOOKS, SD, MediaStore

ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
BASE = "http://media.test"


@pytest.fixture(scope="session")
def media_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One generated media set per test session (generation is timed in its own test)."""
    path = tmp_path_factory.mktemp("fake-media")
    MediaStore(path).warm(LOOKS)
    return path


@pytest.fixture
def state(media_cache: Path) -> MediaHostFakeState:
    return MediaHostFakeState.demo(media_cache_dir=media_cache)


@pytest.fixture
async def client(state: MediaHostFakeState) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(state))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        yield http


class _Swappable:
    """Lets one real server serve a fresh state per test (no per-test server start/stop)."""

    def __init__(self) -> None:
        self.app: Any = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[FakeServer, _Swappable]]:
    holder = _Swappable()
    with FakeServer(holder) as server:
        yield server, holder


@pytest.fixture
def host(live: tuple[FakeServer, _Swappable], state: MediaHostFakeState) -> str:
    server, holder = live
    holder.app = create_app(state)
    return server.url


class _Quiet:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def debug(self, msg: str) -> None:
        pass

    def info(self, msg: str) -> None:
        pass

    def warning(self, msg: str) -> None:
        pass

    def error(self, msg: str) -> None:
        self.errors.append(msg)


def ydl_opts(out: Path | None = None, **extra: Any) -> dict[str, Any]:
    opts: dict[str, Any] = {"quiet": True, "noprogress": True, "logger": _Quiet()}
    if out is not None:
        opts["paths"] = {"home": str(out)}
        opts["outtmpl"] = {"default": "%(playlist_index|0)02d %(id)s.%(ext)s"}
    opts.update(extra)
    return opts


def parse_xml(body: bytes) -> ET.Element:
    """The fake's own output, not untrusted input."""
    return ET.fromstring(body)  # noqa: S314


def extract(url: str, **extra: Any) -> dict[str, Any]:
    with YoutubeDL(ydl_opts(**extra)) as ydl:
        info: dict[str, Any] = ydl.sanitize_info(ydl.extract_info(url, download=False))
    return info


class CancelJob(DownloadCancelled):  # type: ignore[misc]  # yt_dlp is untyped
    """What MediaNest raises from a progress hook when a user cancels
    (docs/protocols/yt-dlp.md#cancelling)."""


# -- HTTP contract (in-process) ---------------------------------------------------------------


async def test_feed_is_rss2_with_escaped_titles_guids_and_real_enclosures(
    client: httpx.AsyncClient, state: MediaHostFakeState
) -> None:
    response = await client.get("/playlist/odds-and-ends.rss")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/rss+xml")
    assert b"<script>" not in response.content  # escaped, not injected
    root = parse_xml(response.content)
    assert root.tag == "rss"
    assert root.get("version") == "2.0"
    assert root.findtext("channel/title") == "Odds & Ends <Weird Titles>"
    items = root.findall("channel/item")
    assert [item.findtext("title") for item in items] == list(TRICKY_TITLES.values())
    assert [item.findtext("guid") for item in items] == list(TRICKY_TITLES)
    assert len(TRICKY_TITLES["tricky-long"]) == 300
    first = items[0]
    parsedate_to_datetime(first.findtext("pubDate") or "")  # RFC 822 date
    assert first.find(f"{ITUNES}image") is not None
    enclosure = first.find("enclosure")
    assert enclosure is not None
    assert enclosure.get("type") == "video/mp4"
    media = await client.get(enclosure.get("url", "").removeprefix(BASE))
    assert media.status_code == 200
    assert int(enclosure.get("length", "0")) == len(media.content)
    assert media.headers["content-type"] == "video/mp4"


async def test_media_files_are_real_mp4_and_m4a(client: httpx.AsyncClient) -> None:
    sd = await client.get("/v/cozy-omelette.mp4")
    hd = await client.get("/v/cozy-omelette.mp4?q=720")
    audio = await client.get("/v/cozy-omelette.m4a")
    assert sd.content[4:12] == b"ftypisom"
    assert hd.content[4:12] == b"ftypisom"
    assert audio.content[4:12] == b"ftypM4A "
    assert audio.headers["content-type"] == "audio/mp4"
    assert len(hd.content) > len(sd.content) > len(audio.content) > 0
    assert int(sd.headers["content-length"]) == len(sd.content)
    assert parsedate_to_datetime(sd.headers["last-modified"]).year == 2026
    assert (await client.get("/v/cozy-omelette.mp4?q=4k")).status_code == 404


def test_generated_video_is_playable(media_cache: Path) -> None:
    store = MediaStore(media_cache)
    for rendition in (SD, HD):
        frames, seconds = imageio_ffmpeg.count_frames_and_secs(str(store.path(LOOKS[0], rendition)))
        assert frames > 0
        assert seconds == pytest.approx(LOOKS[0].seconds, abs=0.2)
    assert store.path(LOOKS[0], AUDIO).stat().st_size > 1000


def test_generation_is_quick_cached_and_deterministic(tmp_path: Path, media_cache: Path) -> None:
    store = MediaStore(tmp_path)
    elapsed = store.warm(LOOKS)
    print(f"generated {len(LOOKS) * 3} media files in {elapsed:.2f}s")
    assert elapsed < 10
    assert len(list(tmp_path.iterdir())) == len(LOOKS) * 3  # no leftover temp files
    started = time.monotonic()
    MediaStore(tmp_path).warm(LOOKS)  # a second process finds everything on disk
    assert time.monotonic() - started < 0.5
    assert store.data(LOOKS[1], SD) == MediaStore(media_cache).data(LOOKS[1], SD)


async def test_range_requests_answer_206_416_and_head(client: httpx.AsyncClient) -> None:
    full = (await client.get("/v/synth-night-grid.mp4")).content
    size = len(full)
    part = await client.get("/v/synth-night-grid.mp4", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 100-199/{size}"
    assert part.headers["content-length"] == "100"
    assert part.content == full[100:200]
    tail = await client.get("/v/synth-night-grid.mp4", headers={"Range": "bytes=1000-"})
    assert tail.headers["content-range"] == f"bytes 1000-{size - 1}/{size}"
    assert tail.content == full[1000:]
    suffix = await client.get("/v/synth-night-grid.mp4", headers={"Range": "bytes=-10"})
    assert suffix.status_code == 206
    assert suffix.content == full[-10:]
    beyond = await client.get("/v/synth-night-grid.mp4", headers={"Range": f"bytes={size}-"})
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{size}"
    assert beyond.content == b""
    reversed_range = await client.get("/v/synth-night-grid.mp4", headers={"Range": "bytes=9-3"})
    assert reversed_range.status_code == 200 and reversed_range.content == full
    head = await client.head("/v/synth-night-grid.mp4")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(size)
    assert head.headers["accept-ranges"] == "bytes"


async def test_thumbnails_are_distinct_jpegs(client: httpx.AsyncClient) -> None:
    one = await client.get("/thumb/cozy-omelette.jpg")
    two = await client.get("/thumb/cozy-sourdough.jpg")
    assert one.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(one.content))
    assert image.format == "JPEG"
    assert image.size == (320, 180)
    assert one.content != two.content


async def test_missing_entry_404s_but_stays_listed(client: httpx.AsyncClient) -> None:
    feed = parse_xml((await client.get("/playlist/broken-mixtape.rss")).content)
    assert [i.findtext("guid") for i in feed.findall("channel/item")] == [
        "broken-first",
        "broken-gone",
        "broken-last",
    ]
    for path in ("/v/broken-gone.mp4", "/watch/broken-gone", "/thumb/broken-gone.jpg"):
        assert (await client.get(path)).status_code == 404
    assert (await client.get("/v/broken-first.mp4")).status_code == 200
    assert (await client.get("/playlist/nope.rss")).status_code == 404


async def test_redirect_tool_and_faults(
    client: httpx.AsyncClient, state: MediaHostFakeState
) -> None:
    bounce = await client.get("/r", params={"to": "http://127.0.0.1:9/admin", "status": "307"})
    assert bounce.status_code == 307
    assert bounce.headers["location"] == "http://127.0.0.1:9/admin"
    assert (await client.get("/r")).status_code == 400
    state.faults.down = True
    assert (await client.get("/v/cozy-omelette.mp4")).status_code == 503
    catalog = await client.get("/__fake__/catalog")  # exempt, so the demo can always list
    assert catalog.status_code == 200
    state.reset_faults()
    state.set_missing(None)  # global switch
    assert (await client.get("/v/cozy-omelette.mp4")).status_code == 404
    assert [r.path for r in state.requests][:2] == ["/r", "/r"]


async def test_catalog_and_demo_are_deterministic(
    client: httpx.AsyncClient, media_cache: Path
) -> None:
    catalog = (await client.get("/__fake__/catalog")).json()
    playlists = {p["id"]: p for p in catalog["playlists"]}
    assert playlists["cozy-cooking-basics"]["title"] == "Cozy Cooking Basics"
    assert len(playlists["cozy-cooking-basics"]["video_ids"]) == 4
    assert len(playlists["synthwave-study-mix"]["video_ids"]) == 3
    assert playlists["broken-mixtape"]["urls"]["rss"] == f"{BASE}/playlist/broken-mixtape.rss"
    videos = {v["id"]: v for v in catalog["videos"]}
    assert videos["broken-gone"]["missing"] is True
    assert videos["cozy-omelette"]["urls"]["mp4_720"] == f"{BASE}/v/cozy-omelette.mp4?q=720"
    again = MediaHostFakeState.demo(seed=1, media_cache_dir=media_cache).catalog(BASE)
    assert again == catalog
    other = MediaHostFakeState.demo(seed=2, media_cache_dir=media_cache).catalog(BASE)
    assert other["videos"] != catalog["videos"]
    assert other["playlists"] == catalog["playlists"]
    urls = MediaHostFakeState.demo(media_cache_dir=media_cache).urls(BASE)
    assert urls["Cozy Cooking Basics (RSS feed)"] == f"{BASE}/playlist/cozy-cooking-basics.rss"
    assert urls["Sunrise Timelapse (watch page)"] == f"{BASE}/watch/single-sunrise"


# -- real yt-dlp over a real port -------------------------------------------------------------


def test_ytdlp_lists_rss_feed_as_playlist(host: str) -> None:
    feed = f"{host}/playlist/odds-and-ends.rss"
    info = extract(feed)
    assert info["_type"] == "playlist"
    assert info["id"] == feed
    assert info["title"] == "Odds & Ends <Weird Titles>"
    assert [e["id"] for e in info["entries"]] == list(TRICKY_TITLES)
    assert [e["title"] for e in info["entries"]] == list(TRICKY_TITLES.values())
    assert info["entries"][0]["thumbnail"] == f"{host}/thumb/tricky-traversal.jpg"
    flat = extract(feed, extract_flat="in_playlist")
    assert len(flat["entries"]) == len(TRICKY_TITLES)


def test_ytdlp_downloads_feed_into_playable_files(host: str, tmp_path: Path) -> None:
    with YoutubeDL(ydl_opts(tmp_path)) as ydl:
        assert ydl.download([f"{host}/playlist/synthwave-study-mix.rss"]) == 0
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == [
        "01 synth-neon-drive.mp4",
        "02 synth-night-grid.mp4",
        "03 synth-retro-focus.mp4",
    ]
    for path in tmp_path.iterdir():
        assert path.read_bytes()[4:8] == b"ftyp"
        frames, seconds = imageio_ffmpeg.count_frames_and_secs(str(path))
        assert frames > 0
        assert seconds > 0


def test_ytdlp_html_pages_give_playlist_and_quality_choice(
    host: str, tmp_path: Path, state: MediaHostFakeState
) -> None:
    info = extract(f"{host}/playlist/cozy-cooking-basics.html")
    assert (info["_type"], info["id"], info["title"]) == (
        "playlist",
        "cozy-cooking-basics",
        "Cozy Cooking Basics",
    )
    assert [e["id"] for e in info["entries"]] == [f"cozy-cooking-basics-{n}" for n in (1, 2, 3, 4)]
    assert info["entries"][0]["title"] == "Cozy Cooking Basics (1)"
    single = extract(f"{host}/watch/cozy-omelette")
    assert (single["_type"], single["id"]) == ("video", "cozy-omelette-1")
    assert single["title"] == "The French Omelette, Slowly (1)"
    assert {f["height"] for f in single["formats"]} == {180, 720}
    look = state.videos["cozy-omelette"].look
    for cap, rendition in (("b[height<=?360]", SD), ("b", HD)):
        out = tmp_path / rendition.name
        with YoutubeDL(ydl_opts(out, format=cap)) as ydl:
            assert ydl.download([f"{host}/watch/cozy-omelette"]) == 0
        (file,) = out.iterdir()
        assert file.read_bytes() == state.media.data(look, rendition)


def test_missing_entry_is_a_partial_failure(host: str, tmp_path: Path) -> None:
    feed = f"{host}/playlist/broken-mixtape.rss"
    with YoutubeDL(ydl_opts(tmp_path, ignoreerrors="only_download")) as ydl:
        assert ydl.download([feed]) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "01 broken-first.mp4",
        "03 broken-last.mp4",
    ]
    with YoutubeDL(ydl_opts(tmp_path / "strict")) as ydl, pytest.raises(DownloadError) as caught:
        ydl.download([feed])
    assert "404" in str(caught.value)


def test_slow_mode_reports_progress_and_cancel_leaves_part(
    host: str, tmp_path: Path, state: MediaHostFakeState
) -> None:
    state.set_slow("synth-neon-drive", 64 * 1024)
    seen: list[int] = []

    def hook(progress: dict[str, Any]) -> None:
        if progress["status"] == "downloading":
            seen.append(progress["downloaded_bytes"])
            if progress["downloaded_bytes"] > 40_000:  # past two 16 KiB chunks
                raise CancelJob()

    started = time.monotonic()
    with YoutubeDL(ydl_opts(tmp_path, progress_hooks=[hook])) as ydl, pytest.raises(CancelJob):
        ydl.download([f"{host}/v/synth-neon-drive.mp4"])
    assert len(seen) >= 3
    assert seen == sorted(set(seen))
    assert time.monotonic() - started > 0.45  # two chunk delays of 0.25 s each at 64 KiB/s
    (part,) = tmp_path.iterdir()
    assert part.name.endswith(".mp4.part")
    assert part.stat().st_size == seen[-1]


def test_disconnect_then_resume_with_range_completes(
    host: str, tmp_path: Path, state: MediaHostFakeState
) -> None:
    video = state.videos["cozy-knife-skills"]
    expected = state.media.data(video.look, SD)
    state.set_disconnect_after(video.id, 40_000)
    url = f"{host}/v/{video.id}.mp4"
    with YoutubeDL(ydl_opts(tmp_path, retries=0)) as ydl, pytest.raises(DownloadError):
        ydl.download([url])
    (part,) = tmp_path.iterdir()
    kept = part.stat().st_size  # the client drops its last partial block: a bit under 40 000
    assert part.name.endswith(".part")
    assert 0 < kept <= 40_000
    with YoutubeDL(ydl_opts(tmp_path)) as ydl:
        assert ydl.download([url]) == 0
    (done,) = tmp_path.iterdir()
    assert done.read_bytes() == expected
    ranges = [r.range for r in state.requests if r.path == f"/v/{video.id}.mp4"]
    assert ranges[-1] == f"bytes={kept}-"


def test_disconnect_is_healed_by_ytdlp_retry_in_one_run(
    host: str, tmp_path: Path, state: MediaHostFakeState
) -> None:
    state.set_disconnect_after(None, 20_000)  # global: every fresh download breaks once
    with YoutubeDL(ydl_opts(tmp_path, retries=2)) as ydl:
        assert ydl.download([f"{host}/v/synth-night-grid.mp4"]) == 0
    (done,) = tmp_path.iterdir()
    look = state.videos["synth-night-grid"].look
    assert done.read_bytes() == state.media.data(look, SD)
    resumed = [r.range for r in state.requests if r.path == "/v/synth-night-grid.mp4" and r.range]
    assert resumed
    assert resumed[-1].startswith("bytes=")
    assert resumed[-1] != "bytes=0-"
