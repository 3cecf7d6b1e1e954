"""The dashboard: service status cards, quick links, recently added, and (for admins) the
health of MediaNest itself. Everything is read from the database, never from Kuma directly."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from medianest.persistence.models import QuickLink
from medianest.services import quick_links, workers
from medianest.services.health import check_readiness
from medianest.web.auth import Viewer, page_context, require_viewer
from medianest.web.card_pieces import CardPieces, card_html
from medianest.web.deps import container_of
from medianest.web.pages.dashboard_cache import (
    QUICK_LINKS,
    SYSTEM_CARDS,
    kept_for_a_while,
)
from medianest.web.pages.dashboard_format import Format
from medianest.web.shared_page import page_memo, shared_page
from medianest.web.status_deps import coordinator_of
from medianest.web.templating import render

router = APIRouter(include_in_schema=False)
RECENTLY_ADDED = "/library/recently-added"


@dataclass(frozen=True)
class SystemCard:
    name: str
    status: str
    status_word: str
    detail: str


async def _check_system(request: Request) -> list[SystemCard]:
    container = container_of(request)
    readiness = await check_readiness(
        container.engine, container.bus, redis_configured=bool(container.settings.redis_url)
    )
    database = readiness.checks.get("database", "ok")
    events = readiness.checks.get("events", "ok")
    seen = await workers.recent_workers(container.sessions) if database == "ok" else []
    return [
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
            "up" if events == "ok" else "down",
            "Working" if events == "ok" else "Not working",
            (readiness.events or "") if events == "ok" else events,
        ),
    ]


async def _read_links(request: Request) -> Sequence[QuickLink]:
    async with container_of(request).sessions() as db:
        return await quick_links.list_links(db)


async def board_context(request: Request, viewer: Viewer) -> dict[str, Any]:
    """What the live part of the dashboard needs (the page and its SSE-refreshed fragment)."""
    coordinator = coordinator_of(request)
    board = await coordinator.board()
    _, links = await kept_for_a_while(request, QUICK_LINKS, partial(_read_links, request))
    kuma = container_of(request).integrations.kuma
    return {
        "board": board,
        "links": links,
        "fmt": Format(coordinator.clock()),
        "page_cached": kuma is not None and kuma.slug is not None,
        "is_admin": viewer.is_admin,
    }


async def board_html(request: Request, viewer: Viewer) -> Markup:
    """The board rendered once per board, role and set of quick links, not once per viewer,
    around cards kept rendered between boards: the board itself is rebuilt at least every few
    seconds, so its wording stays current."""
    context = await board_context(request, viewer)
    links = tuple((k.id, k.title, k.url, k.icon, k.service_id) for k in context["links"])
    key = f"html:{context['is_admin']}:{context['page_cached']}:{hash(links)}"
    templates = request.app.state.templates
    coordinator = coordinator_of(request)
    cards = coordinator.boards.keep(
        "html.cards",
        lambda: CardPieces(partial(card_html, templates), lambda: coordinator.clock()),
    )

    def draw(_: object) -> Markup:
        template = templates.get_template("_dashboard_board.html")
        return Markup(template.render(context, card_html=cards.of))  # noqa: S704 - a Jinja template with autoescape

    return coordinator.boards.derived(key, context["board"], draw)


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, viewer: Viewer = Depends(require_viewer)) -> HTMLResponse:
    """Rendered once per board, set of links and health check for everyone of a role; each
    viewer's name and CSRF token are put in per request (see ``shared_page``)."""
    board = await board_html(request, viewer)
    checked, system = 0.0, list[SystemCard]()
    if viewer.is_admin:  # checked for real (database, workers, an event through the bus)
        checked, system = await kept_for_a_while(
            request, SYSTEM_CARDS, partial(_check_system, request)
        )
    values = {
        "page_title": "Dashboard",
        "active": "dashboard",
        "system": system,
        "recently_added": RECENTLY_ADDED,  # the template leaves it out when the library is off
        "board_html": board,
    }
    # A board's HTML is one string object while that board lasts (its hash is computed once).
    version = f"{hash(board)}:{len(board)}:{checked}"
    return shared_page(
        request, viewer, page_memo(request), version, "dashboard", "home.html", values
    )


@router.get("/dashboard/services", response_class=HTMLResponse)
async def board_fragment(
    request: Request, viewer: Viewer = Depends(require_viewer)
) -> HTMLResponse:
    return HTMLResponse(await board_html(request, viewer))


async def _detail_context(request: Request, viewer: Viewer, service_id: int) -> dict[str, Any]:
    coordinator = coordinator_of(request)
    kuma = container_of(request).integrations.kuma
    return page_context(
        request,
        viewer,
        detail=await coordinator.detail(service_id),
        fmt=Format(coordinator.clock()),
        page_cached=kuma is not None and kuma.slug is not None,
    )


@router.get("/dashboard/services/{service_id}", response_class=HTMLResponse)
async def detail_fragment(
    request: Request, service_id: int, viewer: Viewer = Depends(require_viewer)
) -> HTMLResponse:
    context = await _detail_context(request, viewer, service_id)
    return render(request, "_service_detail.html", context)


@router.get("/services/{service_id}", response_class=HTMLResponse)
async def detail_page(
    request: Request, service_id: int, viewer: Viewer = Depends(require_viewer)
) -> HTMLResponse:
    """The same details as the dialog, as a page (links without JavaScript land here)."""
    context = await _detail_context(request, viewer, service_id)
    context.update(page_title=context["detail"].card.name, active="dashboard")
    return render(request, "service_detail.html", context)
