"""Typed plex.tv answers (JSON form, ``docs/protocols/plextv.md``).

The models read plex.tv's camelCase JSON directly and ignore fields they do not use, so a new field
on plex.tv never breaks sign-in. Tokens are :class:`~pydantic.SecretStr`: a model printed in a log
line or dumped into an API answer shows ``**********``, never the token.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic.alias_generators import to_camel

__all__ = ["Pin", "PinStatus", "PlexAccount", "PlexConnection", "PlexResource"]


def _blank_to_none(value: Any) -> Any:
    """plex.tv writes "no value" as null or "" depending on the field and the endpoint."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


class _Wire(BaseModel):
    model_config = ConfigDict(
        extra="ignore", alias_generator=to_camel, populate_by_name=True, frozen=True
    )


class Pin(_Wire):
    """A freshly created PIN (``AuthPinContainer``); ``code`` goes into the auth URL."""

    id: int
    code: str
    client_identifier: str | None = None
    created_at: datetime | None = None
    expires_at: datetime
    expires_in: int | None = None
    auth_token: SecretStr | None = None

    _blanks = field_validator("client_identifier", "auth_token", mode="before")(_blank_to_none)

    @model_validator(mode="before")
    @classmethod
    def _expiry_from_lifetime(cls, data: Any) -> Any:
        # expiresAt is authoritative (docs/protocols/plextv.md#pin-flow); expiresIn is only a
        # fallback when it is missing.
        if isinstance(data, dict) and not data.get("expiresAt") and "expires_at" not in data:
            seconds = data.get("expiresIn")
            if isinstance(seconds, int) and not isinstance(seconds, bool):
                return {**data, "expiresAt": datetime.now(UTC) + timedelta(seconds=seconds)}
        return data


class PinStatus(BaseModel):
    """One poll of a PIN: pending (no token), approved (token) or ``expired`` (stop polling)."""

    model_config = ConfigDict(frozen=True)

    id: int
    code: str | None = None
    auth_token: SecretStr | None = None
    expires_at: datetime | None = None
    expired: bool = False

    @property
    def approved(self) -> bool:
        return self.auth_token is not None


class PlexAccount(_Wire):
    """The identity fields MediaNest keeps from ``GET /api/v2/user`` (``UserPlexAccount``)."""

    id: int
    uuid: str
    username: str = ""
    title: str = ""
    friendly_name: str | None = None
    email: str | None = None
    thumb: str | None = None
    home: bool = False
    home_admin: bool = False
    guest: bool = False
    restricted: bool = False

    _blanks = field_validator("email", "thumb", "friendly_name", mode="before")(_blank_to_none)

    @field_validator("username", "title", mode="before")
    @classmethod
    def _null_as_empty(cls, value: Any) -> Any:
        return "" if value is None else value


class PlexConnection(_Wire):
    """One way to reach a device; ``uri`` is what a client connects to."""

    uri: str
    protocol: str = "http"
    address: str = ""
    port: int | None = None
    local: bool = False
    relay: bool = False
    ipv6: bool = Field(default=False, alias="IPv6")


class PlexResource(_Wire):
    """A device of ``GET /api/v2/resources`` as the token's account sees it (``PlexDevice``).

    ``access_token`` is the token to use against that device for this account
    (``docs/protocols/plextv.md#server-access``), not the account's plex.tv token.
    """

    name: str = ""
    client_identifier: str
    product: str | None = None
    product_version: str | None = None
    platform: str | None = None
    device: str | None = None
    provides: frozenset[str] = frozenset()
    owned: bool = False
    owner_id: int | None = None
    source_title: str | None = None
    access_token: SecretStr | None = None
    public_address: str | None = None
    presence: bool = False
    https_required: bool = False
    last_seen_at: datetime | None = None
    connections: list[PlexConnection] = Field(default_factory=list)

    _blanks = field_validator(
        "owner_id", "source_title", "access_token", "public_address", "last_seen_at", mode="before"
    )(_blank_to_none)

    @field_validator("provides", mode="before")
    @classmethod
    def _split_provides(cls, value: Any) -> Any:
        """``"client,player,pubsub-player"`` → a set; unknown capabilities are kept as they are."""
        if value is None:
            return frozenset()
        if isinstance(value, str):
            return frozenset(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("connections", mode="before")
    @classmethod
    def _null_as_no_connections(cls, value: Any) -> Any:
        return [] if value is None else value

    @property
    def is_server(self) -> bool:
        return "server" in self.provides
