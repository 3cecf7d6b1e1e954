"""An admin changes the branding in the browser and the sign-in page shows it."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from medianest.config import Settings
from tests.e2e.conftest import screenshot, sign_in_as_admin
from tests.support.servers import running_app

WELCOME = (
    "Welcome to the **Elm Street** movie club! <b>not bold</b>\n\n"
    "- Ask for films under *Requests*\n- Read the [house rules](https://example.org/rules)"
)


def test_branding_change_shows_on_the_sign_in_page(settings: Settings, page: Page) -> None:
    with running_app(settings) as server:
        sign_in_as_admin(page, server.url)
        page.goto(server.url + "/admin/branding")
        expect(page.get_by_role("link", name="Branding")).to_have_attribute("aria-current", "page")
        page.get_by_label("Server name").fill("")
        page.get_by_role("button", name="Save branding").click()
        expect(page.locator(".field-error")).to_have_text("This cannot be empty.")
        page.get_by_label("Server name").fill("Elm Street Cinema")
        page.get_by_label("Welcome text").fill(WELCOME)
        preview = page.locator("#branding-preview")  # follows the typing, before any save
        expect(preview.locator(".preview-name")).to_have_text("Elm Street Cinema")
        expect(preview.locator(".welcome-text strong")).to_have_text("Elm Street")
        page.get_by_role("button", name="Save branding").click()
        expect(page.get_by_role("status")).to_contain_text("Saved.")
        expect(page.locator(".brand-name")).to_have_text("Elm Street Cinema")
        screenshot(page, "admin-branding")

        page.goto(server.url + "/admin/settings")
        expect(page.get_by_label("Requests per person per hour")).to_have_value("20")
        screenshot(page, "admin-settings")

        page.goto(server.url + "/")
        expect(page.get_by_role("heading", name="Welcome to Elm Street Cinema")).to_be_visible()
        expect(page).to_have_title("Dashboard · Elm Street Cinema")
        screenshot(page, "dashboard-branded")

        page.context.clear_cookies()  # a visitor who is not signed in
        page.goto(server.url + "/signin")
        expect(page).to_have_title("Sign in · Elm Street Cinema")
        expect(page.get_by_role("heading", name="Elm Street Cinema")).to_be_visible()
        welcome = page.locator(".signin .welcome-text")
        expect(welcome.locator("strong")).to_have_text("Elm Street")
        expect(welcome).to_contain_text("<b>not bold</b>")  # HTML shown as text
        expect(welcome.get_by_role("link", name="house rules")).to_have_attribute(
            "href", "https://example.org/rules"
        )
        screenshot(page, "signin-branded")
    errors = page.console_errors  # type: ignore[attr-defined]
    assert [e for e in errors if "status of 422" not in e] == []  # 422: the refused empty name
