"""INSERT ... ON CONFLICT DO UPDATE on both SQLite and PostgreSQL (both speak it).

Each dialect's module is imported by the first upsert on it: a SQLite install never loads
PostgreSQL's (tens of milliseconds and 2 MB at start).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession


async def upsert(
    session: AsyncSession,
    table: Table,
    values: Mapping[str, Any],
    *,
    conflict: Sequence[str],
    update: Mapping[str, Any],
) -> None:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:  # the same statement, with the same methods, in SQLite's words
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    statement = insert(table).values(**values)
    statement = statement.on_conflict_do_update(index_elements=list(conflict), set_=dict(update))
    await session.execute(statement)
