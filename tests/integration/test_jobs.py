"""The job queue runs tasks: on SQLite storage (one process) and on Redis storage (scale-out)."""

from __future__ import annotations

import time
from pathlib import Path

from medianest.config import Settings
from medianest.container import Container, build_container
from medianest.services import workers
from tests.conftest import make_settings
from tests.support import backends


async def _heartbeat_reaches_the_database(settings: Settings) -> None:
    container: Container = await build_container(settings)
    try:
        consumer = container.make_consumer(embedded=True)
        consumer.start()
        container.tasks.heartbeat()
        # The task runs in a consumer thread and hands its database work back to this loop,
        # so wait without blocking the loop.
        import asyncio

        deadline = time.monotonic() + 15
        seen = await workers.recent_workers(container.sessions)
        while not seen and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            seen = await workers.recent_workers(container.sessions)
        assert seen, "the heartbeat task never ran"
        assert [w.worker_id for w in seen] == [container.runtime.worker_id]
        assert seen[0].jobs_run >= 1
    finally:
        await container.close()


async def test_task_runs_on_sqlite_storage(tmp_path: Path, database_url: str) -> None:
    settings = make_settings(tmp_path / "data", database_url, redis_url=None)
    await _heartbeat_reaches_the_database(settings)
    assert (tmp_path / "data" / "jobs.sqlite3").exists()


async def test_task_runs_on_redis_storage(
    tmp_path: Path, database_url: str, redis_url: str
) -> None:
    namespace = f"{backends.redis_namespace()}-jobs"
    settings = make_settings(
        tmp_path / "data", database_url, redis_url=redis_url, redis_namespace=namespace
    )
    try:
        await _heartbeat_reaches_the_database(settings)
        assert not (tmp_path / "data" / "jobs.sqlite3").exists()
    finally:
        backends.purge_redis_namespace(redis_url, namespace)
