"""What each integration's settings are, where their pre-seeds come from, and how they validate.

Pure rules (no I/O): the Integrations page, its JSON API and the live re-configuration all read
these definitions, so a field is named, labelled and checked in one place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import SecretStr

from medianest.config import ENV_PREFIX, Settings
from medianest.domain.errors import InvalidInput

MAX_VALUE = 500
ALL_MONITORS = "all_monitors"
YES = "yes"
TRUE_WORDS = frozenset({"yes", "true", "on", "1"})
FALSE_WORDS = frozenset({"", "no", "false", "off", "0"})
SLUG = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Source(StrEnum):
    SAVED = "saved"  # saved on the Integrations page (stored in the database)
    ENVIRONMENT = "environment"  # the MEDIANEST_* pre-seed
    UNSET = "unset"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    setting: str  # the Settings attribute that pre-seeds it
    secret: bool = False
    hint: str = ""

    @property
    def env_var(self) -> str:
        return f"{ENV_PREFIX}{self.setting.upper()}"


@dataclass(frozen=True)
class ServiceSpec:
    key: str
    title: str
    fields: tuple[FieldSpec, ...]
    webhook_path: str | None = None
    summary: str = ""

    def field(self, name: str) -> FieldSpec:
        return next(f for f in self.fields if f.name == name)

    @property
    def secret_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.secret)


SERVICES: dict[str, ServiceSpec] = {
    spec.key: spec
    for spec in (
        ServiceSpec(
            "plex",
            "Plex Media Server",
            (
                FieldSpec(
                    "url", "Server address", "plex_url", hint="e.g. http://192.168.1.10:32400"
                ),
                FieldSpec("token", "Plex token", "plex_token", secret=True),
            ),
            summary="Library browser, sign-in check and the YouTube collections.",
        ),
        ServiceSpec(
            "overseerr",
            "Overseerr / Jellyseerr / Seerr",
            (
                FieldSpec("url", "Address", "overseerr_url", hint="e.g. http://192.168.1.10:5055"),
                FieldSpec("api_key", "API key", "overseerr_api_key", secret=True),
                FieldSpec(
                    "webhook_secret",
                    "Webhook Authorization header",
                    "overseerr_webhook_secret",
                    secret=True,
                    hint="The exact Authorization header value set in Overseerr's webhook agent.",
                ),
            ),
            webhook_path="/api/v1/webhooks/overseerr",
            summary="Search and requests.",
        ),
        ServiceSpec(
            "uptime_kuma",
            "Uptime Kuma",
            (
                FieldSpec(
                    "url", "Address", "uptime_kuma_url", hint="e.g. http://192.168.1.10:3001"
                ),
                FieldSpec(
                    "slug", "Status page slug", "uptime_kuma_slug", hint="Public status page."
                ),
                FieldSpec(
                    "api_key",
                    "API key (for /metrics)",
                    "uptime_kuma_api_key",
                    secret=True,
                ),
                FieldSpec(
                    ALL_MONITORS,
                    "Without a status page, show every monitor",
                    "uptime_kuma_all_monitors",
                    hint="Everyone signed in then sees every monitor from /metrics, "
                    "including ones on no public status page.",
                ),
                FieldSpec(
                    "webhook_secret",
                    "Webhook secret",
                    "uptime_kuma_webhook_secret",
                    secret=True,
                    hint="Sent by Kuma's webhook notification as the Authorization header.",
                ),
            ),
            webhook_path="/api/v1/webhooks/uptime-kuma",
            summary="Service status on the dashboard.",
        ),
        ServiceSpec(
            "youtube",
            "YouTube downloader",
            (
                FieldSpec(
                    "section",
                    "Plex library for downloads",
                    "plex_youtube_section",
                    hint="The id of the Plex library that scans the download folder.",
                ),
            ),
            summary="Playlist downloads that become Plex collections.",
        ),
    )
}


def spec_of(service: str) -> ServiceSpec:
    try:
        return SERVICES[service]
    except KeyError:
        raise InvalidInput(f"There is no integration called '{service[:40]}'.") from None


def env_value(settings: Settings, field: FieldSpec) -> str:
    """The pre-seed from the environment as text ("" when not set)."""
    value = getattr(settings, field.setting, None)
    if value is None:
        return ""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, bool):
        return YES if value else ""
    if isinstance(value, Path):
        return str(value)
    return str(value)


def check_url(label: str, value: str) -> str:
    """http(s) with a host, no credentials, no query: the form's clear messages."""
    value = value.strip()
    if not value:
        return ""
    if len(value) > MAX_VALUE:
        raise InvalidInput(f"{label}: the address is too long.")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https"):
        raise InvalidInput(f"{label}: the address must start with http:// or https://.")
    if "@" in parts.netloc:
        raise InvalidInput(
            f"{label}: put no user name or password in the address; use the key field."
        )
    try:
        host, _ = parts.hostname, parts.port
    except ValueError:
        raise InvalidInput(f"{label}: the port in the address is not a number.") from None
    if not host:
        raise InvalidInput(f"{label}: the address needs a host name, e.g. http://nas:32400.")
    if parts.query or parts.fragment:
        raise InvalidInput(f"{label}: the address must not contain '?' or '#'.")
    if CONTROL.search(value) or " " in value:
        raise InvalidInput(f"{label}: the address must not contain spaces.")
    return value.rstrip("/")


def check_value(spec: ServiceSpec, field: FieldSpec, value: str) -> str:
    value = value.strip()
    if field.name == "url":
        return check_url(spec.title, value)
    if len(value) > MAX_VALUE:
        raise InvalidInput(f"{field.label}: at most {MAX_VALUE} characters.")
    if CONTROL.search(value):
        raise InvalidInput(f"{field.label}: must not contain control characters or new lines.")
    if value and field.name == "slug" and not SLUG.match(value):
        raise InvalidInput(f"{field.label}: only letters, digits, '-' and '_' (as in Kuma's URL).")
    if field.name == ALL_MONITORS:
        return _yes_or_blank(field, value)
    if value and field.name == "section" and not value.isdigit():
        raise InvalidInput(f"{field.label}: choose a Plex library (its number).")
    return value


def _yes_or_blank(field: FieldSpec, value: str) -> str:
    word = value.lower()
    if word in TRUE_WORDS:
        return YES
    if word in FALSE_WORDS:
        return ""
    raise InvalidInput(f'{field.label}: "yes" or "no".')


def check_complete(spec: ServiceSpec, values: dict[str, str]) -> None:
    """A service with an address needs what its client needs; without one it is switched off."""
    if spec.key == "youtube" or not values.get("url"):
        return
    if spec.key == "plex" and not values.get("token"):
        raise InvalidInput("Plex needs a token as well as the address.")
    if spec.key == "overseerr" and not values.get("api_key"):
        raise InvalidInput("Overseerr needs its API key (Settings → General in Overseerr).")
    if spec.key == "uptime_kuma" and not (values.get("slug") or values.get("api_key")):
        raise InvalidInput("Uptime Kuma needs a status page slug, an API key, or both.")
    if spec.key == "uptime_kuma" and not values.get("slug") and values.get(ALL_MONITORS) != YES:
        raise InvalidInput(
            "Uptime Kuma needs a status page slug: without one, MediaNest would show everyone "
            "every monitor from /metrics. Enter the slug, or choose to show every monitor."
        )


def configured(spec: ServiceSpec, values: dict[str, str]) -> bool:
    if spec.key == "youtube":
        return bool(values.get("section"))
    try:
        check_complete(spec, values)
    except InvalidInput:
        return False
    return bool(values.get("url"))
