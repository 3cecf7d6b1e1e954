"""The request headers that decide who is asking and what is allowed, read in one place.

Each is read here, the same way, everywhere; a request that repeats one is refused before
anything reads it (two readers picking different copies is how safeguards get skipped).
"""

from __future__ import annotations

from collections import Counter

from starlette.requests import Request

from medianest.web.middleware import ASGIApp, Receive, Scope, Send

SINGLE_HEADERS = frozenset(
    {
        "authorization",
        "cookie",
        "x-csrf-token",
        "content-type",
        "content-length",
        "transfer-encoding",
        "host",
        "origin",
        "x-forwarded-proto",
        "x-forwarded-host",
        "x-request-id",
    }
)


def header(scope: Scope, name: str) -> str:
    """The one value of a security-relevant header ("" when absent)."""
    wanted = name.lower().encode("latin-1")
    for key, value in scope["headers"]:
        if key == wanted:
            decoded: str = value.decode("latin-1")
            return decoded
    return ""


def request_header(request: Request, name: str) -> str:
    return header(request.scope, name)


def repeated_header(scope: Scope) -> str | None:
    """The first security-relevant header the request carries more than once, if any."""
    counts = Counter(key.decode("latin-1").lower() for key, _ in scope["headers"])
    return next((name for name in sorted(SINGLE_HEADERS) if counts[name] > 1), None)


class SingleHeaderMiddleware:
    """Refuses, with 400, a request that repeats a header in :data:`SINGLE_HEADERS`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        name = repeated_header(scope) if scope["type"] == "http" else None
        if name is None:
            await self.app(scope, receive, send)
            return
        from medianest.web.problems import Problem

        request = Request(scope, receive)
        problem = Problem(400, f"The request carries the {name} header more than once.")
        await request.app.state.render_problem(request, problem)(scope, receive, send)
