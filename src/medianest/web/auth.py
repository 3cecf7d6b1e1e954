"""Who is making this request: a session cookie, or a bearer API token for the JSON API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from medianest.container import Container
from medianest.domain.links import local_path
from medianest.domain.users import Actor, Role
from medianest.persistence.models import User
from medianest.security.tokens import digest
from medianest.services import api_tokens, sessions
from medianest.services.auth_cache import Identity
from medianest.web.deps import container_of
from medianest.web.headers import request_header
from medianest.web.partials import is_partial
from medianest.web.problems import Problem, wants_problem_json
from medianest.web.security import SESSION_COOKIE

PASSWORD_CHANGE_PATH = "/account/password"  # noqa: S105 - a URL path
ALLOWED_BEFORE_PASSWORD_CHANGE = (PASSWORD_CHANGE_PATH, "/signout", "/static/", "/events")


@dataclass(frozen=True)
class Viewer:
    user: User
    session_id: int | None
    ip: str

    @property
    def actor(self) -> Actor:
        return Actor(self.user.id, self.user.username, self.user.role, self.ip)

    @property
    def is_admin(self) -> bool:
        return self.user.role == Role.ADMIN

    @property
    def initial(self) -> str:
        """The letter on the avatar."""
        return self.user.display_name[:1].upper()


class SignInRequired(Exception):
    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class PasswordChangeRequired(Exception):
    pass


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _credential(request: Request) -> tuple[str, str] | None:
    """("bearer" or "session", secret) as this request presents it; None when it has none."""
    auth = request_header(request, "authorization")
    if auth[:7].lower() == "bearer ":
        return "bearer", auth[7:].strip()
    if token := request.cookies.get(SESSION_COOKIE):
        return "session", token
    return None


async def _lookup(container: Container, kind: str, secret: str) -> Identity | None:
    async with container.sessions.begin() as db:
        if kind == "bearer":
            user = await api_tokens.resolve(db, secret)
            return Identity(user, None) if user else None
        found = await sessions.resolve(db, secret, container.session_policy)
        return Identity(found.user, found.session_id) if found else None


async def identity_of(request: Request, *, fresh: bool = False) -> Identity | None:
    """Who the request's credential belongs to: remembered briefly, or from the database."""
    container = container_of(request)
    credential = _credential(request)
    if credential is None or not credential[1] or len(credential[1]) > 200:
        return None
    kind, secret = credential
    key = f"{kind}:{digest(secret)}"
    cache = container.auth_cache
    if not fresh and (known := cache.get(key)) is not None:
        return known
    generation = cache.generation
    found = await _lookup(container, kind, secret)
    if found is not None:
        cache.put(key, found, generation)
    return found


async def viewer_of(request: Request) -> Viewer | None:
    if hasattr(request.state, "viewer"):
        cached: Viewer | None = request.state.viewer
        return cached
    found = await identity_of(request)
    viewer = Viewer(found.user, found.session_id, client_ip(request)) if found else None
    request.state.viewer = viewer
    return viewer


def _next_path(request: Request) -> str:
    if is_partial(request.headers):  # come back to the page, not to its fragment
        page = urlsplit(request.headers.get("hx-current-url", ""))
        return local_path(page.path + (f"?{page.query}" if page.query else "")) or "/"
    path = request.url.path
    return path + (f"?{request.url.query}" if request.url.query else "")


async def require_viewer(request: Request) -> Viewer:
    viewer = await viewer_of(request)
    if viewer is None:
        if wants_problem_json(request):
            raise Problem(401, "Sign in, or send a personal API token as a Bearer token.")
        raise SignInRequired(_next_path(request))
    if viewer.user.must_change_password and not request.url.path.startswith(
        ALLOWED_BEFORE_PASSWORD_CHANGE
    ):
        if wants_problem_json(request):
            raise Problem(403, "Change the one-time password first (on the account page).")
        raise PasswordChangeRequired()
    return viewer


async def require_admin(viewer: Viewer = Depends(require_viewer)) -> Viewer:
    if not viewer.is_admin:
        raise Problem(403, "Only an admin can open this.")
    return viewer


def safe_next(value: str | None) -> str:
    """Only local paths: never an open redirect to another site."""
    return local_path(value) or "/"


def install_auth_handlers(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    async def to_sign_in(request: Request, exc: SignInRequired) -> Response:
        # htmx partials get HX-Redirect instead (PartialRedirectMiddleware)
        target = f"/signin?next={quote(exc.next_path, safe='')}"
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(PasswordChangeRequired)
    async def to_password(request: Request, exc: PasswordChangeRequired) -> Response:
        return RedirectResponse(PASSWORD_CHANGE_PATH, status_code=303)


def page_context(request: Request, viewer: Viewer | None, **values: Any) -> dict[str, Any]:
    """What every page template gets: the viewer and the CSRF token for its forms."""
    from medianest.web.security import csrf_token

    return {"viewer": viewer, "csrf_token": csrf_token(request), **values}
