"""GET /api/v1/me and user records: everyone sees themselves, admins see everyone."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from medianest.persistence.models import User
from medianest.services import audit, users
from medianest.web.auth import Viewer, require_admin, require_viewer
from medianest.web.deps import container_of

MAX_PAGE = 10_000

router = APIRouter(prefix="/api/v1", tags=["users"])


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    email: str | None
    avatar_url: str | None
    role: str
    status: str
    plex_account: bool
    created_at: datetime
    last_sign_in_at: datetime | None

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            email=user.email,
            avatar_url=user.avatar_url,
            role=user.role,
            status=user.status,
            plex_account=user.plex_id is not None,
            created_at=user.created_at,
            last_sign_in_at=user.last_sign_in_at,
        )


class AuditOut(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    target_type: str | None
    target_label: str | None
    ip: str | None
    summary: str


@router.get("/me", response_model=UserOut)
async def me(viewer: Viewer = Depends(require_viewer)) -> UserOut:
    return UserOut.of(viewer.user)


@router.get("/users/{user_id}", response_model=UserOut)
async def get_user(
    request: Request, user_id: int, viewer: Viewer = Depends(require_viewer)
) -> UserOut:
    async with container_of(request).sessions() as db:
        return UserOut.of(await users.get_visible(db, viewer.actor, user_id))


@router.get("/users", response_model=list[UserOut])
async def list_users(
    request: Request,
    q: str = "",
    page: int = Query(1, ge=1, le=MAX_PAGE),
    viewer: Viewer = Depends(require_admin),
) -> list[UserOut]:
    async with container_of(request).sessions() as db:
        found = await users.search(db, viewer.actor, q=q[:120], page=max(1, page))
    return [UserOut.of(u) for u in found.users]


@router.get("/audit", response_model=list[AuditOut])
async def audit_log(
    request: Request,
    action: str | None = None,
    page: int = Query(1, ge=1, le=MAX_PAGE),
    viewer: Viewer = Depends(require_admin),
) -> list[AuditOut]:
    async with container_of(request).sessions() as db:
        found = await audit.browse(db, audit.AuditFilter(action=action), page=max(1, page))
    return [
        AuditOut(
            id=e.id,
            at=e.at,
            actor=e.actor_label,
            action=e.action,
            target_type=e.target_type,
            target_label=e.target_label,
            ip=e.ip,
            summary=e.summary,
        )
        for e in found.entries
    ]
