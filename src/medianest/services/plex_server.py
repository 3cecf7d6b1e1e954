"""The configured Plex server as sign-in and the library see it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from medianest.domain.errors import ServiceDown
from medianest.integrations.base import IntegrationError
from medianest.integrations.plex.client import PlexServerClient
from medianest.services import runtime_settings


class ConfiguredPlexServer:
    """Answers "which server is ours?" once and remembers it (the machine id never changes)."""

    def __init__(
        self, client: PlexServerClient | None, db: async_sessionmaker[AsyncSession]
    ) -> None:
        self.client = client
        self.db = db
        self._machine_id: str | None = None

    def reconnect(self, client: PlexServerClient | None) -> None:
        """The admin connected another server (or none): forget what we knew of the old one."""
        self.client = client
        self._machine_id = None

    @property
    def configured(self) -> bool:
        return self.client is not None

    async def machine_identifier(self) -> str:
        if self._machine_id is not None:
            return self._machine_id
        if self.client is None:
            raise ServiceDown("No Plex server is configured yet; an admin can set it up.")
        try:
            identity = await self.client.identity()
        except IntegrationError as exc:
            raise ServiceDown("The Plex server is not answering right now.") from exc
        self._machine_id = identity.machine_identifier
        return self._machine_id

    async def owner_name(self) -> str | None:
        async with self.db() as db:
            stored = await runtime_settings.get_value(db, runtime_settings.SERVER_OWNER_NAME, None)
        if stored:
            return str(stored)
        if self.client is None:
            return None
        try:
            info = await self.client.server_info()
        except IntegrationError:
            return None
        return info.my_plex_username or None
