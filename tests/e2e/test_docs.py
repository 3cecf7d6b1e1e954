"""The docs hub in a browser: an admin edits a page with Preview and readers see the change."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from medianest.config import Settings
from tests.e2e.conftest import screenshot, sign_in_as_admin
from tests.support.servers import running_app


def _fits(page: Page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"page scrolls sideways at {width}px ({scroll}px wide)"


def test_admin_edits_a_docs_page_with_preview_and_sees_it_on_the_hub(
    settings: Settings, page: Page
) -> None:
    with running_app(settings) as server:
        sign_in_as_admin(page, server.url)
        # Two clicks from the dashboard: Docs in the navigation, then the page.
        page.locator("aside.sidebar").get_by_role("link", name="Docs").click()
        page.get_by_role("link", name="Getting started").first.click()
        expect(page.get_by_role("heading", name="Request a movie or a show")).to_be_visible()

        page.goto(server.url + "/admin/docs")
        page.locator("li[data-slug='getting-started']").get_by_role("link", name="Edit").click()
        page.get_by_label("Title", exact=True).fill("Start here")
        page.get_by_label("Text (Markdown)").fill(
            "Welcome to {{server_name}}.\n\n## Movie night {#movie-night}\n\n"
            "Fridays at **eight**. <script>alert(1)</script>\n\n- [Plex](https://app.plex.tv)\n"
        )
        preview = page.locator("#docs-preview")  # no click: the preview follows the typing
        expect(preview.get_by_role("heading", name="Movie night")).to_be_visible()
        expect(preview).to_contain_text("<script>alert(1)</script>")  # shown as text only
        expect(preview.locator("script")).to_have_count(0)
        screenshot(page, "docs-admin-preview")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("status")).to_contain_text("Page saved.")
        screenshot(page, "docs-admin-list")

        page.locator("aside.sidebar").get_by_role("link", name="Docs").click()
        expect(page.get_by_role("link", name="Start here")).to_be_visible()
        page.get_by_label("Search the docs").fill("fridays")
        hit = page.locator("#docs-results a[href='/docs/getting-started#movie-night']")
        expect(hit).to_be_visible()
        expect(page.locator("#docs-results mark")).to_have_text("Fridays")
        screenshot(page, "docs-hub-search")
        hit.click()
        expect(page.locator(".docs-body")).to_contain_text("Fridays at eight.")
        expect(page.locator(".docs-body")).to_contain_text("Welcome to MediaNest.")
        screenshot(page, "docs-page-desktop")

        page.set_viewport_size({"width": 320, "height": 640})
        page.goto(server.url + "/docs")
        _fits(page, 320)
        screenshot(page, "docs-hub-phone")
        page.goto(server.url + "/docs/faq#rate-limit")
        expect(page.get_by_role("heading", name="You reached a rate limit")).to_be_in_viewport()
        _fits(page, 320)
        screenshot(page, "docs-faq-phone")
    assert page.console_errors == []  # type: ignore[attr-defined]
