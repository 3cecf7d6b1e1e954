"""Checks for pages kept rendered for everyone alike, with each viewer's bits put in."""

from __future__ import annotations

import re

import httpx

SLOT = re.compile(r"mn[0-9a-f]{24}")


async def own_form_tokens(http: httpx.AsyncClient) -> list[str]:
    """The CSRF tokens of this browser, as a page rendered for it alone carries them."""
    page = (await http.get("/account")).text
    return re.findall(r'name="csrf_token" value="([^"]+)"', page)


def assert_personal(page: str, own_tokens: list[str], *, name: str, admin: bool) -> None:
    """``page`` carries this viewer's own CSRF token, name and menu, and no unfilled slot."""
    tokens = re.findall(r'"X-CSRF-Token": "([^"]+)"', page)
    tokens += re.findall(r'name="csrf_token" value="([^"]+)"', page)
    assert tokens and set(tokens) == set(own_tokens), name
    assert f'<span class="user-name">{name}</span>' in page
    assert ('href="/admin"' in page) is admin, name
    assert not SLOT.search(page)
