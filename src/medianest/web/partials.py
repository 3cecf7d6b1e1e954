"""htmx partials never follow a redirect into a full page.

A browser's XMLHttpRequest follows a 303 silently, so htmx would swap the whole page it lands
on into a small target (a header bell holding a page holding a bell...). Every redirect
answering an htmx request becomes ``204`` with ``HX-Redirect`` (the whole window navigates),
or a bare ``204`` when the window already shows that page (htmx then leaves it alone).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders

from medianest.web.middleware import ASGIApp, Message, Receive, Scope, Send


def is_partial(headers: Headers) -> bool:
    """An htmx request, not a boosted full-page navigation."""
    return bool(headers.get("hx-request")) and not headers.get("hx-boosted")


def _same_page(location: str, current_url: str | None) -> bool:
    if not current_url:
        return False
    target, current = urlsplit(location), urlsplit(current_url)
    return (target.path or "/") == (current.path or "/")


class PartialRedirectMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_partial(Headers(scope=scope)):
            await self.app(scope, receive, send)
            return
        current_url = Headers(scope=scope).get("hx-current-url")
        rewrote = False

        async def send_without_redirect(message: Message) -> None:
            nonlocal rewrote
            if message["type"] == "http.response.start" and 300 <= message["status"] < 400:
                headers = MutableHeaders(scope=message)
                location = headers.get("location")
                if location:
                    rewrote = True
                    message["status"] = 204
                    del headers["location"]
                    if "content-length" in headers:
                        del headers["content-length"]
                    if not _same_page(location, current_url):
                        headers["HX-Redirect"] = location
            elif message["type"] == "http.response.body" and rewrote:
                message = {**message, "body": b""}
            await send(message)

        await self.app(scope, receive, send_without_redirect)
