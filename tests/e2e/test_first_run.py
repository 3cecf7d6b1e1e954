"""The first thing every real install does: the local admin changes the one-time password.

The default path: no MEDIANEST_ADMIN_PASSWORD, so the password comes from the log and must be
changed before anything else. Partials asked for meanwhile must leave the form alone.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from medianest.config import Settings
from tests.e2e.conftest import screenshot
from tests.support.servers import running_app
from tests.support.signin import one_time_password_from_log

NEW_PASSWORD = "a much better password"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"admin_password": None}


def test_one_time_password_form_is_usable_while_partials_ask_for_other_things(
    settings: Settings, page: Page
) -> None:
    with one_time_password_from_log() as one_time, running_app(settings) as server:
        page.goto(server.url + "/signin")
        page.get_by_text("Sign in with a local account").click()
        page.get_by_label("Username").fill("admin")
        page.get_by_label("Password").fill(one_time())
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.wait_for_url(server.url + "/account/password")
        page.wait_for_function("window.htmx !== undefined")
        # Fragments this page could ask for (the bell, a library row): none may land in it.
        for fragment in ("/inbox/bell", "/library/recently-added", "/dashboard/services"):
            page.evaluate(
                "url => htmx.ajax('GET', url, {target: '#main', swap: 'beforeend'})", fragment
            )
        expect(page.locator("form[action='/account/password']")).to_have_count(1)
        assert page.locator("html").count() == 1 and page.locator("body header").count() == 1
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height < 1500, f"the password page grew to {height}px"
        assert page.locator("[sse-connect]").count() == 0  # no live stream before the change
        screenshot(page, "first-run-password-desktop")
        page.set_viewport_size({"width": 375, "height": 812})
        screenshot(page, "first-run-password-phone")

        page.get_by_label("Current password").fill(one_time())
        page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("New password again").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Change password").click()
        page.wait_for_url(server.url + "/account?changed=password")
        page.goto(server.url + "/")
        expect(page.locator("#live-indicator")).to_have_attribute("data-state", "open")
    assert page.console_errors == []  # type: ignore[attr-defined]
