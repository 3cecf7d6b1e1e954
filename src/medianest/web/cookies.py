"""Setting and clearing the session cookie."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from medianest.web.deps import container_of
from medianest.web.security import SESSION_COOKIE


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    settings = container_of(request).settings
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_max_days * 86400,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        httponly=True,
        samesite="lax",
        secure=container_of(request).settings.secure_cookies,
        path="/",
    )
