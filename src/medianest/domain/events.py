"""Events that travel from services to browsers (and between processes)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

AUDIENCE_ALL = "all"
AUDIENCE_ADMINS = "admins"


@dataclass(frozen=True)
class Event:
    """Something a browser may want to show live.

    ``audience`` is ``"all"``, ``"admins"`` or ``"user:<id>"``: the SSE endpoint forwards an
    event only to the connections allowed to see it.
    """

    type: str
    data: dict[str, Any]
    audience: str = AUDIENCE_ALL
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def to_json(self) -> str:
        return json.dumps(
            {"type": self.type, "data": self.data, "audience": self.audience, "id": self.id},
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, raw: str | bytes) -> Event:
        payload = json.loads(raw)
        return cls(
            type=str(payload["type"]),
            data=dict(payload["data"]),
            audience=str(payload.get("audience", AUDIENCE_ALL)),
            id=str(payload["id"]),
        )

    def visible_to(self, user_id: int | None, is_admin: bool) -> bool:
        if self.audience == AUDIENCE_ALL:
            return True
        if self.audience == AUDIENCE_ADMINS:
            return is_admin
        return user_id is not None and self.audience == f"user:{user_id}"


def for_user(user_id: int) -> str:
    return f"user:{user_id}"
