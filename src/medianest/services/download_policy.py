"""The download allow-list: from settings at first, then the admin's (stored, audited)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from medianest.config import Settings
from medianest.domain.download_safety import HostPolicy, parse_host_list
from medianest.domain.errors import InvalidInput
from medianest.domain.users import Actor
from medianest.services import audit, runtime_settings
from medianest.services.users import require_admin

ALLOWED_HOSTS_KEY = "downloads.allowed_hosts"


class HostPolicySource:
    """Reads the current allow-list at call time (the admin may change it at any moment)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self._sessions = sessions
        self._default = parse_host_list(settings.allowed_download_hosts)

    async def current(self) -> HostPolicy:
        async with self._sessions() as db:
            stored = await runtime_settings.get_value(db, ALLOWED_HOSTS_KEY, None)
        if isinstance(stored, list):
            return HostPolicy(parse_host_list([str(h) for h in stored]))
        return HostPolicy(self._default)

    async def replace(self, db: AsyncSession, actor: Actor, raw: str) -> HostPolicy:
        require_admin(actor)
        hosts = parse_host_list(raw)
        if not hosts:
            raise InvalidInput("List at least one host, e.g. youtube.com.", field="hosts")
        previous = await runtime_settings.set_value(db, ALLOWED_HOSTS_KEY, list(hosts))
        audit.record(
            db,
            actor,
            "download_hosts_changed",
            "Changed the hosts downloads may come from",
            target_type="setting",
            target_label=ALLOWED_HOSTS_KEY,
            details={"old": previous, "new": list(hosts)},
        )
        return HostPolicy(hosts)
