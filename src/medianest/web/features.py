"""Feature switches and branding as the web layer shows them.

- ``feature_enabled("requests")`` guards a feature's routers: when the admin turned it off,
  people get a friendly page (or a problem detail from the API) with status 403; admins still
  get through, with a hint, so they can check the feature before turning it back on.
- Every page template gets ``features`` (what the nav shows) and ``brand`` (server name and the
  welcome text as safe HTML) from a context processor.
- :class:`LiveSettingsMiddleware` refreshes the live values once per request (a database read
  at most every few seconds), so templates, which cannot wait, read fresh values.

Why 403 and not 404: the address is right and the feature exists (admins can use it); this
person is refused it for now. A 404 would tell scripts the URL is wrong.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from markupsafe import Markup

from medianest.observability.logging import get_logger
from medianest.services import docs_render
from medianest.services.live_settings import FEATURES, LiveSettings, Tunables
from medianest.web.auth import Viewer, page_context, viewer_of
from medianest.web.middleware import ASGIApp, Receive, Scope, Send
from medianest.web.problems import Problem, problem_response, wants_problem_json

log = get_logger(__name__)

FEATURE_NAMES = {"requests": "Requests", "youtube": "YouTube downloads", "library": "The library"}
SKIP_REFRESH = ("/static/", "/healthz", "/readyz", "/metrics")
DEFAULT_WELCOME = "Sign in with the Plex account you use to watch."


class FeatureOff(Exception):
    def __init__(self, feature: str, viewer: Viewer) -> None:
        super().__init__(feature)
        self.feature = feature
        self.viewer = viewer

    @property
    def message(self) -> str:
        name = FEATURE_NAMES.get(self.feature, self.feature)
        return f"{name} is turned off by the admin of this server."


def _live(request: Request) -> LiveSettings | None:
    container = getattr(request.app.state, "container", None)
    return getattr(container, "live", None)


def feature_enabled(feature: str) -> Callable[[Request], Awaitable[None]]:
    """A router dependency: refuses people (not admins) while ``feature`` is switched off.

    Signed-out visitors pass through, so the route's own sign-in redirect still happens.
    """
    if feature not in FEATURES:
        raise ValueError(f"unknown feature {feature!r}")

    async def check(request: Request) -> None:
        live = _live(request)
        if live is None or (await live.current()).feature_on(feature):
            return
        viewer = await viewer_of(request)
        if viewer is None:
            return
        if viewer.is_admin:
            request.state.feature_off = feature
            return
        raise FeatureOff(feature, viewer)

    return check


@dataclass(frozen=True)
class Brand:
    server_name: str
    welcome_html: Markup  # empty when the admin wrote none
    signin_html: Markup  # the welcome text, or a default line for the sign-in page


@lru_cache(maxsize=32)
def welcome_html(text: str, server_name: str) -> Markup:
    """The welcome text through the docs hub's Markdown renderer and sanitiser (no raw HTML,
    http(s)/mailto links only); ``{{server_name}}`` works as on docs pages."""
    if not text.strip():
        return Markup("")
    return Markup(docs_render.render(text, {"server_name": server_name}))  # noqa: S704 - sanitised


def brand_of(now: Tunables) -> Brand:
    welcome = welcome_html(now.welcome_text, now.server_name)
    return Brand(now.server_name, welcome, welcome or Markup("<p>%s</p>") % DEFAULT_WELCOME)


def template_context(request: Request) -> dict[str, Any]:
    """Context processor: ``features`` (name -> on), what the nav hides or marks for this
    viewer (``viewer_of`` leaves the viewer in ``request.state``), and ``brand``."""
    live = _live(request)
    now = live.cached() if live is not None else Tunables()
    off = [name for name in FEATURES if not now.feature_on(name)]
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    admin = viewer is not None and viewer.is_admin
    return {
        "features": {name: now.feature_on(name) for name in FEATURES},
        "features_off": off if admin else [],  # admins still see these, marked "off"
        "features_hidden": [] if admin else off,  # people do not see these at all
        "feature_off": getattr(request.state, "feature_off", None),
        "feature_names": FEATURE_NAMES,
        "brand": brand_of(now),
    }


class LiveSettingsMiddleware:
    """Reads the live values (cached a few seconds) before each page, never failing a request:
    when the database is not there yet, the last values read are kept."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not str(scope.get("path", "")).startswith(SKIP_REFRESH):
            container = getattr(scope["app"].state, "container", None)
            live: LiveSettings | None = getattr(container, "live", None)
            if live is not None:
                try:
                    await live.current()
                except Exception as exc:  # e.g. not migrated yet: readyz reports it
                    log.debug("live settings not read", reason=str(exc)[:200])
        await self.app(scope, receive, send)


def install(app: FastAPI) -> None:
    """The FeatureOff answer, the template values, and the refresh middleware."""
    templates = app.state.templates
    templates.context_processors.append(template_context)

    @app.exception_handler(FeatureOff)
    async def on_feature_off(request: Request, exc: FeatureOff) -> Response:
        problem = Problem(403, exc.message, title="Feature turned off")
        if wants_problem_json(request):
            return problem_response(request, problem)
        if request.headers.get("hx-request"):  # a fragment: a line, not a whole page
            return Response(exc.message, status_code=403, media_type="text/plain")
        context = page_context(
            request, exc.viewer, page_title="Turned off", feature=exc.feature, message=exc.message
        )
        response: Response = templates.TemplateResponse(
            request, "feature_off.html", context, status_code=403
        )
        return response

    app.add_middleware(LiveSettingsMiddleware)
