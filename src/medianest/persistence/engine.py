"""The async engine and session factory, from one database URL (SQLite or PostgreSQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import URL, event, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

from medianest.persistence.pool import FairAsyncPool
from medianest.persistence.sqlite_dialect import DRIVER as SKIP_IDLE_ROLLBACK_DRIVER
from medianest.persistence.timing import time_statements
from medianest.security.files import private_file, sqlite_file

SQLITE_BUSY_TIMEOUT_MS = 5000
# Each aiosqlite connection is a thread; a fixed set, opened once and kept, instead of overflow
# connections opened and closed again whenever a burst comes and goes.
SQLITE_POOL_SIZE = 15
SQLITE_MAX_OVERFLOW = 0


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    # WAL lets readers and the job consumer work while a writer commits; busy_timeout waits
    # for a lock instead of failing at once; SQLite enforces foreign keys only when asked.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _keep_private(url: str) -> None:
    path = sqlite_file(url)
    if path is not None and path.parent.is_dir():
        private_file(path)


def _skip_idle_rollbacks(url: str) -> URL:
    parsed = make_url(url)
    if parsed.drivername != "sqlite+aiosqlite":
        return parsed
    return parsed.set(drivername=f"sqlite+{SKIP_IDLE_ROLLBACK_DRIVER}")


def create_engine(url: str, *, echo: bool = False, pool_timeout: float = 30.0) -> AsyncEngine:
    if url.startswith("sqlite"):
        _keep_private(url)
        engine = create_async_engine(
            _skip_idle_rollbacks(url),
            echo=echo,
            poolclass=FairAsyncPool,
            pool_size=SQLITE_POOL_SIZE,
            max_overflow=SQLITE_MAX_OVERFLOW,
            pool_timeout=pool_timeout,
            connect_args={"timeout": 30},
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        time_statements(engine)
        return engine
    engine = create_async_engine(
        url,
        echo=echo,
        pool_pre_ping=True,  # lets /readyz and requests recover after the database comes back
        poolclass=FairAsyncPool,
        pool_size=10,
        max_overflow=10,
        pool_timeout=pool_timeout,
        connect_args={"timeout": 5},
    )
    time_statements(engine)
    return engine


def _sqlite_manual_transactions(dbapi_connection: Any, _: Any) -> None:
    dbapi_connection.isolation_level = None  # the driver stops opening transactions itself


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")


def create_short_lived_engine(url: str) -> AsyncEngine:
    """For one-off commands (migrate, CLI admin tasks): no pool kept around.

    On SQLite, transactions are begun explicitly: the driver's own begins only before data
    changes, so a failing migration would leave the tables it created before the failure.
    """
    if url.startswith("sqlite"):
        _keep_private(url)
        engine = create_async_engine(url, poolclass=NullPool)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "connect", _sqlite_manual_transactions)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    return create_async_engine(url, poolclass=NullPool, connect_args={"timeout": 5})


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
