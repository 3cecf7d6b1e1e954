"""Encryption at rest for Plex tokens and service API keys.

Fernet (AES-128-CBC + HMAC-SHA256) from `cryptography`; a MultiFernet decrypts with any listed
key and encrypts with the first, which is how keys rotate: put the new key first, keep the old
ones until `medianest admin rotate-keys` has re-encrypted everything.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class DecryptionFailed(Exception):
    """No configured key opens the value (a key was removed too early, or the data is damaged)."""


class SecretBox:
    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is needed")
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise DecryptionFailed(
                "cannot decrypt a stored secret with the configured keys"
            ) from exc

    def rotate(self, token: str) -> str:
        """Re-encrypt with the first key (for key rotation)."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except InvalidToken as exc:
            raise DecryptionFailed("no configured key opens a stored secret") from exc


def load_keys(configured: str | None, key_file: Path) -> list[str]:
    """Keys from settings (comma-separated, newest first), else a key file made on first use."""
    if configured:
        keys = [k.strip() for k in configured.split(",") if k.strip()]
        for key in keys:
            try:
                Fernet(key.encode())
            except ValueError as exc:
                raise ValueError(
                    "MEDIANEST_ENCRYPTION_KEYS: each key must be 32 url-safe base64-encoded bytes "
                    "(make one with `medianest admin new-key`)"
                ) from exc
        return keys
    if key_file.exists():
        return [k for k in key_file.read_text(encoding="utf-8").split() if k]
    key = Fernet.generate_key().decode("ascii")
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return [key]
