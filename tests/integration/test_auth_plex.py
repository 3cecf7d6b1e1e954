"""Sign-in with Plex against the fake plex.tv and Plex server, through the real pages."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from medianest.config import Settings
from medianest.demo import identities
from medianest.persistence.models import AuditEntry, User
from medianest.services import runtime_settings
from tests.conftest import Login, PlexWorld
from tests.support.signin import sign_in_local, sign_in_with_plex, start_plex


async def _users(app: FastAPI) -> list[User]:
    async with app.state.container.sessions() as db:
        return list(await db.scalars(select(User).order_by(User.id)))


async def test_approved_pin_signs_alice_in_as_a_user(
    client: httpx.AsyncClient, plex_world: PlexWorld
) -> None:
    result = await sign_in_with_plex(client, plex_world.plextv, "alice")
    assert result.json() == {
        "status": "signed_in",
        "message": "",
        "retry_after": 1.0,
        "redirect": "/",
    }
    assert "mn_session" in result.cookies
    me = (await client.get("/api/v1/me")).json()
    assert (me["username"], me["role"], me["email"]) == ("alice", "user", "alice@nest.example")


async def test_the_same_first_sign_in_twice_at_once_makes_one_account(
    app: FastAPI, plex_world: PlexWorld
) -> None:
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as tab_a,
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as tab_b,
    ):
        attempts = [await start_plex(tab) for tab in (tab_a, tab_b)]
        for attempt in attempts:
            plex_world.plextv.approve(attempt.code, "bob")
        results = await asyncio.gather(
            *(
                tab.get(f"/auth/plex/pin/{a.pin_id}")
                for tab, a in zip((tab_a, tab_b), attempts, strict=True)
            )
        )
    assert [r.json()["status"] for r in results] == ["signed_in", "signed_in"]
    async with app.state.container.sessions() as db:
        bobs = list(await db.scalars(select(User.id).where(User.username == "bob")))
    assert len(bobs) == 1


async def test_server_owner_becomes_admin(client: httpx.AsyncClient, plex_world: PlexWorld) -> None:
    await sign_in_with_plex(client, plex_world.plextv, "nestowner")
    me = (await client.get("/api/v1/me")).json()
    assert me["role"] == "admin"
    assert me["display_name"] == "Nest Owner"


async def test_poll_waits_until_the_person_approves(
    client: httpx.AsyncClient, plex_world: PlexWorld
) -> None:
    attempt = await start_plex(client)
    waiting = await client.get(f"/auth/plex/pin/{attempt.pin_id}")
    assert waiting.json()["status"] == "waiting"
    assert "mn_session" not in waiting.cookies
    plex_world.plextv.approve(attempt.code, "bob")
    assert (await client.get(f"/auth/plex/pin/{attempt.pin_id}")).json()["status"] == "signed_in"


async def test_expired_pin_says_so_and_a_new_attempt_works(
    client: httpx.AsyncClient, plex_world: PlexWorld
) -> None:
    attempt = await start_plex(client)
    plex_world.plextv.expire_pin(attempt.code)
    expired = (await client.get(f"/auth/plex/pin/{attempt.pin_id}")).json()
    assert expired["status"] == "expired"
    assert "try again" in expired["message"]
    assert (await sign_in_with_plex(client, plex_world.plextv, "alice")).json()[
        "status"
    ] == "signed_in"


async def test_account_without_server_access_is_refused_and_not_stored(
    app: FastAPI, client: httpx.AsyncClient, plex_world: PlexWorld
) -> None:
    refused = (await sign_in_with_plex(client, plex_world.plextv, "mallory")).json()
    assert refused["status"] == "no_access"
    assert "Ask" in refused["message"]
    assert all(u.username != "mallory" for u in await _users(app))
    assert (await client.get("/api/v1/me")).status_code == 401
    async with app.state.container.sessions() as db:
        actions = list(await db.scalars(select(AuditEntry.action)))
    assert "sign_in_refused" in actions


async def test_refusal_names_the_owner_once_known(
    app: FastAPI, login: Login, plex_world: PlexWorld
) -> None:
    await login("nestowner")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as stranger:
        refused = (await sign_in_with_plex(stranger, plex_world.plextv, "mallory")).json()
    assert "Ask Nest Owner to share it with you." in refused["message"]


async def test_pin_of_another_browser_is_not_found(app: FastAPI, plex_world: PlexWorld) -> None:
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://t") as first,
        httpx.AsyncClient(transport=transport, base_url="http://t") as second,
    ):
        attempt = await start_plex(first)
        plex_world.plextv.approve(attempt.code, "alice")
        stolen = await second.get(f"/auth/plex/pin/{attempt.pin_id}")
        assert stolen.status_code == 404
        assert "mn_session" not in stolen.cookies
        assert (await second.get("/auth/plex/pin/999999")).status_code == 404
        assert (await first.get(f"/auth/plex/pin/{attempt.pin_id}")).json()["status"] == "signed_in"


async def test_plex_tv_down_gives_a_notice_and_local_sign_in_still_works(
    client: httpx.AsyncClient, plex_world: PlexWorld
) -> None:
    from tests.conftest import ADMIN_PASSWORD
    from tests.support.signin import csrf_token

    plex_world.plextv.faults.down = True
    token = await csrf_token(client)
    response = await client.post("/auth/plex/pin", headers={"X-CSRF-Token": token})
    assert response.status_code == 503
    assert "plex.tv is not answering" in response.json()["detail"]
    assert (await sign_in_local(client, "admin", ADMIN_PASSWORD)).status_code == 303
    assert (await client.get("/api/v1/me")).json()["username"] == "admin"


async def test_rate_limited_plex_tv_makes_the_page_back_off(
    client: httpx.AsyncClient, plex_world: PlexWorld
) -> None:
    attempt = await start_plex(client)
    plex_world.plextv.rate_limited = True
    body = (await client.get(f"/auth/plex/pin/{attempt.pin_id}")).json()
    assert body["status"] == "waiting"
    assert body["retry_after"] >= plex_world.plextv.retry_after


async def test_account_without_email_and_with_html_in_its_name(
    app: FastAPI, client: httpx.AsyncClient, plex_world: PlexWorld
) -> None:
    plex_world.plextv.add_account(
        "<script>alert(1)</script>" + "x" * 300,
        title="<b>Bold</b> & co",
        email=None,
        plex_id=7777,
        auth_token="odd-token-7777",
        server_access_token="odd-server-7777",
    )
    assert (
        await sign_in_with_plex(client, plex_world.plextv, "<script>alert(1)</script>" + "x" * 300)
    ).json()["status"] == "signed_in"
    me = (await client.get("/api/v1/me")).json()
    assert me["email"] is None
    assert len(me["username"]) <= 120
    page = await client.get("/account")
    assert "<script>alert(1)" not in page.text
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in page.text


async def test_new_users_wait_for_approval_when_the_admin_asks_for_it(
    app: FastAPI, client: httpx.AsyncClient, login: Login, plex_world: PlexWorld
) -> None:
    admin = await login("nestowner")  # the owner is admin at once, approval or not
    page = await admin.get("/admin/users")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    switched = await admin.post(
        "/admin/approval-setting", data={"csrf_token": token, "required": "on"}
    )
    assert switched.status_code == 303
    async with app.state.container.sessions() as db:
        assert (
            await runtime_settings.get_value(db, runtime_settings.NEW_USERS_NEED_APPROVAL, False)
            is True
        )
    pending = (await sign_in_with_plex(client, plex_world.plextv, "bob")).json()
    assert pending["status"] == "pending"
    bob = next(u for u in await _users(app) if u.username == "bob")
    assert bob.status == "pending"
    page = await admin.get("/admin/users?status=pending")
    assert 'data-user="bob"' in page.text
    inbox = (await admin.get("/inbox")).text  # the admins hear about it
    assert "Bob is waiting for approval" in inbox
    assert "/admin/users?status=pending" in inbox
    waiting = await client.get("/auth/waiting")  # the waiting browser asks now and then
    assert waiting.json()["status"] == "pending"
    assert (await client.get("/api/v1/me")).status_code == 401
    approved = await admin.post(f"/admin/users/{bob.id}/approve", data={"csrf_token": token})
    assert approved.status_code == 303
    moved_on = await client.get("/auth/waiting?next=/requests")
    assert moved_on.json() == {
        "status": "signed_in",
        "message": "",
        "retry_after": 1.0,
        "redirect": "/requests",
    }
    assert (await client.get("/api/v1/me")).json()["username"] == "bob"
    assert (await client.get("/auth/waiting")).json()["status"] == "expired"  # used once
    client.cookies.clear()  # and from another browser, Plex sign-in works as for anyone
    assert (await sign_in_with_plex(client, plex_world.plextv, "bob")).json()[
        "status"
    ] == "signed_in"


async def test_plex_tokens_are_encrypted_at_rest(
    app: FastAPI, client: httpx.AsyncClient, plex_world: PlexWorld, settings: Settings
) -> None:
    await sign_in_with_plex(client, plex_world.plextv, "alice")
    alice = next(u for u in await _users(app) if u.username == "alice")
    secrets_in_clear = [identities.ALICE.auth_token, identities.ALICE.server_access_token]
    stored = f"{alice.plex_token_enc} {alice.plex_server_token_enc}"
    assert all(secret and secret not in stored for secret in secrets_in_clear)
    box = app.state.container.box
    assert box.decrypt(alice.plex_token_enc) == identities.ALICE.auth_token
    if settings.is_sqlite:
        folder = Path(settings.resolved_database_url.split("///", 1)[1]).parent
        raw = b"".join(p.read_bytes() for p in folder.glob("medianest.db*"))
        assert all(secret and secret.encode() not in raw for secret in secrets_in_clear)


async def test_callback_page_finishes_a_sign_in_without_javascript(
    client: httpx.AsyncClient, plex_world: PlexWorld
) -> None:
    attempt = await start_plex(client)
    waiting = await client.get(f"/auth/plex/callback?pin={attempt.pin_id}")
    assert "Finishing sign-in" in waiting.text
    plex_world.plextv.approve(attempt.code, "alice")
    done = await client.get(f"/auth/plex/callback?pin={attempt.pin_id}")
    assert done.status_code == 303
    assert (await client.get("/api/v1/me")).json()["username"] == "alice"


@pytest.mark.parametrize("forged", ["", "x" * 500, "not-a-session"])
async def test_forged_session_cookie_is_signed_out(client: httpx.AsyncClient, forged: str) -> None:
    client.cookies.set("mn_session", forged)
    assert (await client.get("/api/v1/me")).status_code == 401
    assert (await client.get("/")).status_code == 303


async def test_key_rotation_rewrites_stored_tokens_for_the_new_key(
    app: FastAPI, client: httpx.AsyncClient, plex_world: PlexWorld, settings: Settings
) -> None:
    import os
    import subprocess
    import sys

    from cryptography.fernet import Fernet

    from medianest.security.secretbox import SecretBox

    await sign_in_with_plex(client, plex_world.plextv, "alice")
    old_key = (settings.data_dir / "encryption.key").read_text().strip()
    new_key = Fernet.generate_key().decode()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIANEST_")}
    env |= {
        "MEDIANEST_DATA_DIR": str(settings.data_dir),
        "MEDIANEST_DATABASE_URL": settings.database_url or "",
        "MEDIANEST_ENCRYPTION_KEYS": f"{new_key},{old_key}",
    }
    done = subprocess.run(
        [sys.executable, "-m", "medianest", "admin", "rotate-keys"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Re-encrypted 2 stored secret(s)" in done.stdout
    alice = next(u for u in await _users(app) if u.username == "alice")
    assert alice.plex_token_enc is not None
    assert SecretBox([new_key]).decrypt(alice.plex_token_enc) == identities.ALICE.auth_token


async def test_key_rotation_rewrites_integration_secrets_for_the_new_key(
    app: FastAPI, settings: Settings
) -> None:
    from cryptography.fernet import Fernet

    from medianest.persistence.models import IntegrationConfig
    from medianest.security.secretbox import SecretBox
    from medianest.services.keys import rotate_secrets

    box = app.state.container.box
    async with app.state.container.sessions.begin() as db:
        db.add(
            IntegrationConfig(
                service="overseerr",
                settings={"url": "http://seerr:5055"},
                secrets={"api_key": box.encrypt("seerr-key"), "webhook_secret": ""},
            )
        )
    old_key = (settings.data_dir / "encryption.key").read_text().strip()
    new_key = Fernet.generate_key().decode()
    # In process (the command's own wiring is covered by the test above).
    async with app.state.container.sessions.begin() as db:
        count = await rotate_secrets(db, SecretBox([new_key, old_key]))
    assert count == 1
    async with app.state.container.sessions() as db:
        row = await db.get(IntegrationConfig, "overseerr")
    assert row is not None
    assert SecretBox([new_key]).decrypt(row.secrets["api_key"]) == "seerr-key"
    assert row.secrets["webhook_secret"] == ""
