"""The web shell as a person sees it: layout, theme, live connection, no CSP violations."""

from __future__ import annotations

import io
import re

from PIL import Image
from playwright.sync_api import Browser, Page, expect

from medianest.config import Settings
from tests.e2e.conftest import screenshot, sign_in_as_admin
from tests.support.servers import running_app


def test_dashboard_shell_on_desktop_and_phone(settings: Settings, page: Page) -> None:
    with running_app(settings, start_worker=True) as server:
        sign_in_as_admin(page, server.url)
        expect(page.locator("aside.sidebar")).to_be_visible()
        expect(page.locator(".nav-link.active")).to_have_text("Dashboard")
        expect(page.locator("#live-indicator")).to_have_attribute(
            "data-state", "open", timeout=10_000
        )
        expect(page.locator(".status-card").first).to_contain_text("Database")
        screenshot(page, "shell-desktop-dark")

        page.set_viewport_size({"width": 320, "height": 640})
        expect(page.locator("aside.sidebar")).to_be_hidden()
        expect(page.locator("nav.bottom-nav")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"page scrolls sideways at 320px ({width}px wide)"
        screenshot(page, "shell-phone-dark")
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_theme_toggle_persists_across_pages(settings: Settings, page: Page) -> None:
    with running_app(settings) as server:
        sign_in_as_admin(page, server.url)
        expect(page.locator("html")).to_have_attribute("data-theme", "dark")
        page.get_by_role("button", name="Switch between dark and light theme").click()
        expect(page.locator("html")).to_have_attribute("data-theme", "light")
        page.goto(server.url + "/account")
        expect(page.locator("html")).to_have_attribute("data-theme", "light")
        expect(page.get_by_role("heading", name="Devices")).to_be_visible()
        screenshot(page, "account-light")
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_error_page_is_styled_and_shows_the_request_id(settings: Settings, page: Page) -> None:
    with running_app(settings) as server:
        response = page.goto(server.url + "/no-such-page")
        assert response is not None
        assert response.status == 404
        expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
        expect(page.locator("code")).to_have_text(response.headers["x-request-id"])
        screenshot(page, "error-404")


def test_system_light_preference_and_one_time_format(settings: Settings, browser: Browser) -> None:
    context = browser.new_context(
        viewport={"width": 375, "height": 812},
        color_scheme="light",
        timezone_id="America/New_York",
    )
    page = context.new_page()
    with running_app(settings) as server:
        sign_in_as_admin(page, server.url)
        expect(page.locator("html")).to_have_attribute("data-theme", "light")  # no saved choice
        page.goto(server.url + "/account")
        seen = page.locator(".device-list time[data-local]").first
        expect(seen).to_have_text(re.compile(r"^(just now|\d+ (seconds?|minutes?) ago)$"))
        assert "EST" in (seen.get_attribute("title") or "")  # full time, in the viewer's zone
        assert seen.get_attribute("datetime")
        page.get_by_role("button", name="Switch between dark and light theme").click()
        page.reload()
        expect(page.locator("html")).to_have_attribute("data-theme", "dark")  # the choice wins
        screenshot(page, "account-phone")
    context.close()


def test_sidebar_colour_runs_down_a_long_page(settings: Settings, page: Page) -> None:
    with running_app(settings) as server:
        sign_in_as_admin(page, server.url)
        page.goto(server.url + "/admin/audit")
        page.evaluate("document.querySelector('main').style.minHeight = '3000px'")  # a long page
        shot = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("RGB")
        assert shot.height >= 3000
        top = shot.getpixel((100, 200))  # inside the sidebar, in the first screen
        bottom = shot.getpixel((100, shot.height - 20))  # far below the first screen
        assert top == bottom, f"sidebar colour {top} stops: {bottom} further down"
