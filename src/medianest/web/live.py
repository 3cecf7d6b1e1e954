"""GET /events: the live-update stream of the signed-in viewer.

Each connection is bound to the viewer who opened it: events for everyone, events for that
person only (``user:<id>``), and the admins' events when the viewer is an admin. It resumes after
``Last-Event-ID`` (the header a reconnecting EventSource sends, or ``?last_event_id=`` from a
page that opened a new one), and ends as soon as that viewer's access changes.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from sse_starlette.sse import EventSourceResponse

from medianest.domain.users import Role
from medianest.realtime.sse import Audience, event_stream
from medianest.web.auth import identity_of, viewer_of
from medianest.web.deps import container_of
from medianest.web.live_encoding import LiveEncoder
from medianest.web.problems import Problem

router = APIRouter(include_in_schema=False)


def _encoder_of(request: Request) -> LiveEncoder:
    """One per app: every stream of this process shares its encodings."""
    state, container = request.app.state, container_of(request)
    known = getattr(state, "live_encoder", None)
    if known is None or known[0] is not container:  # (a restarted app has a new container)
        known = state.live_encoder = (container, LiveEncoder(state.templates, container.status))
    encoder: LiveEncoder = known[1]
    return encoder


@router.get("/events")
async def events(request: Request) -> EventSourceResponse:
    container = container_of(request)
    viewer = await viewer_of(request)
    if viewer is None:
        raise Problem(401, "Sign in to receive live updates.")
    audience = Audience(viewer.user.id, viewer.is_admin)

    async def recheck(fresh: bool) -> Audience | None:
        found = await identity_of(request, fresh=fresh)
        if found is None or found.session_id != viewer.session_id:
            return None
        return Audience(found.user.id, found.user.role == Role.ADMIN)

    last_event_id = request.headers.get("last-event-id") or request.query_params.get(
        "last_event_id"
    )
    stream = event_stream(
        container.bus,
        audience,
        recheck=recheck,
        last_event_id=last_event_id,
        encode=_encoder_of(request).encode,
    )
    return EventSourceResponse(
        stream,
        ping=int(container.settings.sse_heartbeat_seconds) or 1,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
