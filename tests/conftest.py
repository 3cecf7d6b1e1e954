"""Fixtures shared by the whole suite: settings, a migrated database, the app and a client."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import text

from medianest.app import create_app
from medianest.config import Settings
from medianest.demo import identities
from medianest.integrations.fakekit import FakeServer
from medianest.integrations.plex.fake import PlexFakeState
from medianest.integrations.plex.fake import create_app as plex_app
from medianest.integrations.plextv.fake import PlexTvFakeState
from medianest.integrations.plextv.fake import create_app as plextv_app
from medianest.observability.logging import configure_logging
from medianest.persistence import migrate
from medianest.persistence.engine import create_short_lived_engine
from medianest.persistence.models import Base
from tests.support import backends
from tests.support.signin import ADMIN_PASSWORD, Login, sign_in_admin, sign_in_with_plex

pytest_plugins = ["tests.support.downloads"]  # the media-host fake's fixtures, for every module


@dataclass
class PlexWorld:
    """The fake plex.tv and Plex server, on real ports, shared by the run's tests."""

    plextv: PlexTvFakeState
    plex: PlexFakeState
    plextv_server: FakeServer
    plex_server: FakeServer

    def settings(self) -> dict[str, object]:
        return {
            "plextv_url": self.plextv_server.url,
            "plex_auth_url": f"{self.plextv_server.url}/auth",
            "plex_url": self.plex_server.url,
            "plex_token": identities.PLEX_OWNER_TOKEN,
        }

    def reset(self) -> None:
        self.plextv.faults.reset()
        self.plex.faults.reset()
        self.plextv.rate_limited = False


_PLEX_WORLD: PlexWorld | None = None


def plex_world_settings() -> dict[str, object]:
    return _PLEX_WORLD.settings() if _PLEX_WORLD else {}


def make_settings(data_dir: Path, database_url: str | None, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": data_dir,
        "database_url": database_url,
        "redis_url": backends.configured_redis_url(),
        "redis_namespace": backends.redis_namespace(),
        "embedded_worker": False,
        "sse_heartbeat_seconds": 1,
        "log_level": "warning",
        "admin_password": ADMIN_PASSWORD,
        **plex_world_settings(),
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def _migrate(url: str) -> None:
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    await migrate.upgrade_url(settings.resolved_database_url)


@pytest.fixture(scope="session", autouse=True)
def structured_logging() -> None:
    """The app's own logging set-up, so tests see what operators see (and caplog gets it)."""
    configure_logging("info", "console")


@pytest.fixture(scope="session", autouse=True)
def plex_world_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlexWorld]:
    global _PLEX_WORLD
    plextv = PlexTvFakeState.demo()
    plex = PlexFakeState.demo(media_root=tmp_path_factory.mktemp("plex-media"))
    plex_server = FakeServer(plex_app(plex)).start()
    plextv.server_url = plex_server.url
    plextv_server = FakeServer(plextv_app(plextv)).start()
    _PLEX_WORLD = PlexWorld(plextv, plex, plextv_server, plex_server)
    yield _PLEX_WORLD
    _PLEX_WORLD = None
    plextv_server.stop()
    plex_server.stop()


@pytest.fixture
def plex_world(plex_world_servers: PlexWorld) -> Iterator[PlexWorld]:
    plex_world_servers.reset()
    yield plex_world_servers
    plex_world_servers.reset()


@pytest.fixture(scope="session")
def session_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrated once per run: a SQLite template file, or a fresh PostgreSQL database."""
    base = backends.configured_database_url()
    if base:
        url = backends.create_postgres_database(base, "suite")
        backends.run_coroutine(_migrate(url))
        yield url
        backends.drop_postgres_database(base, url)
        return
    template = tmp_path_factory.mktemp("template") / "medianest.db"
    url = f"sqlite:///{template}"
    backends.run_coroutine(_migrate(url))
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
    backends.run_coroutine(_truncate_all(session_database))


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    """Values a module adds to the suite's settings: modules override this, not ``settings``."""
    return {}


@pytest.fixture
def settings(
    tmp_path: Path, database_url: str, settings_overrides: dict[str, object]
) -> Iterator[Settings]:
    settings = make_settings(tmp_path / "data", database_url, **settings_overrides)
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


@pytest.fixture
async def login(app: FastAPI, plex_world: PlexWorld) -> AsyncIterator[Login]:
    """``await login("alice")``: a client signed in as that demo Plex account ("admin": local)."""
    clients: list[httpx.AsyncClient] = []

    async def sign_in(who: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        http = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        clients.append(http)
        if who == "admin":
            await sign_in_admin(http)
        else:
            response = await sign_in_with_plex(http, plex_world.plextv, who)
            assert response.json()["status"] == "signed_in", response.text
        return http

    yield sign_in
    for http in clients:
        await http.aclose()
