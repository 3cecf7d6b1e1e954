"""An open /events connection, read in the background, for tests about live updates."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import httpx


@dataclass(frozen=True)
class Received:
    name: str
    id: str | None
    data: dict[str, Any]


@dataclass
class LiveStream:
    """``async with LiveStream(http) as live``: the events that arrive, and whether it ended."""

    http: httpx.AsyncClient
    headers: dict[str, str] = field(default_factory=dict)
    path: str = "/events"
    events: list[Received] = field(default_factory=list)
    status: int | None = None
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> LiveStream:
        self._task = asyncio.create_task(self._read())
        await self.wait_for(lambda e: e.name == "hello")
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _read(self) -> None:
        try:
            async with self.http.stream("GET", self.path, headers=self.headers) as response:
                self.status = response.status_code
                if response.status_code != 200:
                    return
                name, event_id, data = "message", None, ""
                async for line in response.aiter_lines():
                    if line.startswith("event:"):
                        name = line.split(":", 1)[1].strip()
                    elif line.startswith("id:"):
                        event_id = line.split(":", 1)[1].strip()
                    elif line.startswith("data:"):
                        data += line.split(":", 1)[1].strip()
                    elif line == "" and data:
                        self.events.append(Received(name, event_id, json.loads(data)))
                        name, event_id, data = "message", None, ""
                        self._arrived.set()
        finally:
            self.ended.set()
            self._arrived.set()

    async def wait_for(self, check: Callable[[Received], bool], timeout: float = 10) -> Received:
        """The first event (already here or still to come) that passes ``check``."""
        async with asyncio.timeout(timeout):
            while True:
                found = next((e for e in self.events if check(e)), None)
                if found is not None:
                    return found
                if self.ended.is_set():
                    raise AssertionError(f"stream ended ({self.status}) without it: {self.events}")
                self._arrived.clear()
                await self._arrived.wait()

    async def wait_ended(self, timeout: float = 10) -> None:
        async with asyncio.timeout(timeout):
            await self.ended.wait()

    def named(self, name: str) -> list[Received]:
        return [e for e in self.events if e.name == name]
