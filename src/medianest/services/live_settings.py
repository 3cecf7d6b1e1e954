"""Limits, feature switches and branding the admin changes in the browser, read live.

Each value is one row in app_settings (absent = the default from the environment settings).
Every process re-reads them after a short time, so a change reaches web and worker processes
without a restart; the process that made the change sees it at once.
"""

from __future__ import annotations

import asyncio
import json
import time

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from medianest.config import Settings
from medianest.persistence.models import AppSetting

# How stale another process's view may be (seconds).
REFRESH_SECONDS = 3.0


class Tunables(BaseModel):
    """The live values; the field constraints are the validation the admin form reports."""

    requests_per_hour: int = Field(20, ge=1, le=10_000)
    download_jobs_per_hour: int = Field(5, ge=1, le=10_000)
    download_max_playlist: int = Field(300, ge=1, le=5_000)
    download_concurrency: int = Field(2, ge=1, le=16)
    download_min_free_mb: int = Field(2048, ge=0, le=10_000_000)
    session_days: int = Field(30, ge=1, le=365)
    new_users_need_approval: bool = False
    feature_requests: bool = True
    feature_youtube: bool = True
    feature_library: bool = True
    server_name: str = Field("MediaNest", min_length=1, max_length=80)
    welcome_text: str = Field("", max_length=2_000)

    @classmethod
    def defaults(cls, settings: Settings) -> Tunables:
        return cls(
            requests_per_hour=settings.requests_per_hour,
            download_jobs_per_hour=settings.download_jobs_per_hour,
            download_max_playlist=settings.download_max_playlist,
            download_concurrency=settings.download_concurrency,
            download_min_free_mb=settings.download_min_free_mb,
            session_days=settings.session_days,
        )


# app_settings key of each field (the approval switch kept the key it had before issue 9).
STORAGE_KEYS: dict[str, str] = {
    name: f"live.{name}" for name in Tunables.model_fields if name != "new_users_need_approval"
} | {"new_users_need_approval": "auth.new_users_need_approval"}


class LiveSettings:
    def __init__(self, db: async_sessionmaker[AsyncSession], defaults: Tunables) -> None:
        self.db = db
        self.defaults = defaults
        self._current = defaults
        self._loaded_at = float("-inf")
        self._lock = asyncio.Lock()

    async def current(self) -> Tunables:
        if time.monotonic() - self._loaded_at < REFRESH_SECONDS:
            return self._current
        async with self._lock:
            if time.monotonic() - self._loaded_at >= REFRESH_SECONDS:
                async with self.db() as session:
                    self._current = await self.read(session)
                self._loaded_at = time.monotonic()
        return self._current

    def cached(self) -> Tunables:
        """The last values read, for code that cannot wait (may be up to REFRESH_SECONDS old)."""
        return self._current

    async def read(self, session: AsyncSession) -> Tunables:
        """Stored values over the defaults; a stored value that no longer validates is ignored."""
        by_key = {key: name for name, key in STORAGE_KEYS.items()}
        rows = await session.scalars(select(AppSetting).where(AppSetting.key.in_(by_key)))
        values = self.defaults.model_dump()
        for row in rows:
            try:
                candidate = {**values, by_key[row.key]: json.loads(row.value)}
                values = Tunables.model_validate(candidate).model_dump()
            except ValueError:
                continue
        return Tunables.model_validate(values)

    def forget(self) -> None:
        """Makes the next current() read the database (after this process changed a value)."""
        self._loaded_at = float("-inf")
