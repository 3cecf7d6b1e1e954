"""Browsing the library in a real browser: sections, the poster grid with infinite scroll and
sorting, an item, a show's seasons, and the header search by keyboard; desktop and 320px."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from medianest.config import Settings
from tests.e2e.conftest import screenshot, sign_in_as_admin
from tests.support.servers import running_app

# The posters in view have arrived (lazy ones further away have not been asked for yet).
POSTERS_LOADED = """(selector) => {
  const inView = (i) => { const r = i.getBoundingClientRect();
    return r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth; };
  const images = [...document.querySelectorAll(selector)].filter(inView);
  return images.length > 0 && images.every((i) => i.complete && i.naturalWidth > 0);
}"""


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size
    assert viewport is not None and width <= viewport["width"], f"scrolls sideways ({width}px)"


def test_browse_open_and_search(settings: Settings, page: Page) -> None:
    with running_app(settings) as server:
        sign_in_as_admin(page, server.url)
        page.locator("aside.sidebar").get_by_role("link", name="Library").click()
        expect(page).to_have_url(server.url + "/library")
        expect(page.locator(".library-section-card")).to_have_count(3)
        expect(page.locator(".library-section-card").first).to_contain_text("200 movies")
        expect(page.locator(".library-recent .poster-card").first).to_be_visible()
        page.wait_for_function(POSTERS_LOADED, arg=".library-recent img")
        screenshot(page, "library-sections-desktop")

        page.locator(".library-section-link").first.click()
        grid = page.locator("#poster-grid .poster-card")
        expect(grid).to_have_count(60)
        expect(page.locator("#library-total")).to_contain_text("200 items")
        page.wait_for_function(POSTERS_LOADED, arg="#poster-grid img")
        screenshot(page, "library-grid-desktop")

        page.locator(".poster-more").scroll_into_view_if_needed()  # infinite scroll
        expect(grid).to_have_count(120)

        page.get_by_label("Sort by").select_option("year")  # applies itself
        expect(page).to_have_url(re.compile(r"/library/sections/1\?sort=year$"))
        first_year = page.locator("#poster-grid .poster-meta").first.inner_text()
        assert first_year.isdigit() and int(first_year) >= 2020

        grid.first.click()
        expect(page.locator(".item-title")).to_be_visible()
        expect(page.get_by_role("link", name="Open in Plex")).to_have_attribute(
            "href", re.compile(r"^https://app\.plex\.tv/desktop#!/server/[0-9a-f]+/details\?key=")
        )
        page.wait_for_function(POSTERS_LOADED, arg=".item-hero img")
        screenshot(page, "library-item-desktop")

        page.goto(server.url + "/library/sections/2")
        page.locator("#poster-grid .poster-card").first.click()
        expect(page.locator(".season").first.locator(".episode").first).to_be_visible()
        screenshot(page, "library-show-desktop")

        box = page.get_by_role("combobox", name="Search the library")
        box.click()
        box.press_sequentially("emoji", delay=30)  # typed, as a person would
        options = page.locator("#library-search-results [role=option]")
        expect(options.first).to_be_visible()
        expect(page.locator("#library-search-results")).to_contain_text("🎬 Emoji Movie Night 🍿")
        expect(box).to_have_attribute("aria-expanded", "true")
        box.press("ArrowDown")
        expect(options.first).to_have_attribute("aria-selected", "true")
        screenshot(page, "library-search-dropdown")
        box.press("Escape")
        expect(box).to_have_attribute("aria-expanded", "false")
        box.press("ArrowDown")
        box.press("Enter")
        expect(page.locator(".item-title")).to_contain_text("Emoji Movie Night")

        box = page.get_by_role("combobox", name="Search the library")
        box.fill("<b>HTML</b>")
        box.press("Enter")  # nothing highlighted: the full results page
        expect(page).to_have_url(re.compile(r"/library/search\?q=%3Cb%3EHTML%3C%2Fb%3E"))
        expect(page.locator(".library-hub").first).to_contain_text("<b>HTML</b> in the Title")

        page.set_viewport_size({"width": 320, "height": 640})
        page.goto(server.url + "/library/sections/1")
        expect(page.locator("#poster-grid .poster-card")).to_have_count(60)
        page.wait_for_function(POSTERS_LOADED, arg="#poster-grid img")
        _no_sideways_scroll(page)
        screenshot(page, "library-grid-phone")
        page.locator("#poster-grid .poster-card").nth(2).click()
        expect(page.get_by_role("link", name="Open in Plex")).to_be_visible()
        page.wait_for_function(POSTERS_LOADED, arg=".item-hero img")
        _no_sideways_scroll(page)
        screenshot(page, "library-item-phone")
        page.get_by_role("combobox", name="Search the library").fill("café")
        expect(page.locator("#library-search-results [role=option]").first).to_be_visible()
        _no_sideways_scroll(page)
        screenshot(page, "library-search-phone")
    assert page.console_errors == []  # type: ignore[attr-defined]
