"""Password checks: no hash at import, unknown users cost as much as wrong passwords."""

from __future__ import annotations

import subprocess
import sys

from medianest.security.passwords import DUMMY_HASH, hash_password, needs_rehash, verify_password


def test_importing_the_app_and_the_command_computes_no_password_hash() -> None:
    refuse_hashing = (
        "import argon2\n"
        "def refuse(*_a, **_k):\n"
        "    raise SystemExit('a password was hashed at import')\n"
        "argon2.PasswordHasher.hash = refuse\n"
        "import medianest.app, medianest.cli, medianest.services.auth\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", refuse_hashing], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


def test_the_stand_in_for_unknown_users_costs_what_a_real_hash_costs() -> None:
    assert not needs_rehash(DUMMY_HASH)  # same algorithm and parameters as new hashes
    assert DUMMY_HASH.split("$")[:4] == hash_password("x" * 12).split("$")[:4]
    assert verify_password(None, "medianest-dummy-password") is False
    assert verify_password(hash_password("right password"), "right password") is True
