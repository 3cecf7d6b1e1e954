"""The effective configuration of Plex, Overseerr, Uptime Kuma and the YouTube downloader.

Admin-saved values (integration_configs, secrets encrypted with the SecretBox) win over the
environment pre-seeds. A save is validated, tested against the real service, stored and audited
in one transaction, then applied in this process at once; every other process (a `medianest
worker`, more web replicas) applies it when it hears the ``integrations.changed`` event or, at the
latest, at its next look at the table (every few seconds), since events can be missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from medianest.config import Settings
from medianest.domain.errors import DomainError, first_line
from medianest.domain.events import AUDIENCE_ADMINS, Event
from medianest.domain.users import Actor
from medianest.observability.logging import get_logger
from medianest.persistence.engine import create_short_lived_engine, session_factory
from medianest.persistence.models import IntegrationConfig
from medianest.persistence.types import utcnow
from medianest.realtime.bus import EventBus, Subscription
from medianest.security.secretbox import SecretBox
from medianest.services import audit
from medianest.services.integration_fields import SERVICES, ServiceSpec, spec_of
from medianest.services.integration_health import StoredHealth
from medianest.services.integration_live import LiveTargets
from medianest.services.integration_probe import (
    Probe,
    local_checks,
    probe_remote,
    probe_youtube,
    tool_versions,
)
from medianest.services.integration_report import ServiceView, diagnostics, scrub_text, view_of
from medianest.services.integration_store import (
    Effective,
    effective,
    fingerprint,
    load_rows,
    merge_form,
    row_content,
)

log = get_logger(__name__)
CHANGED = "integrations.changed"
RECHECK_SECONDS = 5.0


class TestFailed(DomainError):
    """Save refused: the entered values did not pass "Test connection"."""

    def __init__(self, probe: Probe) -> None:
        super().__init__(f"Not saved: {probe.message}")
        self.probe = probe


@dataclass(frozen=True)
class Submitted:
    """A form or API body: plain values, secrets typed in (blank = keep), secrets to clear;
    ``partial`` keeps every field it leaves out (PATCH)."""

    values: dict[str, str]
    clear: frozenset[str] = frozenset()
    partial: bool = False


class IntegrationSettings:
    def __init__(
        self,
        db: async_sessionmaker[AsyncSession],
        settings: Settings,
        box: SecretBox,
        bus: EventBus,
        live: LiveTargets,
        download_root: Path,
    ) -> None:
        self.db = db
        self.settings = settings
        self.box = box
        self.bus = bus
        self.live = live
        self.download_root = download_root
        self._seen: dict[str, str] = {}
        self._lock = asyncio.Lock()
        self._watcher: asyncio.Task[None] | None = None

    # -- reading -------------------------------------------------------------------------------

    async def effective_all(self) -> dict[str, Effective]:
        async with self.db() as db:
            rows = await load_rows(db)
        return {
            key: effective(spec, rows.get(key), self.settings, self.box)
            for key, spec in SERVICES.items()
        }

    async def views(self) -> list[ServiceView]:
        current = await self.effective_all()
        checks = tuple(await asyncio.to_thread(local_checks, self.download_root))
        stored = await self.stored_health()
        result = []
        for key, spec in SERVICES.items():
            extra = checks if key == "youtube" else ()
            client = self.live.client(key)
            base = self.settings.base_url
            result.append(view_of(spec, current[key], client, base, extra, stored.get(key)))
        return result

    async def health_summary(self) -> dict[str, str]:
        """One line per remote service for ``/readyz``: its state, and why when not healthy."""
        stored = await self.stored_health()
        summary: dict[str, str] = {}
        for key in SERVICES:
            if key == "youtube":
                continue
            found = stored.get(key)
            if self.live.client(key) is None:
                summary[key] = "not configured"
            elif found is None:
                summary[key] = "not contacted yet"
            elif found.state == "healthy" or not found.last_error:
                summary[key] = found.state.replace("_", " ")
            else:
                summary[key] = f"{found.state.replace('_', ' ')}: {found.last_error}"
        return summary

    async def stored_health(self) -> dict[str, StoredHealth]:
        """What every process has recorded about each remote service."""
        if self.live.health is None:
            return {}
        await self.live.health.flush()  # this process's own news first
        return await self.live.health.read_all([k for k in SERVICES if k != "youtube"])

    async def diagnostics_json(self) -> str:
        """The diagnostics file: versions, non-secret config, state, last errors."""
        views = await self.views()
        text = json.dumps(diagnostics(views, tool_versions()), indent=2, ensure_ascii=False)
        return scrub_text(text, await self.known_secrets())

    async def known_secrets(self) -> list[str]:
        current = await self.effective_all()
        values = [
            eff.values.get(f.name, "")
            for eff in current.values()
            for f in SERVICES[eff.service].fields
            if f.secret
        ]
        return [v for v in values if v]

    async def plex_sections(self) -> list[tuple[str, str]]:
        """(id, title) of the connected Plex server's libraries, for the YouTube form."""
        client = self.live.integrations.plex
        if client is None:
            return []
        try:
            sections = await asyncio.wait_for(client.sections(), timeout=2.5)
        except Exception:  # Plex down or slow: the form falls back to a number field
            return []
        return [(str(s.id), s.title) for s in sections]

    # -- testing and saving --------------------------------------------------------------------

    async def test(self, service: str, submitted: Submitted) -> Probe:
        """Raises InvalidInput for malformed values; otherwise the probe's verdict."""
        spec = spec_of(service)
        current = (await self.effective_all())[service]
        values = merge_form(
            spec, current, submitted.values, set(submitted.clear), partial=submitted.partial
        )
        probe = await self._probe(spec, values)
        if probe.ok and service == "uptime_kuma" and self.live.status is not None:
            await self.live.status.tell_poller()  # Kuma answers: no reason to wait out a back-off
        return probe

    async def save(self, actor: Actor, service: str, submitted: Submitted) -> Probe:
        """Validates, re-tests (refusing on failure), stores, audits, applies, tells others."""
        spec = spec_of(service)
        current = (await self.effective_all())[service]
        values = merge_form(
            spec, current, submitted.values, set(submitted.clear), partial=submitted.partial
        )
        probe = await self._probe(spec, values)
        if not probe.ok:
            raise TestFailed(probe)
        async with self._lock:
            async with self.db.begin() as db:
                row = await db.get(IntegrationConfig, service)
                before = effective(spec, row, self.settings, self.box)
                plain, sealed = row_content(spec, values, before, row, self.settings, self.box)
                if row is None:
                    row = IntegrationConfig(service=service)
                    db.add(row)
                row.settings, row.secrets = plain, sealed
                row.updated_at, row.updated_by_id = utcnow(), actor.user_id
                after = effective(spec, row, self.settings, self.box)
                audit.record(
                    db,
                    actor,
                    "integration.update",
                    f"Changed the {spec.title} settings",
                    target_type="integration",
                    target_id=service,
                    target_label=spec.title,
                    details=_audit_details(spec, before, after),
                )
            self._seen[service] = fingerprint({service: row})[service]
            await self.live.apply(service, values)
            self._mark_tested(service, probe)
        log.info("integration settings applied", service=service)
        await self.bus.publish(Event(CHANGED, {"service": service}, audience=AUDIENCE_ADMINS))
        return probe

    async def _probe(self, spec: ServiceSpec, values: dict[str, str]) -> Probe:
        if spec.key == "youtube":
            return await probe_youtube(
                values.get("section", ""), self.download_root, self.live.integrations.plex
            )
        return await probe_remote(spec.key, values, self.live.client_id)

    def _mark_tested(self, service: str, probe: Probe) -> None:
        """The save's own test counts as the new client's first successful contact."""
        client = self.live.client(service)
        if client is not None and probe.ok:
            client.availability.succeeded()

    # -- other processes, and start-up -----------------------------------------------------------

    async def load_at_start(self) -> None:
        """Saved values over the environment's; in demo mode the fresh demo services win."""
        current: dict[str, Effective] = {}
        try:
            async with self.db.begin() as db:
                rows = await load_rows(db)
            if self.settings.demo:
                # The demo's fakes get new ports and secrets at every start: saved addresses
                # would point nowhere. They are ignored, never deleted (the database may be shared).
                rows = {}
        except Exception as exc:  # database not migrated yet: the watcher catches up later
            log.warning("integration settings not loaded", reason=first_line(exc))
            rows = {}
        for key, spec in SERVICES.items():
            current[key] = effective(spec, rows.get(key), self.settings, self.box)
            await self.live.apply(key, current[key].values, rebuild=key in rows)
        self._seen = fingerprint(rows)

    async def refresh(self) -> list[str]:
        """Re-applies every service whose saved row changed since this process last looked."""
        async with self._lock:
            async with self.db() as db:
                rows = await load_rows(db)
            digests = fingerprint(rows)
            changed = [k for k in SERVICES if digests.get(k) != self._seen.get(k)]
            for key in changed:
                values = effective(SERVICES[key], rows.get(key), self.settings, self.box).values
                await self.live.apply(key, values)
                log.info("integration settings changed elsewhere; applied", service=key)
            self._seen = digests
            return changed

    def start_watching(self) -> None:
        if self._watcher is None:
            self._watcher = asyncio.get_running_loop().create_task(self._watch())

    async def _watch(self) -> None:
        failing = False
        async with self.bus.subscribe() as subscription:
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(_next_change(subscription), RECHECK_SECONDS)
                try:
                    await self.refresh()
                except Exception as exc:
                    if not failing:
                        log.warning("cannot re-read integration settings", reason=str(exc)[:200])
                    failing = True
                else:
                    failing = False

    async def aclose(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
            self._watcher = None
        await self.live.aclose()


async def start_integration_settings(
    db: async_sessionmaker[AsyncSession],
    settings: Settings,
    box: SecretBox,
    bus: EventBus,
    live: LiveTargets,
) -> IntegrationSettings:
    """Built by the container: saved values applied over the environment's, then watched."""
    folder = settings.download_dir or settings.data_dir / "downloads"
    root = Path(await asyncio.to_thread(os.path.realpath, folder))
    service = IntegrationSettings(db, settings, box, bus, live, root)
    await service.load_at_start()
    service.start_watching()
    return service


async def _next_change(subscription: Subscription) -> None:
    while (await subscription.get()).type != CHANGED:
        pass


def _audit_details(spec: ServiceSpec, before: Effective, after: Effective) -> dict[str, object]:
    """Old and new values; secrets only as "[redacted]" (set) or null (not set)."""

    def shown(eff: Effective) -> dict[str, object]:
        return {
            f.name: (
                ("[redacted]" if eff.values.get(f.name) else None)
                if f.secret
                else eff.values.get(f.name, "")
            )
            for f in spec.fields
        }

    # Which fields changed, secrets included ("[redacted]" to "[redacted]" may still be new).
    changed = [f.name for f in spec.fields if before.values.get(f.name) != after.values.get(f.name)]
    return {"old": shown(before), "new": shown(after), "changed_fields": changed}


def saved_configuration_exists(settings: Settings) -> bool:
    """For `medianest serve`'s demo auto-mode: did an admin configure a service on the page?

    Blocking (runs its own event loop); False when the database is missing or not migrated.
    """

    async def look() -> bool:
        engine = create_short_lived_engine(settings.resolved_database_url)
        try:
            async with session_factory(engine)() as db:
                rows = await load_rows(db)
        finally:
            await engine.dispose()
        return any((row.settings or {}).get("url") for row in rows.values())

    if settings.database_url is None and not (settings.data_dir / "medianest.db").exists():
        return False
    try:
        return asyncio.run(look())
    except Exception:  # no database yet, or not migrated: nothing was saved
        return False
