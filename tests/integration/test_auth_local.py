"""Local accounts, lockout, sessions (expiry, revocation, rotation), CSRF and API tokens."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import select, update

from medianest.app import create_app
from medianest.persistence.models import ApiToken, AuditEntry, User, UserSession
from medianest.persistence.types import utcnow
from tests.conftest import ADMIN_PASSWORD, Login, PlexWorld, make_settings
from tests.support.signin import csrf_token, sign_in_local, sign_in_with_plex


async def _actions(app: FastAPI) -> list[str]:
    async with app.state.container.sessions() as db:
        return list(await db.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


async def test_generated_admin_password_is_logged_once_and_must_be_changed(
    tmp_path: Path, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(tmp_path / "data", database_url, admin_password=None)
    app = create_app(settings)
    async with LifespanManager(app):
        line = next(r.getMessage() for r in caplog.records if "one-time password" in r.getMessage())
        password = line.split("one-time password ")[1].split(" ")[0]
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as browser:
            signed_in = await sign_in_local(browser, "admin", password)
            assert signed_in.headers["location"] == "/account/password"
            assert (await browser.get("/")).headers["location"] == "/account/password"
            assert (await browser.get("/api/v1/me")).status_code == 403
            token = await csrf_token(browser, "/account/password")
            weak = await browser.post(
                "/account/password",
                data={
                    "csrf_token": token,
                    "current_password": password,
                    "new_password": "short",
                    "confirm_password": "short",
                },
            )
            assert weak.status_code == 422
            assert "at least 10 characters" in weak.text
            changed = await browser.post(
                "/account/password",
                data={
                    "csrf_token": token,
                    "current_password": password,
                    "new_password": "a much better password",
                    "confirm_password": "a much better password",
                },
            )
            assert changed.status_code == 303
            assert (await browser.get("/")).status_code == 200
        assert "password_changed" in await _actions(app)
    assert sum("one-time password" in r.getMessage() for r in caplog.records) == 1


async def test_wrong_password_then_lockout_with_retry_after(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    for _ in range(5):
        wrong = await sign_in_local(client, "admin", "not the password")
        assert wrong.status_code == 401
        assert "Wrong username or password." in wrong.text
    locked = await sign_in_local(client, "admin", ADMIN_PASSWORD)
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 60
    assert "Too many failed sign-ins" in locked.text
    actions = await _actions(app)
    assert actions.count("sign_in_failed") == 5
    assert "lockout" in actions
    assert "sign_in_locked" in actions


async def test_unknown_user_gets_the_same_answer_as_a_wrong_password(
    client: httpx.AsyncClient,
) -> None:
    unknown = await sign_in_local(client, "nobody-here", "whatever-it-is")
    assert unknown.status_code == 401
    assert "Wrong username or password." in unknown.text


async def test_session_id_changes_at_sign_in_and_sign_out_revokes_it(
    client: httpx.AsyncClient,
) -> None:
    planted = "attacker-chosen-value"
    client.cookies.set("mn_session", planted)
    signed_in = await sign_in_local(client, "admin", ADMIN_PASSWORD)
    session = signed_in.cookies["mn_session"]
    assert session != planted
    client.cookies.clear()
    client.cookies.set("mn_session", session)
    assert (await client.get("/api/v1/me")).status_code == 200
    token = await csrf_token(client, "/account")
    await client.post("/signout", data={"csrf_token": token})
    client.cookies.clear()
    client.cookies.set("mn_session", session)  # a copied cookie no longer works
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_expired_and_overaged_sessions_sign_out(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await sign_in_local(client, "admin", ADMIN_PASSWORD)
    async with app.state.container.sessions.begin() as db:
        await db.execute(update(UserSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert (await client.get("/api/v1/me")).status_code == 401
    await sign_in_local(client, "admin", ADMIN_PASSWORD)
    async with app.state.container.sessions.begin() as db:
        await db.execute(
            update(UserSession).values(absolute_expires_at=utcnow() - timedelta(seconds=1))
        )
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_sliding_expiry_moves_forward_on_use(app: FastAPI, client: httpx.AsyncClient) -> None:
    await sign_in_local(client, "admin", ADMIN_PASSWORD)
    soon = utcnow() + timedelta(days=1)
    async with app.state.container.sessions.begin() as db:
        await db.execute(
            update(UserSession).values(expires_at=soon, last_seen_at=utcnow() - timedelta(hours=1))
        )
    assert (await client.get("/api/v1/me")).status_code == 200
    async with app.state.container.sessions() as db:
        row = await db.scalar(select(UserSession))
    assert row is not None
    assert row.expires_at > utcnow() + timedelta(days=29)


async def test_sign_out_everywhere_ends_every_device(app: FastAPI, login: Login) -> None:
    phone, laptop = await login("alice"), await login("alice")
    token = await csrf_token(phone, "/account")
    assert (await phone.post("/signout/everywhere", data={"csrf_token": token})).status_code == 303
    assert (await laptop.get("/api/v1/me")).status_code == 401
    assert (await phone.get("/api/v1/me")).status_code == 401


async def test_devices_page_lists_and_revokes_one_session(app: FastAPI, login: Login) -> None:
    phone, laptop = await login("alice"), await login("alice")
    page = await phone.get("/account")
    assert page.text.count('/revoke"><input') >= 2
    async with app.state.container.sessions() as db:
        ids = sorted(await db.scalars(select(UserSession.id)))
    token = await csrf_token(phone, "/account")
    await phone.post(f"/account/sessions/{ids[-1]}/revoke", data={"csrf_token": token})
    assert (await laptop.get("/api/v1/me")).status_code == 401
    assert (await phone.get("/api/v1/me")).status_code == 200


@pytest.mark.parametrize("sent", ["missing", "tampered", "other-browser"])
async def test_state_changing_forms_need_this_browsers_csrf_token(
    app: FastAPI, login: Login, sent: str
) -> None:
    alice = await login("alice")
    data: dict[str, str] = {}
    if sent == "tampered":
        data["csrf_token"] = (await csrf_token(alice, "/account"))[:-2] + "00"
    elif sent == "other-browser":
        other = await login("bob")
        data["csrf_token"] = await csrf_token(other, "/account")
    response = await alice.post("/signout/everywhere", data=data)
    assert response.status_code == 403
    assert "expired" in response.text
    assert (await alice.get("/api/v1/me")).status_code == 200  # nothing happened


async def test_api_token_works_as_bearer_is_shown_once_and_can_be_revoked(
    app: FastAPI, login: Login
) -> None:
    alice = await login("alice")
    token = await csrf_token(alice, "/account")
    created = await alice.post(
        "/account/tokens", data={"csrf_token": token, "name": "my script"}, follow_redirects=True
    )
    assert created.status_code == 200  # redirected after the POST: a reload creates nothing
    assert created.headers["cache-control"] == "no-store"
    secret = created.text.split('class="token-value" id="new-token">')[1].split("<")[0]
    assert secret.startswith("mnt_")
    assert 'data-copy="new-token"' in created.text
    reloaded = await alice.get(str(created.url))
    assert secret not in reloaded.text
    assert "not shown again" not in reloaded.text
    async with app.state.container.sessions() as db:
        assert len(list(await db.scalars(select(ApiToken)))) == 1
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as script:
        bearer = {"Authorization": f"Bearer {secret}"}
        assert (await script.get("/api/v1/me", headers=bearer)).json()["username"] == "alice"
        async with app.state.container.sessions() as db:
            row = await db.scalar(select(ApiToken))
        assert row is not None
        assert secret not in row.token_hash
        await alice.post(f"/account/tokens/{row.id}/revoke", data={"csrf_token": token})
        assert (await script.get("/api/v1/me", headers=bearer)).status_code == 401
    actions = await _actions(app)
    assert {"token_created", "token_revoked"} <= set(actions)


async def test_suspension_and_role_change_end_sessions(app: FastAPI, login: Login) -> None:
    admin, bob = await login("admin"), await login("bob")
    async with app.state.container.sessions() as db:
        bob_id = await db.scalar(select(User.id).where(User.username == "bob"))
    token = await csrf_token(admin, "/admin/users")
    await admin.post(f"/admin/users/{bob_id}/role", data={"csrf_token": token, "role": "admin"})
    assert (await bob.get("/api/v1/me")).status_code == 401
    bob = await login("bob")
    assert (await bob.get("/api/v1/me")).json()["role"] == "admin"
    await admin.post(f"/admin/users/{bob_id}/suspend", data={"csrf_token": token})
    assert (await bob.get("/api/v1/me")).status_code == 401
    actions = await _actions(app)
    assert {"role_changed", "user_suspended"} <= set(actions)


async def test_suspended_plex_user_cannot_sign_in_again(
    app: FastAPI, login: Login, plex_world: PlexWorld, client: httpx.AsyncClient
) -> None:
    admin, _ = await login("admin"), await login("bob")
    async with app.state.container.sessions() as db:
        bob_id = await db.scalar(select(User.id).where(User.username == "bob"))
    token = await csrf_token(admin, "/admin/users")
    await admin.post(f"/admin/users/{bob_id}/suspend", data={"csrf_token": token})
    again = (await sign_in_with_plex(client, plex_world.plextv, "bob")).json()
    assert again["status"] == "suspended"


async def test_last_admin_cannot_be_demoted_suspended_or_deleted(
    app: FastAPI, login: Login
) -> None:
    admin = await login("admin")
    async with app.state.container.sessions() as db:
        admin_id = await db.scalar(select(User.id).where(User.username == "admin"))
    token = await csrf_token(admin, "/admin/users")
    demote = await admin.post(
        f"/admin/users/{admin_id}/role", data={"csrf_token": token, "role": "user"}
    )
    assert demote.status_code == 409
    assert "last admin" in demote.text
    assert (await admin.get("/api/v1/me")).json()["role"] == "admin"


async def test_deleting_a_user_keeps_the_audit_trail(app: FastAPI, login: Login) -> None:
    admin, alice = await login("admin"), await login("alice")
    async with app.state.container.sessions() as db:
        alice_id = await db.scalar(select(User.id).where(User.username == "alice"))
    token = await csrf_token(admin, "/admin/users")
    deleted = await admin.post(
        f"/admin/users/{alice_id}/delete", data={"csrf_token": token, "reassign_to": ""}
    )
    assert deleted.status_code == 303
    assert (await alice.get("/api/v1/me")).status_code == 401
    async with app.state.container.sessions() as db:
        entries = list(
            await db.scalars(select(AuditEntry).where(AuditEntry.target_label == "alice"))
        )
    assert any(e.action == "user_deleted" for e in entries)
    assert any(
        e.action == "sign_in" and e.actor_id is None for e in entries
    )  # kept, actor unlinked


async def test_admin_audit_page_filters_by_action(app: FastAPI, login: Login) -> None:
    admin = await login("admin")
    await login("alice")
    page = await admin.get("/admin/audit?action=sign_in")
    assert page.status_code == 200
    assert "Signed in with Plex" in page.text
    assert "Signed in with a password" in page.text
    api = (await admin.get("/api/v1/audit?action=sign_in")).json()
    assert {e["actor"] for e in api} >= {"admin", "alice"}
