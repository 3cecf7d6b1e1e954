"""Start-up checks and generated files in the data dir, shared by every command."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from medianest.config import Settings
from medianest.security.secretbox import SecretBox, load_keys


class StartupError(Exception):
    """A problem the operator must fix; the CLI prints its message as one line and exits 1."""


def prepare_data_dir(settings: Settings) -> Path:
    data_dir = settings.data_dir.resolve()
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        probe = data_dir / ".write-test"
        probe.write_text("ok", encoding="utf-8")
        probe.unlink()
    except OSError as exc:
        raise StartupError(
            f"MEDIANEST_DATA_DIR: {data_dir} is not writable ({exc.strerror or exc})"
        ) from exc
    return data_dir


def _read_or_create(path: Path, make: str) -> str:
    if path.exists():
        value = path.read_text(encoding="utf-8").strip()
        if value:
            return value
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(make + "\n")
    return make


def resolve_secret_key(settings: Settings) -> str:
    """The key that signs sessions and CSRF tokens: from settings, else generated once and kept."""
    if settings.secret_key is not None:
        key = settings.secret_key.get_secret_value().strip()
        if not key:
            raise StartupError(
                "MEDIANEST_SECRET_KEY: is empty; unset it to let MediaNest generate one"
            )
        return key
    return _read_or_create(settings.data_dir.resolve() / "secret.key", secrets.token_urlsafe(48))


def open_secret_box(settings: Settings, data_dir: Path) -> SecretBox:
    """The box that encrypts stored secrets: MEDIANEST_ENCRYPTION_KEYS, else the data dir's key.

    Raises ValueError when a configured key is malformed.
    """
    configured = settings.encryption_keys.get_secret_value() if settings.encryption_keys else None
    return SecretBox(load_keys(configured, data_dir / "encryption.key"))


def install_id(settings: Settings) -> str:
    """A stable per-install identifier (plex.tv's X-Plex-Client-Identifier)."""
    return _read_or_create(settings.data_dir.resolve() / "install.id", secrets.token_hex(16))
