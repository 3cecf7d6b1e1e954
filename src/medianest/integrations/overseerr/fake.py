"""Protocol-faithful fake of Overseerr (and Jellyseerr / Seerr) API v1.

Serves under ``/api/v1`` (``docs/protocols/overseerr.md``; shapes checked against
``tests/reference/overseerr/overseerr-api.yml``):
``GET /status`` (public), ``GET /search``, ``GET /movie/{id}``, ``GET /tv/{id}``,
``GET /tv/{id}/season/{n}``, ``GET|POST /request``, ``GET /request/count``,
``GET|DELETE /request/{id}``, ``POST /request/{id}/retry``, ``POST /request/{id}/approve|decline``,
``GET /auth/me``, ``GET /user``, ``GET /user/{id}``, ``GET /user/{id}/quota``,
``GET /user/{id}/requests``,
``GET|POST /settings/notifications/webhook`` and ``POST .../webhook/test``.
Test and demo controls (never faulted): ``POST /__fake__/requests/{id}/advance`` (``{"to": ...}``),
``POST /__fake__/tick``, ``POST /__fake__/webhook/test`` and generated TMDB images at
``GET /__fake__/tmdb/t/p/{size}/{name}.jpg``.

Auth as in ``middleware/auth.ts``: ``X-Api-Key`` acts as user 1, ``X-API-User`` as another
user; a missing, wrong or revoked key, or an unknown user, gets 403. Request validation (the
400s of express-openapi-validator) runs before the auth check, as in Overseerr's middleware
order. Assumptions where the reference is silent: a non-manager may delete only their own
pending request (401 otherwise, Overseerr's code is laxer); TMDB search is a substring match
over the catalog, 20 per page; ``tmdb:``, ``imdb:`` and ``tvdb:`` prefixes are supported.
"""

from __future__ import annotations

import json
import math
import re

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from medianest.integrations.fakekit import ASGIApp, FaultMiddleware

from . import fake_json as out
from .fake_admin import AdminApi
from .fake_catalog import CatalogItem, CatalogPerson
from .fake_http import ApiBase, Handler, guarded, json_response, path_number
from .fake_model import OverseerrError, Permission, RequestStatus
from .fake_requests import (
    REQUEST_FILTERS,
    SEERR_FILTERS,
    create_request,
    delete_request,
    list_requests,
    page_info,
    request_counts,
)
from .fake_state import OverseerrFakeState
from .fake_validation import Param, validate_request_body

__all__ = ["OverseerrFakeState", "create_app"]

SEARCH_PAGE_SIZE = 20
_PROVIDERS = {
    "tmdb": re.compile(r"(?<=tmdb:)\d+"),
    "imdb": re.compile(r"(?<=imdb:)(tt|nm)\d+"),
    "tvdb": re.compile(r"(?<=tvdb:)\d+"),
}
_DECIDE_ERROR = "should be equal to one of the allowed values: approve, decline"


class MediaApi(ApiBase):
    """Status, TMDB-backed search and details, and requests."""

    async def status(self, request: Request) -> Response:
        return json_response(self.state.status_json())

    async def search(self, request: Request) -> Response:
        spec = {"query": Param(required=True), "page": Param("number"), "language": Param()}
        args = self.params(request, spec)
        self.user(request)
        page = int(args["page"]) if "page" in args else 1
        if not 1 <= page <= 500:  # TMDB refuses; Overseerr wraps every failure the same way
            raise OverseerrError.message(500, "Unable to retrieve search results.")
        hits = self._search_hits(str(args["query"]))
        chunk = hits[(page - 1) * SEARCH_PAGE_SIZE : page * SEARCH_PAGE_SIZE]
        return json_response(
            {
                "page": page,
                "totalPages": max(1, math.ceil(len(hits) / SEARCH_PAGE_SIZE)),
                "totalResults": len(hits),
                "results": [out.search_result(self.state, hit) for hit in chunk],
            }
        )

    def _search_hits(self, query: str) -> list[CatalogItem | CatalogPerson]:
        """``findSearchProvider``: ``tmdb:``/``imdb:``/``tvdb:`` look up ids, else text search."""
        catalog = self.state.catalog
        for provider, pattern in _PROVIDERS.items():
            match = pattern.search(query.lower())
            if match is None:
                continue
            found = match.group(0)
            if provider == "imdb":
                return [m for m in catalog.movies.values() if m.imdb_id == found]
            if provider == "tvdb":
                return [s for s in catalog.shows.values() if s.tvdb_id == int(found)]
            items = [catalog.get("movie", int(found)), catalog.get("tv", int(found))]
            return [item for item in items if item is not None]
        return catalog.search(query)

    async def movie(self, request: Request) -> Response:
        tmdb_id = path_number(request, "movie_id")
        self.user(request)
        item = self.state.catalog.get("movie", tmdb_id)
        if item is None:
            raise OverseerrError.message(500, "Unable to retrieve movie.")
        return json_response(out.movie_details(self.state, item))

    async def tv(self, request: Request) -> Response:
        tmdb_id = path_number(request, "tv_id")
        self.user(request)
        item = self.state.catalog.get("tv", tmdb_id)
        if item is None:
            raise OverseerrError.message(500, "Unable to retrieve series.")
        return json_response(out.tv_details(self.state, item))

    async def season(self, request: Request) -> Response:
        tmdb_id, number = path_number(request, "tv_id"), path_number(request, "season")
        self.user(request)
        item = self.state.catalog.get("tv", tmdb_id)
        season = item.season(number) if item else None
        if item is None or season is None:
            raise OverseerrError.message(500, "Unable to retrieve season.")
        return json_response(out.season_details(item, season))

    # -- requests -------------------------------------------------------------------------

    async def requests(self, request: Request) -> Response:
        spec = {
            "take": Param("number"),
            "skip": Param("number"),
            "filter": Param(enum=SEERR_FILTERS if self.state.seerr else REQUEST_FILTERS),
            "sort": Param(enum=("added", "modified")),
            "requestedBy": Param("number"),
        }
        args = self.params(request, spec)
        user = self.user(request)
        take, skip = self.paging(args, 10)
        rows, count = list_requests(
            self.state,
            user,
            take=take,
            skip=skip,
            filter_name=str(args.get("filter") or "all"),
            sort=str(args.get("sort") or "added"),
            requested_by=int(args["requestedBy"]) if args.get("requestedBy") else None,
        )
        results = [out.request_json(self.state, r) for r in rows]
        return json_response({"pageInfo": page_info(count, take, skip), "results": results})

    async def create(self, request: Request) -> Response:
        try:
            body = json.loads(await request.body() or b"null")
        except ValueError:
            raise OverseerrError.message(400, "Unexpected token in JSON body") from None
        body = validate_request_body(body)
        created = create_request(self.state, self.user(request), body)
        return json_response(out.request_json(self.state, created), 201)

    async def count(self, request: Request) -> Response:
        self.user(request)
        return json_response(request_counts(self.state))

    async def get_request(self, request: Request) -> Response:
        request_id = path_number(request, "request_id")
        user = self.user(request)
        found = self.state.request(request_id)
        viewer = user.can(Permission.MANAGE_REQUESTS, Permission.REQUEST_VIEW, any_of=True)
        if found.requested_by_id != user.id and not viewer:
            raise OverseerrError.message(403, "You do not have permission to view this request.")
        return json_response(out.request_json(self.state, found))

    async def delete(self, request: Request) -> Response:
        request_id = path_number(request, "request_id")
        delete_request(self.state, self.user(request), request_id)
        return Response(status_code=204)

    async def retry(self, request: Request) -> Response:
        request_id = path_number(request, "request_id")
        user = self.user(request, Permission.MANAGE_REQUESTS)
        found = self.state.request(request_id)
        self.state.set_request_status(found, RequestStatus.APPROVED, by=user)
        return json_response(out.request_json(self.state, found))

    async def decide(self, request: Request) -> Response:
        request_id = path_number(request, "request_id")
        verb = request.path_params["status"]
        if verb not in ("approve", "decline"):
            error = {
                "path": ".params.status",
                "message": _DECIDE_ERROR,
                "errorCode": "enum.openapi.validation",
            }
            body = {"message": f"request.params.status {_DECIDE_ERROR}", "errors": [error]}
            raise OverseerrError(400, body)
        user = self.user(request, Permission.MANAGE_REQUESTS)
        found = self.state.request(request_id)
        status = RequestStatus.APPROVED if verb == "approve" else RequestStatus.DECLINED
        self.state.set_request_status(found, status, by=user)
        return json_response(out.request_json(self.state, found))


def _routes(state: OverseerrFakeState) -> list[Route]:
    media, admin = MediaApi(state), AdminApi(state)
    table: list[tuple[str, Handler, str]] = [
        ("/api/v1/status", media.status, "GET"),
        ("/api/v1/search", media.search, "GET"),
        ("/api/v1/movie/{movie_id}", media.movie, "GET"),
        ("/api/v1/tv/{tv_id}", media.tv, "GET"),
        ("/api/v1/tv/{tv_id}/season/{season}", media.season, "GET"),
        ("/api/v1/request", media.requests, "GET"),
        ("/api/v1/request", media.create, "POST"),
        ("/api/v1/request/count", media.count, "GET"),
        ("/api/v1/request/{request_id}", media.get_request, "GET"),
        ("/api/v1/request/{request_id}", media.delete, "DELETE"),
        ("/api/v1/request/{request_id}/retry", media.retry, "POST"),
        ("/api/v1/request/{request_id}/{status}", media.decide, "POST"),
        ("/api/v1/auth/me", admin.me, "GET"),
        ("/api/v1/user", admin.users, "GET"),
        ("/api/v1/user/{user_id}", admin.user_detail, "GET"),
        ("/api/v1/user/{user_id}/quota", admin.user_quota, "GET"),
        ("/api/v1/user/{user_id}/requests", admin.user_requests, "GET"),
        ("/api/v1/settings/notifications/webhook", admin.webhook_settings, "GET"),
        ("/api/v1/settings/notifications/webhook", admin.webhook_settings, "POST"),
        ("/api/v1/settings/notifications/webhook/test", admin.webhook_test, "POST"),
        ("/__fake__/requests/{request_id}/advance", admin.fake_advance, "POST"),
        ("/__fake__/tick", admin.fake_tick, "POST"),
        ("/__fake__/webhook/test", admin.fake_webhook_test, "POST"),
        ("/__fake__/tmdb/t/p/{size}/{filename}", admin.tmdb_image, "GET"),
    ]
    return [Route(path, guarded(handler), methods=[method]) for path, handler, method in table]


async def _not_found(request: Request, exc: Exception) -> Response:
    """express-openapi-validator's answer for paths and methods the document lacks."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    message = f"{request.method} method not allowed" if status == 405 else "not found"
    errors = [{"path": request.url.path, "message": message}]
    return json_response({"message": message, "errors": errors}, status)


def create_app(state: OverseerrFakeState) -> ASGIApp:
    """The fake as an ASGI app; ``/__fake__/`` controls bypass the fault switches (the state's
    :class:`~medianest.integrations.fakekit.Faults` exempt that prefix)."""
    app = Starlette(routes=_routes(state), exception_handlers={HTTPException: _not_found})
    return FaultMiddleware(app, state.faults)
