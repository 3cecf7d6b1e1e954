"""The status coordinator for a request (the dashboard's pages and API share it)."""

from __future__ import annotations

from fastapi import Request

from medianest.services.status import StatusCoordinator
from medianest.web.deps import container_of
from medianest.web.problems import Problem


def coordinator_of(request: Request) -> StatusCoordinator:
    status = container_of(request).status
    if status is None:
        raise Problem(503, "Service status is not available in this process.")
    return status
