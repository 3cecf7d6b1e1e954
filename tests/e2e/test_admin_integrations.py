"""The Integrations page in a browser: a wrong token fails its test, the right one passes, Save
applies it at once (the library works without a restart), and the token is never shown."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from medianest.config import Settings
from medianest.demo import identities
from tests.conftest import PlexWorld
from tests.e2e.conftest import screenshot, sign_in_as_admin
from tests.support.servers import running_app


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"plex_url": None, "plex_token": None}


def test_connect_plex_on_the_integrations_page(
    settings: Settings, plex_world: PlexWorld, page: Page
) -> None:
    with running_app(settings) as server:
        sign_in_as_admin(page, server.url)
        page.goto(server.url + "/admin/integrations")
        card = page.locator("#plex")
        expect(card.locator(".badge")).to_have_text("Not configured")

        card.get_by_label("Server address").fill(plex_world.plex_server.url)
        card.get_by_label("Plex token").fill("wrong-token")
        card.get_by_role("button", name="Test connection").click()
        expect(card.locator(".ai-result")).to_contain_text("Credentials rejected")

        card.get_by_label("Plex token").fill(identities.PLEX_OWNER_TOKEN)
        card.get_by_role("button", name="Test connection").click()
        expect(card.locator(".ai-result")).to_contain_text("Connection works")
        expect(card.locator(".ai-result")).to_contain_text("Plex Media Server")
        screenshot(page, "admin-integrations-tested")

        card.get_by_role("button", name="Save").click()
        expect(page.get_by_role("status").first).to_contain_text("Saved and applied")
        card = page.locator("#plex")
        expect(card.locator(".badge")).to_have_text("Healthy")
        expect(card).to_contain_text("Currently set")
        assert identities.PLEX_OWNER_TOKEN not in page.content()
        page.evaluate("window.scrollTo(0, 0)")
        screenshot(page, "admin-integrations-saved")

        youtube = page.locator("#youtube")
        youtube.get_by_label("Plex library for downloads").select_option(label="Movies (library 1)")
        youtube.get_by_role("button", name="Test connection").click()
        expect(youtube.locator(".ai-result")).to_contain_text("“Movies” (library 1)")

        page.goto(server.url + "/library")
        expect(page.get_by_text("Movies").first).to_be_visible()
        assert page.console_errors == []  # type: ignore[attr-defined]


def test_a_refused_save_shows_its_error_where_the_eye_is(
    settings: Settings, plex_world: PlexWorld, page: Page
) -> None:
    with running_app(settings) as server:
        sign_in_as_admin(page, server.url)
        page.goto(server.url + "/admin/integrations")
        card = page.locator("#overseerr")
        card.get_by_label("Address", exact=True).fill("not a web address")
        card.get_by_role("button", name="Save").click()
        error = page.locator("#overseerr [role=alert]")
        expect(error).to_be_visible()
        expect(error).to_be_focused()
        expect(error).to_be_in_viewport()
        screenshot(page, "admin-integrations-refused")
