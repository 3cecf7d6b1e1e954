"""Numbers no database can hold, page numbers past the end and deeply nested JSON are bad
input (404, 422, 400, 413), on every route, never a 500."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi import FastAPI

from medianest.web.input_guard import _takes_int
from tests.conftest import Login
from tests.support.routes import RouteEntry, route_table
from tests.support.signin import csrf_token

BEYOND_INT64 = ["9223372036854775808", "-9223372036854775809", "1" + "0" * 30]
# Within 64 bits, but beyond the 32-bit id columns of PostgreSQL.
BEYOND_ID_COLUMNS = ["2147483648", "9223372036854775806"]
KUMA_SECRET = "kuma-webhook-secret-for-tests-0123456789"
OVERSEERR_SECRET = "overseerr-webhook-secret-for-tests-0123"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {
        "uptime_kuma_webhook_secret": KUMA_SECRET,
        "overseerr_webhook_secret": OVERSEERR_SECRET,
    }


def _int_params(entry: RouteEntry, where: str) -> list[str]:
    params = getattr(entry.route.dependant, f"{where}_params")
    return [p.alias for p in params if _takes_int(p.field_info.annotation)]


def _fill(entry: RouteEntry, huge_param: str, value: str) -> str:
    path = entry.path
    for name in entry.params:
        path = path.replace("{" + name + "}", value if name == huge_param else "1")
    return path


def _nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


async def _admin(login: Login) -> httpx.AsyncClient:
    """The admin, sending the CSRF header on every request (so CSRF is not what refuses)."""
    admin = await login("admin")
    admin.headers["x-csrf-token"] = await csrf_token(admin, "/account")
    return admin


async def test_every_integer_path_parameter_beyond_64_bits_is_404(
    app: FastAPI, login: Login
) -> None:
    admin = await _admin(login)
    checked = 0
    for entry in route_table(app):
        for name in _int_params(entry, "path"):
            for value in BEYOND_INT64 + BEYOND_ID_COLUMNS:
                answer = await admin.request(entry.method, _fill(entry, name, value), json={})
                # Other parameters hold "1", which some routes refuse first (400, 422).
                allowed = (404,) if value in BEYOND_INT64 else (400, 404, 422)
                assert answer.status_code in allowed, (entry.method, entry.path, answer.text)
                checked += 1
    assert checked > 20


async def test_every_integer_query_parameter_beyond_64_bits_is_422(
    app: FastAPI, login: Login
) -> None:
    admin = await _admin(login)
    checked = 0
    for entry in route_table(app):
        for name in _int_params(entry, "query"):
            for value in BEYOND_INT64:
                answer = await admin.request(
                    entry.method, entry.filled(), params={name: value}, json={}
                )
                assert answer.status_code in (404, 422), (entry.path, name, answer.status_code)
                checked += 1
    assert checked > 10


async def test_huge_page_numbers_are_refused_or_empty_never_500(app: FastAPI, login: Login) -> None:
    admin = await _admin(login)
    for entry in route_table(app):
        if entry.method != "GET" or "page" not in _int_params(entry, "query"):
            continue
        for page in ("4611686018427387904", "9223372036854775807"):
            answer = await admin.get(entry.filled(), params={"page": page})
            assert answer.status_code in (200, 404, 422), (entry.path, answer.status_code)


async def test_api_pages_over_the_bound_are_422(login: Login) -> None:
    admin = await _admin(login)
    for path in ("/api/v1/users", "/api/v1/audit"):
        answer = await admin.get(path, params={"page": 2**62})
        assert answer.status_code == 422
        assert answer.headers["content-type"] == "application/problem+json"


async def test_json_bodies_with_huge_numbers_are_422_on_every_json_route(
    app: FastAPI, login: Login
) -> None:
    admin = await _admin(login)
    body = b'{"id": 99999999999999999999, "ids": [1, 99999999999999999999]}'
    for entry in route_table(app):
        if entry.method in ("GET", "DELETE"):
            continue
        answer = await admin.request(
            entry.method,
            entry.filled(),
            content=body,
            headers={"content-type": "application/json"},
        )
        assert answer.status_code in (404, 422), (entry.method, entry.path, answer.status_code)


async def test_deeply_nested_json_is_400_and_a_huge_body_413(login: Login) -> None:
    admin = await _admin(login)
    deep = await admin.post(
        "/api/v1/notifications/read",
        content=_nested(100_000),
        headers={"content-type": "application/json"},
    )
    assert deep.status_code == 400
    assert "nested" in deep.json()["detail"]
    big = await admin.post(
        "/api/v1/notifications/read",
        content=b'{"ids": [' + b"1," * 600_000 + b"1]}",
        headers={"content-type": "application/json"},
    )
    assert big.status_code == 413


@pytest.mark.parametrize("depth", [40, 5_000, 200_000])
async def test_webhooks_with_the_right_secret_refuse_deep_nesting(
    client: httpx.AsyncClient, depth: int
) -> None:
    kuma = {"authorization": f"Bearer {KUMA_SECRET}"}
    refused = (400,) if depth < 10_000 else (400, 413)  # too big is as good a reason
    for content_type in ("application/json", "text/plain"):
        answer = await client.post(
            "/api/v1/webhooks/uptime-kuma",
            content=_nested(depth),
            headers={**kuma, "content-type": content_type},
        )
        assert answer.status_code in refused, (content_type, answer.text)
    form = await client.post(
        "/api/v1/webhooks/uptime-kuma", data={"data": _nested(depth).decode()}, headers=kuma
    )
    assert form.status_code in refused
    overseerr = await client.post(
        "/api/v1/webhooks/overseerr",
        content=_nested(depth),
        headers={"authorization": OVERSEERR_SECRET, "content-type": "text/plain"},
    )
    assert overseerr.status_code in refused


@pytest.mark.parametrize("huge", [10**30, str(10**30)], ids=["number", "text"])
async def test_webhooks_refuse_ids_beyond_64_bits(
    client: httpx.AsyncClient, huge: int | str
) -> None:
    heartbeat = {"monitorID": huge, "status": 0, "time": "2026-01-01 00:00:00", "msg": "x"}
    payload = {"heartbeat": heartbeat, "monitor": {"id": huge, "name": "x"}, "msg": "down"}
    answer = await client.post(
        "/api/v1/webhooks/uptime-kuma",
        content=json.dumps(payload).encode(),
        headers={"authorization": f"Bearer {KUMA_SECRET}", "content-type": "text/plain"},
    )
    assert answer.status_code == 400
    overseerr = await client.post(
        "/api/v1/webhooks/overseerr",
        content=json.dumps(
            {"notification_type": "MEDIA_APPROVED", "request": {"request_id": huge}}
        ).encode(),
        headers={"authorization": OVERSEERR_SECRET, "content-type": "text/plain"},
    )
    assert overseerr.status_code < 500


async def test_form_numbers_beyond_64_bits_are_422(login: Login) -> None:
    alice = await login("alice")
    token = await csrf_token(alice, "/inbox")
    answer = await alice.post(
        "/inbox/preferences", data={"csrf_token": token, "services": "1" + "0" * 30}
    )
    assert answer.status_code == 422
