"""Accessibility gate: axe-core on every page, signed out, as a user and as an admin, in both
themes and at both widths; any serious or critical violation fails.

axe-core comes from npm (package-lock.json) and is injected with ``page.evaluate``: the CSP
rightly blocks an added script tag. One browser context per role keeps the run short.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from medianest.config import Settings
from medianest.demo.world import DemoWorld
from tests.e2e.conftest import (
    assert_no_sideways_scroll,
    screenshot,
    sign_in_as_admin,
    sign_in_with_plex_popup,
)
from tests.support.servers import running_app

AXE_FILE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = ((1280, 800), (375, 812))
THEMES = ("dark", "light")
# Screenshots of every page, role, theme and width for a person to look at (slow: off in CI).
SCREENSHOTS = bool(os.environ.get("MEDIANEST_A11Y_SCREENSHOTS"))
SETTLED = "() => document.readyState === 'complete' && !document.querySelector('.htmx-request')"
RUN_AXE = """async () => {
  const result = await axe.run(document, {
    resultTypes: ["violations"],
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
  });
  return result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ")}`);
}"""

SIGNED_OUT = ("/signin", "/docs", "/docs/faq", "/docs/search?q=plex", "/no-such-page")
MEMBER = (
    "/",
    "/inbox",
    "/requests",
    "/requests?q=the",
    "/requests/mine",
    "/library",
    "/library/search?q=the",
    "/downloads",
    "/docs",
    "/account",
)
ADMIN = (
    "/requests/all",
    "/admin/users",
    "/admin/integrations",
    "/admin/settings",
    "/admin/branding",
    "/admin/docs",
    "/admin/docs/new",
    "/admin/links",
    "/admin/audit",
)


@pytest.fixture
def settings_overrides(demo: DemoWorld) -> dict[str, object]:
    return {**demo.settings_overrides(), "demo": True}


def _axe_source() -> str:
    if not AXE_FILE.exists():
        pytest.fail(f"{AXE_FILE} is missing: run `make assets` (npm ci)")
    return AXE_FILE.read_text(encoding="utf-8")


def _check(page: Page, url: str, axe: str, problems: list[str], label: str) -> None:
    path = url.split("/", 3)[3]
    page.goto(url)
    page.wait_for_function(SETTLED)
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe)
    for theme in THEMES:
        page.evaluate("theme => document.documentElement.setAttribute('data-theme', theme)", theme)
        for width, height in WIDTHS:
            page.set_viewport_size({"width": width, "height": height})
            where = f"{label} /{path} {theme} {width}px"
            problems.extend(f"{where}: {found}" for found in page.evaluate(RUN_AXE))
            try:
                assert_no_sideways_scroll(page, where)
            except AssertionError as exc:
                problems.append(str(exc))
            if SCREENSHOTS:
                name = re.sub(r"[^a-z0-9]+", "-", f"{label}-{path}-{theme}-{width}".lower())
                screenshot(page, f"a11y-{name}")
    page.set_viewport_size({"width": WIDTHS[0][0], "height": WIDTHS[0][1]})


def test_every_page_passes_axe_for_every_role_theme_and_width(
    settings: Settings, browser: Browser
) -> None:
    axe = _axe_source()
    problems: list[str] = []
    with running_app(settings) as server:
        signed_out = browser.new_context(viewport={"width": 1280, "height": 800})
        page = signed_out.new_page()
        page.goto(server.url + "/signin")
        for path in SIGNED_OUT:
            _check(page, server.url + path, axe, problems, "signed-out")
        signed_out.close()

        member = browser.new_context(viewport={"width": 1280, "height": 800})
        page = member.new_page()
        page.goto(server.url + "/signin")
        sign_in_with_plex_popup(page, server.url, "Alice")
        for path in MEMBER:
            _check(page, server.url + path, axe, problems, "alice")
        member.close()

        admin = browser.new_context(viewport={"width": 1280, "height": 800})
        page = admin.new_page()
        sign_in_as_admin(page, server.url)
        for path in ADMIN:
            _check(page, server.url + path, axe, problems, "admin")
        admin.close()
    assert problems == [], "\n".join(problems)
