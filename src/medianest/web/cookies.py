"""Setting and clearing the session cookie."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from medianest.web.deps import container_of
from medianest.web.security import SESSION_COOKIE, cookie_flags


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    container = container_of(request)
    settings = container.settings
    days = settings.session_max_days  # the admin's session lifetime may be longer
    if container.live is not None:
        days = max(days, container.live.cached().session_days)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=days * 86400,
        **cookie_flags(settings.secure_cookies),
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        **cookie_flags(container_of(request).settings.secure_cookies),
    )
