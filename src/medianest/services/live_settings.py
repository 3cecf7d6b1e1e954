"""Limits, feature switches and branding the admin changes in the browser, read live.

Each value is one row in app_settings (absent = the default from the environment settings).
Every process re-reads them after a short time, so a change reaches web and worker processes
without a restart; the process that made the change sees it at once.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from annotated_types import Ge, Le, MaxLen
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from medianest.config import Settings
from medianest.domain.errors import InvalidInput, first_line
from medianest.domain.users import Actor
from medianest.observability.logging import get_logger
from medianest.persistence.models import AppSetting
from medianest.services import audit, runtime_settings
from medianest.services.users import require_admin

log = get_logger(__name__)

# How stale another process's view may be (seconds).
REFRESH_SECONDS = 3.0
FEATURES = ("requests", "youtube", "library")


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

    def feature_on(self, feature: str) -> bool:
        return bool(getattr(self, f"feature_{feature}", True))


# app_settings key of each field (the approval switch keeps its older key).
STORAGE_KEYS: dict[str, str] = {
    name: f"live.{name}" for name in Tunables.model_fields if name != "new_users_need_approval"
} | {"new_users_need_approval": runtime_settings.NEW_USERS_NEED_APPROVAL}

# How each value is named on the admin pages, in messages and in the audit log.
LABELS: dict[str, str] = {
    "requests_per_hour": "Requests per person per hour",
    "download_jobs_per_hour": "Downloads per person per hour",
    "download_max_playlist": "Largest playlist (videos)",
    "download_concurrency": "Videos downloading at once",
    "download_min_free_mb": "Free disk space to keep (MB)",
    "session_days": "Sign-in lasts (days without use)",
    "new_users_need_approval": "New Plex users need approval",
    "feature_requests": "Requests",
    "feature_youtube": "YouTube downloads",
    "feature_library": "Library browser",
    "server_name": "Server name",
    "welcome_text": "Welcome text",
}


@dataclass(frozen=True)
class Change:
    name: str
    old: Any
    new: Any


class SettingsInvalid(InvalidInput):
    """Every field that did not validate, with a message a person can act on."""

    def __init__(self, errors: dict[str, str]) -> None:
        first = next(iter(errors))
        message = (
            f"{LABELS.get(first, first)}: {errors[first]}"
            if len(errors) == 1
            else f"{len(errors)} values need fixing."
        )
        super().__init__(message, field=first)
        self.errors = errors


def bounds(name: str) -> tuple[int | None, int | None, int | None]:
    """(minimum, maximum, maximum length) from the field's constraints."""
    low = high = longest = None
    for rule in Tunables.model_fields[name].metadata:
        if isinstance(rule, Ge):
            low = int(rule.ge)  # type: ignore[call-overload]
        elif isinstance(rule, Le):
            high = int(rule.le)  # type: ignore[call-overload]
        elif isinstance(rule, MaxLen):
            longest = rule.max_length
    return low, high, longest


def _message(name: str, kind: str) -> str:
    low, high, longest = bounds(name)
    if kind == "bool_parsing" or kind == "bool_type":
        return "Choose on or off."
    if kind == "string_too_short":
        return "This cannot be empty."
    if kind in ("string_too_long",) and longest is not None:
        return f"Use at most {longest:,} characters."
    if kind == "string_type":
        return "Enter text."
    if low is not None and high is not None:
        return f"Enter a whole number from {low:,} to {high:,}."
    return "Enter a whole number."


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\r\n", "\n").strip()
    return value


class LiveSettings:
    def __init__(
        self,
        db: async_sessionmaker[AsyncSession],
        defaults: Tunables,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.defaults = defaults
        self.clock = clock
        self._current = defaults
        self._loaded_at = float("-inf")
        self._lock = asyncio.Lock()
        self._refresh: asyncio.Task[None] | None = None

    async def current(self) -> Tunables:
        """The values in force. Once read, older values are answered at once while a fresh
        read runs in the background: callers often hold a database connection, and waiting
        for a second one from inside the first can exhaust the pool under a crowd."""
        if self.clock() - self._loaded_at < REFRESH_SECONDS:
            return self._current
        if self._loaded_at != float("-inf"):
            if self._refresh is None or self._refresh.done():
                self._refresh = asyncio.create_task(self._reload_quietly(), name="live-settings")
            return self._current
        await self._reload()
        return self._current

    async def _reload(self) -> None:
        async with self._lock:
            if self.clock() - self._loaded_at >= REFRESH_SECONDS:
                async with self.db() as session:
                    self._current = await self.read(session)
                self._loaded_at = self.clock()

    async def _reload_quietly(self) -> None:
        try:
            await self._reload()
        except Exception as exc:  # the values in force stay; the next call tries again
            log.warning("cannot re-read the admin settings", reason=first_line(exc))

    async def aclose(self) -> None:
        if self._refresh is not None:
            self._refresh.cancel()
            await asyncio.gather(self._refresh, return_exceptions=True)

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

    async def update(self, actor: Actor, changes: Mapping[str, Any]) -> list[Change]:
        """Validates all of ``changes`` (nothing is stored unless every value is valid), stores
        the ones that differ, audits each with its old and new value, and applies them here at
        once (other processes within REFRESH_SECONDS)."""
        require_admin(actor)
        unknown = {name: "MediaNest has no such setting." for name in changes if name not in LABELS}
        if unknown:
            raise SettingsInvalid(unknown)
        cleaned = {name: _clean(value) for name, value in changes.items()}
        done: list[Change] = []
        async with self.db.begin() as db:
            before = await self.read(db)
            try:
                wanted = Tunables.model_validate({**before.model_dump(), **cleaned})
            except ValidationError as exc:
                errors: dict[str, str] = {}
                for error in exc.errors():
                    name = str(error["loc"][0]) if error["loc"] else ""
                    errors.setdefault(name, _message(name, error["type"]))
                raise SettingsInvalid(errors) from None
            for name in changes:
                old, new = getattr(before, name), getattr(wanted, name)
                if old == new:
                    continue
                await runtime_settings.set_value(db, STORAGE_KEYS[name], new)
                audit.record(
                    db,
                    actor,
                    "setting_changed",
                    f"{LABELS[name]}: {_shown(old)} → {_shown(new)}",
                    target_type="setting",
                    target_label=STORAGE_KEYS[name],
                    details={"setting": STORAGE_KEYS[name], "old": old, "new": new},
                )
                done.append(Change(name, old, new))
        self.forget()
        return done


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    text = str(value)
    if not text:
        return "(empty)"
    return (
        f"“{text[:60]}…”" if len(text) > 60 else (f"“{text}”" if isinstance(value, str) else text)
    )
