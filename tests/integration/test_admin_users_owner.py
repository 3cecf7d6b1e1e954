"""The Plex server owner is always an admin; role changes and suspensions say what happened."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import select, update

from medianest.persistence.models import User
from tests.conftest import Login
from tests.support.signin import csrf_token


async def _id(app: FastAPI, username: str) -> int:
    async with app.state.container.sessions() as db:
        found = await db.scalar(select(User.id).where(User.username == username))
    assert found is not None
    return int(found)


async def test_owner_cannot_demote_themselves_or_be_suspended(app: FastAPI, login: Login) -> None:
    owner, admin = await login("nestowner"), await login("admin")
    owner_id = await _id(app, "nestowner")
    token = await csrf_token(owner, "/admin/users")
    demote = await owner.post(
        f"/admin/users/{owner_id}/role", data={"csrf_token": token, "role": "user"}
    )
    assert demote.status_code == 409
    assert "owns the Plex server and is always an admin" in demote.text
    assert (await owner.get("/api/v1/me")).json()["role"] == "admin"  # still signed in

    admin_token = await csrf_token(admin, "/admin/users")
    for action in ("suspend", "delete"):
        refused = await admin.post(
            f"/admin/users/{owner_id}/{action}", data={"csrf_token": admin_token}
        )
        assert refused.status_code == 409, action
    assert (await owner.get("/api/v1/me")).json()["role"] == "admin"

    page = await admin.get("/admin/users")
    row = page.text.split('data-user="nestowner"')[1].split("</tr>")[0]
    assert "Plex owner" in row
    assert "/suspend" not in row and "/role" not in row and "/delete" not in row


async def test_owner_demoted_before_this_rule_is_an_admin_again_at_sign_in(
    app: FastAPI, login: Login
) -> None:
    await login("nestowner")
    async with app.state.container.sessions.begin() as db:
        await db.execute(update(User).where(User.username == "nestowner").values(role="user"))
    again = await login("nestowner")
    assert (await again.get("/api/v1/me")).json()["role"] == "admin"


async def test_role_change_and_suspension_say_what_happened(app: FastAPI, login: Login) -> None:
    admin, _ = await login("admin"), await login("alice")
    alice_id = await _id(app, "alice")
    token = await csrf_token(admin, "/admin/users")
    page = (await admin.get("/admin/users")).text
    row = page.split('data-user="alice"')[1].split("</tr>")[0]
    assert "Make alice an admin" in row and "Suspend alice" in row  # behind a confirm step

    made = await admin.post(
        f"/admin/users/{alice_id}/role",
        data={"csrf_token": token, "role": "admin"},
        follow_redirects=True,
    )
    assert "Alice is now an admin" in made.text
    suspended = await admin.post(
        f"/admin/users/{alice_id}/suspend", data={"csrf_token": token}, follow_redirects=True
    )
    assert "Alice is suspended and was signed out everywhere" in suspended.text
