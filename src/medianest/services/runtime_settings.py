"""Settings the admin changes in the browser, stored as JSON in app_settings."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from medianest.persistence.models import AppSetting

NEW_USERS_NEED_APPROVAL = "auth.new_users_need_approval"
SERVER_OWNER_NAME = "plex.owner_name"
SERVER_OWNER_PLEX_ID = "plex.owner_id"


async def get_value(session: AsyncSession, key: str, default: Any) -> Any:
    row = await session.get(AppSetting, key)
    if row is None:
        return default
    try:
        return json.loads(row.value)
    except ValueError:
        return default


async def set_value(session: AsyncSession, key: str, value: Any) -> Any:
    """Stores a value; returns the previous one (for the audit log)."""
    row = await session.get(AppSetting, key)
    previous = json.loads(row.value) if row is not None else None
    encoded = json.dumps(value)
    if row is None:
        session.add(AppSetting(key=key, value=encoded))
    else:
        row.value = encoded
    return previous
