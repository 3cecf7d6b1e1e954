"""Signed-out visitors see only what they can use: the docs and a way to sign in."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from medianest.config import Settings
from tests.e2e.conftest import screenshot
from tests.support.servers import running_app


def test_signed_out_docs_show_sign_in_and_open_no_live_stream(
    settings: Settings, page: Page
) -> None:
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    with running_app(settings) as server:
        page.goto(server.url + "/docs")
        expect(page.get_by_role("heading", name="Docs")).to_be_visible()
        links = page.locator("aside.sidebar .nav-link")
        expect(links).to_have_count(1)
        expect(links).to_have_text("Docs")
        expect(page.locator("#live-indicator")).to_have_count(0)
        expect(page.locator("#bell")).to_have_count(0)
        expect(page.locator("#library-search-input")).to_have_count(0)
        page.get_by_role("link", name="Sign in").click()
        page.wait_for_url(server.url + "/signin?next=/docs")
        page.go_back()
        page.wait_for_load_state("networkidle")
        screenshot(page, "docs-signed-out")
    assert not [url for url in asked if url.endswith("/events")], "a signed-out page opened /events"
    assert page.console_errors == []  # type: ignore[attr-defined]
