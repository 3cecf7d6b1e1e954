"""Personal API tokens: shown once, stored as SHA-256, acting with their owner's permissions."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from medianest.domain.errors import InvalidInput, NotFound
from medianest.domain.users import Actor, Status, clean_name
from medianest.persistence.models import ApiToken, User
from medianest.persistence.types import utcnow
from medianest.security.tokens import digest, new_token
from medianest.services import audit

TOKEN_PREFIX = "mnt_"  # noqa: S105 - a public prefix, not a secret
MAX_TOKENS_PER_USER = 20


@dataclass(frozen=True)
class NewToken:
    id: int
    name: str
    secret: str  # the only time anyone sees it


async def create(db: AsyncSession, actor: Actor, owner_id: int, name: str) -> NewToken:
    label = clean_name(name, "")
    if not label:
        raise InvalidInput("Give the token a name, e.g. the script that will use it.", field="name")
    active = await db.scalars(
        select(ApiToken.id).where(ApiToken.user_id == owner_id, ApiToken.revoked_at.is_(None))
    )
    if len(list(active)) >= MAX_TOKENS_PER_USER:
        raise InvalidInput(f"You can have at most {MAX_TOKENS_PER_USER} tokens; revoke one first.")
    secret = TOKEN_PREFIX + new_token(30)
    row = ApiToken(user_id=owner_id, name=label, token_hash=digest(secret), prefix=secret[:10])
    db.add(row)
    await db.flush()
    audit.record(
        db,
        actor,
        "token_created",
        f"API token '{label}' created",
        target_type="api_token",
        target_id=row.id,
        target_label=label,
    )
    return NewToken(row.id, label, secret)


async def list_for(db: AsyncSession, owner_id: int) -> list[ApiToken]:
    rows = await db.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == owner_id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc())
    )
    return list(rows)


async def revoke(db: AsyncSession, actor: Actor, owner_id: int, token_id: int) -> None:
    row = await db.get(ApiToken, token_id)
    if row is None or row.user_id != owner_id or row.revoked_at is not None:
        raise NotFound("No such token.")
    row.revoked_at = utcnow()
    audit.record(
        db,
        actor,
        "token_revoked",
        f"API token '{row.name}' revoked",
        target_type="api_token",
        target_id=row.id,
        target_label=row.name,
    )


async def resolve(db: AsyncSession, secret: str) -> User | None:
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    found = (
        await db.execute(
            select(ApiToken, User)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == digest(secret), ApiToken.revoked_at.is_(None))
        )
    ).first()
    if found is None:
        return None
    row, user = found
    if user.status != Status.ACTIVE:
        return None
    now = utcnow()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        row.last_used_at = now
    return user
