"""The Overseerr / Jellyseerr / Seerr client: search, details, requests and users.

The one choke point for their shared ``/api/v1`` (``docs/protocols/overseerr.md``). The API key
travels only in the ``X-Api-Key`` header and acts as user 1 (the admin); ``as_user`` adds
``X-API-User`` so a request is made *as* that Overseerr user, with their permissions, quota and
auto-approval.

Overseerr answers 403 both for a bad key and for a user without the permission, with the same
body; when acting as a user, one probe without ``X-API-User`` tells the two apart.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal, TypeVar

import httpx
from pydantic import BaseModel, SecretStr

from medianest.integrations.base import (
    Clock,
    HttpPolicy,
    NotFound,
    Refused,
    ServiceClient,
    ServiceHttp,
    tls_context,
    with_query,
)
from medianest.integrations.overseerr.models import (
    MediaRequestInfo,
    MovieDetails,
    OverseerrUser,
    RequestPage,
    RequestResult,
    SearchPage,
    SearchResult,
    ServerStatus,
    TvDetails,
    UserPage,
)

__all__ = [
    "AlreadyRequested",
    "NotPermitted",
    "NothingToRequest",
    "OverseerrClient",
    "QuotaExceeded",
    "api_base",
]

SERVICE = "overseerr"
USER_PAGE = 100
M = TypeVar("M", bound=BaseModel)


class AlreadyRequested(Refused):
    """409: an open request for this movie exists already (Overseerr's message says so)."""


class NothingToRequest(Refused):
    """202: every asked-for season is already requested or available."""


class QuotaExceeded(Refused):
    """403: the user's movie or series quota is used up."""


class NotPermitted(Refused):
    """403/401: this Overseerr user may not do that (or does not exist)."""


def api_base(base_url: str) -> str:
    """``http://host:5055`` or ``.../api/v1``, both mean the same server."""
    base = base_url.rstrip("/")
    return base if base.endswith("/api/v1") else f"{base}/api/v1"


_DETAIL_MISS = {"movie": "Unable to retrieve movie.", "tv": "Unable to retrieve series."}
_DETAIL_PATH = re.compile(r"/api/v1/(movie|tv)/\d+$")


class _DetailMissTransport(httpx.AsyncBaseTransport):
    """Overseerr answers an unknown TMDB id with 500 "Unable to retrieve movie.". Only that exact
    answer becomes a 404 here, below ServiceHttp, so it is neither retried nor held against the
    breaker; every other 500 passes through untouched."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        match = _DETAIL_PATH.search(request.url.path)
        if response.status_code != 500 or request.method != "GET" or match is None:
            return response
        await response.aread()  # small JSON error body; the client would read it anyway
        try:
            message = response.json().get("message")
        except (ValueError, AttributeError):
            message = None
        if message == _DETAIL_MISS[match.group(1)]:
            response.status_code = 404
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


class OverseerrClient(ServiceClient):
    """Async client of one Overseerr-family server, authenticated by its API key."""

    def __init__(
        self,
        base_url: str,
        api_key: str | SecretStr,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        policy: HttpPolicy | None = None,
        clock: Clock | None = None,
    ) -> None:
        key = api_key.get_secret_value() if isinstance(api_key, SecretStr) else api_key
        if not key:
            raise ValueError("Overseerr needs an API key")
        self._http = ServiceHttp(
            SERVICE,
            api_base(base_url),
            headers={"X-Api-Key": key, "Accept": "application/json"},
            policy=policy,
            transport=_DetailMissTransport(
                transport or httpx.AsyncHTTPTransport(verify=tls_context())
            ),
            clock=clock,
        )

    # -- server ------------------------------------------------------------------------------

    async def status(self) -> ServerStatus:
        """Version and flavor guess (``/status`` is public, so this proves nothing about the key)."""
        return self._http.parse(ServerStatus, await self._get("/status"), "the status")

    async def test_connection(self) -> str:
        """For the admin's "Test" button: reachable *and* the key works, e.g. "Overseerr 1.33.2,
        3 users". A refused key raises :class:`CredentialsRejected`."""
        status = await self.status()
        users = await self.users(take=1)
        product = status.product
        if status.flavor == "overseerr" and any(
            "jellyfin_username" in u.model_fields_set for u in users.results
        ):
            product = "Jellyseerr"  # a Jellyseerr 1.x: Overseerr never sends jellyfin fields
        noun = "user" if users.total == 1 else "users"
        return f"{product} {status.version}, {users.total} {noun}"

    # -- media -------------------------------------------------------------------------------

    async def search(
        self, query: str, page: int = 1, *, language: str | None = None, as_user: int | None = None
    ) -> SearchPage:
        """Movies and shows for a free-text query; people and collections are left out."""
        if not query.strip():
            return SearchPage()
        # with_query encodes a space as %20: the validator 400s on ``+``
        # (docs/protocols/overseerr.md#query-encoding)
        path = with_query("/search", {"query": query, "page": int(page), "language": language})
        body = await self._get(path, as_user=as_user)
        if not isinstance(body, dict) or not isinstance(body.get("results"), list):
            raise self._http.bad_response("search results are not a list")
        hits = [r for r in body["results"] if isinstance(r, dict)]
        typed = [r for r in hits if r.get("mediaType") in ("movie", "tv")]
        results = self._http.parse_each(SearchResult, typed, "search results")
        page_data = {k: v for k, v in body.items() if k != "results"}
        return self._http.parse(SearchPage, page_data, "the search page").model_copy(
            update={"results": results}
        )

    async def movie(self, tmdb_id: int, *, as_user: int | None = None) -> MovieDetails:
        body = await self._get(f"/movie/{int(tmdb_id)}", as_user=as_user, what=f"movie {tmdb_id}")
        return self._http.parse(MovieDetails, body, "the movie")

    async def tv(self, tmdb_id: int, *, as_user: int | None = None) -> TvDetails:
        body = await self._get(f"/tv/{int(tmdb_id)}", as_user=as_user, what=f"series {tmdb_id}")
        return self._http.parse(TvDetails, body, "the series")

    # -- requests ----------------------------------------------------------------------------

    async def request_media(
        self,
        media_type: Literal["movie", "tv"],
        tmdb_id: int,
        *,
        seasons: list[int] | Literal["all"] | None = None,
        as_user: int,
        tvdb_id: int | None = None,
        is4k: bool = False,
    ) -> RequestResult:
        """Request a title as ``as_user``. Raises :class:`AlreadyRequested`,
        :class:`NothingToRequest`, :class:`QuotaExceeded` or :class:`NotPermitted`."""
        body: dict[str, Any] = {"mediaType": media_type, "mediaId": int(tmdb_id), "is4k": is4k}
        if media_type == "tv":
            if seasons is None or (seasons != "all" and not seasons):
                raise ValueError("a series request needs seasons: a list of numbers or 'all'")
            body["seasons"] = "all" if seasons == "all" else sorted({int(n) for n in seasons})
        elif media_type != "movie" or seasons is not None:
            raise ValueError("a movie request takes no seasons")
        if tvdb_id:
            body["tvdbId"] = int(tvdb_id)
        response = await self._http.request("POST", "/request", json=body, headers=_acting(as_user))
        message = _message(response)
        if response.status_code == 202:
            raise NothingToRequest(SERVICE, message or "nothing left to request", status=202)
        if response.status_code == 409:
            raise AlreadyRequested(SERVICE, message or "already requested", status=409)
        if response.status_code == 403 and message and "quota" in message.lower():
            raise QuotaExceeded(SERVICE, message, status=403)
        await self._check(response, as_user)
        created = self._http.parse(MediaRequestInfo, self._http.json(response), "the new request")
        return RequestResult(request=created)

    async def requests(
        self,
        *,
        take: int = 20,
        skip: int = 0,
        filter: str = "all",
        sort: str = "added",
        requested_by: int | None = None,
        as_user: int | None = None,
    ) -> RequestPage:
        """One page, newest first. Filters: all, approved, available, pending, processing,
        unavailable, failed (Seerr adds completed, deleted); an unknown one is :class:`Refused`."""
        params = {
            "take": take,
            "skip": skip,
            "filter": filter,
            "sort": sort,
            "requestedBy": requested_by,
        }
        path = with_query("/request", params)
        body = await self._get(path, as_user=as_user)
        return self._page(RequestPage, MediaRequestInfo, body, "requests")

    async def request(self, request_id: int, *, as_user: int | None = None) -> MediaRequestInfo:
        path = f"/request/{int(request_id)}"
        body = await self._get(path, as_user=as_user, what=f"request {request_id}")
        return self._http.parse(MediaRequestInfo, body, "the request")

    async def delete_request(self, request_id: int, as_user: int | None = None) -> None:
        """Cancel a request; a normal user may only delete their own pending ones."""
        path = f"/request/{int(request_id)}"
        response = await self._http.request("DELETE", path, headers=_acting(as_user))
        await self._check(response, as_user, what=f"request {request_id}")

    async def approve(self, request_id: int, *, as_user: int | None = None) -> MediaRequestInfo:
        return await self._decide(request_id, "approve", as_user)

    async def decline(self, request_id: int, *, as_user: int | None = None) -> MediaRequestInfo:
        return await self._decide(request_id, "decline", as_user)

    async def _decide(self, request_id: int, verb: str, as_user: int | None) -> MediaRequestInfo:
        path = f"/request/{int(request_id)}/{verb}"
        response = await self._http.request("POST", path, headers=_acting(as_user))
        await self._check(response, as_user, what=f"request {request_id}")
        return self._http.parse(MediaRequestInfo, self._http.json(response), "the request")

    # -- users -------------------------------------------------------------------------------

    async def users(self, take: int = USER_PAGE, skip: int = 0) -> UserPage:
        """Users in creation order; ``plex_id``/``email`` need the admin key (no ``as_user``)."""
        body = await self._get(with_query("/user", {"take": take, "skip": skip, "sort": "created"}))
        return self._page(UserPage, OverseerrUser, body, "users")

    async def find_user_by_plex_id(self, plex_id: int) -> OverseerrUser | None:
        """Pages through every user: Overseerr has no filter by Plex id. Callers cache this."""
        skip = 0
        while True:
            page = await self.users(take=USER_PAGE, skip=skip)
            found = next((u for u in page.results if u.plex_id == plex_id), None)
            if found is not None:
                return found
            skip += len(page.results)
            if not page.results or skip >= page.total:
                return None

    # -- plumbing ----------------------------------------------------------------------------

    async def _get(self, path: str, *, as_user: int | None = None, what: str | None = None) -> Any:
        response = await self._http.request("GET", path, headers=_acting(as_user))
        await self._check(response, as_user, what=what)
        return self._http.json(response)

    async def _check(
        self, response: httpx.Response, as_user: int | None, *, what: str | None = None
    ) -> None:
        """Turn a non-2xx answer (below 500; ServiceHttp raised for those) into an error."""
        status = response.status_code
        if 200 <= status < 300:
            return
        message = _message(response)
        if status == 403 and message is None:  # isAuthenticated: no such user, or no permission
            if as_user is None or not await self._key_accepted():
                raise self._http.reject_credentials(response)
            raise NotPermitted(
                SERVICE, f"Overseerr user {as_user} does not exist or may not do this", status=403
            )
        if status in (401, 403) and message is not None:
            raise NotPermitted(SERVICE, message, status=status)
        if status == 401:
            raise self._http.reject_credentials(response)
        if status == 404:
            raise NotFound(SERVICE, f"{what or 'that'} was not found", status=404)
        if 300 <= status < 400:
            raise self._http.bad_response(f"redirect ({status})")
        raise Refused(SERVICE, message or f"answered {status}", status=status)

    async def _key_accepted(self) -> bool:
        response = await self._http.request("GET", "/auth/me")
        return response.status_code != 403

    def _page(self, model: type[M], item: type[BaseModel], body: Any, what: str) -> M:
        """A ``{"pageInfo", "results"}`` page whose entries are parsed one by one."""
        if not isinstance(body, dict) or not isinstance(body.get("results"), list):
            raise self._http.bad_response(f"{what} are not a page")
        page = self._http.parse(model, {**body, "results": []}, what)
        results = self._http.parse_each(item, body["results"], what)
        return page.model_copy(update={"results": results})


def _acting(as_user: int | None) -> Mapping[str, str]:
    return {} if as_user is None else {"X-API-User": str(int(as_user))}


def _message(response: httpx.Response) -> str | None:
    """Overseerr's ``{"message": ...}``; None for the auth gate's ``{"error": ...}`` or no JSON."""
    try:
        body = response.json()
    except ValueError:
        return None
    message = body.get("message") if isinstance(body, dict) else None
    return str(message)[:300] if message else None
