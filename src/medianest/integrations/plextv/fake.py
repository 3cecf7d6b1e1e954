"""Protocol-faithful fake of plex.tv (accounts, PIN sign-in, resources) for tests and the demo.

Serves (XML by default, JSON with ``Accept: application/json``, like plex.tv):

- ``POST /api/v2/pins[?strong=true|True|1]`` → 201 AuthPinContainer; 400 code 1000 without
  ``X-Plex-Client-Identifier`` (header or query, like every ``X-Plex-*`` value).
- ``GET /api/v2/pins/{id}`` → the PIN, ``authToken`` null (XML "") until approved; 404 code 1020
  when unknown, expired, denied, or polled with another client identifier; 429 with
  ``Retry-After`` while ``state.rate_limited``.
- ``GET /api/v2/user`` → UserPlexAccount / ``<user>``; ``GET /api/v2/resources`` → the demo Plex
  server (for accounts with access) and a Plex Web player; ``GET /api/v2/ping`` → pong.
  Token in ``X-Plex-Token`` header or query; bad, revoked or missing → 401 code 1001.
- ``GET /users/account.json`` (older, JSON only, Overseerr reads it) and
  ``GET /users/{uuid}/avatar`` (a PNG, the target of every ``thumb``).
- The sign-in page ``GET /auth`` (+ ``/auth/app.js``, ``/auth/app.css``) and the demo/test-only
  ``POST /__fake__/pins/{code}/approve`` (``{"account": username}``) and ``.../deny``.

Assumptions where no reference exists: the XML error body (``<errors><error code message
status/></errors>``), the 429 body, ``<pong>true</pong>`` for XML ping, ``<MediaContainer>`` as
the XML root of resources, ``product`` echoing ``X-Plex-Product`` (the one captured PIN shows
"0"), a missing email rendered as "" (the spec requires the field), a denied PIN being deleted
(plex.tv has no deny; the client then sees 404 as for expiry), a client identifier being
required on every ``/api/v2`` call (switch off with ``state.require_client_identifier``), and no
relay or plex.direct connections (they would be unreachable offline).
"""

from __future__ import annotations

import functools
import io
import zlib

from PIL import Image, ImageDraw
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from medianest.integrations.fakekit import ASGIApp, FaultMiddleware, xml_element
from medianest.integrations.plextv import fake_authpage as page
from medianest.integrations.plextv import fake_render as out
from medianest.integrations.plextv.fake_state import (
    Account,
    PinNotFound,
    PlexTvFakeState,
)

__all__ = ["PlexTvFakeState", "create_app"]

TRUE_VALUES = frozenset({"1", "true", "yes", "on"})


def plex_value(request: Request, name: str) -> str | None:
    """plex.tv takes every ``X-Plex-*`` value as a header or as a query parameter."""
    return request.headers.get(name) or request.query_params.get(name) or None


def _state(request: Request) -> PlexTvFakeState:
    state: PlexTvFakeState = request.app.state.fake
    return state


def _missing_client_id(request: Request) -> Response:
    return out.error(request, 400, 1000, "X-Plex-Client-Identifier is missing")


def _pin_not_found(request: Request) -> Response:
    return out.error(request, 404, 1020, "Code not found or expired")


def _unauthorized(request: Request) -> Response:
    return out.error(request, 401, 1001, "User could not be authenticated")


def _authenticate(request: Request) -> Account | Response:
    """The account behind the request's token, or the error plex.tv would answer."""
    state = _state(request)
    if state.require_client_identifier and not plex_value(request, "X-Plex-Client-Identifier"):
        return _missing_client_id(request)
    account = state.account_for_token(plex_value(request, "X-Plex-Token"))
    return _unauthorized(request) if account is None else account


async def create_pin(request: Request) -> Response:
    state = _state(request)
    client_id = plex_value(request, "X-Plex-Client-Identifier")
    if not client_id:
        return _missing_client_id(request)
    strong = request.query_params.get("strong", "").strip().lower() in TRUE_VALUES
    product = plex_value(request, "X-Plex-Product") or ""
    pin = state.create_pin(client_id, product, strong)
    return out.pin_response(request, pin, pin.created_at, out.base_url(state, request), 201)


async def get_pin(request: Request) -> Response:
    state = _state(request)
    client_id = plex_value(request, "X-Plex-Client-Identifier")
    if not client_id:
        return _missing_client_id(request)
    if state.rate_limited:
        headers = {"Retry-After": str(state.retry_after)}
        return out.error(request, 429, 429, "Too Many Requests", headers)
    pin_id = request.path_params["pin_id"]
    state.pin_polls.append((state.clock(), int(pin_id) if pin_id.isdigit() else -1))
    if not pin_id.isdigit():
        return _pin_not_found(request)
    try:
        pin = state.find_pin(int(pin_id), client_id)
    except PinNotFound:
        return _pin_not_found(request)
    return out.pin_response(request, pin, state.clock(), out.base_url(state, request))


async def get_user(request: Request) -> Response:
    account = _authenticate(request)
    if isinstance(account, Response):
        return account
    state = _state(request)
    token = plex_value(request, "X-Plex-Token") or account.auth_token
    data = out.user_json(account, token, state.clock(), out.base_url(state, request))
    return out.render(request, data, out.user_xml(data))


async def get_resources(request: Request) -> Response:
    # includeHttps / includeRelay / includeIPv6 are accepted; the fake has no such connections.
    account = _authenticate(request)
    if isinstance(account, Response):
        return account
    state = _state(request)
    return out.resources_response(request, out.resources(state, account, state.clock()))


async def ping(request: Request) -> Response:
    account = _authenticate(request)
    if isinstance(account, Response):
        return account
    root = xml_element("pong", {})
    root.text = "true"
    return out.render(request, {"pong": True}, root)


async def account_v1(request: Request) -> Response:
    """Older endpoint: JSON whatever the Accept header, 401 without a valid token."""
    state = _state(request)
    token = plex_value(request, "X-Plex-Token")
    account = state.account_for_token(token)
    if account is None or token is None:
        return JSONResponse({"error": "Invalid authentication token."}, status_code=401)
    return JSONResponse(out.account_v1_json(account, token, out.base_url(state, request)))


@functools.lru_cache(maxsize=64)
def avatar_png(seed: str) -> bytes:
    """A plain coloured disc, so thumbs load offline (real avatars come from a CDN)."""
    hue = zlib.crc32(seed.encode()) % 360
    image = Image.new("RGB", (64, 64), "#1f2326")
    colour = f"hsl({hue}, 60%, 55%)"
    ImageDraw.Draw(image).ellipse((4, 4, 60, 60), fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


async def avatar(request: Request) -> Response:
    uuid = request.path_params["uuid"]
    if not any(a.uuid == uuid for a in _state(request).accounts.values()):
        return Response("Not Found", status_code=404)
    headers = {"Cache-Control": "public, max-age=86400"}
    return Response(avatar_png(uuid), media_type="image/png", headers=headers)


def create_app(state: PlexTvFakeState) -> ASGIApp:
    """The fake plex.tv (API and sign-in page) as an ASGI app wrapped in the fault switches."""
    routes = [
        Route("/api/v2/pins", create_pin, methods=["POST"]),
        Route("/api/v2/pins/{pin_id}", get_pin, methods=["GET"]),
        Route("/api/v2/user", get_user, methods=["GET"]),
        Route("/api/v2/resources", get_resources, methods=["GET"]),
        Route("/api/v2/ping", ping, methods=["GET"]),
        Route("/users/account.json", account_v1, methods=["GET"]),
        Route("/users/{uuid}/avatar", avatar, methods=["GET"]),
        Route("/auth", page.auth_page, methods=["GET"]),
        Route("/auth/", page.auth_page, methods=["GET"]),
        Route("/auth/app.js", page.auth_script, methods=["GET"]),
        Route("/auth/app.css", page.auth_style, methods=["GET"]),
        Route("/__fake__/pins/{code}/approve", page.approve_pin, methods=["POST"]),
        Route("/__fake__/pins/{code}/deny", page.deny_pin, methods=["POST"]),
    ]
    app = Starlette(routes=routes)
    app.state.fake = state
    return FaultMiddleware(app, state.faults)
