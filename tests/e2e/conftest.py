"""Headless Chromium (Debian's) driven by Playwright; screenshots go to test-artifacts/."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, sync_playwright

from medianest.demo.world import DemoWorld
from tests.support import backends

CHROMIUM = os.environ.get("MEDIANEST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Module scope: Playwright's sync API keeps an event loop running on the main thread while
    # it is open, which async tests in later modules cannot share.
    if not Path(CHROMIUM).exists():
        backends.unavailable(f"Chromium not found at {CHROMIUM} (make test installs it)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


class ConsoleErrors(list[str]):
    """Console errors and failed requests a page produced (CSP violations show up here)."""


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, color_scheme="dark")
    tab = context.new_page()
    errors = ConsoleErrors()
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.console_errors = errors  # type: ignore[attr-defined]
    yield tab
    context.close()


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in_as_admin(page: Page, base_url: str) -> None:
    """Through the sign-in form, as a person would."""
    from tests.conftest import ADMIN_PASSWORD

    page.goto(base_url + "/signin")
    page.get_by_text("Sign in with a local account").click()
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(base_url + "/")


WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .slice(-3).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def assert_no_sideways_scroll(page: Page, what: str) -> None:
    """The page is no wider than the window (and says which elements stick out if it is)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    window = page.evaluate("document.documentElement.clientWidth")
    assert width <= window, f"{what} is {width}px wide in {window}px: {page.evaluate(WIDEST)}"


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[DemoWorld]:
    """Every demo service (the world `medianest demo` runs), on real ports; no live ticking."""
    world = DemoWorld.build(tmp_path / "demo", seed=1).start("http://127.0.0.1:9", live=False)
    yield world
    world.stop()


def tab_to(page: Page, target: Locator, limit: int = 60) -> None:
    """Presses Tab until ``target`` has the keyboard focus, as a keyboard-only person would."""
    for _ in range(limit):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target}")


def sign_in_with_plex_popup(page: Page, base_url: str, who: str, lands_on: str = "/") -> None:
    with page.expect_popup() as popup:
        page.get_by_role("link", name="Sign in with Plex").click()
    popup.value.get_by_text(f"Continue as {who}").click()
    page.wait_for_url(base_url + lands_on, timeout=15_000)
