"""Cookies and CSRF protection.

Every browser gets a random ``mn_browser`` cookie. Its keyed digest is the CSRF token pages put
in forms (``csrf_token``) and in the ``X-CSRF-Token`` header of HTMX and fetch calls. Any
state-changing request that relies on cookies must carry it; requests authenticated with a
bearer API token carry no ambient credentials and need none, nor do webhooks (shared secret).
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Literal, TypedDict
from urllib.parse import parse_qs

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response

from medianest.security.tokens import keyed_digest, new_token, same
from medianest.web.asgi_body import read_body, replay
from medianest.web.headers import header
from medianest.web.middleware import ASGIApp, Message, Receive, Scope, Send

SESSION_COOKIE = "mn_session"
BROWSER_COOKIE = "mn_browser"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
EXEMPT_PREFIXES = ("/api/v1/webhooks/",)
MAX_FORM_BYTES = 1_000_000
BROWSER_COOKIE_DAYS = 400


def csrf_token_for(secret_key: str, browser_id: str) -> str:
    return keyed_digest(secret_key, "csrf", browser_id)


def browser_id(request: Request) -> str:
    value: str = request.scope["state"]["browser_id"]
    return value


def csrf_token(request: Request) -> str:
    return csrf_token_for(request.app.state.secret_key, browser_id(request))


class CookieFlags(TypedDict):
    httponly: bool
    samesite: Literal["lax"]
    secure: bool
    path: str


def cookie_flags(secure: bool) -> CookieFlags:
    return {"httponly": True, "samesite": "lax", "secure": secure, "path": "/"}


def _cookies(scope: Scope) -> dict[str, str]:
    raw = header(scope, "cookie")
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:  # a malformed cookie header must not break the request
        return {}
    return {key: morsel.value for key, morsel in jar.items()}


class BrowserCsrfMiddleware:
    def __init__(self, app: ASGIApp, *, secret_key: str, secure: bool) -> None:
        self.app = app
        self.secret_key = secret_key
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookies = _cookies(scope)
        known = cookies.get(BROWSER_COOKIE, "")
        fresh = not (20 <= len(known) <= 100 and known.replace("-", "").replace("_", "").isalnum())
        current = new_token() if fresh else known
        scope.setdefault("state", {})["browser_id"] = current

        if scope["method"] not in SAFE_METHODS and not self._exempt(scope):
            receive, ok = await self._verify(scope, receive, current, fresh)
            if not ok:
                await self._reject(scope, receive, send)
                return

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and fresh:
                response = Response()
                response.set_cookie(
                    BROWSER_COOKIE,
                    current,
                    max_age=BROWSER_COOKIE_DAYS * 86400,
                    **cookie_flags(self.secure),
                )
                headers = MutableHeaders(scope=message)
                for name, value in response.raw_headers:
                    if name == b"set-cookie":
                        headers.append("set-cookie", value.decode("latin-1"))
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    @staticmethod
    def _exempt(scope: Scope) -> bool:
        path: str = scope["path"]
        if path.startswith(EXEMPT_PREFIXES):
            return True
        return header(scope, "authorization")[:7].lower() == "bearer "

    async def _verify(
        self, scope: Scope, receive: Receive, current: str, fresh: bool
    ) -> tuple[Receive, bool]:
        if fresh:
            return receive, False
        expected = csrf_token_for(self.secret_key, current)
        sent = header(scope, CSRF_HEADER)
        if sent:
            return receive, same(sent, expected)
        content_type = header(scope, "content-type").lower()
        if not content_type.startswith("application/x-www-form-urlencoded"):
            return receive, False
        body, replayed = await _buffer(receive)
        if body is None:
            return replayed, False
        values = parse_qs(body.decode("utf-8", "replace")).get(CSRF_FIELD, [])
        return replayed, bool(values) and same(values[0], expected)

    @staticmethod
    async def _reject(scope: Scope, receive: Receive, send: Send) -> None:
        from medianest.web.problems import Problem

        request = Request(scope, receive)
        render = request.app.state.render_problem
        problem = Problem(
            403,
            "This form has expired or came from another site. Reload the page and try again.",
            title="Form expired",
        )
        await render(request, problem)(scope, receive, send)


async def _buffer(receive: Receive) -> tuple[bytes | None, Receive]:
    """Reads the whole (small) body so it can be checked, then replays it to the app."""
    body, complete = await read_body(receive, MAX_FORM_BYTES)
    if not complete:
        return None, receive
    return body, replay(body, receive)
