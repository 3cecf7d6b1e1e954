"""GET /api/v1/notifications and POST /api/v1/notifications/read: the caller's own inbox."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from medianest.domain.json_input import DbId
from medianest.persistence.models import Notification
from medianest.services import inbox, notifications
from medianest.web.auth import Viewer, require_viewer
from medianest.web.deps import container_of

router = APIRouter(prefix="/api/v1", tags=["notifications"])


class NotificationOut(BaseModel):
    id: int
    kind: str = Field(description="e.g. service_down, service_up")
    title: str
    body: str
    link: str | None = Field(description="a path inside MediaNest")
    level: str = Field(description="info, success, warning or error")
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def of(cls, row: Notification) -> NotificationOut:
        return cls(
            id=row.id,
            kind=row.kind,
            title=row.title,
            body=row.body,
            link=row.link,
            level=row.level,
            created_at=row.created_at,
            read_at=row.read_at,
        )


class InboxOut(BaseModel):
    items: list[NotificationOut]
    unread: int
    total: int
    page: int
    size: int


class ReadIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={  # exactly one of the two, as the validator below insists
            "oneOf": [
                {
                    "required": ["ids"],
                    "properties": {
                        "ids": {"type": "array", "minItems": 1},
                        "all": {"const": False},
                    },
                },
                {
                    "required": ["all"],
                    "properties": {"all": {"const": True}, "ids": {"type": "null"}},
                },
            ]
        },
    )

    ids: list[DbId] | None = Field(default=None, max_length=500, description="these notifications")
    all: bool = Field(default=False, description="or every unread notification")

    @model_validator(mode="after")
    def _one_of(self) -> ReadIn:
        if (self.ids is None) == (not self.all):
            raise ValueError("send either ids or all=true")
        return self


class ReadOut(BaseModel):
    marked: int
    unread: int


@router.get("/notifications", response_model=InboxOut)
async def list_notifications(
    request: Request,
    page: int = Query(1, ge=1, le=10_000),
    size: int = Query(30, ge=1, le=100),
    unread: bool = False,
    viewer: Viewer = Depends(require_viewer),
) -> InboxOut:
    async with container_of(request).sessions() as db:
        found = await notifications.inbox(
            db, viewer.user.id, page=page, size=size, unread_only=unread
        )
    return InboxOut(
        items=[NotificationOut.of(row) for row in found.items],
        unread=found.unread,
        total=found.total,
        page=found.page,
        size=found.size,
    )


@router.post("/notifications/read", response_model=ReadOut)
async def mark_read(
    request: Request, body: ReadIn, viewer: Viewer = Depends(require_viewer)
) -> ReadOut:
    """Another person's notification id answers 404, and nothing is marked."""
    async with container_of(request).sessions.begin() as db:
        marked = await inbox.mark_read(db, viewer.user.id, None if body.all else body.ids)
        unread = await notifications.unread_count(db, viewer.user.id)
    return ReadOut(marked=marked, unread=unread)
