"""Task registrations. Each task is thin: it runs one service call on the job runtime's loop."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from huey import crontab
from huey.api import Huey, TaskWrapper
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from medianest.jobs import download_jobs, request_jobs, retention_jobs
from medianest.jobs.queue import JobRuntime
from medianest.services import workers


@dataclass
class Tasks:
    """Typed handles for enqueuing; calling one returns a Huey result handle."""

    heartbeat: TaskWrapper
    retention: TaskWrapper  # hourly; call it to run now


def register_tasks(
    huey: Huey, runtime: JobRuntime, sessions: async_sessionmaker[AsyncSession]
) -> Tasks:
    def heartbeat() -> dict[str, Any]:
        seen = runtime.run(workers.record_heartbeat(sessions, runtime.worker_id, runtime.hostname))
        return {"worker_id": seen.worker_id, "jobs_run": seen.jobs_run}

    heartbeat_task = huey.task(name="heartbeat", expires=120)(heartbeat)
    huey.periodic_task(crontab(minute="*"), name="heartbeat-periodic")(heartbeat)
    # --- tasks: requests ---
    request_jobs.register(huey, runtime)  # reconciliation; its service is bound later
    # --- tasks: downloads ---
    download_jobs.register(huey, runtime)  # work, plex, tick; services bound later
    # --- tasks: retention (operations) ---
    retention_task = retention_jobs.register(huey, runtime)  # its service is bound later
    return Tasks(heartbeat=heartbeat_task, retention=retention_task)
