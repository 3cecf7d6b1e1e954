"""Run MediaNest itself on a real 127.0.0.1 port (for SSE and browser tests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from medianest.app import create_app
from medianest.config import Settings
from medianest.integrations.fakekit import FakeServer


@contextmanager
def running_app(settings: Settings, *, start_worker: bool = False) -> Iterator[FakeServer]:
    server = FakeServer(create_app(settings, start_worker=start_worker), lifespan=True).start()
    try:
        yield server
    finally:
        server.stop()
