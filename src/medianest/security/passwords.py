"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106's recommendations)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10
# Checking against a dummy lets an unknown username take as long as a wrong password (no user
# probing). It is a constant, not hashed at import, which cost every start and command a hash;
# its parameters must match the hasher's (a test checks that).
DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$vC3mA8QLMLhrzA5ORtJp4Q$xQZpYJF4U4lt9LzzwC1TZatDbIrmqxHVN5M7z686OG8"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str, username: str) -> str | None:
    """Why a new password is not acceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > 1024:
        return "Use at most 1024 characters."
    if password.lower() == username.lower():
        return "The password must not be the username."
    return None
