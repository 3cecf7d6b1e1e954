"""GET /events: the live-update stream of the signed-in viewer.

Each connection is bound to the viewer who opened it: events for everyone, events for that
person only (``user:<id>``), and the admins' events when the viewer is an admin.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from sse_starlette.sse import EventSourceResponse

from medianest.realtime.sse import event_stream
from medianest.web.auth import viewer_of
from medianest.web.deps import container_of
from medianest.web.problems import Problem

router = APIRouter(include_in_schema=False)


@router.get("/events")
async def events(request: Request) -> EventSourceResponse:
    container = container_of(request)
    viewer = await viewer_of(request)
    if viewer is None:
        raise Problem(401, "Sign in to receive live updates.")
    stream = event_stream(container.bus, user_id=viewer.user.id, is_admin=viewer.is_admin)
    return EventSourceResponse(
        stream,
        ping=int(container.settings.sse_heartbeat_seconds) or 1,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
