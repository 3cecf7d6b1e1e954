"""Route order: the API's routes are tried before the pages'.

The router tries routes in the order they were added, one regular expression each, so an API
call used to be compared with every page route first (a sixth of an ``/api/v1/me`` request).
No page path starts with ``/api/`` and every API path does, so moving the API's routes to the
front changes which route answers no request; within each group the order is kept.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

API_PREFIX = "/api/"


def _paths(route: BaseRoute) -> list[str]:
    included = getattr(route, "original_router", None)  # an included router keeps its routes
    routes = getattr(included, "routes", None) or [route]
    return [str(getattr(r, "path", "")) for r in routes]


def serves_api_only(route: BaseRoute) -> bool:
    return all(path.startswith(API_PREFIX) for path in _paths(route))


def api_routes_first(routes: list[BaseRoute]) -> None:
    """Reorders ``routes`` in place: API-only routes first, each group in its own order."""
    routes[:] = [r for r in routes if serves_api_only(r)] + [
        r for r in routes if not serves_api_only(r)
    ]
