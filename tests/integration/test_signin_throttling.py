"""Sign-in throttling: a stranger's failures never lock the owner out from elsewhere, and a
rotated X-Forwarded-For gets nobody past the per-address lockout."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from medianest.persistence.models import AuditEntry
from tests.support.signin import ADMIN_PASSWORD, sign_in_local


@asynccontextmanager
async def browser_at(
    app: FastAPI, address: str, headers: dict[str, str] | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """A browser connecting from ``address`` (the TCP peer MediaNest sees)."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(address, 40000))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=headers or {}
    ) as http:
        yield http


async def _fail(app: FastAPI, address: str, times: int, **headers: str) -> list[int]:
    codes = []
    async with browser_at(app, address) as stranger:
        for attempt in range(times):
            forwarded = {k: v.format(n=attempt) for k, v in headers.items()}
            stranger.headers.update(forwarded)
            codes.append((await sign_in_local(stranger, "admin", "wrong-guess")).status_code)
    return codes


async def test_a_stranger_cannot_lock_the_owner_out(app: FastAPI) -> None:
    codes = await _fail(app, "203.0.113.66", 12)
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}  # the stranger is stopped
    async with browser_at(app, "198.51.100.7") as owner:
        signed_in = await sign_in_local(owner, "admin", ADMIN_PASSWORD)
    assert signed_in.status_code == 303


async def test_one_address_is_locked_for_every_account(app: FastAPI) -> None:
    async with browser_at(app, "203.0.113.67") as stranger:
        codes = [
            (await sign_in_local(stranger, f"user{n}", "wrong-guess")).status_code
            for n in range(25)
        ]
    assert 429 in codes[19:21] and codes[-1] == 429


async def test_forwarded_for_is_ignored_without_a_trusted_proxy(app: FastAPI) -> None:
    codes = await _fail(app, "127.0.0.1", 8, **{"X-Forwarded-For": "192.0.2.{n}"})
    assert codes[-1] == 429  # rotating the header changed nothing
    async with app.state.container.sessions() as db:
        ips = set(await db.scalars(select(AuditEntry.ip).where(AuditEntry.ip.is_not(None))))
    assert ips == {"127.0.0.1"}


@pytest.fixture
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, object]:
    return {"trusted_proxies": "127.0.0.1"} if "proxy_configured" in request.node.name else {}


async def test_proxy_configured_the_nearest_untrusted_address_counts(
    app: FastAPI,
) -> None:
    # The proxy appends the real peer; whatever the client put in front is ignored.
    codes = await _fail(app, "127.0.0.1", 8, **{"X-Forwarded-For": "192.0.2.{n}, 203.0.113.9"})
    assert codes[-1] == 429
    async with app.state.container.sessions() as db:
        ips = set(
            await db.scalars(select(AuditEntry.ip).where(AuditEntry.action == "sign_in_failed"))
        )
    assert ips == {"203.0.113.9"}
    async with browser_at(app, "127.0.0.1", {"X-Forwarded-For": "198.51.100.8"}) as owner:
        assert (await sign_in_local(owner, "admin", ADMIN_PASSWORD)).status_code == 303


async def test_proxy_configured_other_peers_cannot_forward(
    app: FastAPI,
) -> None:
    """The proxy setting is on (see the name); the peer here is not that proxy."""
    await _fail(app, "203.0.113.70", 2, **{"X-Forwarded-For": "192.0.2.{n}"})
    async with app.state.container.sessions() as db:
        ips = set(
            await db.scalars(select(AuditEntry.ip).where(AuditEntry.action == "sign_in_failed"))
        )
    assert ips == {"203.0.113.70"}
