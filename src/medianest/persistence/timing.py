"""Where a request's time went in the database: waiting for a connection from the pool, and
running statements. The web layer opens a :class:`Spent` per request and reports it in the
``Server-Timing`` header, so a slow request says what it waited on."""

from __future__ import annotations

import time
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

_STARTED = "medianest_statement_started"


@dataclass
class Spent:
    pool_seconds: float = 0.0
    database_seconds: float = 0.0


spent_now: ContextVar[Spent | None] = ContextVar("medianest_spent", default=None)


def add_pool_wait(seconds: float) -> None:
    spent = spent_now.get()
    if spent is not None:
        spent.pool_seconds += seconds


def _before(conn: Any, *_: Any) -> None:
    conn.info[_STARTED] = time.perf_counter()


def _after(conn: Any, *_: Any) -> None:
    started = conn.info.pop(_STARTED, None)
    spent = spent_now.get()
    if started is not None and spent is not None:
        spent.database_seconds += time.perf_counter() - started


def time_statements(engine: AsyncEngine) -> None:
    event.listen(engine.sync_engine, "before_cursor_execute", _before)
    event.listen(engine.sync_engine, "after_cursor_execute", _after)
