"""A request that repeats a header deciding who asks or what is allowed is refused, whole."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from medianest.persistence.models import AuditEntry
from tests.conftest import Login
from tests.support.routes import changing_routes
from tests.support.signin import csrf_token


async def _audit_count(app: FastAPI) -> int:
    async with app.state.container.sessions() as db:
        return int(await db.scalar(select(func.count()).select_from(AuditEntry)) or 0)


@pytest.mark.parametrize(
    "pair",
    [("Basic eA==", "Bearer not-a-token"), ("Bearer not-a-token", "Basic eA==")],
    ids=["bearer-last", "bearer-first"],
)
async def test_two_authorization_headers_never_skip_csrf(
    app: FastAPI, login: Login, pair: tuple[str, str]
) -> None:
    admin = await login("admin")
    routes = changing_routes(app)
    assert len(routes) > 20  # the whole table, not a sample
    before = await _audit_count(app)
    for entry in routes:
        headers = [("authorization", pair[0]), ("authorization", pair[1])]
        answer = await admin.request(entry.method, entry.filled(), headers=headers, json={})
        assert answer.status_code == 400, (entry.method, entry.path, answer.status_code)
        assert "authorization header more than once" in answer.text
    assert await _audit_count(app) == before
    assert (await admin.get("/api/v1/me")).json()["role"] == "admin"


@pytest.mark.parametrize("name", ["x-csrf-token", "cookie", "content-type", "x-forwarded-proto"])
async def test_other_repeated_security_headers_are_refused(login: Login, name: str) -> None:
    admin = await login("admin")
    token = await csrf_token(admin, "/account")
    values = {"x-csrf-token": token, "cookie": "a=b", "content-type": "application/json"}
    value = values.get(name, "https")
    answer = await admin.post(
        "/account/tokens",
        headers=[("x-csrf-token", token), (name, value), (name, value)]
        if name != "x-csrf-token"
        else [(name, token), (name, "forged")],
        data={"name": "script"},
    )
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith(("application/problem+json", "text/html"))


async def test_one_header_each_still_works(login: Login) -> None:
    admin = await login("admin")
    token = await csrf_token(admin, "/account")
    answer = await admin.post(
        "/account/tokens", headers={"x-csrf-token": token}, data={"name": "s"}
    )
    assert answer.status_code in (201, 303)
    no_token = await admin.post("/account/tokens", data={"name": "s"})
    assert no_token.status_code == 403
