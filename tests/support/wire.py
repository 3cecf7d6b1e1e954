"""What the integration-client tests share: a recording transport, a settable clock, a fast policy."""

from __future__ import annotations

import httpx

from medianest.integrations.base import HttpPolicy

FAST = HttpPolicy(timeout=2.0, retries=0, backoff=0.0)


class Recorder(httpx.AsyncBaseTransport):
    """Passes requests to the inner transport and keeps them, to see what went over the wire."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self.inner.handle_async_request(request)

    def paths(self, prefix: str = "") -> list[str]:
        return [r.url.path for r in self.requests if r.url.path.startswith(prefix)]

    def posts(self, path: str = "/api/v1/request") -> list[httpx.Request]:
        """The POSTs to ``path`` (by default Overseerr's request endpoint)."""
        return [r for r in self.requests if r.method == "POST" and r.url.path == path]


class Clock:
    """A clock tests move by hand: pass it where code takes a ``clock`` callable."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
