"""ASGI middleware: request ids and access log, security and caching headers, Prometheus metrics,
Server-Timing.

Pure ASGI (not BaseHTTPMiddleware) so streaming responses such as SSE pass straight through.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import structlog
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.datastructures import MutableHeaders

from medianest.observability.access import log_request
from medianest.persistence.timing import Spent, spent_now

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

REQUEST_ID_HEADER = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with control and bidi characters written as escapes, for one honest log line."""
    return _UNPRINTABLE.sub(lambda found: found.group().encode("unicode_escape").decode(), text)


class RequestIdMiddleware:
    """Gives every request an id (kept from a trusted-looking X-Request-ID), logs one line per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(REQUEST_ID_HEADER.encode(), b"").decode("latin-1")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status_holder = {"status": 500}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                MutableHeaders(scope=message).append(REQUEST_ID_HEADER, request_id)
            await send(message)

        bound = structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            structlog.contextvars.reset_contextvars(**bound)
            log_request(
                scope["method"],
                scope["path"],  # the access line escapes it
                status_holder["status"],
                round((time.perf_counter() - started) * 1000, 1),
                request_id,
            )


def content_security_policy() -> str:
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def _personal(scope: Scope) -> bool:
    """Whether the answer may be about the person asking (signed in, or a token), so no cache
    (browser, proxy) may keep it; static files are the same for everyone."""
    if str(scope.get("path", "")).startswith("/static/"):
        return False
    for name, value in scope["headers"]:
        if name == b"authorization" or (name == b"cookie" and b"mn_session=" in value):
            return True
    return False


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        headers = {
            "content-security-policy": content_security_policy(),
            "x-content-type-options": "nosniff",
            "referrer-policy": "same-origin",
            "x-frame-options": "DENY",
            "cross-origin-opener-policy": "same-origin",
            "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
        }
        if hsts:
            headers["strict-transport-security"] = "max-age=31536000"
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        personal = _personal(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    if name not in headers:
                        headers[name] = value
                kind = headers.get("content-type", "")
                if "cache-control" not in headers and (personal or "json" in kind):
                    headers["cache-control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class HttpMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "medianest_http_requests_total",
            "HTTP requests by method, route template and status code.",
            ["method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "medianest_http_request_duration_seconds",
            "HTTP request latency by method and route template.",
            ["method", "route"],
            registry=registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )


def server_timing(spent: Spent, app_seconds: float) -> str:
    """``pool``: waiting for a database connection; ``db``: running statements; ``app``: all
    of it until the answer started."""
    return (
        f"pool;dur={spent.pool_seconds * 1000:.1f}, db;dur={spent.database_seconds * 1000:.1f}, "
        f"app;dur={app_seconds * 1000:.1f}"
    )


class ServerTimingMiddleware:
    """Says in ``Server-Timing`` what each answer waited on. Only installed when an operator
    asks for it (``MEDIANEST_SERVER_TIMING``): it tells any visitor how busy the database is."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        spent = Spent()
        spent_token = spent_now.set(spent)

        async def send_with_timing(message: Message) -> None:
            if message["type"] == "http.response.start":
                timing = server_timing(spent, time.perf_counter() - started)
                MutableHeaders(scope=message).append("server-timing", timing)
            await send(message)

        try:
            await self.app(scope, receive, send_with_timing)
        finally:
            spent_now.reset(spent_token)


class MetricsMiddleware:
    """Counts requests by route *template* (``/api/v1/requests/{id}``) to keep label sets small."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def send_capturing(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_capturing)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            if template.startswith("/static"):
                template = "/static"
            method = scope["method"]
            self.metrics.requests.labels(method, template, str(status["code"])).inc()
            self.metrics.latency.labels(method, template).observe(time.perf_counter() - started)
