"""The API document, telling clients the truth: how each operation authenticates, the problem
details (RFC 9457) it can answer with, and the content types it returns."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from medianest.domain.json_input import INT64_MAX, INT64_MIN
from medianest.web.auth import require_admin, require_viewer
from medianest.web.problems import PROBLEM_JSON
from medianest.web.security import SESSION_COOKIE

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details; `request_id` matches the X-Request-ID header.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "request_id": {"type": "string"},
    },
    "required": ["type", "title", "status", "detail"],
    "additionalProperties": True,
}
SECURITY_SCHEMES: dict[str, Any] = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal API token (account page, or `medianest users token`).",
    },
    "cookieAuth": {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
        "description": "The browser's sign-in session; changes also need the X-CSRF-Token "
        "header (the page's CSRF token).",
    },
    "webhookSecret": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "The shared secret configured for the webhook.",
    },
}
NO_NUL = "^[^\\x00]*$"
SIGNED_IN: list[dict[str, list[str]]] = [{"bearerAuth": []}, {"cookieAuth": []}]
WHY = {
    400: "Bad request: a repeated security header, nesting too deep, or a malformed body.",
    401: "Not signed in (or the webhook secret is wrong).",
    403: "Not allowed: not an admin, the feature is switched off, or CSRF failed.",
    404: "Nothing at this address, or not visible to the caller.",
    405: "Method not allowed.",
    409: "Conflicts with the current state.",
    413: "The body is too large.",
    415: "Unsupported content type.",
    422: "Invalid input.",
    429: "Too many requests; see Retry-After.",
    500: "Unexpected error (logged with the request id).",
    503: "A service MediaNest needs is not configured or not answering.",
}


def _calls(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def access_of(route: APIRoute) -> str:
    """Who may call a route: "admin", "signed_in", "webhook" (shared secret) or "open"."""
    calls = set(_calls(route.dependant))
    if require_admin in calls:
        return "admin"
    if require_viewer in calls:
        return "signed_in"
    return "webhook" if "/webhooks/" in route.path_format else "open"


def _kind(route: APIRoute) -> str:
    access = access_of(route)
    return "signed_in" if access == "admin" else access


def _problem(code: int) -> dict[str, Any]:
    return {
        "description": WHY[code],
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def _errors(kind: str, method: str) -> list[int]:
    codes = [400, 404, 405, 422, 429, 500, 503]
    if kind != "open":
        codes += [401]
    if kind == "signed_in":
        codes += [403]
    if method in ("post", "put", "patch"):
        codes += [413, 415]
        codes += [403] if kind != "webhook" else []
    if method in ("post", "put", "patch", "delete"):
        codes += [409]
    return sorted(set(codes))


def _input_limits(node: Any) -> None:
    """What the input guard refuses, in the document: integers beyond 64 bits, NUL in text."""
    if isinstance(node, dict):
        if node.get("type") == "integer":
            node.setdefault("minimum", INT64_MIN)
            node.setdefault("maximum", INT64_MAX)
            node.setdefault("format", "int64")
        if node.get("type") == "string" and "pattern" not in node and "enum" not in node:
            node["pattern"] = NO_NUL
        for value in node.values():
            _input_limits(value)
    elif isinstance(node, list):
        for value in node:
            _input_limits(value)


def build_openapi(app: FastAPI) -> dict[str, Any]:
    spec = get_openapi(
        title=app.title,
        version=app.version,
        description="MediaNest's JSON API. Errors are RFC 9457 problem details.",
        routes=app.routes,
    )
    components = spec.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    components["securitySchemes"] = SECURITY_SCHEMES
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        for method in (m.lower() for m in context.methods or ()):
            operation = spec["paths"].get(context.path, {}).get(method)
            if operation is None:
                continue
            kind = _kind(route)
            if kind == "signed_in":
                operation["security"] = SIGNED_IN
            elif kind == "webhook":
                operation["security"] = [{"webhookSecret": []}]
            responses = operation.setdefault("responses", {})
            for code in _errors(kind, method):
                responses[str(code)] = _problem(code)
    _input_limits(spec)
    spec["components"]["schemas"].pop("HTTPValidationError", None)
    spec["components"]["schemas"].pop("ValidationError", None)
    return spec


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
