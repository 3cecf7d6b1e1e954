"""A lease in the database: of many MediaNest processes, only the holder runs a singleton loop.

The lease is one ``app_settings`` row (``{"holder", "expires"}``) changed by compare-and-swap on
its old value, so it works the same on SQLite and PostgreSQL, with or without Redis. A holder
renews it well before it expires; when a holder dies, another process takes over after ``ttl``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from medianest.persistence.models import AppSetting
from medianest.persistence.types import utcnow


class DatabaseLease:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        name: str,
        holder: str,
        ttl: timedelta,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.key = f"lease.{name}"
        self.holder = holder
        self.ttl = ttl

    def _value(self, now: datetime) -> str:
        return json.dumps({"holder": self.holder, "expires": (now + self.ttl).isoformat()})

    async def acquire(self) -> bool:
        """Takes or renews the lease; False while another live holder has it."""
        now = self.clock()
        try:
            async with self.sessions.begin() as db:
                current = await db.scalar(
                    select(AppSetting.value).where(AppSetting.key == self.key)
                )
                if current is None:
                    db.add(AppSetting(key=self.key, value=self._value(now)))
                    return True
                if not self._free_for_us(current, now):
                    return False
                result = await db.execute(
                    update(AppSetting)
                    .where(AppSetting.key == self.key, AppSetting.value == current)
                    .values(value=self._value(now), updated_at=now)
                )
                return bool(result.rowcount)  # type: ignore[attr-defined]
        except IntegrityError:  # another process inserted the row first
            return False

    async def release(self) -> None:
        """Lets another process take over at once (on a clean shutdown)."""
        async with self.sessions.begin() as db:
            current = await db.scalar(select(AppSetting.value).where(AppSetting.key == self.key))
            if current is not None and self._holder_of(current) == self.holder:
                expired = json.dumps({"holder": None, "expires": self.clock().isoformat()})
                await db.execute(
                    update(AppSetting)
                    .where(AppSetting.key == self.key, AppSetting.value == current)
                    .values(value=expired)
                )

    def _free_for_us(self, current: str, now: datetime) -> bool:
        try:
            payload = json.loads(current)
            expires = datetime.fromisoformat(payload["expires"])
        except (ValueError, KeyError, TypeError):
            return True  # unreadable: take it over
        return payload.get("holder") == self.holder or expires <= now

    @staticmethod
    def _holder_of(current: str) -> str | None:
        try:
            holder = json.loads(current).get("holder")
        except (ValueError, AttributeError):
            return None
        return holder if isinstance(holder, str) else None
