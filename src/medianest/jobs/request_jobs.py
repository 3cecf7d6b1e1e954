"""The reconciliation of media requests, as a periodic job.

It runs every minute and asks the service to look only at requests not synced for
``MEDIANEST_REQUESTS_SYNC_MINUTES``, so the interval is a setting without a crontab per value,
and several worker processes running it at once do no double work worth mentioning.
The service is bound after the container is built (tasks are registered before it exists).
"""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from huey import crontab
from huey.api import Huey

from medianest.jobs.queue import JobRuntime
from medianest.services.requests import RequestsService

_SERVICES: WeakKeyDictionary[Huey, RequestsService] = WeakKeyDictionary()


def bind(huey: Huey, service: RequestsService) -> None:
    _SERVICES[huey] = service


def register(huey: Huey, runtime: JobRuntime) -> None:
    def sync_requests() -> dict[str, Any]:
        service = _SERVICES.get(huey)
        if service is None:
            return {"skipped": "not bound yet"}
        report = runtime.run(service.reconcile())
        return {"checked": report.checked, "changed": report.changed, "problem": report.problem}

    huey.periodic_task(crontab(minute="*"), name="requests-sync")(sync_requests)
