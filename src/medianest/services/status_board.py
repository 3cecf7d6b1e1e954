"""The status board, built once per change and shared by every request in this process.

Requests never wait for a rebuild (except the very first one): a board older than
``max_age`` or marked dirty is rebuilt in the background while the current one is served. The
writer of a change rebuilds before it announces the change, so viewers who re-fetch on the
event get the new board; other processes rebuild when the event reaches them. Companions kept
here (the rendered cards) are prepared for a new board before it is served.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from medianest.observability.logging import get_logger
from medianest.services.status_view import Board

log = get_logger(__name__)
T = TypeVar("T")
MAX_AGE = timedelta(seconds=15)


class Companion(Protocol):
    async def prepare(self, board: Board) -> None: ...


C = TypeVar("C", bound=Companion)


@dataclass
class BoardCache:
    build: Callable[[], Awaitable[Board]]
    clock: Callable[[], datetime]
    max_age: timedelta = MAX_AGE
    _board: Board | None = None
    _built_at: datetime | None = None
    _wanted: int = 0  # bumped by every invalidation
    _built: int = -1  # the generation the current board reflects
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _task: asyncio.Task[None] | None = None
    _derived: dict[str, tuple[Board, Any]] = field(default_factory=dict)
    _failing: bool = False
    _companions: dict[str, Companion] = field(default_factory=dict)

    async def get(self) -> Board:
        """The current board; schedules a rebuild when it is dirty or old."""
        board = self._board
        if board is None:
            await self.refresh()
            assert self._board is not None
            return self._board
        assert self._built_at is not None
        if self._built < self._wanted or self.clock() - self._built_at >= self.max_age:
            self.refresh_soon()
        return board

    def invalidate(self) -> None:
        self._wanted += 1

    def refresh_soon(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._refresh_quietly())

    async def refresh(self) -> None:
        """Rebuilds unless a rebuild that started after the last invalidation already ran."""
        wanted = self._wanted
        async with self._lock:
            if self._board is not None and self._built >= wanted and not self._is_old():
                return
            board = await self.build()
            for companion in list(self._companions.values()):
                await companion.prepare(board)
            self._board, self._built_at, self._built = board, self.clock(), wanted
            self._derived.clear()

    def derived(self, key: str, board: Board, make: Callable[[Board], T]) -> T:
        """A view of ``board`` (e.g. its JSON) computed once per board."""
        found = self._derived.get(key)
        if found is not None and found[0] is board:
            return found[1]  # type: ignore[no-any-return]
        value = make(board)
        self._derived[key] = (board, value)
        return value

    def keep(self, key: str, make: Callable[[], C]) -> C:
        """The companion under ``key``, made on first use and prepared for every later board."""
        found = self._companions.get(key)
        if found is None:
            found = self._companions[key] = make()
        return found  # type: ignore[return-value]

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def _is_old(self) -> bool:
        return self._built_at is None or self.clock() - self._built_at >= self.max_age

    async def _refresh_quietly(self) -> None:
        try:
            await self.refresh()
        except Exception as exc:  # keep serving the last board; the next request tries again
            if not self._failing:
                log.warning("status board not rebuilt", reason=str(exc).splitlines()[0][:200])
            self._failing = True
        else:
            self._failing = False
