"""SQLite over aiosqlite without a thread round trip to end a transaction that never began.

SQLite reads run outside a transaction (Python's sqlite3 begins one only before a write), yet
SQLAlchemy ends every session with a rollback, then rolls back again as the pool takes the
connection back. Each is a hop to the connection's aiosqlite thread, where sqlite3 finds no
transaction and does nothing. Asking sqlite3 first (``in_transaction`` is read without the
thread) skips those hops; an open transaction, failed or not, is still rolled back.

A call is never in flight on the thread when SQLAlchemy ends a transaction or returns the
connection: a request cancelled mid-statement invalidates the connection instead.
"""

from __future__ import annotations

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.pool import PoolProxiedConnection

DRIVER = "medianest_aiosqlite"


def _in_transaction(connection: PoolProxiedConnection) -> bool:
    driver = connection.driver_connection
    try:
        return bool(driver.in_transaction) if driver is not None else True
    except (AttributeError, ValueError):  # closed or not aiosqlite: let the driver decide
        return True


class SkipIdleRollbackDialect(SQLiteDialect_aiosqlite):
    """aiosqlite whose commit and rollback skip the thread when no transaction is open."""

    supports_statement_cache = True

    def do_rollback(self, dbapi_connection: PoolProxiedConnection) -> None:
        if _in_transaction(dbapi_connection):
            super().do_rollback(dbapi_connection)  # type: ignore[no-untyped-call]

    def do_commit(self, dbapi_connection: PoolProxiedConnection) -> None:
        if _in_transaction(dbapi_connection):
            super().do_commit(dbapi_connection)  # type: ignore[no-untyped-call]


registry.register(f"sqlite.{DRIVER}", __name__, SkipIdleRollbackDialect.__name__)
