"""Every failure of the `medianest` command names its real cause (run as operators run it)."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from pathlib import Path

from cryptography.fernet import Fernet

from medianest.persistence import migrate
from medianest.persistence.engine import create_short_lived_engine, session_factory
from medianest.persistence.models import IntegrationConfig
from medianest.security.secretbox import SecretBox
from tests.integration.test_cli import assert_one_clear_line, run_cli


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    return {"MEDIANEST_DATA_DIR": str(data_dir), "MEDIANEST_DEMO": "false", **extra}


def _free_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])


def _sqlite_url(data_dir: Path) -> str:
    return f"sqlite+aiosqlite:///{data_dir / 'medianest.db'}"


def _migrate_to(data_dir: Path, revision: str) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    asyncio.run(migrate.upgrade_url(_sqlite_url(data_dir), revision))


def _store_secret(data_dir: Path, key: str) -> None:
    async def store() -> None:
        engine = create_short_lived_engine(_sqlite_url(data_dir))
        async with session_factory(engine).begin() as db:
            db.add(
                IntegrationConfig(
                    service="overseerr",
                    settings={"url": "http://seerr:5055"},
                    secrets={"api_key": SecretBox([key]).encrypt("seerr-key")},
                )
            )
        await engine.dispose()

    asyncio.run(store())


def test_rotate_keys_without_the_old_key_says_to_add_it_back(tmp_path: Path) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    _migrate_to(tmp_path, "head")
    _store_secret(tmp_path, old)

    missing = run_cli("admin", "rotate-keys", env=_env(tmp_path, MEDIANEST_ENCRYPTION_KEYS=new))
    assert_one_clear_line(
        missing,
        "MEDIANEST_ENCRYPTION_KEYS",
        "a stored secret opens with none of the keys; add the old key back",
    )
    assert "database" not in missing.stderr

    both = run_cli(
        "admin", "rotate-keys", env=_env(tmp_path, MEDIANEST_ENCRYPTION_KEYS=f"{new},{old}")
    )
    assert both.returncode == 0, both.stderr
    assert "Re-encrypted 1 stored secret(s)" in both.stdout


def test_a_failing_migration_is_named_with_its_error(tmp_path: Path) -> None:
    _migrate_to(tmp_path, "0006")
    with sqlite3.connect(tmp_path / "medianest.db") as db:  # what 0007 is about to create
        db.execute("CREATE TABLE docs_pages (id INTEGER)")

    for command in (["migrate"], ["serve", "--port", _free_port()]):
        result = run_cli(*command, env=_env(tmp_path))
        assert_one_clear_line(result, "migration 0007", "docs_pages already exists", "0006")
        assert "cannot use the database" not in result.stderr


def test_a_schema_from_a_newer_version_is_called_that(tmp_path: Path) -> None:
    _migrate_to(tmp_path, "head")
    with sqlite3.connect(tmp_path / "medianest.db") as db:
        db.execute("UPDATE alembic_version SET version_num = '0999'")
    for command in (["migrate"], ["users", "token", "admin"]):
        result = run_cli(*command, env=_env(tmp_path))
        assert_one_clear_line(result, "revision 0999", "does not know", "newer MediaNest")


def test_commands_on_an_outdated_or_missing_database_say_migrate(tmp_path: Path) -> None:
    nothing = run_cli("admin", "reset-password", env=_env(tmp_path / "empty"))
    assert_one_clear_line(nothing, "no MediaNest database at", "medianest migrate")
    assert not (tmp_path / "empty" / "medianest.db").exists()  # no stray empty file

    _migrate_to(tmp_path / "old", "0005")
    for command in (["users", "token", "admin"], ["worker"]):
        result = run_cli(*command, env=_env(tmp_path / "old"))
        assert_one_clear_line(result, "revision 0005", "run `medianest migrate` first")


def test_a_sqlite_file_in_a_missing_folder_is_named(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'gone' / 'medianest.db'}"
    result = run_cli("migrate", env=_env(tmp_path, MEDIANEST_DATABASE_URL=url))
    assert_one_clear_line(
        result, "MEDIANEST_DATABASE_URL", f"{tmp_path / 'gone'}", "does not exist"
    )


def test_bad_keys_stop_serve_and_worker_with_one_line(tmp_path: Path) -> None:
    for command in (["serve", "--port", _free_port()], ["worker"]):
        bad_keys = run_cli(*command, env=_env(tmp_path, MEDIANEST_ENCRYPTION_KEYS="not-a-key"))
        assert_one_clear_line(bad_keys, "MEDIANEST_ENCRYPTION_KEYS", "32 url-safe base64")
    empty_secret = run_cli(
        "serve", "--port", _free_port(), env=_env(tmp_path, MEDIANEST_SECRET_KEY=" ")
    )
    assert_one_clear_line(empty_secret, "MEDIANEST_SECRET_KEY", "is empty")
