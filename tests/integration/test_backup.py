"""`medianest admin backup` while MediaNest runs, `medianest admin restore` on a new machine.

Both commands run as operators run them (subprocesses); the "new machine" is a fresh data dir
(and, on PostgreSQL, a fresh empty database) with no keys and no MEDIANEST_* key settings.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import select

from medianest.app import create_app
from medianest.config import Settings
from medianest.container import build_container
from medianest.demo import identities
from medianest.persistence import migrate
from medianest.persistence.models import (
    DownloadItem,
    DownloadJob,
    IntegrationConfig,
    MediaRequest,
    Notification,
    User,
)
from medianest.services import runtime_settings
from tests.conftest import PlexWorld, make_settings
from tests.integration.test_cli import assert_one_clear_line, run_cli
from tests.support import backends
from tests.support.signin import sign_in_with_plex

DEFAULT_POSTGRES = "postgresql://127.0.0.1:5432/test"
SERVER_NAME_KEY = "branding.server_name"


@contextlib.contextmanager
def database(backend: str, folder: Path) -> Iterator[str]:
    """An empty database of that kind for one "machine"."""
    folder.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'medianest.db'}"
        return
    base = backends.configured_database_url() or DEFAULT_POSTGRES
    url = backends.create_postgres_database(base, "backup")
    try:
        yield url
    finally:
        backends.drop_postgres_database(base, url)


def _cli_env(settings: Settings) -> dict[str, str]:
    return {
        "MEDIANEST_DATA_DIR": str(settings.data_dir),
        "MEDIANEST_DATABASE_URL": settings.database_url or "",
    }


async def _cli(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MEDIANEST_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "medianest",
        *args,
        env={**clean, "COLUMNS": "200", **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def _fill(app: object, plex_world: PlexWorld) -> None:
    """A person signed in with Plex (an encrypted token), a request, a job, a secret, a setting."""
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as browser:
        await sign_in_with_plex(browser, plex_world.plextv, "alice")
    container = app.state.container  # type: ignore[attr-defined]
    async with container.sessions.begin() as db:
        alice = await db.scalar(select(User).where(User.username == "alice"))
        assert alice is not None and alice.plex_token_enc
        db.add(MediaRequest(user_id=alice.id, media_type="movie", tmdb_id=603, title="The Matrix"))
        job = DownloadJob(
            user_id=alice.id,
            url="https://youtube.com/playlist?list=PL1",
            quality="best",
            kind="playlist",
            source_id="PL1",
            title="Cozy Cooking",
            state="completed",
            folder="alice/Cozy Cooking [PL1]",
        )
        job.items = [DownloadItem(position=1, title="Bread", state="done")]
        db.add(job)
        db.add(
            IntegrationConfig(
                service="overseerr",
                settings={"url": "http://seerr:5055"},
                secrets={"api_key": container.box.encrypt("seerr-key")},
            )
        )
        await runtime_settings.set_value(db, SERVER_NAME_KEY, "Nest of the Backup")


async def _keep_writing(app: object, stop: asyncio.Event) -> int:
    """Writes notices while the backup runs, as a busy MediaNest would."""
    container = app.state.container  # type: ignore[attr-defined]
    written = 0
    async with container.sessions() as db:
        alice_id = await db.scalar(select(User.id).where(User.username == "alice"))
    while not stop.is_set():
        async with container.sessions.begin() as db:
            db.add(Notification(user_id=alice_id, kind="x", title=f"busy {written}"))
        written += 1
        await asyncio.sleep(0)
    return written


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_a_backup_made_while_running_restores_everything_on_a_new_machine(
    tmp_path: Path, backend: str, plex_world: PlexWorld
) -> None:
    archive = tmp_path / "nest.tar.gz"
    with (
        database(backend, tmp_path / "old") as old_url,
        database(backend, tmp_path / "new") as new_url,
    ):
        old = make_settings(tmp_path / "old", old_url, redis_url=None)
        await migrate.upgrade_url(old.resolved_database_url)
        app = create_app(old)
        async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
            await _fill(app, plex_world)
            stop = asyncio.Event()
            writer = asyncio.create_task(_keep_writing(app, stop))
            code, out, err = await _cli("admin", "backup", str(archive), env=_cli_env(old))
            stop.set()
            assert await writer > 0
        assert code == 0, err
        assert f"Backup written to {archive}" in out
        assert archive.stat().st_mode & 0o077 == 0  # it holds the keys

        new = make_settings(tmp_path / "new", new_url, redis_url=None)
        code, out, err = await _cli("admin", "restore", str(archive), env=_cli_env(new))
        assert code == 0, err
        assert "3 stored secret(s) open with the restored keys" in out  # 2 of alice, 1 key

        for name in ("secret.key", "encryption.key", "install.id"):
            assert (new.data_dir / name).read_text() == (old.data_dir / name).read_text()
        if backend == "sqlite":
            with contextlib.closing(sqlite3.connect(new.data_dir / "medianest.db")) as db:
                assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)

        restored = await build_container(new)
        try:
            async with restored.sessions() as db:
                users = {u.username: u for u in await db.scalars(select(User))}
                assert set(users) == {"admin", "alice"}
                alice = users["alice"]
                assert alice.plex_token_enc is not None
                assert restored.box.decrypt(alice.plex_token_enc) == identities.ALICE.auth_token
                assert [r.title for r in await db.scalars(select(MediaRequest))] == ["The Matrix"]
                assert [j.title for j in await db.scalars(select(DownloadJob))] == ["Cozy Cooking"]
                assert [i.title for i in await db.scalars(select(DownloadItem))] == ["Bread"]
                config = await db.get(IntegrationConfig, "overseerr")
                assert config is not None
                assert restored.box.decrypt(config.secrets["api_key"]) == "seerr-key"
                assert await runtime_settings.get_value(db, SERVER_NAME_KEY, None) == (
                    "Nest of the Backup"
                )
        finally:
            await restored.close()


def _add_admin(data_dir: Path) -> None:
    async def add() -> None:
        settings = make_settings(data_dir, None, redis_url=None)
        container = await build_container(settings)
        try:
            await container.local_auth.ensure_bootstrap_admin("x" * 12)
        finally:
            await container.close()

    asyncio.run(add())


def test_restore_refuses_to_overwrite_people_or_read_a_foreign_file(tmp_path: Path) -> None:
    env = {"MEDIANEST_DATA_DIR": str(tmp_path / "live"), "MEDIANEST_ADMIN_PASSWORD": "x" * 12}
    assert run_cli("migrate", env=env).returncode == 0
    made = run_cli("admin", "backup", str(tmp_path / "b.tar.gz"), env=env)
    assert made.returncode == 0, made.stderr
    _add_admin(tmp_path / "live")
    refused = run_cli("admin", "restore", str(tmp_path / "b.tar.gz"), env=env)
    assert_one_clear_line(refused, "already has users", "--force")
    forced = run_cli("admin", "restore", "--force", str(tmp_path / "b.tar.gz"), env=env)
    assert forced.returncode == 0, forced.stderr
    assert_one_clear_line(run_cli("users", "token", "admin", env=env), "no user named 'admin'")

    stranger = tmp_path / "holiday.tar.gz"
    stranger.write_bytes(b"not an archive")
    assert_one_clear_line(
        run_cli("admin", "restore", str(stranger), env=env), "not a readable MediaNest backup"
    )
    assert_one_clear_line(
        run_cli("admin", "restore", str(tmp_path / "missing.tar.gz"), env=env), "no backup archive"
    )
    postgres = {**env, "MEDIANEST_DATABASE_URL": DEFAULT_POSTGRES}
    assert_one_clear_line(
        run_cli("admin", "restore", str(tmp_path / "b.tar.gz"), env=postgres),
        "holds a sqlite database",
    )
