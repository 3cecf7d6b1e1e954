"""Saved integration settings: the effective values (saved over environment) and what to store.

A field follows its environment pre-seed until the admin saves a different value; a saved value
equal to the pre-seed is dropped again, so the page can say truthfully where each value comes
from. Secrets are stored only as SecretBox ciphertexts; an explicitly cleared secret is stored
as "" (so it overrides a pre-seed).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from medianest.config import Settings
from medianest.persistence.models import IntegrationConfig
from medianest.security.secretbox import DecryptionFailed, SecretBox
from medianest.services.integration_fields import (
    SERVICES,
    ServiceSpec,
    Source,
    check_complete,
    check_value,
    env_value,
)


@dataclass(frozen=True)
class Effective:
    """One service's values as the running app should use them (secrets in plain text)."""

    service: str
    values: dict[str, str]
    sources: dict[str, Source]
    updated_at: datetime | None = None
    updated_by_id: int | None = None
    problems: tuple[str, ...] = field(default=())

    def secret_state(self, name: str) -> str:
        return "set" if self.values.get(name) else "not set"


async def load_rows(db: AsyncSession) -> dict[str, IntegrationConfig]:
    rows = await db.scalars(select(IntegrationConfig))
    return {row.service: row for row in rows if row.service in SERVICES}


def fingerprint(rows: dict[str, IntegrationConfig]) -> dict[str, str]:
    """A digest per saved row: another process re-applies a service when its digest changes."""
    digests = {}
    for service, row in rows.items():
        raw = json.dumps([row.settings or {}, row.secrets or {}], sort_keys=True)
        digests[service] = hashlib.sha256(raw.encode()).hexdigest()
    return digests


def effective(
    spec: ServiceSpec, row: IntegrationConfig | None, settings: Settings, box: SecretBox
) -> Effective:
    saved: dict[str, Any] = dict(row.settings or {}) if row else {}
    sealed: dict[str, str] = dict(row.secrets or {}) if row else {}
    values: dict[str, str] = {}
    sources: dict[str, Source] = {}
    problems: list[str] = []
    for item in spec.fields:
        stored = sealed if item.secret else saved
        if item.name in stored:
            raw = str(stored[item.name] or "")
            if item.secret and raw:
                try:
                    raw = box.decrypt(raw)
                except DecryptionFailed:
                    problems.append(f"{item.label}: the stored value cannot be decrypted")
                    raw = ""
            values[item.name] = raw
            sources[item.name] = Source.SAVED
            continue
        pre_seed = env_value(settings, item)
        values[item.name] = pre_seed
        sources[item.name] = Source.ENVIRONMENT if pre_seed else Source.UNSET
    return Effective(
        spec.key,
        values,
        sources,
        row.updated_at if row else None,
        row.updated_by_id if row else None,
        tuple(problems),
    )


def merge_form(
    spec: ServiceSpec,
    current: Effective,
    form: dict[str, str],
    clear: set[str],
    *,
    partial: bool = False,
) -> dict[str, str]:
    """The values a submitted form asks for: blank secrets keep the current one, and so does
    every field a ``partial`` update leaves out. Validated."""
    values: dict[str, str] = {}
    for item in spec.fields:
        kept = partial and item.name not in form
        given = current.values.get(item.name, "") if kept else str(form.get(item.name) or "")
        if item.secret:
            if item.name in clear:
                values[item.name] = ""
            elif given.strip():
                values[item.name] = check_value(spec, item, given)
            else:
                values[item.name] = current.values.get(item.name, "")
        else:
            values[item.name] = check_value(spec, item, given)
    check_complete(spec, values)
    return values


def row_content(
    spec: ServiceSpec,
    values: dict[str, str],
    current: Effective,
    row: IntegrationConfig | None,
    settings: Settings,
    box: SecretBox,
) -> tuple[dict[str, Any], dict[str, str]]:
    """(settings, secrets) to store: only what differs from the environment pre-seed."""
    plain: dict[str, Any] = {}
    sealed: dict[str, str] = {}
    old_sealed = dict(row.secrets or {}) if row else {}
    for item in spec.fields:
        value = values.get(item.name, "")
        if value == env_value(settings, item):
            continue  # follows the environment (again)
        if not item.secret:
            plain[item.name] = value
        elif value == current.values.get(item.name) and old_sealed.get(item.name):
            sealed[item.name] = old_sealed[item.name]  # unchanged: keep the ciphertext
        else:
            sealed[item.name] = box.encrypt(value) if value else ""
    return plain, sealed
