"""Sign-in (Plex and local), sign-out, and the forced password change."""

from __future__ import annotations

import json
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from medianest.domain.errors import (
    DomainError,
    InvalidCredentials,
    InvalidInput,
    NotFound,
    RateLimited,
)
from medianest.security.secretbox import DecryptionFailed
from medianest.services import audit, sessions
from medianest.services.plex_signin import PinOutcome, expiry_seconds
from medianest.web.auth import Viewer, client_ip, page_context, require_viewer, safe_next, viewer_of
from medianest.web.cookies import clear_session_cookie, set_session_cookie
from medianest.web.deps import container_of
from medianest.web.security import SESSION_COOKIE, browser_id, cookie_flags
from medianest.web.templating import render

router = APIRouter(include_in_schema=False)


def _signin_page(
    request: Request,
    *,
    error: str | None = None,
    status: int = 200,
    next_path: str = "/",
    username: str = "",
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    container = container_of(request)
    context = page_context(
        request,
        None,
        error=error,
        next_path=safe_next(next_path),
        username=username,
        plex_ready=container.plex_server.configured,
    )
    response = render(request, "signin.html", context, status_code=status)
    response.headers.update(headers or {})
    return response


@router.get("/signin", response_class=HTMLResponse)
async def signin(request: Request, next: str = "/") -> Response:
    if await viewer_of(request):
        return RedirectResponse(safe_next(next), status_code=303)
    return _signin_page(request, next_path=next)


@router.post("/signin/local", response_class=HTMLResponse)
async def signin_local(
    request: Request,
    username: Annotated[str, Form(max_length=255)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    container = container_of(request)
    try:
        signed_in = await container.local_auth.sign_in(
            username, password, ip=client_ip(request), user_agent=request.headers.get("user-agent")
        )
    except RateLimited as exc:
        return _signin_page(
            request,
            error=exc.message,
            status=429,
            next_path=next,
            username=username,
            headers={"Retry-After": str(exc.retry_after)},
        )
    except (InvalidCredentials, DomainError) as exc:
        status = 401 if isinstance(exc, InvalidCredentials) else 403
        return _signin_page(
            request, error=exc.message, status=status, next_path=next, username=username
        )
    target = "/account/password" if signed_in.must_change_password else safe_next(next)
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(request, response, signed_in.token)
    return response


@router.get("/auth/plex")
async def plex_redirect(request: Request) -> Response:
    """Without JavaScript (or with popups blocked): go to Plex and come back to the callback."""
    started = await container_of(request).plex_signin.start(browser_id(request), come_back=True)
    return RedirectResponse(started.auth_url, status_code=303)


@router.post("/auth/plex/pin")
async def plex_pin(request: Request) -> JSONResponse:
    started = await container_of(request).plex_signin.start(browser_id(request), come_back=False)
    return JSONResponse(
        {"id": started.id, "auth_url": started.auth_url, "expires_in": expiry_seconds(started)}
    )


def _outcome_body(outcome: PinOutcome, next_path: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "status": outcome.status,
        "message": outcome.message,
        "retry_after": outcome.retry_after,
    }
    if outcome.status == "signed_in":
        body["redirect"] = safe_next(next_path)
    return body


async def _check(request: Request, pin_id: int) -> PinOutcome:
    return await container_of(request).plex_signin.check(
        pin_id,
        browser_id(request),
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
    )


# A browser whose Plex account waits for approval keeps an encrypted note of who it is, so its
# sign-in page can move on by itself once an admin approves (GET /auth/waiting).
WAITING_COOKIE = "medianest_waiting"
WAITING_SECONDS = 24 * 3600


def _remember_waiting(request: Request, response: Response, outcome: PinOutcome) -> None:
    if outcome.status != "pending" or outcome.user is None:
        return
    note = json.dumps({"user": outcome.user.id, "at": time.time()})
    flags = cookie_flags(container_of(request).settings.secure_cookies)
    box = container_of(request).box
    response.set_cookie(WAITING_COOKIE, box.encrypt(note), max_age=WAITING_SECONDS, **flags)


def _waiting_user(request: Request) -> int | None:
    sealed = request.cookies.get(WAITING_COOKIE)
    if not sealed:
        return None
    try:
        note = json.loads(container_of(request).box.decrypt(sealed))
    except (DecryptionFailed, ValueError):
        return None
    if time.time() - float(note.get("at", 0)) > WAITING_SECONDS:
        return None
    return int(note["user"])


@router.get("/auth/plex/pin/{pin_id}")
async def plex_pin_status(request: Request, pin_id: int, next: str = "/") -> JSONResponse:
    outcome = await _check(request, pin_id)
    response = JSONResponse(_outcome_body(outcome, next), headers={"Cache-Control": "no-store"})
    if outcome.token:
        set_session_cookie(request, response, outcome.token)
    _remember_waiting(request, response, outcome)
    return response


@router.get("/auth/waiting")
async def waiting_for_approval(request: Request, next: str = "/") -> JSONResponse:
    user_id = _waiting_user(request)
    if user_id is None:
        outcome = PinOutcome("expired", "Sign in with Plex again.")
    else:
        outcome = await container_of(request).plex_signin.after_approval(
            user_id, ip=client_ip(request), user_agent=request.headers.get("user-agent")
        )
    response = JSONResponse(_outcome_body(outcome, next), headers={"Cache-Control": "no-store"})
    if outcome.token:
        set_session_cookie(request, response, outcome.token)
    if outcome.status != "pending":
        flags = cookie_flags(container_of(request).settings.secure_cookies)
        response.delete_cookie(WAITING_COOKIE, **flags)
    return response


@router.get("/auth/plex/callback", response_class=HTMLResponse)
async def plex_callback(request: Request, pin: int) -> Response:
    try:
        outcome = await _check(request, pin)
    except NotFound as exc:
        outcome = PinOutcome("expired", exc.message)
    if outcome.token:
        response = RedirectResponse("/", status_code=303)
        set_session_cookie(request, response, outcome.token)
        return response
    context = page_context(request, None, outcome=outcome, pin_id=pin)
    page = render(
        request,
        "signin_status.html",
        context,
        status_code=403 if outcome.status == "no_access" else 200,
    )
    _remember_waiting(request, page, outcome)
    return page


@router.post("/signout")
async def signout(request: Request) -> Response:
    container = container_of(request)
    viewer = await viewer_of(request)
    token = request.cookies.get(SESSION_COOKIE)
    async with container.sessions.begin() as db:
        if token:
            await sessions.revoke_by_token(db, token)
        if viewer:
            audit.record(
                db,
                viewer.actor,
                "sign_out",
                "Signed out",
                target_type="user",
                target_id=viewer.user.id,
            )
    response = RedirectResponse("/signin", status_code=303)
    clear_session_cookie(request, response)
    return response


@router.post("/signout/everywhere")
async def signout_everywhere(
    request: Request, viewer: Viewer = Depends(require_viewer)
) -> Response:
    async with container_of(request).sessions.begin() as db:
        ended = await sessions.revoke_all(db, viewer.user.id)
        audit.record(
            db,
            viewer.actor,
            "sign_out_everywhere",
            f"Signed out on {ended} device(s)",
            target_type="user",
            target_id=viewer.user.id,
        )
    response = RedirectResponse("/signin", status_code=303)
    clear_session_cookie(request, response)
    return response


@router.get("/account/password", response_class=HTMLResponse)
async def password_form(request: Request, viewer: Viewer = Depends(require_viewer)) -> HTMLResponse:
    return render(
        request,
        "account_password.html",
        page_context(request, viewer, page_title="Change password"),
    )


@router.post("/account/password", response_class=HTMLResponse)
async def password_change(
    request: Request,
    current_password: Annotated[str, Form(max_length=1024)],
    new_password: Annotated[str, Form(max_length=1024)],
    confirm_password: Annotated[str, Form(max_length=1024)],
    viewer: Viewer = Depends(require_viewer),
) -> Response:
    container = container_of(request)
    try:
        if new_password != confirm_password:
            raise InvalidInput("The two new passwords are not the same.", field="confirm_password")
        await container.local_auth.change_password(
            viewer.user.id,
            current_password,
            new_password,
            ip=client_ip(request),
            keep_session=viewer.session_id,
        )
    except DomainError as exc:
        context = page_context(request, viewer, page_title="Change password", error=exc.message)
        return render(request, "account_password.html", context, status_code=422)
    return RedirectResponse("/account?changed=password", status_code=303)
