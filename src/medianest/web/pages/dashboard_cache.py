"""Dashboard parts read at most every few seconds per process.

Every dashboard view used to repeat the same reads (the quick links, MediaNest's own health);
they change rarely, and a few seconds' delay across processes is invisible. An edit in this
process shows at once: the links page forgets what is kept here.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from fastapi import FastAPI, Request

T = TypeVar("T")
KEPT_SECONDS = 5.0
QUICK_LINKS = "quick_links"
SYSTEM_CARDS = "system_cards"


def _kept(app: FastAPI) -> dict[str, tuple[float, object]]:
    kept: dict[str, tuple[float, object]] | None = getattr(app.state, "dashboard_kept", None)
    if kept is None:
        kept = app.state.dashboard_kept = {}
    return kept


async def kept_for_a_while(
    request: Request, name: str, load: Callable[[], Awaitable[T]]
) -> tuple[float, T]:
    """``load()``'s value and when it was read, read again once it is a few seconds old."""
    kept = _kept(request.app)
    now = time.monotonic()
    found = kept.get(name)
    if found is not None and now - found[0] < KEPT_SECONDS:
        return found  # type: ignore[return-value]
    value = await load()
    kept[name] = (now, value)
    return now, value


def forget(app: FastAPI, name: str) -> None:
    _kept(app).pop(name, None)
