"""A protocol-faithful fake of Uptime Kuma 1.23.16 and 2.5.3 (``state.version``).

Serves:
- ``GET /api/status-page/{slug}`` and ``GET /api/status-page/heartbeat/{slug}``: the public
  status page JSON (1.23 ``incident`` object, 2.x ``incidents`` array; 50 vs 100 beats;
  ``uptimeList["<id>_24"]`` computed from the recorded history with each version's formula).
  Unknown slug: 2.x answers 404 ``{"status":"fail","msg":"Status Page Not Found"}`` and the
  heartbeat route ``{"heartbeatList":{},"uptimeList":{}}``; 1.23 never answers the page route
  (the fake holds it ``state.v1_unknown_slug_hang_s`` seconds, then gives up with an empty 504,
  which the real server never sends).
- apicache, when ``state.cache_enabled``: per-URL (path + query) entries for 5 min / 1 min on
  the state clock, any status code, replayed with their original headers; ``x-apicache-bypass``
  skips it. ``Cache-Control: max-age=300|60`` and Express's weak ETag (304 on If-None-Match)
  are always sent.
- ``GET /metrics``: Basic auth, password = API key (username ignored; admin credentials when no
  key exists); failure is 401 ``WWW-Authenticate: Basic`` with an empty body (express-basic-auth
  with ``challenge: true`` and no realm). Body: the ``monitor_*`` families as captured, after two
  generic process families (``state.metrics_process_lines``).
- Control routes: ``POST /__fake__/monitors/{id}/status`` (``{"status", "ping", "msg"}``),
  ``POST /__fake__/monitors/{id}/mode`` (``{"mode"}``), ``POST /__fake__/beat``,
  ``POST /__fake__/notifications/test``.

Webhooks (JSON content type with additional headers) go out from ``UptimeKumaFakeState`` on state
changes; see ``fake_state.py``. Assumed where the captures say nothing: incident JSON keys (from
Kuma's ``Incident.toPublicJSON``; ``active`` only in 2.x), ``maintenanceList`` entries (Kuma's
``Maintenance.toPublicJSON`` of a manual window; empty in the captures),
no tag labels on metrics (no tags are modelled), no certificate samples.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from medianest.integrations.fakekit import ASGIApp, FaultMiddleware
from medianest.integrations.uptime_kuma.fake_model import MODES, Beat, kuma_time, parse_status
from medianest.integrations.uptime_kuma.fake_render import is_v1, kuma_json
from medianest.integrations.uptime_kuma.fake_state import CachedResponse, UptimeKumaFakeState

__all__ = ["UptimeKumaFakeState", "create_app"]

PAGE_TTL_S = 300
HEARTBEAT_TTL_S = 60
JSON_TYPE = "application/json; charset=utf-8"
METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8"
NOT_FOUND = {"status": "fail", "msg": "Status Page Not Found"}
NEVER = datetime.max.replace(tzinfo=UTC)


def express_etag(body: bytes) -> str:
    """Express's default weak ETag (the ``etag`` package)."""
    digest = base64.b64encode(hashlib.sha1(body).digest()).decode()[:27]  # noqa: S324
    return f'W/"{len(body):x}-{digest}"'


def json_response(payload: Any, status: int, ttl_s: int) -> CachedResponse:
    body = kuma_json(payload)
    headers = {
        "cache-control": f"max-age={ttl_s}",
        "content-type": JSON_TYPE,
        "etag": express_etag(body),
    }
    return CachedResponse(status=status, headers=headers, body=body, expires=NEVER)


def to_response(request: Request, entry: CachedResponse) -> Response:
    fresh = request.headers.get("if-none-match") == entry.headers["etag"]
    if fresh and entry.status == 200:
        headers = {k: v for k, v in entry.headers.items() if k != "content-type"}
        return Response(status_code=304, headers=headers)
    return Response(entry.body, status_code=entry.status, headers=entry.headers)


def cached(
    state: UptimeKumaFakeState,
    request: Request,
    ttl_s: int,
    produce: Callable[[], CachedResponse],
) -> Response:
    """apicache: the first answer for a URL is replayed until its TTL runs out."""
    use_cache = state.cache_enabled and not (
        request.headers.get("x-apicache-bypass") or request.headers.get("x-apicache-force-fetch")
    )
    key = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    now = state.clock()
    with state.lock:
        hit = state.cache.get(key) if use_cache else None
        if hit is not None and hit.expires > now:
            return to_response(request, hit)
        entry = produce()
        if use_cache:
            entry.expires = now + timedelta(seconds=ttl_s)
            state.cache[key] = entry
    return to_response(request, entry)


async def hang(seconds: float) -> Response:
    """1.23 returns without answering an unknown slug; the client's timeout must fire."""
    await asyncio.sleep(seconds)
    return Response(status_code=504)


def metrics_authorized(state: UptimeKumaFakeState, authorization: str | None) -> bool:
    """``apiAuth``: Basic auth, the password an active ``uk<id>_<secret>`` key if any exist."""
    if state.auth_disabled:
        return True
    if state.faults.revoked or not authorization:
        return False
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
    except ValueError:
        return False
    username, _, password = decoded.partition(":")
    if state.api_keys:
        return password in state.api_keys
    return (username, password) == (state.admin_username, state.admin_password)


def beat_json(beat: Beat) -> dict[str, Any]:
    return {
        "monitorID": beat.monitor_id,
        "status": beat.status,
        "time": kuma_time(beat.time),
        "msg": beat.msg,
        "ping": beat.ping,
        "important": beat.important,
    }


def create_app(state: UptimeKumaFakeState) -> ASGIApp:
    async def status_page(request: Request) -> Response:
        slug = request.path_params["slug"]
        body = state.status_page_body(slug)
        if body is None and is_v1(state.version):
            return await hang(state.v1_unknown_slug_hang_s)

        def produce() -> CachedResponse:
            fresh = state.status_page_body(slug)
            if fresh is None:
                return json_response(NOT_FOUND, 404, PAGE_TTL_S)
            return json_response(fresh, 200, PAGE_TTL_S)

        return cached(state, request, PAGE_TTL_S, produce)

    async def heartbeats(request: Request) -> Response:
        slug = request.path_params["slug"]

        def produce() -> CachedResponse:
            return json_response(state.heartbeat_body(slug), 200, HEARTBEAT_TTL_S)

        return cached(state, request, HEARTBEAT_TTL_S, produce)

    async def metrics(request: Request) -> Response:
        if not metrics_authorized(state, request.headers.get("authorization")):
            return Response(
                b"",
                status_code=401,
                headers={"WWW-Authenticate": "Basic"},
                media_type="text/html; charset=utf-8",
            )
        return Response(state.metrics_body(), headers={"content-type": METRICS_TYPE})

    async def control_status(request: Request) -> Response:
        monitor_id = int(request.path_params["monitor_id"])
        payload = await _json_object(request)
        if monitor_id not in state.monitors:
            return JSONResponse({"error": "unknown monitor"}, status_code=404)
        try:
            status = parse_status(payload.get("status", ""))
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        beat = state.set_status(monitor_id, status, payload.get("ping"), payload.get("msg"))
        return JSONResponse(beat_json(beat))

    async def control_mode(request: Request) -> Response:
        monitor_id = int(request.path_params["monitor_id"])
        mode = (await _json_object(request)).get("mode")
        if monitor_id not in state.monitors or mode not in MODES:
            return JSONResponse({"error": f"mode must be one of {MODES}"}, status_code=400)
        state.set_mode(monitor_id, mode)
        return JSONResponse({"id": monitor_id, "mode": mode})

    async def control_beat(request: Request) -> Response:
        return JSONResponse({"beats": [beat_json(b) for b in state.beat_all()]})

    async def control_test(request: Request) -> Response:
        state.send_test_notification()
        return JSONResponse({"ok": True})

    routes = [
        Route("/api/status-page/heartbeat/{slug}", heartbeats, methods=["GET"]),
        Route("/api/status-page/{slug}", status_page, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/__fake__/monitors/{monitor_id:int}/status", control_status, methods=["POST"]),
        Route("/__fake__/monitors/{monitor_id:int}/mode", control_mode, methods=["POST"]),
        Route("/__fake__/beat", control_beat, methods=["POST"]),
        Route("/__fake__/notifications/test", control_test, methods=["POST"]),
    ]
    return FaultMiddleware(Starlette(routes=routes), state.faults)


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        payload = await request.json()
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}
