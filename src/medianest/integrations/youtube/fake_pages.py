"""RSS 2.0 feeds and HTML pages of the media-host fake, shaped for yt-dlp's generic extractor.

RSS (not Atom: yt-dlp's generic extractor only understands a root ``<rss>``): one ``<item>`` per
video with ``<guid>`` = video id (yt-dlp uses it as the entry id), the 180p mp4 as
``<enclosure>``, ``pubDate`` and ``itunes:image``/``itunes:duration``. HTML: one ``<video>`` per
video with a 720p and a 180p ``<source>`` carrying ``width``/``height``/``label`` (yt-dlp turns
them into formats with known heights, so quality caps choose between real files) and a poster.
"""

from __future__ import annotations

import html
from datetime import datetime
from email.utils import format_datetime
from xml.etree import ElementTree as ET

from medianest.integrations.youtube.fake_media import HD, MP4_CODECS, SD
from medianest.integrations.youtube.fake_state import FakePlaylist, FakeVideo, MediaHostFakeState

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
ATOM_NS = "http://www.w3.org/2005/Atom"
ET.register_namespace("itunes", ITUNES_NS)
ET.register_namespace("atom", ATOM_NS)


def rfc822(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def render_rss(
    state: MediaHostFakeState, base_url: str, playlist: FakePlaylist, sizes: dict[str, int]
) -> bytes:
    """``sizes`` maps video id to the enclosure's byte length (the 180p mp4)."""
    links = state.playlist_urls(base_url, playlist.id)
    rss = ET.Element("rss", {"version": "2.0"})
    channel = _sub(rss, "channel")
    _sub(channel, "title", playlist.title)
    _sub(channel, "link", links["html"])
    _sub(channel, "description", playlist.description)
    _sub(channel, "language", "en")
    _sub(channel, f"{{{ATOM_NS}}}link", href=links["rss"], rel="self", type="application/rss+xml")
    videos = [state.videos[vid] for vid in playlist.video_ids]
    if videos:
        _sub(channel, "lastBuildDate", rfc822(max(v.published for v in videos)))
        _sub(
            channel,
            f"{{{ITUNES_NS}}}image",
            href=state.video_urls(base_url, videos[0].id)["thumbnail"],
        )
    for number, video in enumerate(videos, start=1):
        _rss_item(channel, state.video_urls(base_url, video.id), video, number, sizes[video.id])
    body: bytes = ET.tostring(rss, encoding="utf-8")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def _rss_item(
    channel: ET.Element, urls: dict[str, str], video: FakeVideo, number: int, size: int
) -> None:
    item = _sub(channel, "item")
    _sub(item, "title", video.title)
    _sub(item, "link", urls["watch"])
    _sub(item, "description", video.description)
    _sub(item, "guid", video.id, isPermaLink="false")
    _sub(item, "pubDate", rfc822(video.published))
    _sub(item, "enclosure", url=urls["mp4"], type=SD.content_type, length=str(size))
    _sub(item, f"{{{ITUNES_NS}}}image", href=urls["thumbnail"])
    _sub(item, f"{{{ITUNES_NS}}}duration", str(video.look.seconds))
    _sub(item, f"{{{ITUNES_NS}}}episode", str(number))


def _video_element(urls: dict[str, str]) -> str:
    kind = html.escape(f'video/mp4; codecs="{MP4_CODECS}"')
    sources = "".join(
        f'\n    <source src="{html.escape(url)}" type="{kind}" width="{r.width}" '
        f'height="{r.height}" label="{r.name}">'
        for url, r in ((urls["mp4_720"], HD), (urls["mp4"], SD))
    )
    poster = html.escape(urls["thumbnail"])
    return f'  <video controls preload="none" poster="{poster}">{sources}\n  </video>'


def _page(title: str, description: str, body: str) -> bytes:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n"
        f'<meta property="og:description" content="{html.escape(description)}">\n'
        f"</head>\n<body>\n{body}\n</body>\n</html>\n"
    ).encode()


def render_watch_page(state: MediaHostFakeState, base_url: str, video: FakeVideo) -> bytes:
    """Exactly one ``<video>``: yt-dlp returns a single video ``<id>-1`` titled ``<title> (1)``."""
    urls = state.video_urls(base_url, video.id)
    body = f"<h1>{html.escape(video.title)}</h1>\n{_video_element(urls)}"
    return _page(video.title, video.description, body)


def render_playlist_page(state: MediaHostFakeState, base_url: str, playlist: FakePlaylist) -> bytes:
    """One ``<video>`` per entry (missing ones too, so numbering matches the playlist)."""
    parts = [f"<h1>{html.escape(playlist.title)}</h1>"]
    for video_id in playlist.video_ids:
        video = state.videos[video_id]
        urls = state.video_urls(base_url, video_id)
        parts.append(
            f"<article>\n  <h2>{html.escape(video.title)}</h2>\n{_video_element(urls)}\n</article>"
        )
    return _page(playlist.title, playlist.description, "\n".join(parts))


HLS_KEY_METHODS = {"sample-aes": "SAMPLE-AES", "aes-128": "AES-128"}


def render_hls(target: str, key: str) -> bytes:
    """A two-segment VOD media playlist with its key (if any) and segments under ``target``.

    ``SAMPLE-AES`` is a line yt-dlp's own HLS downloader cannot handle: unguarded, it hands the
    whole download to ffmpeg, which then fetches the key and segments by itself."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:4", "#EXT-X-MEDIA-SEQUENCE:0"]
    if key in HLS_KEY_METHODS:
        lines.append(
            f'#EXT-X-KEY:METHOD={HLS_KEY_METHODS[key]},URI="{target}/key.bin",'
            "IV=0x00000000000000000000000000000001"
        )
    for number in range(2):
        lines += ["#EXTINF:4.0,", f"{target}/segment{number}.ts"]
    lines.append("#EXT-X-ENDLIST")
    return ("\n".join(lines) + "\n").encode()
