"""Roles, account states and the rules about who may change whom."""

from __future__ import annotations

import re
from enum import StrEnum

from medianest.domain.errors import Conflict, InvalidInput, PermissionDenied

USERNAME_MAX = 120
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Role(StrEnum):
    USER = "user"
    ADMIN = "admin"


class Status(StrEnum):
    ACTIVE = "active"
    PENDING = "pending"  # signed in with Plex, waits for an admin's approval
    SUSPENDED = "suspended"


def clean_name(value: str | None, fallback: str) -> str:
    """Names from plex.tv are shown everywhere: strip control characters, cap the length."""
    text = _CONTROL.sub("", (value or "").strip())
    return (text or fallback)[:USERNAME_MAX]


def username_key(username: str) -> str:
    return username.strip().casefold()


def check_role_change(
    *, actor_is_admin: bool, target_role: str, new_role: str, admins_left: int
) -> None:
    if not actor_is_admin:
        raise PermissionDenied("Only an admin can change roles.")
    if new_role not in Role.__members__.values():
        raise InvalidInput(f"Unknown role {new_role!r}.", field="role")
    if target_role == Role.ADMIN and new_role != Role.ADMIN and admins_left <= 1:
        raise Conflict("This is the last admin: make someone else admin first.")


def check_removal_of_admin(*, target_role: str, target_status: str, active_admins: int) -> None:
    """Suspending or deleting must leave at least one active admin."""
    if target_role == Role.ADMIN and target_status == Status.ACTIVE and active_admins <= 1:
        raise Conflict("This is the last active admin: make someone else admin first.")


class Actor:
    """Who is asking, as services see it (from a session, an API token, or the system)."""

    __slots__ = ("ip", "role", "user_id", "username")

    def __init__(
        self, user_id: int | None, username: str, role: str, ip: str | None = None
    ) -> None:
        self.user_id = user_id
        self.username = username
        self.role = role
        self.ip = ip

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @classmethod
    def system(cls) -> Actor:
        return cls(None, "system", Role.ADMIN)

    @classmethod
    def anonymous(cls, ip: str | None) -> Actor:
        return cls(None, "anonymous", Role.USER, ip)
