"""The docs hub as readers and admins use it: default pages, search, hiding, editing, audit."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from medianest.persistence.models import AuditEntry, DocsPage
from medianest.services import runtime_settings
from medianest.services.live_settings import STORAGE_KEYS
from tests.conftest import Login
from tests.support.signin import csrf_token


async def _pages(app: FastAPI) -> list[DocsPage]:
    async with app.state.container.sessions() as db:
        return list(await db.scalars(select(DocsPage).order_by(DocsPage.position)))


async def _audit(app: FastAPI, action: str) -> list[AuditEntry]:
    async with app.state.container.sessions() as db:
        return list(await db.scalars(select(AuditEntry).where(AuditEntry.action == action)))


async def _set_server_name(app: FastAPI, name: str) -> None:
    container = app.state.container
    async with container.sessions.begin() as db:
        await runtime_settings.set_value(db, STORAGE_KEYS["server_name"], name)
    container.live.forget()


async def test_default_pages_are_seeded_and_mention_the_server_name(
    app: FastAPI, login: Login
) -> None:
    assert [p.slug for p in await _pages(app)] == ["getting-started", "faq", "related-apps"]
    await _set_server_name(app, "Casa <Plex>")
    alice = await login("alice")
    hub = await alice.get("/docs")
    assert hub.status_code == 200
    for title in ("Getting started", "FAQ", "Related apps"):
        assert title in hub.text
    page = await alice.get("/docs/getting-started")
    assert "Welcome to <strong>Casa &lt;Plex&gt;</strong>" in page.text
    assert "collection named after the playlist" in page.text
    faq = await alice.get("/docs/faq")
    for anchor in ("service-down", "request-refused", "rate-limit", "download-failed", "sign-in"):
        assert f'id="{anchor}"' in faq.text
    assert "5 minutes" in faq.text


async def test_search_finds_words_in_bodies_links_the_entry_and_escapes_the_query(
    app: FastAPI, login: Login
) -> None:
    alice = await login("alice")
    found = await alice.get("/docs/search", params={"q": "caches status"})
    assert found.status_code == 200
    assert 'href="/docs/faq#service-down"' in found.text
    assert "<mark>caches</mark>" in found.text
    hostile = await alice.get("/docs/search", params={"q": "<script>alert(1)</script>"})
    assert "<script>alert(1)" not in hostile.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hostile.text
    partial = await alice.get(
        "/docs/search", params={"q": "playlist"}, headers={"HX-Request": "true"}
    )
    assert "<html" not in partial.text and 'href="/docs/getting-started#' in partial.text


async def test_hidden_pages_are_invisible_to_users_but_admins_see_them_with_a_badge(
    app: FastAPI, login: Login
) -> None:
    admin, alice = await login("admin"), await login("alice")
    faq = next(p for p in await _pages(app) if p.slug == "faq")
    token = await csrf_token(admin, "/admin/docs")
    response = await admin.post(f"/admin/docs/{faq.id}/hide", data={"csrf_token": token})
    assert response.status_code == 303
    missing = await alice.get("/docs/faq")
    assert missing.status_code == 404
    assert "No docs page here" in missing.text
    assert "/docs/faq" not in (await alice.get("/docs")).text
    assert "rate-limit" not in (await alice.get("/docs/search", params={"q": "rate limit"})).text
    assert (await alice.get("/api/v1/docs/faq")).status_code == 404
    assert "faq" not in [p["slug"] for p in (await alice.get("/api/v1/docs")).json()]
    seen = await admin.get("/docs/faq")
    assert seen.status_code == 200 and "Hidden page: only admins see it." in seen.text
    assert (await admin.get("/api/v1/docs/faq")).json()["hidden"] is True
    assert (await alice.get("/docs/no-such-page")).status_code == 404


async def test_docs_can_be_read_signed_out_and_the_api_needs_a_sign_in(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/docs/faq")
    assert page.status_code == 200 and 'id="sign-in"' in page.text
    assert "Sign in to see the links" in (await client.get("/docs/related-apps")).text
    api = await client.get("/api/v1/docs")
    assert api.status_code == 401
    assert (await client.get("/admin/docs")).status_code == 303


async def test_admin_adds_edits_and_reorders_pages_with_audit_entries(
    app: FastAPI, login: Login
) -> None:
    admin = await login("admin")
    token = await csrf_token(admin, "/admin/docs/new")
    added = await admin.post(
        "/admin/docs",
        data={
            "csrf_token": token,
            "title": "House rules",
            "slug": "house-rules",
            "body": "Be nice.",
        },
    )
    assert added.status_code == 303
    assert [p.slug for p in await _pages(app)][-1] == "house-rules"
    page = next(p for p in await _pages(app) if p.slug == "house-rules")
    saved = await admin.post(
        f"/admin/docs/{page.id}/edit",
        data={
            "csrf_token": token,
            "title": "House rules",
            "slug": "rules",
            "body": "## Quiet {#quiet}\n\nNo 4K.",
        },
    )
    assert saved.status_code == 303
    shown = await admin.get("/docs/rules")
    assert '<h2 id="quiet">Quiet</h2>' in shown.text
    [change] = await _audit(app, "docs_page_changed")
    assert change.details["old"] == {"slug": "house-rules", "body": "Be nice.", "body_length": 8}
    assert change.details["new"]["slug"] == "rules" and change.actor_label == "admin"
    assert len(await _audit(app, "docs_page_added")) == 1

    await admin.post(f"/admin/docs/{page.id}/up", data={"csrf_token": token})
    assert [p.slug for p in await _pages(app)] == [
        "getting-started",
        "faq",
        "rules",
        "related-apps",
    ]
    [moved] = await _audit(app, "docs_pages_reordered")
    assert moved.details["new"]["order"][2] == "rules"
    hub = (await admin.get("/docs")).text
    assert hub.index("/docs/rules") < hub.index("/docs/related-apps")
    api = (await admin.get("/api/v1/docs/rules")).json()
    assert api["markdown"].startswith("## Quiet") and '<h2 id="quiet">' in api["html"]


async def test_slug_and_title_are_validated_with_inline_messages(
    app: FastAPI, login: Login
) -> None:
    admin = await login("admin")
    token = await csrf_token(admin, "/admin/docs/new")
    for slug, message in [
        ("House Rules", "Use lowercase letters, digits and single dashes"),
        ("faq", "Another page already uses the address /docs/faq."),
        ("search", "is used by MediaNest itself"),
        ("-x-", "Use lowercase letters"),
    ]:
        response = await admin.post(
            "/admin/docs", data={"csrf_token": token, "title": "T", "slug": slug, "body": "x"}
        )
        assert response.status_code == 422, slug
        assert message in response.text.replace("&#34;", '"'), slug
        assert 'value="T"' in response.text  # what was typed stays in the form
    empty = await admin.post(
        "/admin/docs", data={"csrf_token": token, "title": " ", "slug": "ok", "body": ""}
    )
    assert "Give the page a title" in empty.text
    assert len(await _pages(app)) == 3


async def test_preview_renders_with_the_same_sanitiser(login: Login) -> None:
    admin = await login("admin")
    token = await csrf_token(admin, "/admin/docs/new")
    preview = await admin.post(
        "/admin/docs/preview",
        data={"body": "# Hi {{server_name}}\n\n<script>x()</script> [a](javascript:x())"},
        headers={"X-CSRF-Token": token, "HX-Request": "true"},
    )
    assert preview.status_code == 200
    assert '<h1 id="hi-server-name">Hi MediaNest</h1>' in preview.text
    assert "<script>x()" not in preview.text and 'href="javascript' not in preview.text


async def test_docs_editing_is_for_admins_only(app: FastAPI, login: Login) -> None:
    alice = await login("alice")
    before = [(p.slug, p.title, p.body, p.hidden, p.position) for p in await _pages(app)]
    faq = next(p for p in await _pages(app) if p.slug == "faq")
    for path in ("/admin/docs", "/admin/docs/new", f"/admin/docs/{faq.id}/edit"):
        assert (await alice.get(path)).status_code == 403, path
    token = await csrf_token(alice, "/docs")
    posts = {
        "/admin/docs": {"title": "Mine", "slug": "mine", "body": "x"},
        f"/admin/docs/{faq.id}/edit": {"title": "Hacked", "slug": "faq", "body": "x"},
        "/admin/docs/preview": {"body": "x"},
        "/admin/docs/restore": {},
        **{f"/admin/docs/{faq.id}/{a}": {} for a in ("up", "down", "hide", "show", "delete")},
    }
    for path, data in posts.items():
        assert (await alice.post(path, data={"csrf_token": token, **data})).status_code == 403, path
    assert [(p.slug, p.title, p.body, p.hidden, p.position) for p in await _pages(app)] == before
    async with app.state.container.sessions() as db:
        assert not list(await db.scalars(select(AuditEntry).where(AuditEntry.action.like("docs%"))))


async def test_deleted_default_pages_can_be_restored_and_are_not_reseeded(
    app: FastAPI, login: Login
) -> None:
    admin = await login("admin")
    token = await csrf_token(admin, "/admin/docs")
    for page in await _pages(app):
        await admin.post(f"/admin/docs/{page.id}/delete", data={"csrf_token": token})
    assert await _pages(app) == []
    [deleted, *_] = await _audit(app, "docs_page_deleted")
    assert deleted.details["old"]["slug"] == "getting-started" and deleted.details["new"] is None
    assert await app.state.container.docs.seed() == 0  # a restart leaves an emptied hub empty
    listing = await admin.get("/admin/docs")
    assert "Restore default pages" in listing.text
    await admin.post("/admin/docs/restore", data={"csrf_token": token})
    assert [p.slug for p in await _pages(app)] == ["getting-started", "faq", "related-apps"]
    assert len(await _audit(app, "docs_page_restored")) == 3
    assert "Restore default pages" not in (await admin.get("/admin/docs")).text
