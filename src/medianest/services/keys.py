"""Re-encrypting stored secrets after an encryption key is added (key rotation), and checking
that the keys in force open every stored secret (after a restore)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from medianest.domain.users import Actor
from medianest.persistence.models import IntegrationConfig, User
from medianest.security.secretbox import DecryptionFailed, SecretBox
from medianest.services import audit

USER_SECRET_COLUMNS = ("plex_token_enc", "plex_server_token_enc")


async def _each_secret(db: AsyncSession, change: Callable[[str], str]) -> int:
    """Passes every stored secret through ``change``, storing what it returns; counts them."""
    count = 0
    for user in await db.scalars(select(User)):
        for column in USER_SECRET_COLUMNS:
            value = getattr(user, column)
            if value:
                setattr(user, column, change(value))
                count += 1
    for config in await db.scalars(select(IntegrationConfig)):
        sealed = dict(config.secrets or {})
        changed = {name: change(value) if value else value for name, value in sealed.items()}
        count += sum(1 for value in sealed.values() if value)
        # A JSON column does not see changes made in place: assign a new dict.
        if changed != sealed:
            config.secrets = changed
    return count


async def rotate_secrets(db: AsyncSession, box: SecretBox) -> int:
    """Re-encrypts every stored secret with the newest key; returns how many were rewritten."""
    count = await _each_secret(db, box.rotate)
    audit.record(db, Actor.system(), "keys_rotated", f"{count} stored secret(s) re-encrypted")
    return count


async def unopenable_secrets(db: AsyncSession, box: SecretBox) -> tuple[int, int]:
    """How many stored secrets the keys open, and how many they do not (read only)."""
    closed = 0

    def check(value: str) -> str:
        nonlocal closed
        try:
            box.decrypt(value)
        except DecryptionFailed:
            closed += 1
        return value

    total = await _each_secret(db, check)
    return total - closed, closed
