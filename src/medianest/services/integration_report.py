"""What the Integrations page, its API and the diagnostics file say about each service.

Nothing here carries a secret: values of secret fields appear only as "set" / "not set", and the
diagnostics text is scrubbed of every configured secret once more before it leaves.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from medianest.integrations.base import ServiceClient
from medianest.observability.logging import REDACTED
from medianest.services.integration_fields import ServiceSpec, Source, configured
from medianest.services.integration_health import StoredHealth
from medianest.services.integration_probe import Check
from medianest.services.integration_store import Effective


class State(StrEnum):
    NOT_CONFIGURED = "not_configured"
    HEALTHY = "healthy"
    UNAVAILABLE = "unavailable"
    CREDENTIALS_REJECTED = "credentials_rejected"
    MISCONFIGURED = "misconfigured"
    NOT_CHECKED = "not_checked"  # configured, no contact since this process started


STATE_LABELS = {
    State.NOT_CONFIGURED: "Not configured",
    State.HEALTHY: "Healthy",
    State.UNAVAILABLE: "Unavailable",
    State.CREDENTIALS_REJECTED: "Credentials rejected",
    State.MISCONFIGURED: "Misconfigured",
    State.NOT_CHECKED: "Configured, not contacted yet",
}


@dataclass(frozen=True)
class FieldView:
    name: str
    label: str
    hint: str
    secret: bool
    env_var: str
    value: str  # "" for secrets: never shown
    is_set: bool
    source: Source


@dataclass(frozen=True)
class ServiceView:
    spec: ServiceSpec
    fields: tuple[FieldView, ...]
    state: State
    last_success_at: datetime | None = None
    unavailable_since: datetime | None = None
    last_error: str | None = None
    webhook_url: str | None = None
    updated_at: datetime | None = None
    problems: tuple[str, ...] = ()
    checks: tuple[Check, ...] = field(default=())

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def from_environment(self) -> list[str]:
        return [f.env_var for f in self.fields if f.source is Source.ENVIRONMENT]

    def public(self) -> dict[str, Any]:
        """The JSON shape (API and diagnostics): no secret values, ever."""
        return {
            "service": self.spec.key,
            "title": self.spec.title,
            "state": self.state.value,
            "state_label": self.state_label,
            "last_success_at": _iso(self.last_success_at),
            "unavailable_since": _iso(self.unavailable_since),
            "last_error": self.last_error,
            "webhook_url": self.webhook_url,
            "updated_at": _iso(self.updated_at),
            "problems": list(self.problems),
            "settings": {
                f.name: ("set" if f.is_set else "not set") if f.secret else f.value
                for f in self.fields
            },
            "sources": {f.name: f.source.value for f in self.fields},
            "from_environment": self.from_environment,
            "checks": [{"label": c.label, "ok": c.ok, "detail": c.detail} for c in self.checks],
        }


def view_of(
    spec: ServiceSpec,
    current: Effective,
    client: ServiceClient | None,
    base_url: str,
    checks: tuple[Check, ...] = (),
    stored: StoredHealth | None = None,
) -> ServiceView:
    """``stored``: the health any process last recorded (the truth shared by all of them)."""
    fields = tuple(
        FieldView(
            f.name,
            f.label,
            f.hint,
            f.secret,
            f.env_var,
            "" if f.secret else current.values.get(f.name, ""),
            bool(current.values.get(f.name)),
            current.sources[f.name],
        )
        for f in spec.fields
    )
    webhook = f"{base_url.rstrip('/')}{spec.webhook_path}" if spec.webhook_path else None
    common: dict[str, Any] = {
        "webhook_url": webhook,
        "updated_at": current.updated_at,
        "problems": current.problems,
        "checks": checks,
    }
    if spec.key == "youtube":
        failing = [c for c in checks if not c.ok]
        state = State.UNAVAILABLE if failing else State.HEALTHY
        error = "; ".join(f"{c.label}: {c.detail}" for c in failing) or None
        return ServiceView(spec, fields, state, last_error=error, **common)
    if client is None or not configured(spec, current.values):
        return ServiceView(spec, fields, State.NOT_CONFIGURED, **common)
    seen = client.availability
    if stored is not None:
        return ServiceView(
            spec,
            fields,
            State(stored.state),
            last_success_at=_newest(stored.last_success_at, seen.last_success_at),
            unavailable_since=stored.since if stored.state == State.UNAVAILABLE else None,
            last_error=stored.last_error,
            **common,
        )
    state = State.NOT_CHECKED  # no process has called it yet
    return ServiceView(spec, fields, state, last_error=seen.last_error, **common)


def _newest(*moments: datetime | None) -> datetime | None:
    known = [m for m in moments if m is not None]
    return max(known) if known else None


def diagnostics(views: list[ServiceView], versions: dict[str, str | None]) -> dict[str, Any]:
    return {
        "generated_at": _iso(datetime.now(UTC)),
        "versions": {**versions, "python": platform.python_version()},
        "platform": platform.platform(terse=True),
        "integrations": [view.public() for view in views],
        "note": "Secrets are never included: they appear only as 'set' or 'not set'.",
    }


def scrub_text(text: str, secrets: list[str]) -> str:
    """Belt and braces: no configured secret survives in text that leaves the server."""
    for secret in sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
