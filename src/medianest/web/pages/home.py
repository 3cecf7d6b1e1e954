"""The home page and the sign-in page."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from medianest.services import workers
from medianest.services.health import check_readiness
from medianest.web.auth import Viewer, page_context, require_viewer
from medianest.web.deps import container_of
from medianest.web.templating import render

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class SystemCard:
    name: str
    status: str
    status_word: str
    detail: str


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, viewer: Viewer = Depends(require_viewer)) -> HTMLResponse:
    container = container_of(request)
    readiness = await check_readiness(
        container.engine, container.bus, redis_configured=bool(container.settings.redis_url)
    )
    database = readiness.checks.get("database", "ok")
    seen = await workers.recent_workers(container.sessions) if database == "ok" else []
    cards = [
        SystemCard(
            "Database",
            "up" if database == "ok" else "down",
            "Up" if database == "ok" else "Down",
            "SQLite" if container.settings.is_sqlite else "PostgreSQL",
        ),
        SystemCard(
            "Background jobs",
            "up" if seen else "pending",
            "Running" if seen else "Starting",
            f"{len(seen)} worker{'s' if len(seen) != 1 else ''} seen in the last 5 minutes",
        ),
        SystemCard(
            "Live updates",
            "up",
            "Ready",
            "Redis pub/sub" if container.settings.redis_url else "In-process",
        ),
    ]
    context = page_context(
        request, viewer, page_title="Dashboard", active="dashboard", system=cards
    )
    return render(request, "home.html", context)
