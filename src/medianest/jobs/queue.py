"""The Huey instance and its consumers, chosen from settings.

SQLite storage in the data dir when there is no Redis (one process), Redis storage otherwise
(`medianest worker` processes anywhere). Tasks run in consumer threads; they hand their work to
an asyncio loop (see :class:`JobRuntime`) because the services are async.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from collections.abc import Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

from huey import RedisHuey, SqliteHuey
from huey.api import Huey
from huey.consumer import Consumer

from medianest.config import Settings
from medianest.security.files import private_file

T = TypeVar("T")


def build_huey(settings: Settings) -> Huey:
    # No result store: nothing reads task results, and unread ones would be kept forever.
    if settings.redis_url:
        return RedisHuey(
            name=f"{settings.redis_namespace}:jobs", url=settings.redis_url, utc=True, results=False
        )
    path = settings.data_dir.resolve() / "jobs.sqlite3"
    if path.parent.is_dir():
        private_file(path)
    return SqliteHuey(name="medianest", filename=str(path), utc=True, timeout=30, results=False)


class EmbeddedConsumer(Consumer):  # type: ignore[misc]
    """A consumer that lives inside the web process: the server owns the signal handlers."""

    def _set_signal_handlers(self) -> None:
        return None


class JobRuntime:
    """Where task code runs its async service calls: the web server's loop, or a worker's own."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}"
        self.hostname = socket.gethostname()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result(timeout)


class LoopThread:
    """An event loop in a thread of its own, for the standalone worker process."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="jobs-loop", daemon=True)

    def start(self) -> LoopThread:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
