"""Job-queue entry points of downloads: one video per ``downloads-work`` task, one look at
Plex per ``downloads-plex`` task, and a minute tick that resumes what a lost worker left.

Fairness comes from the task shape: a task downloads *one* video and then queues the next
claim, and each claim picks whoever has waited longest (``domain.downloads.pick_fair``), so a
300-video playlist takes turns with everyone else instead of holding a worker for hours.
The services are bound after the container is built (tasks are registered before it exists).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from huey import crontab
from huey.api import Huey, TaskWrapper

from medianest.jobs.queue import JobRuntime
from medianest.services import download_recovery
from medianest.services.download_plex import DownloadPlex
from medianest.services.download_worker import DownloadWorker


@dataclass
class _Bound:
    worker: DownloadWorker | None = None
    plex: DownloadPlex | None = None
    work: TaskWrapper | None = None
    plex_task: TaskWrapper | None = None


_BOUND: WeakKeyDictionary[Huey, _Bound] = WeakKeyDictionary()


class HueyDownloadQueue:
    """The :class:`~medianest.services.download_worker.DownloadQueue` on a Huey instance."""

    def __init__(self, bound: _Bound) -> None:
        self._bound = bound

    def work(self, count: int = 1) -> None:
        assert self._bound.work is not None
        for _ in range(max(0, count)):
            self._bound.work()

    def plex(self, job_id: int, attempt: int, delay: float = 0.0) -> None:
        assert self._bound.plex_task is not None
        if delay > 0:
            self._bound.plex_task.schedule((job_id, attempt), delay=delay)
        else:
            self._bound.plex_task(job_id, attempt)


def register(huey: Huey, runtime: JobRuntime) -> None:
    bound = _BOUND.setdefault(huey, _Bound())

    def work() -> dict[str, Any]:
        worker = bound.worker
        if worker is None:
            return {"skipped": "not bound yet"}
        return {"downloaded": worker.run_next()}

    def plex(job_id: int, attempt: int) -> dict[str, Any]:
        if bound.plex is None:
            return {"skipped": "not bound yet"}
        runtime.run(bound.plex.sync(job_id, attempt))
        return {"job": job_id, "attempt": attempt}

    def tick() -> dict[str, Any]:
        if bound.worker is None:
            return {"skipped": "not bound yet"}
        found = runtime.run(download_recovery.reconcile(bound.worker, at_start=False))
        return {"released": found.released, "pending": found.pending}

    bound.work = huey.task(name="downloads-work")(work)
    bound.plex_task = huey.task(name="downloads-plex")(plex)
    huey.periodic_task(crontab(minute="*"), name="downloads-tick")(tick)


def bind(huey: Huey, worker: DownloadWorker, plex: DownloadPlex, runtime: JobRuntime) -> None:
    """Connects the services to this Huey's tasks (and the tasks' queue to the services)."""
    bound = _BOUND.setdefault(huey, _Bound())
    bound.worker, bound.plex = worker, plex
    queue = HueyDownloadQueue(bound)
    worker.bind(queue, runtime.run)
    plex.queue = queue
