"""What is wrong with a database, in words an operator can act on.

Three different problems used to read alike ("cannot use the database"): the database cannot be
reached, a migration failed, or the schema is not the one this version expects. Each gets its
own exception and message here; the CLI prints them.
"""

from __future__ import annotations

import asyncio
import contextlib
import traceback
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from medianest.persistence.migrate import (
    VERSIONS_DIR,
    current_revision,
    head_revision,
    revisions_on_disk,
    upgrade,
)


class DatabaseProblem(Exception):
    """A problem with the database named in one line (the message is shown as is)."""


class DatabaseUnreachable(DatabaseProblem):
    pass


class SchemaNotCurrent(DatabaseProblem):
    pass


class MigrationFailed(DatabaseProblem):
    pass


def first_line(exc: BaseException) -> str:
    text_ = str(exc).strip()
    return text_.splitlines()[0] if text_ else type(exc).__name__


async def reachable_revision(engine: AsyncEngine) -> str | None:
    """The schema revision, after checking the database answers; raises DatabaseUnreachable."""
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return await current_revision(engine)
    except Exception as exc:
        raise DatabaseUnreachable(first_line(exc)) from exc


async def require_current_schema(engine: AsyncEngine) -> None:
    """For commands that use the data: the schema must be at this version's head."""
    revision = await reachable_revision(engine)
    head = head_revision()
    if revision == head:
        return
    if revision is None:
        raise SchemaNotCurrent(
            "the database has no MediaNest tables yet: run `medianest migrate` "
            "(or start `medianest serve`) first"
        )
    if not _known(revision):
        raise SchemaNotCurrent(_unknown_revision(revision))
    raise SchemaNotCurrent(
        f"the database schema is at revision {revision}, this MediaNest expects {head}: "
        "run `medianest migrate` first"
    )


def _known(revision: str) -> bool:
    return revision in revisions_on_disk()


def _unknown_revision(revision: str) -> str:
    return (
        f"the database schema is at revision {revision}, which this MediaNest does not know: "
        "a newer MediaNest has used it; run that version again, or restore a backup made "
        "with this one"
    )


def failing_migration(exc: BaseException) -> str | None:
    """The migration file whose code raised ``exc`` (found on the traceback), if any."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        path = Path(frame.filename)
        if path.parent == VERSIONS_DIR and path.stem != "__init__":
            return path.stem
    cause = exc.__cause__ or exc.__context__
    return failing_migration(cause) if cause is not None and cause is not exc else None


def describe_migration_failure(exc: BaseException, start: str | None, now: str | None) -> str:
    """One line: which migration failed and why, and where the schema stands."""
    from alembic.util.exc import CommandError

    if isinstance(exc, CommandError) and "Can't locate revision" in str(exc) and start:
        return _unknown_revision(start)
    name = failing_migration(exc)
    step = f"migration {name}" if name else "a migration"
    where = f"revision {now}" if now else "no revision (empty)"
    return (
        f"{step} failed: {type(exc).__name__}: {first_line(exc)}; "
        f"the database schema is at {where}; fix the cause and run `medianest migrate` again"
    )


MIGRATION_TIMEOUT_S = 120.0


async def upgrade_to_head(engine: AsyncEngine) -> str | None:
    """Applies pending migrations and returns the new revision; raises a DatabaseProblem."""
    start = await reachable_revision(engine)
    if start is not None and start == head_revision():
        return start  # the usual restart: nothing to apply, and alembic stays unloaded
    try:
        await asyncio.wait_for(upgrade(engine), MIGRATION_TIMEOUT_S)
    except TimeoutError as exc:
        raise MigrationFailed(
            f"the migrations did not finish within {MIGRATION_TIMEOUT_S:.0f} s: another process may hold a "
            "lock on the database"
        ) from exc
    except Exception as exc:
        now = start
        with contextlib.suppress(Exception):
            now = await current_revision(engine)
        raise MigrationFailed(describe_migration_failure(exc, start, now)) from exc
    return await current_revision(engine)
