"""The `medianest` command fails with one clear line, never a traceback, on a bad setup."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest


def run_cli(
    *args: str, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MEDIANEST_")}
    return subprocess.run(
        [sys.executable, "-m", "medianest", *args],
        env={**clean, "COLUMNS": "200", **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def assert_one_clear_line(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "medianest: error:" in line]
    assert len(errors) == 1, result.stderr
    for needle in needles:
        assert needle in errors[0]


def test_version() -> None:
    result = run_cli("--version", env={})
    assert result.returncode == 0
    assert result.stdout.startswith("medianest ")


def test_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli(
            "serve", env={"MEDIANEST_DATA_DIR": str(tmp_path), "MEDIANEST_PORT": str(port)}
        )
    assert_one_clear_line(result, "MEDIANEST_PORT", "already in use")


def test_unwritable_data_dir(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    result = run_cli("serve", env={"MEDIANEST_DATA_DIR": str(blocker / "data")})
    assert_one_clear_line(result, "MEDIANEST_DATA_DIR", "not writable")


def test_unreachable_postgres(tmp_path: Path) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    result = run_cli(
        "migrate",
        env={
            "MEDIANEST_DATA_DIR": str(tmp_path),
            "MEDIANEST_DATABASE_URL": f"postgresql://nest:hunter2@127.0.0.1:{port}/nest",
        },
    )
    assert_one_clear_line(result, "MEDIANEST_DATABASE_URL", "cannot use the database")
    assert "hunter2" not in result.stderr


@pytest.mark.parametrize("url", ["localhost:6379", "redis://:notaport"])
def test_malformed_redis_url(tmp_path: Path, url: str) -> None:
    result = run_cli("serve", env={"MEDIANEST_DATA_DIR": str(tmp_path), "MEDIANEST_REDIS_URL": url})
    assert_one_clear_line(result, "MEDIANEST_REDIS_URL")


def test_migrate_brings_a_fresh_sqlite_install_to_head(tmp_path: Path) -> None:
    result = run_cli("migrate", env={"MEDIANEST_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "medianest.db").exists()
    assert (tmp_path / "secret.key").exists() is False  # keys are made by serve, not migrate
    assert "head" in result.stderr


READY_PROBE = """
import sys
from fastapi.testclient import TestClient
from medianest.app import create_app
from medianest.config import load_settings
with TestClient(create_app(load_settings())) as client:
    assert client.get("/readyz").status_code == 200, client.get("/readyz").text
    assert client.get("/signin").status_code == 200
print("loaded:", *sorted({name.split(".")[0] for name in sys.modules}))
"""


def test_a_ready_web_process_has_not_loaded_what_only_some_pages_and_jobs_use(
    tmp_path: Path,
) -> None:
    """yt-dlp (about 30 MB), alembic and the Markdown and User-Agent parsers load when a
    download, a migration or a page that shows them needs them, not with every web process."""
    env = {
        "MEDIANEST_DATA_DIR": str(tmp_path),
        "MEDIANEST_DOWNLOAD_DIR": str(tmp_path / "youtube"),
        "MEDIANEST_DEMO": "false",
    }
    assert run_cli("migrate", env=env).returncode == 0
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MEDIANEST_")}
    probe = subprocess.run(
        [sys.executable, "-c", READY_PROBE],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr
    listed = [line for line in probe.stdout.splitlines() if line.startswith("loaded:")]
    loaded = set(listed[-1].split()[1:])
    assert {"medianest", "sqlalchemy", "huey"} <= loaded  # the probe did start the app
    assert not loaded & {"yt_dlp", "alembic", "markdown_it", "ua_parser"}


def _bootstrap_admin(database_url: str, data_dir: Path) -> None:
    import asyncio

    from medianest.container import build_container
    from tests.conftest import ADMIN_PASSWORD, make_settings

    async def make() -> None:
        container = await build_container(make_settings(data_dir, database_url))
        await container.local_auth.ensure_bootstrap_admin(ADMIN_PASSWORD)
        await container.close()

    asyncio.run(make())


def _cli_env(database_url: str, data_dir: Path) -> dict[str, str]:
    from tests.support import backends

    env = {"MEDIANEST_DATA_DIR": str(data_dir), "MEDIANEST_DATABASE_URL": database_url}
    if backends.configured_redis_url():
        env["MEDIANEST_REDIS_URL"] = backends.configured_redis_url() or ""
    return env


def test_users_token_prints_a_working_token(tmp_path: Path, database_url: str) -> None:
    import asyncio

    from medianest.container import build_container
    from medianest.services import api_tokens
    from tests.conftest import make_settings

    _bootstrap_admin(database_url, tmp_path)
    result = run_cli(
        "users", "token", "admin", "--name", "backup", env=_cli_env(database_url, tmp_path)
    )
    assert result.returncode == 0, result.stderr
    secret = result.stdout.strip()
    assert secret.startswith("mnt_")

    async def owner() -> str | None:
        container = await build_container(make_settings(tmp_path, database_url))
        async with container.sessions() as db:
            user = await api_tokens.resolve(db, secret)
        await container.close()
        return user.username if user else None

    assert asyncio.run(owner()) == "admin"
    missing = run_cli("users", "token", "nobody", env=_cli_env(database_url, tmp_path))
    assert_one_clear_line(missing, "no user named 'nobody'")


def test_admin_reset_password_gives_a_one_time_password(tmp_path: Path, database_url: str) -> None:
    _bootstrap_admin(database_url, tmp_path)
    result = run_cli("admin", "reset-password", env=_cli_env(database_url, tmp_path))
    assert result.returncode == 0, result.stderr
    assert "New one-time password for admin: " in result.stdout
    assert "changed at the next sign-in" in result.stdout
