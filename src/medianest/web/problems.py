"""Errors: RFC 9457 problem details for the API, friendly pages for people, never a traceback."""

from __future__ import annotations

import re
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import StatementError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from medianest.domain.errors import (
    Conflict,
    DomainError,
    InvalidCredentials,
    InvalidInput,
    NotFound,
    NotSignedIn,
    PermissionDenied,
    RateLimited,
    ServiceDown,
)
from medianest.observability.logging import get_logger
from medianest.services.docs_defaults import FAQ_SERVICE_DOWN, faq_anchor, faq_link
from medianest.web.middleware import ASGIApp, Message, Receive, Scope, Send, printable

log = get_logger(__name__)
PROBLEM_JSON = "application/problem+json"
OUT_OF_RANGE = re.compile(r"out of (?:\w+ )?range", re.IGNORECASE)
JSON_PATHS = ("/api/", "/events", "/auth/plex/pin")  # paths that only ever answer JSON


class Problem(Exception):
    """Raised by routes to answer with a problem detail (or an error page for browsers)."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        type_: str = "about:blank",
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or HTTPStatus(status).phrase
        self.type = type_
        self.headers = headers or {}
        self.extra = extra or {}


def request_id_of(request: Request) -> str:
    return str(getattr(request.state, "request_id", ""))


def wants_problem_json(request: Request) -> bool:
    if request.url.path.startswith(JSON_PATHS):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def problem_response(request: Request, problem: Problem) -> JSONResponse:
    body: dict[str, Any] = {
        "type": problem.type,
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
        "instance": request.url.path,
        "request_id": request_id_of(request),
        **problem.extra,
    }
    return JSONResponse(
        body, status_code=problem.status, media_type=PROBLEM_JSON, headers=problem.headers
    )


FRIENDLY = {
    400: ("That request did not make sense", "Something in the request was not right."),
    401: ("Please sign in", "You need to sign in to see this page."),
    403: ("Not allowed", "Your account is not allowed to do that."),
    404: (
        "Page not found",
        "There is nothing at this address. It may have moved or never existed.",
    ),
    405: ("Not allowed here", "That action is not available on this page."),
    429: ("Slow down a little", "Too many attempts. Please wait a moment and try again."),
    500: ("Something went wrong", "MediaNest hit an unexpected problem. It has been logged."),
    503: ("Temporarily unavailable", "A service MediaNest needs is not answering right now."),
}


DOMAIN_STATUS: list[tuple[type[DomainError], int]] = [
    (NotFound, 404),
    (PermissionDenied, 403),
    (NotSignedIn, 401),
    (InvalidCredentials, 401),
    (Conflict, 409),
    (InvalidInput, 422),
    (RateLimited, 429),
    (ServiceDown, 503),
]


BUSY_DETAIL = "MediaNest is too busy to answer right now; try again in a few seconds."
BUSY_RETRY_SECONDS = 5


def problem_from(error: DomainError) -> Problem:
    status = next((code for kind, code in DOMAIN_STATUS if isinstance(error, kind)), 400)
    headers = {"Retry-After": str(error.retry_after)} if isinstance(error, RateLimited) else None
    extra = {"field": error.field} if isinstance(error, InvalidInput) and error.field else None
    if isinstance(error, (RateLimited, ServiceDown)):  # a link to the FAQ entry that helps
        extra = {"help": faq_link(faq_anchor(error, FAQ_SERVICE_DOWN))}
    return Problem(status, error.message, headers=headers, extra=extra)


def install_error_handlers(app: FastAPI, templates: Jinja2Templates) -> None:
    def render(request: Request, problem: Problem) -> Response:
        if wants_problem_json(request):
            return problem_response(request, problem)
        heading, text = FRIENDLY.get(problem.status, (problem.title, problem.detail))
        detail = (
            problem.detail if problem.status < 500 and problem.detail != problem.title else text
        )
        return templates.TemplateResponse(
            request,
            "error.html",
            {
                "status": problem.status,
                "heading": heading,
                "message": detail,
                "request_id": request_id_of(request),
            },
            status_code=problem.status,
            headers=problem.headers,
        )

    app.state.render_problem = render

    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem) -> Response:
        return render(request, exc)

    @app.exception_handler(DomainError)
    async def on_domain(request: Request, exc: DomainError) -> Response:
        return render(request, problem_from(exc))

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        return render(request, Problem(exc.status_code, detail, headers=dict(exc.headers or {})))

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {
                "field": ".".join(str(p) for p in err.get("loc", ()) if p != "body"),
                "message": err.get("msg", ""),
            }
            for err in exc.errors()
        ]
        summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "invalid input"
        return render(
            request,
            Problem(422, summary, title="Invalid input", extra={"errors": errors}),
        )

    @app.exception_handler(StatementError)
    @app.exception_handler(OverflowError)
    async def on_number_too_big(request: Request, exc: Exception) -> Response:
        """A number within 64 bits can still be too big for its column (32-bit ids on
        PostgreSQL): the database says so, and it is bad input like any other."""
        cause = getattr(exc, "orig", None) or exc
        if not isinstance(cause, OverflowError) and not OUT_OF_RANGE.search(str(cause)):
            raise exc
        log.info("number out of range for the database", path=printable(request.url.path))
        if any(str(value).lstrip("-").isdigit() for value in request.path_params.values()):
            return render(request, Problem(404, "There is nothing with that id."))
        return render(request, Problem(422, "A number is out of range.", title="Invalid input"))

    app.add_middleware(CrashGuardMiddleware, render=render)


class CrashGuardMiddleware:
    """Turns an unhandled exception into the 500 page or problem.

    It sits inside the request-id and security-header middleware, so the 500 answer still
    carries the request id and the headers (Starlette's own handler runs outside them).
    """

    def __init__(self, app: ASGIApp, render: Callable[[Request, Problem], Response]) -> None:
        self.app = app
        self.render = render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except PoolTimeout:
            # Every database connection stayed busy for the whole wait: the server is
            # overloaded, not broken, so the client is told to come back shortly.
            log.warning("no database connection came free", path=printable(str(scope.get("path"))))
            if started:
                raise
            busy = Problem(503, BUSY_DETAIL, headers={"Retry-After": str(BUSY_RETRY_SECONDS)})
            await self.render(Request(scope), busy)(scope, receive, send)
        except Exception:
            log.exception("unhandled error", path=printable(str(scope.get("path"))))
            if started:
                raise
            request = Request(scope)
            response = self.render(request, Problem(500, "An unexpected error occurred."))
            await response(scope, receive, send)
