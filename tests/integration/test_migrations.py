"""The schema is created and changed only by migrations, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect

from medianest.config import Settings
from medianest.persistence import migrate
from medianest.persistence.engine import create_short_lived_engine
from medianest.persistence.models import Base
from tests.support import backends


def _backends() -> list[str]:
    names = ["sqlite"]
    if backends.configured_database_url():
        names.append("postgresql")
    return names


@pytest.fixture(params=_backends())
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    base = backends.configured_database_url()
    assert base is not None
    url = backends.create_postgres_database(base, "migrations")
    yield url
    backends.drop_postgres_database(base, url)


async def _tables(url: str) -> set[str]:
    engine = create_short_lived_engine(
        Settings(_env_file=None, database_url=url).resolved_database_url
    )  # type: ignore[call-arg]
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


async def test_upgrade_from_empty_reaches_head_with_every_model_table(empty_database: str) -> None:
    url = Settings(_env_file=None, database_url=empty_database).resolved_database_url  # type: ignore[call-arg]
    engine = create_short_lived_engine(url)
    try:
        assert await migrate.current_revision(engine) is None
        await migrate.upgrade(engine)
        assert await migrate.current_revision(engine) == migrate.head_revision()
    finally:
        await engine.dispose()
    tables = await _tables(empty_database)
    assert set(Base.metadata.tables) <= tables


async def test_downgrade_one_step_then_upgrade_again(empty_database: str) -> None:
    url = Settings(_env_file=None, database_url=empty_database).resolved_database_url  # type: ignore[call-arg]
    engine = create_short_lived_engine(url)
    try:
        await migrate.upgrade(engine)
        head = migrate.head_revision()
        await migrate.downgrade(engine, "-1")
        assert await migrate.current_revision(engine) != head
        await migrate.upgrade(engine)
        assert await migrate.current_revision(engine) == head
    finally:
        await engine.dispose()


def test_the_newest_migration_file_is_the_head_alembic_upgrades_to() -> None:
    """A restart decides from the file names alone that there is nothing to migrate."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(migrate.alembic_config())
    oldest_first = [script.revision for script in reversed(list(scripts.walk_revisions()))]
    assert migrate.revisions_on_disk() == oldest_first
    assert migrate.head_revision() == scripts.get_current_head()


def test_migrations_match_the_models() -> None:
    """A model change without a migration would only show up on a user's upgrade."""
    import asyncio

    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    async def diff(url: str) -> list[object]:
        engine = create_short_lived_engine(url)
        try:
            await migrate.upgrade(engine)
            async with engine.connect() as connection:
                return await connection.run_sync(
                    lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
                )
        finally:
            await engine.dispose()

    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/check.db"
        assert asyncio.run(diff(url)) == []
