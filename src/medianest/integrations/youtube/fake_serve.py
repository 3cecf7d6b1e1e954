"""An ASGI response for media bodies with HTTP Range, throttling and a mid-stream cut.

Starlette's ``FileResponse`` handles Range, but the fake also has to stream slowly (progress and
cancel tests) and drop the connection at a chosen byte (resume tests), so the body is sent here.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from email.utils import format_datetime

import anyio
from starlette.responses import Response

from medianest.integrations.fakekit import Message, Receive, Scope, Send

CHUNK = 16 * 1024
_RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str | None, size: int) -> tuple[int, int] | str | None:
    """``(start, end_inclusive)``; ``None`` = serve everything; ``"unsatisfiable"`` = 416.

    As video hosts answer: a start at or past the end is 416 (with ``bytes */<size>``, which a
    resuming client needs to tell "complete" from "changed"); malformed, reversed and
    multi-range headers are ignored (a full 200 answer is allowed by RFC 9110).
    """
    if not header:
        return None
    match = _RANGE_RE.match(header.strip().replace(" ", ""))
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # suffix range: the last N bytes
        length = int(last)
        return (max(0, size - length), size - 1) if length > 0 and size else "unsatisfiable"
    start = int(first)
    if last and int(last) < start:  # an invalid range is ignored, as hosts do (RFC 9110 14.2)
        return None
    if start >= size:
        return "unsatisfiable"
    return start, min(int(last), size - 1) if last else size - 1


class MediaBody(Response):
    """Serves ``data`` honouring Range; ``slow_bps`` throttles, ``cut_at`` drops the connection.

    ``cut_at`` applies only to responses starting at byte 0: the client keeps whatever prefix it
    managed to store (often a little less than ``cut_at``) and resumes from there.

    A ``Response`` subclass only so Starlette endpoints may return it; it sends everything itself.
    """

    def __init__(
        self,
        data: bytes,
        content_type: str,
        last_modified: datetime,
        slow_bps: int | None = None,
        cut_at: int | None = None,
    ) -> None:
        self.data = data
        self.content_type = content_type
        self.last_modified = last_modified
        self.slow_bps = slow_bps
        self.cut_at = cut_at
        self.status_code = 200
        self.background = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        size = len(self.data)
        wanted = parse_range(_header(scope, b"range"), size)
        headers = self._base_headers()
        if isinstance(wanted, str):
            headers.append((b"content-range", f"bytes */{size}".encode()))
            await _start(send, 416, [*headers, (b"content-length", b"0")])
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        status, (start, end) = (200, (0, size - 1)) if wanted is None else (206, wanted)
        if status == 206:
            headers.append((b"content-range", f"bytes {start}-{end}/{size}".encode()))
        headers.append((b"content-length", str(end - start + 1).encode()))
        await _start(send, status, headers)
        if scope.get("method") == "HEAD":
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        async with anyio.create_task_group() as group:
            gone = anyio.Event()
            group.start_soon(_watch_disconnect, receive, gone)
            completed = await self._stream(send, start, end + 1, gone)
            group.cancel_scope.cancel()
        if completed:
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        # else: return without finishing the response; the server then closes the connection
        # mid-body (uvicorn logs "ASGI callable returned without completing response.").

    async def _stream(self, send: Send, start: int, stop: int, gone: anyio.Event) -> bool:
        """Sends bytes ``start..stop``; False when the cut point was hit or the client left."""
        # Only a download from the first byte is cut, so any resume (Range from >0) completes.
        cut = self.cut_at if self.cut_at is not None and start == 0 else None
        position = start
        while position < stop:
            limit = min(stop, position + CHUNK, cut if cut is not None else stop)
            if limit <= position:  # reached the cut point
                return False
            await send(
                {"type": "http.response.body", "body": self.data[position:limit], "more_body": True}
            )
            if self.slow_bps:
                with anyio.move_on_after((limit - position) / self.slow_bps):
                    await gone.wait()
            if gone.is_set():
                return False
            position = limit
        return True

    def _base_headers(self) -> list[tuple[bytes, bytes]]:
        etag = hashlib.sha256(self.data).hexdigest()[:16]
        return [
            (b"content-type", self.content_type.encode()),
            (b"accept-ranges", b"bytes"),
            (b"last-modified", format_datetime(self.last_modified, usegmt=True).encode()),
            (b"etag", f'"{etag}"'.encode()),
        ]


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


async def _start(send: Send, status: int, headers: list[tuple[bytes, bytes]]) -> None:
    message: Message = {"type": "http.response.start", "status": status, "headers": headers}
    await send(message)


async def _watch_disconnect(receive: Receive, gone: anyio.Event) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            gone.set()
            return
