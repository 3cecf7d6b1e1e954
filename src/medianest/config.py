"""Settings: one object, read once from the environment (prefix ``MEDIANEST_``) and ``.env``.

Every secret may also come from a file named by ``MEDIANEST_<NAME>_FILE`` (Docker/systemd
secrets). Invalid values fail at start with one line naming the variable (see ``describe_error``).
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

ENV_PREFIX = "MEDIANEST_"
KNOWN_WEAK_KEYS = frozenset({"changeme", "change-me", "secret", "medianest", "default", "password"})
DEFAULT_ALLOWED_DOWNLOAD_HOSTS = ("youtube.com", "m.youtube.com", "music.youtube.com", "youtu.be")


class FileSecretsSource(PydanticBaseSettingsSource):
    """Reads ``MEDIANEST_<NAME>_FILE``: the value is the file's content without the trailing newline."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        path = os.environ.get(f"{ENV_PREFIX}{field_name.upper()}_FILE")
        if not path:
            return None, field_name, False
        try:
            return Path(path).read_text(encoding="utf-8").rstrip("\r\n"), field_name, False
        except OSError as exc:
            raise ValueError(
                f"{ENV_PREFIX}{field_name.upper()}_FILE: cannot read {path}: {exc.strerror}"
            ) from exc

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, field in self.settings_cls.model_fields.items():
            value, key, _ = self.get_field_value(field, name)
            if value is not None:
                values[key] = value
        return values


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )

    # Where MediaNest keeps its SQLite file, job queue, generated keys and caches.
    data_dir: Path = Path("data")
    database_url: str | None = None
    # How long a request waits for a free database connection before it is answered 503.
    database_pool_timeout_seconds: float = Field(default=30.0, gt=0, le=300)
    redis_url: str | None = None
    redis_namespace: str = "medianest"
    base_url: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    environment: Literal["development", "production"] = "development"
    secret_key: SecretStr | None = None
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["console", "json"] = "console"
    admin_password: SecretStr | None = None
    # Demo services: None = when no integration is configured, True = always, False = never.
    demo: bool | None = None
    # Addresses the demo's video host serves, offered on the Downloads page (set by `medianest demo`).
    demo_sample_urls: list[str] = Field(default_factory=list)

    # Jobs: the embedded consumer runs inside `serve` unless turned off (then run `medianest worker`).
    embedded_worker: bool = True
    worker_threads: int = Field(default=2, ge=1, le=32)
    sse_heartbeat_seconds: float = Field(default=15.0, gt=0, le=300)
    session_days: int = Field(default=30, ge=1, le=365)
    session_max_days: int = Field(default=90, ge=1, le=3650)
    # How long a process remembers whom a cookie or token belongs to. Changes made in MediaNest
    # reach every process at once through the event bus; this bounds only the rest.
    auth_cache_seconds: float = Field(default=10.0, ge=0, le=300)
    # Fernet keys for secrets at rest, newest first; default: a key file made in the data dir.
    encryption_keys: SecretStr | None = None
    sign_in_attempts_per_account: int = Field(default=5, ge=1, le=1000)
    sign_in_attempts_per_ip: int = Field(default=20, ge=1, le=10000)
    sign_in_lockout_minutes: int = Field(default=15, ge=1, le=1440)
    # Addresses (or networks) of reverse proxies whose X-Forwarded-For/-Proto are believed;
    # empty: none, the connecting address is the client.
    trusted_proxies: str = ""
    # A Server-Timing header on every answer (pool wait, database, whole handling): for an
    # operator finding what a slow request waited on; off, it would tell any visitor.
    server_timing: bool = False

    # Integration pre-seeds, read on start (the admin pages own them afterwards).
    plex_url: str | None = None
    plex_token: SecretStr | None = None
    plextv_url: str = "https://plex.tv"
    plex_auth_url: str = "https://app.plex.tv/auth"
    overseerr_url: str | None = None
    overseerr_api_key: SecretStr | None = None
    overseerr_webhook_secret: SecretStr | None = None
    uptime_kuma_url: str | None = None
    uptime_kuma_slug: str | None = None
    uptime_kuma_api_key: SecretStr | None = None
    uptime_kuma_webhook_secret: SecretStr | None = None
    uptime_kuma_all_monitors: bool = False
    download_dir: Path | None = None
    download_allowed_hosts: str = ",".join(DEFAULT_ALLOWED_DOWNLOAD_HOSTS)
    plex_youtube_section: str | None = None

    # Feature settings: each feature adds its own fields below its marker.
    # --- dashboard settings ---
    # Uptime Kuma polling interval (jittered, backs off while Kuma is down); 0 = webhooks only.
    status_poll_seconds: float = Field(default=60.0, ge=0, le=86400)
    # Status history kept for uptime figures (at least the 30-day window).
    status_history_days: int = Field(default=35, ge=31, le=3650)
    # Inbox notifications older than this are deleted.
    notification_retention_days: int = Field(default=90, ge=1, le=3650)
    # --- library settings ---
    # Plex answers are fresh this long, and kept this long to show while Plex is down.
    library_cache_seconds: float = Field(default=60.0, ge=0, le=3600)
    library_stale_seconds: int = Field(default=86_400, ge=60, le=30 * 86_400)
    library_plex_timeout_seconds: float = Field(default=6.0, gt=0, le=120)
    library_image_cache_mb: int = Field(default=500, ge=1, le=1_000_000)
    # --- requests settings ---
    # Where TMDB posters come from (MediaNest fetches and caches them; browsers only see MediaNest).
    tmdb_image_url: str = "https://image.tmdb.org/t/p"
    requests_per_hour: int = Field(default=20, ge=1, le=10000)  # per user
    requests_sync_minutes: int = Field(default=10, ge=1, le=1440)  # reconciliation interval
    requests_timeout_seconds: float = Field(default=8.0, gt=0, le=60)  # search / details

    @field_validator("tmdb_image_url")
    @classmethod
    def _tmdb_image_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL with a host")
        return value.rstrip("/")

    # --- downloads settings ---
    # Videos downloaded at once (all people together); the rest wait their turn, taken in turns.
    download_concurrency: int = Field(default=2, ge=1, le=16)
    download_jobs_per_hour: int = Field(default=5, ge=1, le=10_000)  # per user
    download_max_playlist: int = Field(default=300, ge=1, le=5000)  # videos per job
    download_min_free_mb: int = Field(default=2048, ge=0, le=10_000_000)  # jobs wait below this
    download_rate_limit_kbps: int | None = Field(default=None, ge=1)  # per video; None = unlimited
    # How long to wait (with backoff) for Plex to list new files before "not yet in Plex".
    download_plex_wait_seconds: float = Field(default=300.0, gt=0, le=86_400)
    # A running video without a sign of life for this long is taken to have lost its worker.
    download_stale_seconds: float = Field(default=90.0, ge=5, le=3600)
    # --- retention settings (operations) ---
    # Audit log entries and finished downloads (the records, not the files) older than this go.
    audit_retention_days: int = Field(default=365, ge=1, le=36500)
    download_retention_days: int = Field(default=90, ge=1, le=36500)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        assert isinstance(env_settings, EnvSettingsSource)
        return (init_settings, env_settings, FileSecretsSource(settings_cls), dotenv_settings)

    @field_validator(
        "base_url", "plextv_url", "plex_auth_url", "plex_url", "overseerr_url", "uptime_kuma_url"
    )
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL with a host")
        return value.rstrip("/")

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: str) -> str:
        for item in (part.strip() for part in value.split(",")):
            if item and item != "*":
                try:
                    ipaddress.ip_network(item, strict=False)
                except ValueError:
                    raise ValueError(f"not an IP address or network: {item[:60]}") from None
        return value

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [part.strip() for part in self.trusted_proxies.split(",") if part.strip()]

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("redis", "rediss", "unix"):
            raise ValueError("must start with redis://, rediss:// or unix://")
        if parts.scheme != "unix" and not parts.hostname:
            raise ValueError("must name a host, e.g. redis://127.0.0.1:6379/0")
        try:
            _ = parts.port
        except ValueError as exc:
            raise ValueError("has an invalid port") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        scheme = value.split("://", 1)[0].split("+", 1)[0]
        if "://" not in value or scheme not in ("sqlite", "postgresql", "postgres"):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return value

    @model_validator(mode="after")
    def _production_key(self) -> Settings:
        if self.environment == "production" and self.secret_key is not None:
            key = self.secret_key.get_secret_value().strip()
            if not key or key.lower() in KNOWN_WEAK_KEYS or len(key) < 32:
                raise ValueError(
                    "MEDIANEST_SECRET_KEY: in production it must be at least 32 random characters"
                )
        return self

    # Derived values -------------------------------------------------------------------------

    @property
    def resolved_database_url(self) -> str:
        """The async SQLAlchemy URL; plain ``postgresql://`` and ``sqlite:///`` are accepted."""
        url = self.database_url or f"sqlite:///{(self.data_dir / 'medianest.db').resolve()}"
        if url.startswith(("postgres://", "postgresql://")):
            return "postgresql+asyncpg://" + url.split("://", 1)[1]
        if url.startswith("sqlite://"):
            return "sqlite+aiosqlite://" + url.split("://", 1)[1]
        return url

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def allowed_download_hosts(self) -> tuple[str, ...]:
        hosts = (h.strip().lower() for h in self.download_allowed_hosts.split(","))
        return tuple(h for h in hosts if h)

    @property
    def integrations_configured(self) -> bool:
        return any((self.plex_url, self.overseerr_url, self.uptime_kuma_url))

    @property
    def wants_demo(self) -> bool:
        return self.demo if self.demo is not None else not self.integrations_configured

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")


def describe_error(error: ValidationError) -> str:
    """One line per invalid setting, naming the environment variable, never a traceback."""
    lines = []
    for item in error.errors():
        loc = item.get("loc") or ()
        name = f"{ENV_PREFIX}{str(loc[0]).upper()}" if loc else "settings"
        message = str(item.get("msg", "invalid value")).removeprefix("Value error, ")
        if message.startswith(ENV_PREFIX):
            lines.append(message)
        else:
            lines.append(f"{name}: {message}")
    return "; ".join(lines)


def load_settings(**overrides: Any) -> Settings:
    """Build the settings once; raises ``ValidationError`` (turned into one line by the CLI)."""
    return Settings(**overrides)
