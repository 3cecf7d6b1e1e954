"""Request-scoped access to the composition root's pieces."""

from __future__ import annotations

from fastapi import Request

from medianest.container import Container


def container_of(request: Request) -> Container:
    container: Container = request.app.state.container
    return container
