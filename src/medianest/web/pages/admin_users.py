"""Admin pages: users (approve, roles, suspend, delete) and the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from medianest.domain.errors import DomainError
from medianest.persistence.models import User
from medianest.services import audit, users
from medianest.web.api.admin_settings import live_of
from medianest.web.auth import Viewer, page_context, require_admin
from medianest.web.deps import container_of
from medianest.web.request_helpers import int_param
from medianest.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/admin")
async def admin_home(viewer: Viewer = Depends(require_admin)) -> Response:
    return RedirectResponse("/admin/users", status_code=303)


DONE_TEXT = {
    "approve": "{name} is approved and can sign in now.",
    "role": "{name} is now {article} {role}. Their sign-ins were ended, so the change applies now.",
    "suspend": "{name} is suspended and was signed out everywhere.",
    "reactivate": "{name} is active again and can sign in.",
    "delete": "The account was deleted.",
}


async def _done_text(request: Request, db: AsyncSession) -> str | None:
    """What the last action did, said in words (the redirect after it carries only ids)."""
    action = request.query_params.get("done", "")
    if action not in DONE_TEXT:
        return None
    user_id = request.query_params.get("user", "")
    user = await db.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None and action != "delete":
        return None
    role = user.role if user else ""
    return DONE_TEXT[action].format(
        name=user.display_name if user else "",
        role=role,
        article="an" if role == "admin" else "a",
    )


async def _users_page(
    request: Request, viewer: Viewer, *, error: str | None = None, status: int = 200
) -> HTMLResponse:
    q = request.query_params.get("q", "")[:120]
    state = request.query_params.get("status") or None
    page = int_param(request.query_params.get("page"))
    async with container_of(request).sessions() as db:
        found = await users.search(db, viewer.actor, q=q, status=state, page=page)
        everyone = await users.search(db, viewer.actor, size=200)
        owner_id = await users.server_owner_id(db)
        done = None if error else await _done_text(request, db)
    approval = (await live_of(request).current()).new_users_need_approval
    context = page_context(
        request,
        viewer,
        page_title="Users",
        active="admin",
        found=found,
        q=q,
        status_filter=state or "",
        error=error,
        everyone=everyone.users,
        approval_required=approval,
        owner_id=owner_id,
        done=done,
        filtered=bool(q or state),
    )
    return render(request, "admin_users.html", context, status_code=status)


@router.get("/admin/users", response_class=HTMLResponse)
async def users_page(request: Request, viewer: Viewer = Depends(require_admin)) -> HTMLResponse:
    return await _users_page(request, viewer)


@router.post("/admin/users/{user_id}/{action}", response_class=HTMLResponse)
async def user_action(
    request: Request,
    user_id: int,
    action: str,
    role: Annotated[str | None, Form()] = None,
    reassign_to: Annotated[str | None, Form()] = None,
    viewer: Viewer = Depends(require_admin),
) -> Response:
    try:
        async with container_of(request).sessions.begin() as db:
            if action == "approve":
                await users.approve(db, viewer.actor, user_id)
            elif action == "role":
                await users.change_role(db, viewer.actor, user_id, role or "")
            elif action == "suspend":
                await users.set_suspended(db, viewer.actor, user_id, True)
            elif action == "reactivate":
                await users.set_suspended(db, viewer.actor, user_id, False)
            elif action == "delete":
                heir = int(reassign_to) if reassign_to and reassign_to.isdigit() else None
                await users.delete_user(db, viewer.actor, user_id, reassign_to=heir)
            else:
                return await _users_page(request, viewer, error="Unknown action.", status=404)
    except DomainError as exc:
        return await _users_page(request, viewer, error=exc.message, status=409)
    return RedirectResponse(f"/admin/users?done={action}&user={user_id}", status_code=303)


@router.post("/admin/approval-setting")
async def approval_setting(
    request: Request,
    required: Annotated[str | None, Form()] = None,
    viewer: Viewer = Depends(require_admin),
) -> Response:
    wanted = required == "on"
    await live_of(request).update(viewer.actor, {"new_users_need_approval": wanted})
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/admin/audit", response_class=HTMLResponse)
async def audit_page(request: Request, viewer: Viewer = Depends(require_admin)) -> HTMLResponse:
    params = request.query_params
    days = int_param(params.get("days"), 30)
    where = audit.AuditFilter(
        action=params.get("action") or None,
        actor=(params.get("actor") or "")[:120] or None,
        since=datetime.now(UTC) - timedelta(days=min(days, 3650)),
    )
    async with container_of(request).sessions() as db:
        page = await audit.browse(db, where, page=int_param(params.get("page")))
        actions = await audit.actions(db)
    context = page_context(
        request,
        viewer,
        page_title="Audit log",
        active="admin",
        page=page,
        actions=actions,
        where=where,
        days=days,
    )
    return render(request, "admin_audit.html", context)
