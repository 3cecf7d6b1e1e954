"""Errors look like MediaNest (pages) or RFC 9457 (API), carry a request id, never a traceback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from medianest.web.middleware import content_security_policy


@pytest.fixture
async def crashy(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The real app plus routes that fail the ways real routes can."""

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals: plex-token=abc123")

    @app.get("/api/v1/boom")
    async def api_boom() -> None:
        raise RuntimeError("secret internals")

    @app.get("/api/v1/items/{item_id}")
    async def item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def test_unknown_page_is_a_friendly_404_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/does-not-exist", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Page not found" in response.text
    assert response.headers["x-request-id"] in response.text


async def test_unknown_api_path_is_a_problem_detail(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404
    assert body["title"] == "Not Found"
    assert body["instance"] == "/api/v1/nothing-here"
    assert body["request_id"] == response.headers["x-request-id"]


async def test_crash_on_a_page_shows_request_id_and_no_internals(crashy: httpx.AsyncClient) -> None:
    response = await crashy.get("/boom", headers={"accept": "text/html"})
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    request_id = response.headers["x-request-id"]
    assert request_id in response.text
    assert "Traceback" not in response.text
    assert "abc123" not in response.text and "secret internals" not in response.text
    assert response.headers["content-security-policy"] == content_security_policy()


async def test_crash_in_the_api_is_a_500_problem(crashy: httpx.AsyncClient) -> None:
    response = await crashy.get("/api/v1/boom")
    assert response.status_code == 500
    body = response.json()
    assert body["status"] == 500
    assert body["request_id"] == response.headers["x-request-id"]
    assert "secret internals" not in response.text


async def test_invalid_input_is_a_422_problem_naming_the_field(crashy: httpx.AsyncClient) -> None:
    response = await crashy.get("/api/v1/items/not-a-number")
    assert response.status_code == 422
    body = response.json()
    assert body["title"] == "Invalid input"
    assert body["errors"][0]["field"] == "path.item_id"


async def test_request_id_is_kept_when_sane_and_replaced_when_not(
    client: httpx.AsyncClient,
) -> None:
    kept = await client.get("/healthz", headers={"x-request-id": "abc-12345678"})
    assert kept.headers["x-request-id"] == "abc-12345678"
    replaced = await client.get("/healthz", headers={"x-request-id": "<script>"})
    assert replaced.headers["x-request-id"] != "<script>"
    assert len(replaced.headers["x-request-id"]) == 32


@pytest.mark.parametrize(
    "path", ["/", "/signin", "/healthz", "/api/v1/nope", "/static/css/app.css"]
)
async def test_security_headers_on_every_response(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


async def test_pages_have_no_inline_script(client: httpx.AsyncClient) -> None:
    for path in ("/", "/signin"):
        html = (await client.get(path)).text
        assert "<script>" not in html.replace(" ", "")
        for chunk in html.split("<script")[1:]:
            assert chunk.lstrip().startswith("src="), f"inline script on {path}"
