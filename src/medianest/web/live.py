"""GET /events: the live-update stream."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sse_starlette.sse import EventSourceResponse

from medianest.realtime.sse import event_stream
from medianest.web.deps import container_of

router = APIRouter(include_in_schema=False)


@router.get("/events")
async def events(request: Request) -> EventSourceResponse:
    container = container_of(request)
    # Sign-in arrives with the sessions layer; until then the stream carries public events only.
    stream = event_stream(container.bus, user_id=None, is_admin=False)
    return EventSourceResponse(
        stream,
        ping=int(container.settings.sse_heartbeat_seconds) or 1,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
