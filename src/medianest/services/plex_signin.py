"""Sign-in with Plex: PIN at plex.tv, the person approves on the Plex page, we check access.

Only accounts that can reach the configured Plex server get in (plex.tv lists it among their
resources); the server owner becomes admin. A PIN belongs to the browser that asked for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from pydantic import SecretStr
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from medianest.domain.errors import NotFound, ServiceDown
from medianest.domain.users import Actor, Role, Status, clean_name, username_key
from medianest.integrations.base import IntegrationError, Unavailable
from medianest.integrations.plextv.client import PlexTvClient, RateLimited, find_server
from medianest.integrations.plextv.models import PlexAccount, PlexResource
from medianest.persistence.models import Notification, PlexPin, User
from medianest.persistence.types import utcnow
from medianest.realtime.bus import EventBus
from medianest.security.secretbox import SecretBox
from medianest.security.tokens import digest
from medianest.services import audit, notifications, runtime_settings, sessions

POLL_AFTER_SECONDS = 1.0


class PlexServerDirectory(Protocol):
    """What sign-in needs to know about the configured Plex server."""

    async def machine_identifier(self) -> str: ...

    async def owner_name(self) -> str | None: ...


@dataclass(frozen=True)
class StartedPin:
    id: int
    auth_url: str
    expires_at: datetime


@dataclass(frozen=True)
class PinOutcome:
    """``status``: waiting, expired, no_access, pending, suspended or signed_in."""

    status: str
    message: str = ""
    retry_after: float = POLL_AFTER_SECONDS
    token: str | None = None
    user: User | None = None
    must_change_password: bool = False


class PlexSignIn:
    def __init__(
        self,
        db: async_sessionmaker[AsyncSession],
        plextv: PlexTvClient,
        server: PlexServerDirectory,
        box: SecretBox,
        session_policy: sessions.SessionPolicy,
        *,
        auth_url: str,
        base_url: str,
        bus: EventBus | None = None,
    ) -> None:
        self.bus = bus  # admins hear about a newcomer waiting for approval
        self.db = db
        self.plextv = plextv
        self.server = server
        self.box = box
        self.session_policy = session_policy
        self.auth_base = auth_url
        self.base_url = base_url.rstrip("/")

    async def start(self, browser_secret: str, *, come_back: bool) -> StartedPin:
        """``come_back``: Plex returns the browser to us (redirect flow) instead of a popup closing."""
        try:
            pin = await self.plextv.create_pin(strong=True)
        except IntegrationError as exc:
            raise ServiceDown("plex.tv is not answering right now; try again in a minute.") from exc
        async with self.db.begin() as db:
            await db.execute(delete(PlexPin).where(PlexPin.expires_at < utcnow()))
            row = PlexPin(
                plex_pin_id=pin.id,
                code=pin.code,
                browser_hash=digest(browser_secret),
                expires_at=pin.expires_at.astimezone(UTC),
            )
            db.add(row)
            await db.flush()
            local_id = row.id
        forward = f"{self.base_url}/auth/plex/callback?pin={local_id}" if come_back else None
        return StartedPin(
            local_id, self.plextv.auth_url(self.auth_base, pin.code, forward), pin.expires_at
        )

    async def check(
        self, pin_id: int, browser_secret: str, *, ip: str, user_agent: str | None
    ) -> PinOutcome:
        async with self.db() as db:
            pin = await db.get(PlexPin, pin_id)
            if pin is None or pin.browser_hash != digest(browser_secret):
                raise NotFound("This sign-in was started in another browser or has finished.")
            plex_pin_id, expires_at = pin.plex_pin_id, pin.expires_at
        if expires_at <= utcnow():
            await self._forget(pin_id)
            return PinOutcome("expired", "The Plex sign-in timed out. Please try again.")
        try:
            status = await self.plextv.check_pin(plex_pin_id)
        except RateLimited as exc:
            return PinOutcome("waiting", retry_after=max(POLL_AFTER_SECONDS, exc.retry_after))
        except Unavailable:
            return PinOutcome("waiting", "Waiting for plex.tv…", retry_after=5.0)
        except IntegrationError as exc:
            raise ServiceDown("plex.tv gave an unexpected answer; please try again.") from exc
        if status.expired:
            await self._forget(pin_id)
            return PinOutcome(
                "expired", "The Plex sign-in timed out or was cancelled. Please try again."
            )
        if status.auth_token is None:
            return PinOutcome("waiting")
        await self._forget(pin_id)
        return await self._admit(status.auth_token, ip=ip, user_agent=user_agent)

    async def _forget(self, pin_id: int) -> None:
        async with self.db.begin() as db:
            await db.execute(delete(PlexPin).where(PlexPin.id == pin_id))

    async def _admit(self, token: SecretStr, *, ip: str, user_agent: str | None) -> PinOutcome:
        try:
            account = await self.plextv.get_account(token)
            resources = await self.plextv.get_resources(token)
            machine_id = await self.server.machine_identifier()
        except IntegrationError as exc:
            raise ServiceDown(
                "Plex did not answer while checking your access; please try again."
            ) from exc
        server = find_server(resources, machine_id)
        if server is None or server.access_token is None:
            owner = await self.server.owner_name()
            async with self.db.begin() as db:
                audit.record(
                    db,
                    Actor(None, clean_name(account.username, "?"), Role.USER, ip),
                    "sign_in_refused",
                    "Plex account has no access to this server",
                    target_type="plex_account",
                    target_id=account.id,
                )
            who = (
                f" Ask {owner} to share it with you."
                if owner
                else " Ask the server owner to share it with you."
            )
            return PinOutcome("no_access", f"Your Plex account cannot see this Plex server.{who}")
        return await self._upsert_and_sign_in(account, server, token, ip=ip, user_agent=user_agent)

    async def _upsert_and_sign_in(
        self,
        account: PlexAccount,
        server: PlexResource,
        token: SecretStr,
        *,
        ip: str,
        user_agent: str | None,
    ) -> PinOutcome:
        waiting: list[Notification] = []
        try:
            outcome = await self._upsert(
                account, server, token, waiting, ip=ip, user_agent=user_agent
            )
        except IntegrityError:  # the same first sign-in just finished in another tab or process
            waiting.clear()
            outcome = await self._upsert(
                account, server, token, waiting, ip=ip, user_agent=user_agent
            )
        if waiting and self.bus is not None:  # after the commit: the inbox has what the toast says
            await notifications.publish(self.bus, waiting)
        return outcome

    async def _tell_admins_someone_waits(
        self, db: AsyncSession, user: User, into: list[Notification]
    ) -> None:
        admins = await db.scalars(
            select(User.id).where(User.role == Role.ADMIN, User.status == Status.ACTIVE)
        )
        note = notifications.NewNotification(
            "user.pending",
            f"{user.display_name} is waiting for approval",
            "They signed in with Plex for the first time.",
            link="/admin/users?status=pending",
        )
        into.extend(notifications.add(db, list(admins), note))
        await db.flush()

    async def _upsert(
        self,
        account: PlexAccount,
        server: PlexResource,
        token: SecretStr,
        waiting: list[Notification],
        *,
        ip: str,
        user_agent: str | None,
    ) -> PinOutcome:
        assert server.access_token is not None
        async with self.db.begin() as db:
            user = await db.scalar(select(User).where(User.plex_id == account.id))
            created = user is None
            if user is None:
                user = await self._new_user(db, account, owner=server.owned)
            self._refresh_profile(user, account)
            user.plex_token_enc = self.box.encrypt(token.get_secret_value())
            user.plex_server_token_enc = self.box.encrypt(server.access_token.get_secret_value())
            if server.owned:  # the owner is always an admin, whatever was changed before
                user.role, user.status = Role.ADMIN, Status.ACTIVE
                await runtime_settings.set_value(
                    db, runtime_settings.SERVER_OWNER_NAME, user.display_name
                )
                await runtime_settings.set_value(
                    db, runtime_settings.SERVER_OWNER_PLEX_ID, account.id
                )
            actor = Actor(user.id, user.username, user.role, ip)
            if created:
                audit.record(
                    db,
                    actor,
                    "user_created",
                    f"New {user.role} from Plex ({user.status})",
                    target_type="user",
                    target_id=user.id,
                    target_label=user.username,
                )
            if user.status == Status.SUSPENDED:
                audit.record(
                    db,
                    actor,
                    "sign_in_refused",
                    "Account is suspended",
                    target_type="user",
                    target_id=user.id,
                )
                return PinOutcome(
                    "suspended",
                    "This account is suspended. Ask the server owner if this is a mistake.",
                )
            if user.status == Status.PENDING:
                if created:
                    await self._tell_admins_someone_waits(db, user, waiting)
                return PinOutcome(
                    "pending",
                    "Thanks! An admin needs to approve your account before you can sign in.",
                    user=user,
                )
            session_token = await sessions.open_session(
                db, user, self.session_policy, ip=ip, user_agent=user_agent
            )
            audit.record(
                db,
                actor,
                "sign_in",
                "Signed in with Plex",
                target_type="user",
                target_id=user.id,
                target_label=user.username,
            )
            return PinOutcome("signed_in", token=session_token, user=user)

    async def after_approval(self, user_id: int, *, ip: str, user_agent: str | None) -> PinOutcome:
        """The browser that waited for approval (it proved the Plex account then) signs in
        once an admin approves; still waiting, or refused meanwhile, says so."""
        async with self.db.begin() as db:
            user = await db.get(User, user_id)
            if user is None or user.status == Status.SUSPENDED:
                return PinOutcome("refused", "This account cannot sign in. Ask the server owner.")
            if user.status == Status.PENDING:
                return PinOutcome("pending", retry_after=5.0)
            token = await sessions.open_session(
                db, user, self.session_policy, ip=ip, user_agent=user_agent
            )
            audit.record(
                db,
                Actor(user.id, user.username, user.role, ip),
                "sign_in",
                "Signed in with Plex after approval",
                target_type="user",
                target_id=user.id,
                target_label=user.username,
            )
            return PinOutcome("signed_in", token=token, user=user)

    async def _new_user(self, db: AsyncSession, account: PlexAccount, *, owner: bool) -> User:
        needs_approval = bool(
            await runtime_settings.get_value(db, runtime_settings.NEW_USERS_NEED_APPROVAL, False)
        )
        name = clean_name(account.username, f"plex-{account.id}")
        key = username_key(name)
        if await db.scalar(select(User.id).where(User.username_key == key)):
            name = clean_name(f"{name}-{account.id}", f"plex-{account.id}")  # a local user has it
            key = username_key(name)
        user = User(
            username_key=key,
            username=name,
            display_name=name,
            plex_id=account.id,
            role=Role.ADMIN if owner else Role.USER,
            status=Status.PENDING if needs_approval and not owner else Status.ACTIVE,
        )
        db.add(user)
        await db.flush()
        return user

    @staticmethod
    def _refresh_profile(user: User, account: PlexAccount) -> None:
        user.display_name = clean_name(account.title or account.friendly_name, user.username)
        user.email = (account.email or None) and account.email[:320]
        user.avatar_url = account.thumb[:1024] if account.thumb else None
        user.plex_uuid = account.uuid[:64] if account.uuid else None


def expiry_seconds(pin: StartedPin) -> int:
    return max(0, int((pin.expires_at - datetime.now(UTC)).total_seconds()))
