"""Input no database or parser can take is refused as bad input, before a route sees it.

* JSON bodies: nesting deeper than the limit is 400, an integer beyond 64 bits 422, a body
  over the size limit 413 (checked here, so FastAPI's own parsing never meets them).
* Integer path parameters beyond 64 bits name nothing that exists (404); such query and
  form parameters are invalid (422). So is NUL in any parameter or JSON string. Routes bound their own page numbers further.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from fastapi import Request, params
from fastapi.routing import APIRoute
from starlette.requests import Request as StarletteRequest

from medianest.domain.json_input import (
    INT64_MAX,
    INT64_MIN,
    JsonNumberOutOfRange,
    JsonTooDeep,
    json_strings,
    load_json,
)
from medianest.domain.text import has_nul
from medianest.web.asgi_body import read_body, replay
from medianest.web.headers import header
from medianest.web.middleware import ASGIApp, Receive, Scope, Send
from medianest.web.problems import Problem

MAX_JSON_BYTES = 1_000_000


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


class JsonBodyGuardMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_json(header(scope, "content-type")):
            await self.app(scope, receive, send)
            return
        body, complete = await read_body(receive, MAX_JSON_BYTES)
        problem = _body_problem(body, complete)
        if problem is not None:
            request = StarletteRequest(scope, receive)
            await request.app.state.render_problem(request, problem)(scope, receive, send)
            return
        await self.app(scope, replay(body, receive), send)


def _body_problem(body: bytes, complete: bool) -> Problem | None:
    if not complete:
        return Problem(413, f"The JSON body is larger than {MAX_JSON_BYTES // 1000} kB.")
    try:
        value = load_json(body)
    except JsonTooDeep as exc:
        return Problem(400, f"The JSON body is refused: {exc}.")
    except JsonNumberOutOfRange as exc:
        return Problem(422, f"The JSON body is refused: {exc}.", title="Invalid input")
    except ValueError:
        return None  # not JSON at all: the route's own parsing says so
    if any(has_nul(text) for text in json_strings(value)):
        return Problem(422, "The JSON body is refused: text must not contain NUL.")
    return None


def _takes_int(annotation: Any) -> bool:
    if annotation is int:
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_takes_int(arg) for arg in typing.get_args(annotation))
    if typing.get_origin(annotation) in (list, tuple, set, frozenset, typing.Annotated):
        return any(_takes_int(arg) for arg in typing.get_args(annotation))
    return False


def _out_of_range(text: str) -> bool:
    try:
        value = int(text.strip())
    except ValueError:
        return False
    return not INT64_MIN <= value <= INT64_MAX


async def input_limits(request: Request) -> None:
    """App-wide dependency: integer path, query and form parameters stay within 64 bits, and
    no parameter carries NUL (no database stores it)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    for param in route.dependant.path_params:
        value = request.path_params.get(param.alias)
        if not isinstance(value, str):
            continue
        if has_nul(value) or (_takes_int(param.field_info.annotation) and _out_of_range(value)):
            raise Problem(404, "There is nothing at this address.")
    _refuse_nul(request.query_params.multi_items())
    for param in route.dependant.query_params:
        if _takes_int(param.field_info.annotation):
            _check_values(param.alias, request.query_params.getlist(param.alias))
    form_params = [p for p in route.dependant.body_params if isinstance(p.field_info, params.Form)]
    if form_params and "form" in header(request.scope, "content-type"):
        form = await request.form()  # already parsed for the route: this is its cached copy
        _refuse_nul([(k, v) for k, v in form.multi_items() if isinstance(v, str)])
        for param in form_params:
            if _takes_int(param.field_info.annotation):
                values = [v for v in form.getlist(param.alias) if isinstance(v, str)]
                _check_values(param.alias, values)


def _refuse_nul(items: list[tuple[str, str]]) -> None:
    for name, value in items:
        if has_nul(value) or has_nul(name):
            raise Problem(422, f"{name[:40]!r}: text must not contain NUL.", title="Invalid input")


def _check_values(name: str, values: list[str]) -> None:
    if any(_out_of_range(value) for value in values):
        raise Problem(422, f"{name}: the number is out of range.", title="Invalid input")
