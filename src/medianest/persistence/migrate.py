"""Schema migrations, run programmatically on the app's own async engine.

Knowing the schema is current needs neither alembic nor the migration modules: the newest
revision is named by the migration files (``<revision>_<slug>.py``) and the database's is one row
of ``alembic_version``. So a restart on a current database never loads them; alembic is imported
only when there is something to migrate.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from medianest.persistence.engine import create_short_lived_engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
VERSIONS_DIR = MIGRATIONS_DIR / "versions"
VERSION_TABLE = "alembic_version"  # alembic's default; env.py keeps it
_MIGRATION_FILE = re.compile(r"(\d+)_\w+\.py")


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def revisions_on_disk() -> list[str]:
    """The revision of every migration file, oldest first (each is named after its revision)."""
    found = (_MIGRATION_FILE.fullmatch(path.name) for path in VERSIONS_DIR.glob("*.py"))
    return sorted((match.group(1) for match in found if match), key=int)


@functools.cache
def head_revision() -> str | None:
    """Read once per process: the migration files do not change while it runs."""
    revisions = revisions_on_disk()
    return revisions[-1] if revisions else None


async def _run(engine: AsyncEngine, action: str, revision: str) -> None:
    from alembic import command

    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        getattr(command, action)(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    await _run(engine, "upgrade", revision)


async def upgrade_url(url: str, revision: str = "head") -> None:
    """Upgrades the database at ``url`` (an async driver URL) on a throwaway engine."""
    engine = create_short_lived_engine(url)
    try:
        await upgrade(engine, revision)
    finally:
        await engine.dispose()


async def downgrade(engine: AsyncEngine, revision: str = "-1") -> None:
    await _run(engine, "downgrade", revision)


def _recorded_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()  # noqa: S608 - a constant
    if len(rows) > 1:  # MediaNest's history is one line; alembic refuses this too
        raise RuntimeError(f"the database records several schema revisions: {', '.join(rows)}")
    return str(rows[0]) if rows else None


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(_recorded_revision)
