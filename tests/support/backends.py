"""Which database and Redis the suite runs against, and their per-run isolation.

Embedded run (default): SQLite files in tmp dirs, no Redis. Service run: set
MEDIANEST_TEST_DATABASE_URL=postgresql://127.0.0.1:5432/test and
MEDIANEST_TEST_REDIS_URL=redis://127.0.0.1:6379/0. Each run creates its own database on that
server and uses its own Redis key namespace, and removes both afterwards.

A service a test needs but cannot reach fails the test under CI (CI=true) and skips it, with the
reason, on a developer machine.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
RUN_ID = uuid.uuid4().hex[:10]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(reason: str) -> None:
    if in_ci():
        pytest.fail(f"required service missing in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def configured_database_url() -> str | None:
    return os.environ.get("MEDIANEST_TEST_DATABASE_URL") or None


def configured_redis_url() -> str | None:
    return os.environ.get("MEDIANEST_TEST_REDIS_URL") or None


def redis_url_for_redis_tests() -> str:
    return configured_redis_url() or DEFAULT_REDIS_URL


def redis_namespace() -> str:
    return f"mntest-{RUN_ID}"


def require_redis(url: str) -> None:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        client.ping()
        client.close()
    except (redis.RedisError, OSError) as exc:
        unavailable(f"Redis not reachable at {url}: {exc}")


def purge_redis_namespace(url: str, namespace: str) -> None:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        for key in client.scan_iter(match=f"*{namespace}*", count=500):
            client.delete(key)
        client.close()
    except (redis.RedisError, OSError):
        pass


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


async def _admin(url: str, sql: str) -> None:
    import asyncpg

    parts = urlsplit(url)
    conn = await asyncpg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or None,
        password=parts.password or None,
        database=(parts.path or "/test").lstrip("/") or "test",
        timeout=5,
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def run_coroutine(coro: Coroutine[Any, Any, None]) -> None:
    """asyncio.run, also from inside a running loop (async tests): then in a helper thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(coro)
        return
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coro).result()


def create_postgres_database(base_url: str, label: str) -> str:
    """A fresh, empty database on the configured server; returns its URL."""
    name = f"mn_{label}_{RUN_ID}_{uuid.uuid4().hex[:6]}"
    try:
        run_coroutine(_admin(base_url, f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        unavailable(f"PostgreSQL not usable at {base_url}: {exc}")
    return _with_database(base_url, name)


def drop_postgres_database(base_url: str, url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    run_coroutine(_admin(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
