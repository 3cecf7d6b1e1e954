"""Wire plumbing of the Plex Media Server client: requests, status mapping, JSON containers.

Kept apart from :mod:`client` so the public methods read as "which endpoint, which model". The
token travels only in the ``X-Plex-Token`` header; query strings are built by
:func:`~medianest.integrations.base.with_query` with ``%20`` for spaces, which every HTTP server
decodes the same way, unlike ``+``.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from typing import Any, Generic, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from medianest.integrations.base import NotFound, Refused, ServiceHttp, with_query
from medianest.integrations.plex.models import ItemPage, ListedItem, MediaItem, SearchHub

SERVICE = "Plex"
LIBRARY_ID = "com.plexapp.plugins.library"
MAX_IMAGE_SIDE = 2000
MAX_PAGE_SIZE = 200
_RATING_KEY = re.compile(r"[0-9]{1,12}")
_IMAGE_PATH = re.compile(r"(?:/library/|/:/resources/)[A-Za-z0-9._\-/]*")
_TITLE = re.compile(r"<title>([^<]{1,100})</title>", re.IGNORECASE)

Params = Mapping[str, str | int]
Item = TypeVar("Item", bound=MediaItem)


class _PageBox(BaseModel, Generic[Item]):
    """A paged ``MediaContainer``: only the envelope fields a page needs, its items typed."""

    model_config = ConfigDict(extra="ignore")

    total_size: Any = Field(default=None, alias="totalSize")
    metadata: list[Item] = Field(default_factory=list, alias="Metadata")


class _PageBody(BaseModel, Generic[Item]):
    model_config = ConfigDict(extra="ignore")

    media_container: _PageBox[Item] = Field(alias="MediaContainer")


class _HubBox(BaseModel):
    model_config = ConfigDict(extra="ignore")

    hub: list[SearchHub] = Field(default_factory=list, alias="Hub")


class _HubBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    media_container: _HubBox = Field(alias="MediaContainer")


_PAGE_BODY = TypeAdapter(_PageBody[MediaItem])
_LISTING_BODY = TypeAdapter(_PageBody[ListedItem])
_HUB_BODY = TypeAdapter(_HubBody)


def check_rating_key(value: str | int) -> str:
    """A rating key as it goes into a path: digits only, so nothing else reaches the URL."""
    text = str(value).strip()
    if isinstance(value, bool) or not _RATING_KEY.fullmatch(text):
        raise ValueError(f"not a Plex rating key: {value!r}")
    return text


def library_uri(machine_identifier: str, rating_keys: list[str]) -> str:
    """``server://<mid>/com.plexapp.plugins.library/library/metadata/<rk>,<rk>``
    (docs/protocols/plex.md#collections)."""
    if not re.fullmatch(r"[A-Za-z0-9\-]{1,128}", machine_identifier):
        raise ValueError("not a Plex machine identifier")
    keys = ",".join(check_rating_key(k) for k in rating_keys)
    return f"server://{machine_identifier}/{LIBRARY_ID}/library/metadata/{keys}"


def check_image_path(path: str) -> str:
    """An artwork path of this server (``/library/...`` or ``/:/resources/...``), else ValueError.

    The transcoder fetches whatever ``url`` names, so a scheme, a host, ``..``, an encoded
    character or a query would let a caller point it elsewhere.
    """
    if not isinstance(path, str) or not _IMAGE_PATH.fullmatch(path):
        raise ValueError("not a Plex image path")
    if "//" in path or ".." in path.split("/") or posixpath.normpath(path) != path.rstrip("/"):
        raise ValueError("not a Plex image path")
    return path


def check_side(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_IMAGE_SIDE:
        raise ValueError(f"{name} must be between 1 and {MAX_IMAGE_SIDE}")
    return value


def normalize_folder(path: str) -> str:
    """Compare paths with ``/`` separators and no trailing slash (PMS may run on Windows)."""
    return path.replace("\\", "/").rstrip("/")


class PlexWire:
    """Sends requests for :class:`~medianest.integrations.plex.client.PlexServerClient`."""

    def __init__(self, http: ServiceHttp, token: str) -> None:
        self.http = http
        self._token = token

    async def send(
        self,
        method: str,
        path: str,
        params: Params | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        auth: bool = True,
    ) -> httpx.Response:
        sent = dict(headers or {})
        if auth and self._token:
            sent["X-Plex-Token"] = self._token
        return await self.http.request(method, with_query(path, params), headers=sent, vouches=auth)

    def check(self, response: httpx.Response, what: str) -> None:
        """Turns a non-2xx answer below 500 into the error a caller can act on."""
        status = response.status_code
        if 200 <= status < 300:
            return
        if status in (401, 403):
            raise self.http.reject_credentials(response)
        if status == 404:
            raise NotFound(SERVICE, f"{what} not found", status=404)
        if 300 <= status < 400:
            raise self.http.bad_response(f"redirect ({status})")
        reason = _html_title(response.text) or "no reason given"
        raise Refused(SERVICE, f"refused {what}: {status} {reason}", status=status)

    async def container(
        self, method: str, path: str, what: str, params: Params | None = None, **kw: Any
    ) -> tuple[dict[str, Any], httpx.Response]:
        """The ``MediaContainer`` object of a JSON answer, with the response for its headers."""
        response = await self.send(method, path, params, **kw)
        self.check(response, what)
        return self.box(response, what), response

    def box(self, response: httpx.Response, what: str) -> dict[str, Any]:
        body = self.http.json(response, f"{what}: the body")
        box = body.get("MediaContainer") if isinstance(body, dict) else None
        if not isinstance(box, dict):
            raise self.http.bad_response(f"{what}: no MediaContainer")
        return box

    def entries(self, box: Mapping[str, Any], key: str, what: str) -> list[dict[str, Any]]:
        """The array ``key`` of a container (absent means empty, as PMS omits empty arrays)."""
        value = box.get(key, [])
        if not isinstance(value, list):
            raise self.http.bad_response(f"{what}: {key} is not a list")
        return [e for e in value if isinstance(e, dict)]

    async def page(
        self, path: str, what: str, params: Params, start: int, size: int, *, files: bool = False
    ) -> ItemPage:
        """One page, paged by the server: ``start`` >= 0, ``size`` clamped to 1..MAX_PAGE_SIZE;
        the items' ``files`` only with ``files`` (see :class:`ListedItem`).

        The page is read straight from the JSON bytes in one go; only when that fails (an odd
        entry, a body that is not a page) is it read again entry by entry, so that one odd
        entry is skipped instead of failing the page, and a broken body is told apart."""
        start, size = max(0, int(start)), min(MAX_PAGE_SIZE, max(1, int(size)))
        headers = {"X-Plex-Container-Start": str(start), "X-Plex-Container-Size": str(size)}
        response = await self.send("GET", path, params, headers=headers)
        self.check(response, what)
        try:
            body = (_PAGE_BODY if files else _LISTING_BODY).validate_json(response.content)
            box = body.media_container
        except ValidationError:
            raw = self.box(response, what)
            entries = self.entries(raw, "Metadata", what)
            model = MediaItem if files else ListedItem
            items = list(self.http.parse_each(model, entries, "items"))
            total_size = raw.get("totalSize")
        else:
            items, total_size = list(box.metadata), box.total_size
        total = self.total({"totalSize": total_size}, response, start + len(items))
        return ItemPage(items=items, total=total, start=start)

    async def hubs(self, path: str, what: str, params: Params) -> list[SearchHub]:
        """Search hubs, read like :meth:`page`: in one go, else hub by hub and entry by entry."""
        response = await self.send("GET", path, params)
        self.check(response, what)
        try:
            return _HUB_BODY.validate_json(response.content).media_container.hub
        except ValidationError:
            pass
        hubs: list[SearchHub] = []
        for hub in self.entries(self.box(response, what), "Hub", what):
            entries = self.entries(hub, "Metadata", "a search hub")
            items = self.http.parse_each(MediaItem, entries, "search results")
            data = {k: v for k, v in hub.items() if k != "Metadata"}
            hubs.append(self.http.parse(SearchHub, {**data, "items": items}, "a search hub"))
        return hubs

    def total(self, box: Mapping[str, Any], response: httpx.Response, fallback: int) -> int:
        """``totalSize`` of a paged container, else the header, else what we can count."""
        for raw in (box.get("totalSize"), response.headers.get("X-Plex-Container-Total-Size")):
            try:
                if raw is not None and not isinstance(raw, bool):
                    return max(0, int(raw))
            except (TypeError, ValueError):
                continue
        return fallback


def _html_title(text: str) -> str | None:
    """PMS explains refusals with a tiny HTML page; its title is the only reason it gives."""
    match = _TITLE.search(text[:2000])
    return match.group(1).strip() if match else None
