"""Re-encrypting stored secrets after an encryption key is added (key rotation)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from medianest.domain.users import Actor
from medianest.persistence.models import IntegrationConfig, User
from medianest.security.secretbox import SecretBox
from medianest.services import audit


async def rotate_secrets(db: AsyncSession, box: SecretBox) -> int:
    """Re-encrypts every stored secret with the newest key; returns how many were rewritten."""
    count = 0
    for user in await db.scalars(select(User)):
        for column in ("plex_token_enc", "plex_server_token_enc"):
            value = getattr(user, column)
            if value:
                setattr(user, column, box.rotate(value))
                count += 1
    for config in await db.scalars(select(IntegrationConfig)):
        sealed = dict(config.secrets or {})
        rotated = {name: box.rotate(value) if value else value for name, value in sealed.items()}
        count += sum(1 for value in sealed.values() if value)
        # A JSON column does not see changes made in place: assign a new dict.
        config.secrets = rotated
    audit.record(db, Actor.system(), "keys_rotated", f"{count} stored secret(s) re-encrypted")
    return count
