"""``medianest demo`` with SQLAlchemy's stock asyncio pool (5 + 10 overflow), the baseline the
household bench compares the fair, fixed-size pool with. Run as ``python bench/stock_pool_demo.py
demo --port N``."""

from __future__ import annotations

import sys

from sqlalchemy.pool import AsyncAdaptedQueuePool

from medianest.cli import app
from medianest.persistence import engine

if __name__ == "__main__":
    engine.FairAsyncPool = AsyncAdaptedQueuePool
    engine.SQLITE_POOL_SIZE = 5
    engine.SQLITE_MAX_OVERFLOW = 10
    app(sys.argv[1:])
