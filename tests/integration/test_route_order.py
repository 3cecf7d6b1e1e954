"""API calls are matched against the API's routes before any page route, and every kind of
request still reaches the same answer as before."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from medianest.web.route_order import serves_api_only
from tests.support.signin import sign_in_admin


def test_every_api_route_comes_before_the_first_page_route(app: FastAPI) -> None:
    kinds = [serves_api_only(route) for route in app.router.routes]
    assert any(kinds) and not all(kinds)
    first_page = kinds.index(False)
    assert not any(kinds[first_page:])  # no API route waits behind a page route


async def test_pages_api_static_and_unknown_paths_answer_as_before(
    client: httpx.AsyncClient,
) -> None:
    signin = await client.get("/signin")
    assert signin.status_code == 200 and "text/html" in signin.headers["content-type"]
    assert (await client.get("/static/js/app.js")).status_code == 200
    anonymous = await client.get("/api/v1/me")
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"].startswith("application/problem+json")
    await sign_in_admin(client)
    me = await client.get("/api/v1/me")
    assert me.status_code == 200 and me.json()["username"] == "admin"
    unknown = await client.get("/api/v1/no-such-thing")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")
    assert (await client.get("/")).status_code == 200
