"""The account page names devices the way people know them."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.support.signin import sign_in_admin

FIREFOX_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
)


async def test_devices_are_named_by_browser_and_system(app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=app)
    headers = {"User-Agent": FIREFOX_ON_WINDOWS}
    async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=headers) as web:
        await sign_in_admin(web)
        page = (await web.get("/account")).text
    assert "Firefox on Windows" in page
    assert "Gecko/20100101" not in page  # no raw user-agent strings
