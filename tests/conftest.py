"""Fixtures shared by the whole suite: settings, a migrated database, the app and a client."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import text

from medianest.app import create_app
from medianest.config import Settings
from medianest.persistence import migrate
from medianest.persistence.engine import create_short_lived_engine
from medianest.persistence.models import Base
from tests.support import backends


def make_settings(data_dir: Path, database_url: str | None, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": data_dir,
        "database_url": database_url,
        "redis_url": backends.configured_redis_url(),
        "redis_namespace": backends.redis_namespace(),
        "embedded_worker": False,
        "sse_heartbeat_seconds": 1,
        "log_level": "warning",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def _migrate(url: str) -> None:
    engine = create_short_lived_engine(
        Settings(_env_file=None, database_url=url).resolved_database_url
    )  # type: ignore[call-arg]
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def session_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrated once per run: a SQLite template file, or a fresh PostgreSQL database."""
    base = backends.configured_database_url()
    if base:
        url = backends.create_postgres_database(base, "suite")
        asyncio.run(_migrate(url))
        yield url
        backends.drop_postgres_database(base, url)
        return
    template = tmp_path_factory.mktemp("template") / "medianest.db"
    url = f"sqlite:///{template}"
    asyncio.run(_migrate(url))
    yield url


async def _truncate_all(url: str) -> None:
    engine = create_short_lived_engine(
        Settings(_env_file=None, database_url=url).resolved_database_url
    )  # type: ignore[call-arg]
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE TABLE {tables} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


@pytest.fixture
def database_url(session_database: str, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database for one test."""
    if session_database.startswith("sqlite"):
        copy = tmp_path / "medianest.db"
        shutil.copyfile(session_database.removeprefix("sqlite:///"), copy)
        yield f"sqlite:///{copy}"
        return
    yield session_database
    asyncio.run(_truncate_all(session_database))


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Iterator[Settings]:
    settings = make_settings(tmp_path / "data", database_url)
    yield settings
    if settings.redis_url:
        backends.purge_redis_namespace(settings.redis_url, settings.redis_namespace)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with LifespanManager(application, startup_timeout=30, shutdown_timeout=30):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def redis_url() -> str:
    """For tests about Redis itself (they run in every backend mode)."""
    url = backends.redis_url_for_redis_tests()
    backends.require_redis(url)
    return url
