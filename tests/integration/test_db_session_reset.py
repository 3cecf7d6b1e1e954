"""What a pooled database connection carries from one request to the next: nothing. A write a
failed request left uncommitted is gone before the connection serves anyone else (it is neither
seen nor committed along with the next request's own write), and a request that only reads sees
what other connections committed meanwhile."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from medianest.config import Settings
from medianest.persistence.engine import create_engine, session_factory
from medianest.persistence.models import User


class RequestFailed(Exception):
    pass


Failing = Callable[[AsyncSession], Awaitable[None]]


def _engine(database_url: str) -> AsyncEngine:
    settings = Settings(_env_file=None, database_url=database_url)  # type: ignore[call-arg]
    return create_engine(settings.resolved_database_url)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = _engine(database_url)
    yield engine
    await engine.dispose()


async def _committed_elsewhere(database_url: str, name: str | None = None) -> set[str]:
    """Through a connection of its own: what is committed, after committing ``name`` if given."""
    other = _engine(database_url)
    try:
        if name is not None:
            async with session_factory(other).begin() as db:
                db.add(_user(name))
        async with session_factory(other)() as db:
            return set(await db.scalars(select(User.username_key)))
    finally:
        await other.dispose()


def _user(name: str) -> User:
    return User(username_key=name, username=name, display_name=name.title())


async def _driver_connection(db: AsyncSession) -> object:
    raw = await (await db.connection()).get_raw_connection()
    return raw.driver_connection


async def _fail_after_app_error(db: AsyncSession) -> None:
    db.add(_user("ghost"))
    await db.flush()
    raise RequestFailed


async def _fail_after_database_error(db: AsyncSession) -> None:
    db.add(_user("ghost"))
    await db.flush()
    db.add(_user("ghost"))  # the same username again: the database refuses it
    await db.flush()


@pytest.mark.parametrize("fail", [_fail_after_app_error, _fail_after_database_error])
async def test_a_write_a_failed_request_left_uncommitted_does_not_reach_the_next_request(
    engine: AsyncEngine, database_url: str, fail: Failing
) -> None:
    sessions = session_factory(engine)
    used: list[object] = []

    async def failed_request() -> None:
        async with sessions() as db:
            used.append(await _driver_connection(db))
            await fail(db)

    with pytest.raises((RequestFailed, IntegrityError)):
        await failed_request()
    failed_on = used[0]
    async with sessions() as db:  # one connection so far: the pool hands the same one back
        assert await _driver_connection(db) is failed_on
        assert await db.scalar(select(User).where(User.username_key == "ghost")) is None
        db.add(_user("next-visitor"))
        await db.commit()
    assert await _committed_elsewhere(database_url) == {"next-visitor"}


async def test_a_request_that_only_read_sees_what_another_connection_committed_since(
    engine: AsyncEngine, database_url: str
) -> None:
    sessions = session_factory(engine)
    async with sessions() as db:
        reader = await _driver_connection(db)
        assert await db.scalar(select(func.count()).select_from(User)) == 0
    async with sessions.begin() as db:  # a read in a session that commits, too
        assert await _driver_connection(db) is reader
        assert await db.scalar(select(func.count()).select_from(User)) == 0
    assert await _committed_elsewhere(database_url, "newcomer") == {"newcomer"}
    async with sessions() as db:
        assert await _driver_connection(db) is reader
        assert set(await db.scalars(select(User.username_key))) == {"newcomer"}
