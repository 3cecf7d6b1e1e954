"""Admin pages on a 375 px phone: the tab bar wraps, nothing scrolls sideways."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from medianest.config import Settings
from tests.e2e.conftest import assert_no_sideways_scroll, screenshot, sign_in_as_admin
from tests.support.servers import running_app

ADMIN_PAGES = (
    "users",
    "integrations",
    "settings",
    "branding",
    "docs",
    "links",
    "audit",
)


def test_every_admin_page_fits_a_phone(settings: Settings, page: Page) -> None:
    with running_app(settings) as server:
        sign_in_as_admin(page, server.url)
        page.set_viewport_size({"width": 375, "height": 812})
        for name in ADMIN_PAGES:
            page.goto(f"{server.url}/admin/{name}")
            expect(page.locator("nav.tabs")).to_be_visible()
            assert_no_sideways_scroll(page, f"/admin/{name}")
        screenshot(page, "admin-audit-phone")
    assert page.console_errors == []  # type: ignore[attr-defined]
