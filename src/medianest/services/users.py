"""Admin user management, and the rules on what a user may see of other users."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from medianest.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from medianest.domain.users import Actor, Role, Status, check_removal_of_admin, check_role_change
from medianest.persistence.models import AuditEntry, User
from medianest.services import audit, auth_watch, runtime_settings, sessions


@dataclass(frozen=True)
class UserPage:
    users: Sequence[User]
    total: int
    page: int
    size: int


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise PermissionDenied("Only an admin can do that.")


async def get_user(db: AsyncSession, user_id: int | None) -> User:
    """The user with this id, or NotFound (also for no id, as a system actor has)."""
    user = await db.get(User, user_id) if user_id is not None else None
    if user is None:
        raise NotFound("No such user.")
    return user


async def get_visible(db: AsyncSession, actor: Actor, user_id: int) -> User:
    """A user record: admins see everyone, users only themselves (others look like 404)."""
    if not actor.is_admin and actor.user_id != user_id:
        raise NotFound("No such user.")
    return await get_user(db, user_id)


async def search(
    db: AsyncSession,
    actor: Actor,
    *,
    q: str = "",
    status: str | None = None,
    page: int = 1,
    size: int = 50,
) -> UserPage:
    require_admin(actor)
    size, page = max(1, min(size, 200)), max(1, page)
    query = select(User)
    if q:
        needle = f"%{q.strip().lower()[:120]}%"
        query = query.where(
            or_(
                User.username_key.like(needle),
                func.lower(User.display_name).like(needle),
                func.lower(func.coalesce(User.email, "")).like(needle),
            )
        )
    if status in {s.value for s in Status}:
        query = query.where(User.status == status)
    total = await db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await db.scalars(
        query.order_by((User.status == Status.PENDING).desc(), User.username_key)
        .offset((page - 1) * size)
        .limit(size)
    )
    return UserPage(list(rows), int(total), page, size)


async def _active_admins(db: AsyncSession) -> int:
    return int(
        await db.scalar(
            select(func.count()).where(User.role == Role.ADMIN, User.status == Status.ACTIVE)
        )
        or 0
    )


async def _target(db: AsyncSession, actor: Actor, user_id: int) -> User:
    require_admin(actor)
    return await get_user(db, user_id)


async def is_server_owner(db: AsyncSession, user: User) -> bool:
    """The Plex server's owner (learned at their sign-in): always an admin, never suspended."""
    if user.plex_id is None:
        return False
    owner = await runtime_settings.get_value(db, runtime_settings.SERVER_OWNER_PLEX_ID, None)
    return owner is not None and str(owner) == str(user.plex_id)


async def server_owner_id(db: AsyncSession) -> int | None:
    owner = await runtime_settings.get_value(db, runtime_settings.SERVER_OWNER_PLEX_ID, None)
    if owner is None:
        return None
    return await db.scalar(select(User.id).where(User.plex_id == owner))


async def _refuse_for_owner(db: AsyncSession, user: User, what: str) -> None:
    if await is_server_owner(db, user):
        raise Conflict(f"{user.display_name} owns the Plex server and is always an admin: {what}.")


async def approve(db: AsyncSession, actor: Actor, user_id: int) -> User:
    user = await _target(db, actor, user_id)
    if user.status != Status.PENDING:
        raise Conflict(f"{user.username} is not waiting for approval.")
    user.status = Status.ACTIVE
    audit.record(
        db,
        actor,
        "user_approved",
        f"Approved {user.username}",
        target_type="user",
        target_id=user.id,
        target_label=user.username,
    )
    return user


async def change_role(db: AsyncSession, actor: Actor, user_id: int, new_role: str) -> User:
    user = await _target(db, actor, user_id)
    if user.role == new_role:
        return user
    await _refuse_for_owner(db, user, "their role cannot change")
    admins = await _active_admins(db) if user.status == Status.ACTIVE else 2
    check_role_change(
        actor_is_admin=actor.is_admin, target_role=user.role, new_role=new_role, admins_left=admins
    )
    old = user.role
    user.role = new_role
    ended = await sessions.revoke_all(db, user.id)
    audit.record(
        db,
        actor,
        "role_changed",
        f"{user.username}: {old} → {new_role}",
        target_type="user",
        target_id=user.id,
        target_label=user.username,
        details={"old": old, "new": new_role, "sessions_ended": ended},
    )
    return user


async def set_suspended(db: AsyncSession, actor: Actor, user_id: int, suspended: bool) -> User:
    user = await _target(db, actor, user_id)
    if suspended:
        if user.id == actor.user_id:
            raise Conflict("You cannot suspend yourself.")
        await _refuse_for_owner(db, user, "they cannot be suspended")
        check_removal_of_admin(
            target_role=user.role, target_status=user.status, active_admins=await _active_admins(db)
        )
        if user.status == Status.SUSPENDED:
            return user
        user.status = Status.SUSPENDED
        ended = await sessions.revoke_all(db, user.id)
        audit.record(
            db,
            actor,
            "user_suspended",
            f"Suspended {user.username}",
            target_type="user",
            target_id=user.id,
            target_label=user.username,
            details={"sessions_ended": ended},
        )
        return user
    if user.status != Status.SUSPENDED:
        return user
    user.status = Status.ACTIVE
    audit.record(
        db,
        actor,
        "user_reactivated",
        f"Reactivated {user.username}",
        target_type="user",
        target_id=user.id,
        target_label=user.username,
    )
    return user


async def delete_user(
    db: AsyncSession, actor: Actor, user_id: int, *, reassign_to: int | None = None
) -> None:
    """Deletes a user. What they own goes with them, or to ``reassign_to`` (the admin chooses)."""
    user = await _target(db, actor, user_id)
    if user.id == actor.user_id:
        raise Conflict("You cannot delete your own account while signed in with it.")
    await _refuse_for_owner(db, user, "their account cannot be deleted")
    check_removal_of_admin(
        target_role=user.role, target_status=user.status, active_admins=await _active_admins(db)
    )
    heir: User | None = None
    if reassign_to is not None:
        heir = await db.get(User, reassign_to)
        if heir is None or heir.id == user.id:
            raise InvalidInput(
                "Choose another existing user to receive their things.", field="reassign_to"
            )
    for reassign in OWNERSHIP_HANDLERS:
        await reassign(db, user.id, heir.id if heir else None)
    label = user.username
    await db.execute(delete(User).where(User.id == user.id))
    auth_watch.note(db, user_id)
    audit.record(
        db,
        actor,
        "user_deleted",
        f"Deleted {label}" + (f"; their things went to {heir.username}" if heir else ""),
        target_type="user",
        target_id=user_id,
        target_label=label,
        details={"reassigned_to": heir.username if heir else None},
    )


async def count_audit_entries_by(db: AsyncSession, user_id: int) -> int:
    return int(await db.scalar(select(func.count()).where(AuditEntry.actor_id == user_id)) or 0)


# Features that own rows per user (requests, downloads, notifications) register a handler here:
# ``handler(db, user_id, heir_id_or_None)`` moves or deletes that user's rows before the user goes.
OwnershipHandler = Callable[[AsyncSession, int, int | None], Awaitable[None]]
OWNERSHIP_HANDLERS: list[OwnershipHandler] = []
