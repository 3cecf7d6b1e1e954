"""HTTP plumbing shared by the fake Plex server's route modules: auth, errors, paging."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from medianest.integrations.plex.fake_query import QueryError
from medianest.integrations.plex.fake_state import PlexFakeState

Handler = Callable[[PlexFakeState, Request], Awaitable[Response]]
Auth = Literal["none", "user", "owner"]

_PAGE = "<html><head><title>{0}</title></head><body><h1>{1} {0}</h1></body></html>"


@dataclass(frozen=True)
class Endpoint:
    """One row of a route table: ``auth`` is who may call it (owner: server admin only)."""

    path: str
    handler: Handler
    methods: tuple[str, ...] = ("GET",)
    auth: Auth = "user"


def error(status: int) -> Response:
    """PMS answers errors with a tiny HTML page, whatever the client accepts."""
    titles = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}
    title = titles.get(status, "Error")
    return HTMLResponse(_PAGE.format(title, status), status_code=status)


def token_of(request: Request) -> str | None:
    """``X-Plex-Token`` from the header, else from the query (how image URLs carry it)."""
    return request.headers.get("x-plex-token") or request.query_params.get("X-Plex-Token")


def bind(state: PlexFakeState, endpoint: Endpoint) -> Route:
    """A Starlette route that checks the token, then calls the handler with the state."""

    async def handle(request: Request) -> Response:
        token = token_of(request)
        if endpoint.auth != "none" and not state.token_ok(token):
            return error(401)
        if endpoint.auth == "owner" and not state.token_is_owner(token):
            return error(401)
        try:
            return await endpoint.handler(state, request)
        except QueryError:
            return error(400)

    return Route(endpoint.path, handle, methods=list(endpoint.methods))


def _int(raw: str | None, name: str) -> int | None:
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise QueryError(f"{name} is not an integer") from None
    if value < 0:
        raise QueryError(f"{name} is negative")
    return value


def int_param(params: Mapping[str, str], name: str) -> int | None:
    return _int(params.get(name), name)


def paging(request: Request) -> tuple[int, int | None, bool]:
    """(start, size, requested) from query params or headers; clients use either."""

    def read(name: str) -> int | None:
        return _int(request.query_params.get(name) or request.headers.get(name), name)

    start = read("X-Plex-Container-Start")
    size = read("X-Plex-Container-Size")
    return start or 0, size, start is not None or size is not None


def path_int(request: Request, name: str) -> int | None:
    raw = str(request.path_params[name])
    return int(raw) if raw.isdigit() else None
