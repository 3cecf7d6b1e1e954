"""Limits & features and Branding: validation, audit, the JSON API, who may change them,
branding on the sign-in page and dashboard (escaped), and the session lifetime applied live."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update

from medianest.persistence.models import AppSetting, AuditEntry, User, UserSession
from medianest.persistence.types import utcnow
from tests.conftest import Login
from tests.support.signin import csrf_token, send_csrf

LIMITS_FORM = {
    "requests_per_hour": "20",
    "download_jobs_per_hour": "5",
    "download_max_playlist": "300",
    "download_concurrency": "2",
    "download_min_free_mb": "2048",
    "session_days": "30",
    "feature_requests": "on",
    "feature_youtube": "on",
    "feature_library": "on",
}


async def post_form(client: httpx.AsyncClient, path: str, data: dict[str, str]) -> httpx.Response:
    token = await csrf_token(client, "/account")
    return await client.post(path, data={"csrf_token": token, **data})


async def api(client: httpx.AsyncClient, method: str, body: Any = None) -> httpx.Response:
    await send_csrf(client)
    return await client.request(method, "/api/v1/admin/settings", json=body)


async def stored(app: FastAPI) -> dict[str, str]:
    async with app.state.container.sessions() as db:
        rows = await db.scalars(select(AppSetting).where(AppSetting.key.like("live.%")))
        return {row.key: row.value for row in rows}


async def setting_audits(app: FastAPI) -> list[AuditEntry]:
    async with app.state.container.sessions() as db:
        rows = await db.scalars(
            select(AuditEntry).where(AuditEntry.action == "setting_changed").order_by(AuditEntry.id)
        )
        return list(rows)


async def test_saving_limits_applies_them_and_audits_old_and_new(
    app: FastAPI, login: Login
) -> None:
    admin = await login("admin")
    page = await admin.get("/admin/settings")
    assert page.status_code == 200
    assert 'value="20"' in page.text and "Default 20" in page.text
    saved = await post_form(
        admin,
        "/admin/settings",
        {**LIMITS_FORM, "requests_per_hour": "7", "feature_youtube": ""},
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/admin/settings?saved=2"
    after = await admin.get(saved.headers["location"])
    assert "Saved. The new values apply now" in after.text
    assert 'name="requests_per_hour" type="text" inputmode="numeric" autocomplete="off" ' in (
        after.text
    )
    assert 'value="7"' in after.text
    entries = await setting_audits(app)
    assert [(e.details["setting"], e.details["old"], e.details["new"]) for e in entries] == [
        ("live.requests_per_hour", 20, 7),
        ("live.feature_youtube", True, False),
    ]
    assert entries[0].summary == "Requests per person per hour: 20 → 7"
    assert entries[0].actor_label == "admin"
    assert await stored(app) == {"live.requests_per_hour": "7", "live.feature_youtube": "false"}
    values = (await api(admin, "GET")).json()
    assert values["requests_per_hour"] == 7 and values["feature_youtube"] is False

    again = await post_form(
        admin,
        "/admin/settings",
        {**LIMITS_FORM, "requests_per_hour": "7", "feature_youtube": ""},
    )
    assert again.headers["location"] == "/admin/settings?saved=0"  # nothing changed: no audit
    assert len(await setting_audits(app)) == 2
    assert "Nothing changed." in (await admin.get(again.headers["location"])).text


async def test_bad_values_are_explained_inline_and_nothing_is_stored(
    app: FastAPI, login: Login
) -> None:
    admin = await login("admin")
    answer = await post_form(
        admin,
        "/admin/settings",
        {
            **LIMITS_FORM,
            "requests_per_hour": "a<b>c",
            "download_concurrency": "99",
            "session_days": "0",
            "download_min_free_mb": "",
            "download_max_playlist": "10",  # valid, but not stored: all or nothing
        },
    )
    assert answer.status_code == 422
    text = answer.text
    assert "Nothing was saved: 4 values need fixing" in text
    assert "Enter a whole number from 1 to 10,000." in text
    assert "Enter a whole number from 1 to 16." in text
    assert "Enter a whole number from 1 to 365." in text
    assert "Enter a whole number from 0 to 10,000,000." in text
    assert 'value="a&lt;b&gt;c"' in text and "a<b>c" not in text  # typed value kept, escaped
    assert 'value="10"' in text
    assert text.count('aria-invalid="true"') == 4
    assert await stored(app) == {}
    assert await setting_audits(app) == []

    long_name = await post_form(
        admin, "/admin/branding", {"server_name": "N" * 81, "welcome_text": "Hi"}
    )
    assert long_name.status_code == 422
    assert "Use at most 80 characters." in long_name.text
    assert f'value="{"N" * 81}"' in long_name.text
    empty = await post_form(admin, "/admin/branding", {"server_name": "  ", "welcome_text": ""})
    assert empty.status_code == 422 and "This cannot be empty." in empty.text
    too_long = await post_form(
        admin, "/admin/branding", {"server_name": "Ok", "welcome_text": "x" * 2001}
    )
    assert too_long.status_code == 422 and "Use at most 2,000 characters." in too_long.text
    assert await stored(app) == {}
    assert await setting_audits(app) == []


async def test_api_reads_and_patches_with_problem_details(app: FastAPI, login: Login) -> None:
    admin = await login("admin")
    current = await api(admin, "GET")
    assert current.status_code == 200
    assert current.json()["server_name"] == "MediaNest"
    assert current.json()["download_concurrency"] == 2

    bad = await api(admin, "PATCH", {"download_concurrency": 0, "server_name": "x" * 200})
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    problem = bad.json()
    assert problem["title"] == "Invalid settings"
    assert {e["field"]: e["message"] for e in problem["errors"]} == {
        "download_concurrency": "Enter a whole number from 1 to 16.",
        "server_name": "Use at most 80 characters.",
    }
    unknown = await api(admin, "PATCH", {"max_users": 3})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0] == {
        "field": "max_users",
        "label": "max_users",
        "message": "MediaNest has no such setting.",
    }
    not_a_float = await api(admin, "PATCH", {"requests_per_hour": 2.5})
    assert not_a_float.status_code == 422
    not_an_object = await api(admin, "PATCH", [1, 2])
    assert not_an_object.status_code == 422
    assert await stored(app) == {}

    good = await api(admin, "PATCH", {"download_concurrency": 4, "server_name": "  Elm Street "})
    assert good.status_code == 200
    assert good.json()["download_concurrency"] == 4
    assert good.json()["server_name"] == "Elm Street"
    details = [e.details for e in await setting_audits(app)]
    assert {"setting": "live.server_name", "old": "MediaNest", "new": "Elm Street"} in details
    assert {"setting": "live.download_concurrency", "old": 2, "new": 4} in details


async def test_people_who_are_not_admins_get_403(app: FastAPI, login: Login) -> None:
    alice = await login("alice")
    for path in ("/admin/settings", "/admin/branding"):
        page = await alice.get(path)
        assert page.status_code == 403, path
        refused = await post_form(alice, path, {"server_name": "Mine", "requests_per_hour": "1"})
        assert refused.status_code == 403, path
    assert (await api(alice, "GET")).status_code == 403
    patched = await api(alice, "PATCH", {"requests_per_hour": 1})
    assert patched.status_code == 403
    assert patched.headers["content-type"].startswith("application/problem+json")
    assert await stored(app) == {}
    anonymous = await httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ).get("/api/v1/admin/settings")
    assert anonymous.status_code == 401


async def test_branding_shows_on_sign_in_page_and_dashboard_escaped(
    app: FastAPI, login: Login
) -> None:
    admin = await login("admin")
    welcome = (
        "Movie night is **Friday**. <script>alert(1)</script>\n\n"
        "[Bad](javascript:alert(2)) <img src=x onerror=alert(3)> [Rules](https://example.org/rules)"
    )
    saved = await post_form(
        admin, "/admin/branding", {"server_name": "Nest <b>One</b>", "welcome_text": welcome}
    )
    assert saved.status_code == 303
    branding = await admin.get(saved.headers["location"])
    assert "Saved. The sign-in page and the dashboard show it now." in branding.text

    visitor = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
    signin = (await visitor.get("/signin")).text
    dashboard = (await (await login("alice")).get("/")).text
    for html in (signin, dashboard):
        assert "Nest &lt;b&gt;One&lt;/b&gt;" in html
        assert "<b>One</b>" not in html
        assert "<strong>Friday</strong>" in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<script>alert" not in html
        assert 'href="javascript' not in html  # the bad link stays visible text
        assert "<img src=x" not in html and "&lt;img src=x onerror=alert(3)&gt;" in html
        assert '<a href="https://example.org/rules" rel="noopener noreferrer">Rules</a>' in html
    assert "<title>Sign in · Nest &lt;b&gt;One&lt;/b&gt;</title>" in signin
    assert "Welcome to Nest &lt;b&gt;One&lt;/b&gt;" in dashboard

    await post_form(admin, "/admin/branding", {"server_name": "MediaNest", "welcome_text": ""})
    plain = (await visitor.get("/signin")).text
    assert "Sign in with the Plex account you use to watch." in plain  # the default line
    await visitor.aclose()


async def test_session_lifetime_change_applies_to_existing_and_new_sessions(
    app: FastAPI, login: Login
) -> None:
    alice = await login("alice")
    admin = await login("admin")
    assert (await alice.get("/")).status_code == 200
    async with app.state.container.sessions.begin() as db:
        alice_id = await db.scalar(select(User.id).where(User.username == "alice"))
        await db.execute(  # Alice last used MediaNest three days ago
            update(UserSession)
            .where(UserSession.user_id == alice_id)
            .values(last_seen_at=utcnow() - timedelta(days=3))
        )
    assert (await alice.get("/")).status_code == 200  # 30 days: still signed in

    changed = await api(admin, "PATCH", {"session_days": 2})
    assert changed.status_code == 200
    async with app.state.container.sessions.begin() as db:
        await db.execute(
            update(UserSession)
            .where(UserSession.user_id == alice_id)
            .values(last_seen_at=utcnow() - timedelta(days=3))
        )
    # Three days on, the process's few-seconds memory of her sign-in has long expired.
    app.state.container.auth_cache.forget_users([alice_id])
    out = await alice.get("/")
    assert out.status_code == 303 and out.headers["location"].startswith("/signin")

    again = await login("alice")  # a new sign-in lasts the new lifetime
    assert (await again.get("/")).status_code == 200
    async with app.state.container.sessions() as db:
        row = await db.scalar(select(UserSession).where(UserSession.user_id == alice_id))
    assert row is not None
    lasts = row.expires_at - row.created_at
    assert timedelta(days=2) - timedelta(minutes=1) <= lasts <= timedelta(days=2)
