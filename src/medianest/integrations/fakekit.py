"""Shared machinery for the protocol-faithful fake services.

Each fake (``integrations/<service>/fake.py``) is an ASGI app plus a mutable state object. The
pieces every fake needs in the same way live here: fault switches (down, slow, 5xx, garbage,
revoked credentials), XML/JSON content negotiation for the Plex family, and a runner that serves
an ASGI app on a real 127.0.0.1 port in a background thread (tests, ``medianest demo`` and
``medianest fake``).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree as ET

import uvicorn
from starlette.requests import Request
from starlette.responses import Response

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass
class Faults:
    """Switches a test or the demo flips to make a fake misbehave like a real server can.

    ``down`` answers 503 to everything (a stopped :class:`FakeServer` gives connection refused).
    ``slow`` delays every response by that many seconds. ``fail_next`` answers that many requests
    with 500, then recovers. ``garbage`` answers 200 with a body that is not the promised format.
    ``revoked`` is read by each fake's own auth check, because each service rejects a bad
    credential differently (plex.tv and Plex 401, Overseerr 403, Kuma 401 with a challenge).
    Requests for ``exempt_paths``, or for a path starting with one of ``exempt_prefixes``, are
    never faulted (a fake's own test and demo controls).
    """

    down: bool = False
    slow: float = 0.0
    fail_next: int = 0
    garbage: bool = False
    revoked: bool = False
    exempt_paths: set[str] = field(default_factory=set)
    exempt_prefixes: tuple[str, ...] = ()
    delaying: int = 0  # requests held by ``slow`` right now, so a test can wait for one

    def exempt(self, path: str) -> bool:
        return path in self.exempt_paths or path.startswith(self.exempt_prefixes)

    def reset(self) -> None:
        self.down = False
        self.slow = 0.0
        self.fail_next = 0
        self.garbage = False
        self.revoked = False


class FaultMiddleware:
    """Applies :class:`Faults` in front of a fake's routes."""

    def __init__(self, app: ASGIApp, faults: Faults) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.faults.exempt(str(scope.get("path", ""))):
            await self.app(scope, receive, send)
            return
        faults = self.faults
        if faults.slow > 0:
            faults.delaying += 1
            try:
                await asyncio.sleep(faults.slow)
            finally:
                faults.delaying -= 1
        if faults.down:
            await Response("Service Unavailable", status_code=503)(scope, receive, send)
            return
        if faults.fail_next > 0:
            faults.fail_next -= 1
            await Response("Internal Server Error", status_code=500)(scope, receive, send)
            return
        if faults.garbage:
            body = b'{"MediaContainer": <<<not json or xml>>> \x00'
            await Response(body, status_code=200, media_type="application/json")(
                scope, receive, send
            )
            return
        await self.app(scope, receive, send)


def wants_json(request: Request) -> bool:
    """plex.tv and Plex answer XML unless the client sends ``Accept: application/json``."""
    return "application/json" in request.headers.get("accept", "").lower()


def xml_attr(value: Any) -> str:
    """Render a value the way Plex writes XML attributes (booleans as 0/1, None as empty)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def xml_element(
    tag: str, attrs: dict[str, Any], children: list[ET.Element] | None = None
) -> ET.Element:
    """Build an element from a flat dict, skipping nested values (those become child elements)."""
    element = ET.Element(tag)
    for key, value in attrs.items():
        if isinstance(value, dict | list):
            continue
        element.set(key, xml_attr(value))
    for child in children or []:
        element.append(child)
    return element


def xml_response(
    root: ET.Element, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    body = b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")
    return Response(
        body, status_code=status_code, media_type="text/xml;charset=utf-8", headers=headers
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FakeServer:
    """Serves an ASGI app on 127.0.0.1 in a background thread with its own event loop.

    ``stop()`` closes the listening socket, so clients then see connection refused, the way a
    dead service looks; ``start()`` brings it back on the same port.
    """

    def __init__(
        self, app: ASGIApp, port: int = 0, host: str = "127.0.0.1", *, lifespan: bool = False
    ) -> None:
        self.app = app
        self.host = host
        self.port = port or free_port()
        self.lifespan = lifespan
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> FakeServer:
        config = uvicorn.Config(
            self.app,
            host=self.host,
            port=self.port,
            log_level="warning",
            access_log=False,
            lifespan="on" if self.lifespan else "off",
            timeout_graceful_shutdown=1,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, name=f"fake:{self.port}", daemon=True)
        thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"fake server on port {self.port} did not start")
            time.sleep(0.01)
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._server, self._thread = None, None

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def serving(app: ASGIApp, port: int = 0) -> Iterator[FakeServer]:
    server = FakeServer(app, port).start()
    try:
        yield server
    finally:
        server.stop()
