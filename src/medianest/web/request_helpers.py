"""What the request pages and the request API share: the service, poster URLs, form values."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

from fastapi import Request

from medianest.domain.errors import ServiceDown
from medianest.domain.requests import poster_name
from medianest.services.requests import RequestsService
from medianest.web.deps import container_of


def requests_service(request: Request) -> RequestsService:
    service = container_of(request).requests
    if service is None:  # pragma: no cover - always built; a guard for partial containers
        raise ServiceDown("Requests are not available.")
    return service


def poster_url(path: str | None, size: str = "w185") -> str | None:
    """MediaNest's own URL of a TMDB poster (browsers never talk to TMDB)."""
    name = poster_name(path)
    return f"/requests/posters/{size}/{name}" if name else None


def library_url(rating_key: str | None) -> str | None:
    return f"/library/items/{rating_key}" if rating_key and rating_key.isdigit() else None


def chosen_seasons(mode: str | None, seasons: Sequence[str]) -> list[str] | str:
    """The form's season picker: ticked seasons win; otherwise "all" (unless "some" was chosen,
    which then lets the service say that at least one is needed)."""
    if seasons:
        return list(seasons)
    return [] if mode == "some" else "all"


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def int_param(value: str | None, default: int = 1) -> int:
    try:
        return max(1, min(int(value or default), 10_000))
    except ValueError:
        return default


def page_base(request: Request) -> str:
    """The current URL without its ``page`` parameter, ready for ``page=N`` to be appended."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
    return f"{request.url.path}?{urlencode(kept)}{'&' if kept else ''}"
