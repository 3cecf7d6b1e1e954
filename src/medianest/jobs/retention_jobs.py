"""Retention as an hourly periodic job: old records of every growing table are deleted.

Every consumer with the scheduler on enqueues it; the deletes are idempotent, so several workers
running it in the same hour only repeat a cheap query. The service is bound after the container
is built (tasks are registered before it exists).
"""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from huey import crontab
from huey.api import Huey, TaskWrapper

from medianest.jobs.queue import JobRuntime
from medianest.services.retention import Retention

_SERVICES: WeakKeyDictionary[Huey, Retention] = WeakKeyDictionary()


def bind(huey: Huey, service: Retention) -> None:
    _SERVICES[huey] = service


def register(huey: Huey, runtime: JobRuntime) -> TaskWrapper:
    def purge_old_records() -> dict[str, Any]:
        service = _SERVICES.get(huey)
        if service is None:
            return {"skipped": "not bound yet"}
        return runtime.run(service.purge())

    wrapper: TaskWrapper = huey.periodic_task(crontab(minute="17"), name="retention")(
        purge_old_records
    )
    return wrapper
