"""The signed-in person's own page: profile, devices (sessions) and personal API tokens."""

from __future__ import annotations

import json
import time
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from medianest.domain.errors import DomainError, NotFound
from medianest.security.secretbox import DecryptionFailed
from medianest.services import api_tokens, audit, sessions
from medianest.web.auth import Viewer, page_context, require_viewer
from medianest.web.deps import container_of
from medianest.web.security import cookie_flags
from medianest.web.templating import render

router = APIRouter(include_in_schema=False)

# A new token's secret travels from the POST to the page it redirects to in a short-lived,
# encrypted cookie that the page clears: shown once, and a reload creates nothing.
NEW_TOKEN_COOKIE = "medianest_new_token"  # noqa: S105 - a cookie name
NEW_TOKEN_SECONDS = 120


def _new_token_from_cookie(request: Request, viewer: Viewer) -> api_tokens.NewToken | None:
    sealed = request.cookies.get(NEW_TOKEN_COOKIE)
    if not sealed:
        return None
    try:
        held = json.loads(container_of(request).box.decrypt(sealed))
    except (DecryptionFailed, ValueError):
        return None
    if held.get("user") != viewer.user.id or time.time() - held.get("at", 0) > NEW_TOKEN_SECONDS:
        return None
    return api_tokens.NewToken(int(held["id"]), str(held["name"]), str(held["secret"]))


async def _page(
    request: Request,
    viewer: Viewer,
    *,
    new_token: api_tokens.NewToken | None = None,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    async with container_of(request).sessions() as db:
        devices = await sessions.list_for_user(db, viewer.user.id)
        tokens = await api_tokens.list_for(db, viewer.user.id)
    context = page_context(
        request,
        viewer,
        page_title="Your account",
        active="account",
        devices=devices,
        tokens=tokens,
        new_token=new_token,
        error=error,
        notice=request.query_params.get("changed"),
    )
    return render(request, "account.html", context, status_code=status)


@router.get("/account", response_class=HTMLResponse)
async def account(request: Request, viewer: Viewer = Depends(require_viewer)) -> HTMLResponse:
    new_token = _new_token_from_cookie(request, viewer)
    response = await _page(request, viewer, new_token=new_token)
    if NEW_TOKEN_COOKIE in request.cookies:
        flags = cookie_flags(container_of(request).settings.secure_cookies)
        response.delete_cookie(NEW_TOKEN_COOKIE, **flags)
        response.headers["Cache-Control"] = "no-store"  # the secret is on this page once
    return response


@router.post("/account/sessions/{session_id}/revoke")
async def revoke_session(
    request: Request, session_id: int, viewer: Viewer = Depends(require_viewer)
) -> Response:
    async with container_of(request).sessions.begin() as db:
        if not await sessions.revoke(db, viewer.user.id, session_id):
            raise NotFound("No such device.")
        audit.record(
            db,
            viewer.actor,
            "session_revoked",
            "Signed out one device",
            target_type="session",
            target_id=session_id,
        )
    target = "/signin" if session_id == viewer.session_id else "/account?changed=device"
    return RedirectResponse(target, status_code=303)


@router.post("/account/tokens", response_class=HTMLResponse)
async def create_token(
    request: Request,
    name: Annotated[str, Form(max_length=120)],
    viewer: Viewer = Depends(require_viewer),
) -> Response:
    try:
        async with container_of(request).sessions.begin() as db:
            created = await api_tokens.create(db, viewer.actor, viewer.user.id, name)
    except DomainError as exc:
        return await _page(request, viewer, error=exc.message, status=422)
    held = {"user": viewer.user.id, "at": time.time(), **vars(created)}
    response = RedirectResponse(f"/account?created={created.id}#tokens", status_code=303)
    response.set_cookie(
        NEW_TOKEN_COOKIE,
        container_of(request).box.encrypt(json.dumps(held)),
        max_age=NEW_TOKEN_SECONDS,
        **cookie_flags(container_of(request).settings.secure_cookies),
    )
    return response


@router.post("/account/tokens/{token_id}/revoke")
async def revoke_token(
    request: Request, token_id: int, viewer: Viewer = Depends(require_viewer)
) -> Response:
    async with container_of(request).sessions.begin() as db:
        await api_tokens.revoke(db, viewer.actor, viewer.user.id, token_id)
    return RedirectResponse("/account?changed=token", status_code=303)
