"""Posters through MediaNest: resized by Plex, cached on disk with a cap, ETag and
Cache-Control, no open proxy, and never the Plex address or token in a page or a header."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image

from medianest.demo.identities import PLEX_OWNER_TOKEN
from medianest.services.library_images import ImageStore
from tests.conftest import Login, PlexWorld

IMAGE_URL = re.compile(r'(/library/images\?[^"\s,]+)')


def _poster_path(plex_world: PlexWorld, n: int = 0) -> str:
    movies = sorted(i.rk for i in plex_world.plex.snapshot() if i.type == "movie")
    item = plex_world.plex.items[movies[n]]
    return f"/library/metadata/{item.rk}/thumb/{item.updated_at}"


async def test_poster_is_resized_cached_and_revalidated(
    app: FastAPI, login: Login, plex_world: PlexWorld
) -> None:
    http = await login("alice")
    params = {"path": _poster_path(plex_world), "w": 160, "h": 240}
    first = await http.get("/library/images", params=params)
    assert first.status_code == 200
    assert first.headers["content-type"] == "image/jpeg"
    assert first.headers["cache-control"] == "private, max-age=604800"
    etag = first.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)  # strong
    with Image.open(io.BytesIO(first.content)) as picture:
        assert picture.size[0] >= 160 and picture.size[1] >= 240
    store = app.state.container.library_images
    assert store.size_on_disk >= len(first.content)
    assert str(store.root).startswith(str(app.state.container.settings.data_dir))

    plex_world.plex.faults.down = True  # served from disk now: Plex is not asked
    again = await http.get("/library/images", params=params)
    assert again.status_code == 200 and again.content == first.content
    assert again.headers["etag"] == etag
    unchanged = await http.get("/library/images", params=params, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""


@pytest.mark.parametrize(
    "params",
    [
        {"path": "http://169.254.169.254/latest/meta-data", "w": 240, "h": 360},
        {"path": "//evil.example/x.jpg", "w": 240, "h": 360},
        {"path": "/library/../identity", "w": 240, "h": 360},
        {"path": "/library/metadata/1/thumb/1?X-Plex-Token=x", "w": 240, "h": 360},
        {"path": "/photo/:/transcode", "w": 240, "h": 360},
        {"path": "/library/metadata/1/thumb/1", "w": 241, "h": 360},
        {"path": "/library/metadata/1/thumb/1", "w": 4000, "h": 6000},
        {"path": "", "w": 240, "h": 360},
    ],
)
async def test_only_this_servers_artwork_in_offered_sizes(
    login: Login, params: dict[str, object]
) -> None:
    http = await login("alice")
    response = await http.get("/library/images", params=params)
    assert response.status_code == 400
    assert "image" not in response.headers["content-type"]


async def test_malformed_size_is_a_validation_error(login: Login) -> None:
    http = await login("alice")
    response = await http.get("/library/images?path=/library/metadata/1/thumb/1&w=big&h=1")
    assert response.status_code == 422


async def test_unknown_artwork_gets_a_placeholder(login: Login) -> None:
    http = await login("alice")
    response = await http.get("/library/images?path=/library/metadata/987654/thumb/1&w=240&h=360")
    assert response.status_code == 404
    assert response.headers["content-type"] == "image/svg+xml"
    assert response.headers["cache-control"] == "no-store"


async def test_images_need_a_signed_in_user(client: httpx.AsyncClient) -> None:
    response = await client.get("/library/images?path=/library/metadata/1/thumb/1&w=240&h=360")
    assert response.status_code == 303


async def test_disk_cache_stays_under_its_cap(
    app: FastAPI, plex_world: PlexWorld, tmp_path: Path
) -> None:
    integrations = app.state.container.integrations
    store = ImageStore(integrations, tmp_path / "images", max_bytes=40_000)
    sizes = []
    for n in range(8):
        image = await store.get(_poster_path(plex_world, n), 240, 360)
        sizes.append(len(image.data))
        assert store.size_on_disk <= 40_000
    assert sum(sizes) > 40_000  # so something had to go
    files = sorted(
        (f for f in (tmp_path / "images").rglob("*") if f.is_file()), key=os.path.getmtime
    )
    assert files and len(files) < 8
    newest = await store.get(_poster_path(plex_world, 7), 240, 360)
    assert newest.data  # the most recent one survived eviction


async def test_no_plex_address_or_token_reaches_the_browser(
    login: Login, plex_world: PlexWorld
) -> None:
    http = await login("alice")
    plex_url = plex_world.plex_server.url
    host_port = urlsplit(plex_url).netloc
    show = next(i for i in plex_world.plex.snapshot() if i.type == "show")
    coll = next(i for i in plex_world.plex.snapshot() if i.type == "collection")
    paths = [
        "/library",
        "/library/sections/1",
        "/library/sections/1/cards?page=2",
        "/library/sections/2",
        "/library/sections/1/collections",
        f"/library/items/{show.rk}",
        f"/library/items/{show.children[0] if show.children else show.rk}/episodes",
        f"/library/collections/{coll.rk}",
        "/library/search?q=the",
        "/library/search/suggest?q=the",
        "/library/recently-added",
        "/api/v1/library/sections",
        "/api/v1/library/sections/1/items",
        f"/api/v1/library/items/{show.rk}",
        "/api/v1/library/collections",
        "/api/v1/library/search?q=the",
    ]
    image_urls: set[str] = set()
    for path in paths:
        response = await http.get(path)
        assert response.status_code == 200, path
        _assert_clean(response, plex_url, host_port)
        image_urls.update(u.replace("&amp;", "&") for u in IMAGE_URL.findall(response.text))
    assert len(image_urls) > 50
    for url in sorted(image_urls)[:25]:
        image = await http.get(url)
        assert image.status_code == 200, url
        _assert_clean(image, plex_url, host_port)
    broken = await http.get("/library/images?path=/library/metadata/987654/thumb/1&w=240&h=360")
    _assert_clean(broken, plex_url, host_port)


def _assert_clean(response: httpx.Response, plex_url: str, host_port: str) -> None:
    headers = " ".join(f"{k}: {v}" for k, v in response.headers.items())
    body = response.content.decode("utf-8", "replace")
    for secret in (PLEX_OWNER_TOKEN, plex_url, host_port, "X-Plex-Token"):
        assert secret not in headers, (response.url, secret)
        assert secret not in body, (response.url, secret)
