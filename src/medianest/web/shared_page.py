"""Whole pages rendered once for everyone who sees them alike, with each viewer's bits filled in.

A cached library page used to render its shell (layout, navigation, header) again for every
view. Here the page is rendered with a stand-in viewer whose personal values are random slot
markers; what varies between viewers of the same role is only those values (their name and the
CSRF token of their browser), put in, escaped, on every request. Everything else the shell
depends on (role, password state, features, branding) is part of the memo key, so one
viewer's page is never served with another's navigation or name.
"""

from __future__ import annotations

import secrets
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from markupsafe import escape

from medianest.services.render_memo import RenderMemo
from medianest.web.auth import Viewer
from medianest.web.features import template_context
from medianest.web.security import csrf_token

_SLOT = secrets.token_hex(12)  # per process: no page content can spell it by chance
CSRF_SLOT = f"mn{_SLOT}csrf"
NAME_SLOT = f"mn{_SLOT}name"
INITIAL_SLOT = f"mn{_SLOT}initial"


@dataclass(frozen=True)
class _StandInUser:
    display_name: str
    must_change_password: bool


@dataclass(frozen=True)
class _StandIn:
    """What page templates read of a :class:`Viewer`, with slot markers for the personal."""

    user: _StandInUser
    is_admin: bool
    initial: str


def _stand_in(viewer: Viewer) -> _StandIn:
    user = _StandInUser(NAME_SLOT, bool(viewer.user.must_change_password))
    return _StandIn(user, viewer.is_admin, INITIAL_SLOT)


def shared_page(
    request: Request,
    viewer: Viewer,
    memo: RenderMemo,
    version: str | None,
    view: Hashable,
    template: str,
    values: dict[str, Any],
) -> HTMLResponse:
    """``template`` with ``values`` for ``viewer``, rendered once per ``version`` and ``view``
    for everyone alike (see the module). ``version`` None renders for this request only."""
    shell = template_context(request)
    alike = (viewer.is_admin, bool(viewer.user.must_change_password), repr(sorted(shell.items())))

    def make() -> bytes:
        context = {**values, **shell, "request": request}
        context.update(viewer=_stand_in(viewer), csrf_token=CSRF_SLOT)
        return str(request.app.state.templates.get_template(template).render(context)).encode()

    body = memo.render(version, ("page", view, alike), make)
    personal = (
        (CSRF_SLOT, csrf_token(request)),
        (NAME_SLOT, viewer.user.display_name),
        (INITIAL_SLOT, viewer.initial),
    )
    for slot, value in personal:
        body = body.replace(slot.encode(), str(escape(value)).encode())
    return HTMLResponse(body)


SHARED_PAGES_MAX_BYTES = 2 * 1024 * 1024


def page_memo(request: Request) -> RenderMemo:
    """The process's memo for whole pages that have no answer of their own to live with."""
    memo: RenderMemo | None = getattr(request.app.state, "shared_pages", None)
    if memo is None:
        memo = request.app.state.shared_pages = RenderMemo(SHARED_PAGES_MAX_BYTES)
    return memo
