"""Events that travel from services to browsers (and between processes)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

AUDIENCE_ALL = "all"
AUDIENCE_ADMINS = "admins"
AUDIENCE_INTERNAL = "internal"  # between MediaNest processes only; never sent to a browser
_OWNER_AND_ADMINS = "+admins"
_EVENT_ID = re.compile(r"(\d{1,20})-(\d{1,20})")

EventOrder = tuple[int, int]


@dataclass(frozen=True)
class Event:
    """Something a browser may want to show live.

    ``audience`` is ``"all"``, ``"admins"``, ``"user:<id>"``, ``"user:<id>+admins"`` (the owner
    and every admin, as one event) or ``"internal"``: the SSE endpoint forwards an event only to
    the connections allowed to see it. ``id`` is given by the bus when the event is published:
    ``<milliseconds>-<sequence>``, unique and increasing across every process of a deployment.
    """

    type: str
    data: dict[str, Any]
    audience: str = AUDIENCE_ALL
    id: str = ""

    def to_json(self) -> str:
        return json.dumps(
            {"type": self.type, "data": self.data, "audience": self.audience, "id": self.id},
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, raw: str | bytes, *, event_id: str | None = None) -> Event:
        payload = json.loads(raw)
        return cls(
            type=str(payload["type"]),
            data=dict(payload["data"]),
            audience=str(payload.get("audience", AUDIENCE_ALL)),
            id=event_id if event_id is not None else str(payload.get("id", "")),
        )

    def visible_to(self, user_id: int | None, is_admin: bool) -> bool:
        audience = self.audience
        if audience == AUDIENCE_ALL:
            return True
        if audience == AUDIENCE_INTERNAL:
            return False
        if audience == AUDIENCE_ADMINS:
            return is_admin
        if audience.endswith(_OWNER_AND_ADMINS):
            if is_admin:
                return True
            audience = audience.removesuffix(_OWNER_AND_ADMINS)
        return user_id is not None and audience == f"user:{user_id}"

    @property
    def order(self) -> EventOrder:
        return event_order(self.id) or (0, 0)


def for_user(user_id: int) -> str:
    return f"user:{user_id}"


def for_owner_and_admins(user_id: int) -> str:
    """One event for a person's own pages and every admin's (an admin owner gets it once)."""
    return f"user:{user_id}{_OWNER_AND_ADMINS}"


def event_order(event_id: str) -> EventOrder | None:
    """Where an event id sorts; None for anything that is not an id the bus gave."""
    found = _EVENT_ID.fullmatch(event_id.strip())
    return (int(found.group(1)), int(found.group(2))) if found else None


def event_id(order: EventOrder) -> str:
    return f"{order[0]}-{order[1]}"
