"""Composition root: the one place that picks concrete pieces from settings.

SQLite or PostgreSQL, in-process or Redis events, SQLite or Redis job storage: services receive
what is built here and never ask which one they got.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from huey.api import Huey
from huey.consumer import Consumer
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from medianest.bootstrap import prepare_data_dir, resolve_secret_key
from medianest.config import Settings
from medianest.jobs.queue import EmbeddedConsumer, JobRuntime, build_huey
from medianest.jobs.tasks import Tasks, register_tasks
from medianest.persistence.engine import create_engine, session_factory
from medianest.realtime.bus import EventBus, InProcessBus, RedisBus


@dataclass
class Container:
    settings: Settings
    secret_key: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    bus: EventBus
    huey: Huey
    tasks: Tasks
    runtime: JobRuntime
    consumer: Consumer | None = field(default=None)

    def make_consumer(self, *, embedded: bool) -> Consumer:
        """Job consumer threads for this process: embedded in `serve`, or the `worker` command's."""
        consumer_class = EmbeddedConsumer if embedded else Consumer
        consumer: Consumer = consumer_class(
            self.huey,
            workers=self.settings.worker_threads,
            worker_type="thread",
            periodic=True,
            initial_delay=0.05,
            max_delay=1.0,
            check_worker_health=True,
        )
        self.consumer = consumer
        return consumer

    def stop_consumer(self) -> None:
        if self.consumer is not None:
            self.consumer.stop(graceful=True)
            self.consumer = None

    async def close(self) -> None:
        await asyncio.to_thread(self.stop_consumer)
        await self.bus.close()
        await self.engine.dispose()


def build_bus(settings: Settings) -> EventBus:
    if settings.redis_url:
        return RedisBus(settings.redis_url, channel=f"{settings.redis_namespace}:events")
    return InProcessBus()


async def build_container(settings: Settings) -> Container:
    """Build every piece; must run on the event loop that will serve the services."""
    prepare_data_dir(settings)
    secret_key = resolve_secret_key(settings)
    engine = create_engine(settings.resolved_database_url)
    sessions = session_factory(engine)
    bus = build_bus(settings)
    await bus.start()
    huey = build_huey(settings)
    runtime = JobRuntime(asyncio.get_running_loop())
    tasks = register_tasks(huey, runtime, sessions)
    return Container(settings, secret_key, engine, sessions, bus, huey, tasks, runtime)
