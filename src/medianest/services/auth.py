"""Local accounts: the bootstrap admin, password sign-in with lockout, password changes."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from medianest.domain.errors import InvalidCredentials, InvalidInput, PermissionDenied, RateLimited
from medianest.domain.users import Actor, Role, Status, username_key
from medianest.observability.logging import get_logger
from medianest.persistence.models import User
from medianest.security.passwords import hash_password, password_problem, verify_password
from medianest.services import audit, sessions
from medianest.services.ratelimit import Limiter, per_minutes

log = get_logger(__name__)
BOOTSTRAP_ADMIN = "admin"


@dataclass(frozen=True)
class LockoutPolicy:
    per_account: int = 5
    per_ip: int = 20
    minutes: int = 15


@dataclass(frozen=True)
class SignedIn:
    token: str
    user: User
    must_change_password: bool


def actor_of(user: User, ip: str | None) -> Actor:
    return Actor(user.id, user.username, user.role, ip)


class LocalAuth:
    def __init__(
        self,
        db: async_sessionmaker[AsyncSession],
        limiter: Limiter,
        session_policy: sessions.SessionPolicy,
        lockout: LockoutPolicy,
    ) -> None:
        self.db = db
        self.limiter = limiter
        self.session_policy = session_policy
        self.account_rule = per_minutes(lockout.per_account, lockout.minutes)
        self.ip_rule = per_minutes(lockout.per_ip, lockout.minutes)

    async def ensure_bootstrap_admin(self, configured_password: str | None) -> str | None:
        """Creates the local `admin` when there is no admin at all; returns a generated password."""
        async with self.db.begin() as db:
            if await db.scalar(select(User.id).where(User.role == Role.ADMIN).limit(1)):
                return None
            generated = None if configured_password else secrets.token_urlsafe(12)
            password = configured_password or generated
            assert password is not None
            db.add(
                User(
                    username_key=username_key(BOOTSTRAP_ADMIN),
                    username=BOOTSTRAP_ADMIN,
                    display_name="Administrator",
                    role=Role.ADMIN,
                    status=Status.ACTIVE,
                    password_hash=hash_password(password),
                    must_change_password=generated is not None,
                )
            )
            audit.record(
                db,
                Actor.system(),
                "admin_bootstrapped",
                "Local admin account created",
                target_type="user",
                target_label=BOOTSTRAP_ADMIN,
            )
            try:
                await db.flush()
            except IntegrityError:  # another process made it first
                await db.rollback()
                return None
        return generated

    async def sign_in(
        self, username: str, password: str, *, ip: str, user_agent: str | None
    ) -> SignedIn:
        key = username_key(username)[:255]
        anonymous = Actor(None, username[:120] or "?", Role.USER, ip)
        wait = await self._locked_for(key, ip)
        if wait is not None:
            async with self.db.begin() as db:
                audit.record(
                    db,
                    anonymous,
                    "sign_in_locked",
                    "Sign-in refused: too many failures",
                    target_type="user",
                    target_label=key,
                )
            raise RateLimited(
                f"Too many failed sign-ins. Try again in {max(1, round(wait / 60))} minute(s).",
                wait,
            )
        async with self.db.begin() as db:
            user = await db.scalar(select(User).where(User.username_key == key))
            valid = verify_password(user.password_hash if user else None, password)
            if valid and user is not None:
                self._check_status(user)
                await self.limiter.clear(self.account_rule, "signin-account", key, ip)
                token = await sessions.open_session(
                    db, user, self.session_policy, ip=ip, user_agent=user_agent
                )
                audit.record(
                    db,
                    actor_of(user, ip),
                    "sign_in",
                    "Signed in with a password",
                    target_type="user",
                    target_id=user.id,
                    target_label=user.username,
                )
                return SignedIn(token, user, user.must_change_password)
        async with self.db.begin() as db:  # its own transaction: the failure must be recorded
            await self._count_failure(db, anonymous, key, ip)
        raise InvalidCredentials("Wrong username or password.")

    async def _locked_for(self, key: str, ip: str) -> int | None:
        """An account locks per address (a stranger's failures never lock the owner out from
        elsewhere); an address locks for all accounts after more failures."""
        waits = [
            await self.limiter.retry_after(self.account_rule, "signin-account", key, ip),
            await self.limiter.retry_after(self.ip_rule, "signin-ip", ip),
        ]
        found = [w for w in waits if w is not None]
        return max(found) if found else None

    async def _count_failure(self, db: AsyncSession, actor: Actor, key: str, ip: str) -> None:
        within_account = await self.limiter.hit(self.account_rule, "signin-account", key, ip)
        within_ip = await self.limiter.hit(self.ip_rule, "signin-ip", ip)
        audit.record(
            db,
            actor,
            "sign_in_failed",
            "Wrong username or password",
            target_type="user",
            target_label=key,
        )
        if not (within_account and within_ip) or await self._locked_for(key, ip):
            audit.record(
                db,
                actor,
                "lockout",
                "Sign-in locked after repeated failures",
                target_type="user",
                target_label=key,
            )

    @staticmethod
    def _check_status(user: User) -> None:
        if user.status == Status.SUSPENDED:
            raise PermissionDenied(
                "This account is suspended. Ask the server owner if this is a mistake."
            )
        if user.status == Status.PENDING:
            raise PermissionDenied("This account is waiting for an admin's approval.")

    async def change_password(
        self, user_id: int, current: str, new: str, *, ip: str, keep_session: int | None
    ) -> None:
        """Changes a local password; signs out every other device."""
        async with self.db.begin() as db:
            user = await db.get(User, user_id)
            if user is None or user.password_hash is None:
                raise PermissionDenied("This account signs in with Plex and has no password.")
            if not verify_password(user.password_hash, current):
                raise InvalidInput("The current password is not right.", field="current_password")
            if problem := password_problem(new, user.username):
                raise InvalidInput(problem, field="new_password")
            if verify_password(user.password_hash, new):
                raise InvalidInput(
                    "Choose a password different from the current one.", field="new_password"
                )
            user.password_hash = hash_password(new)
            user.must_change_password = False
            revoked = await sessions.revoke_all(db, user.id, keep=keep_session)
            audit.record(
                db,
                actor_of(user, ip),
                "password_changed",
                f"Password changed; {revoked} other session(s) signed out",
                target_type="user",
                target_id=user.id,
                target_label=user.username,
            )

    async def reset_password(self, username: str) -> str:
        """For `medianest admin reset-password`: a new one-time password, every session ended."""
        async with self.db.begin() as db:
            user = await db.scalar(select(User).where(User.username_key == username_key(username)))
            if user is None:
                raise InvalidInput(f"No user named {username!r}.")
            password = secrets.token_urlsafe(12)
            user.password_hash = hash_password(password)
            user.must_change_password = True
            await sessions.revoke_all(db, user.id)
            audit.record(
                db,
                Actor.system(),
                "password_reset",
                "Password reset from the command line",
                target_type="user",
                target_id=user.id,
                target_label=user.username,
            )
            return password
