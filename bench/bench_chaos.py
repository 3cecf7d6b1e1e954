"""Crash scenario in both deployment modes: SIGKILLs of workers and web processes mid-download
and a rolling restart, then what was lost, duplicated, left behind or missed (see chaos_rig).

``python -m bench chaos`` runs 20 kills per mode (MEDIANEST_CHAOS_KILLS to change); the scaled-out
mode uses PostgreSQL 127.0.0.1:5432/test and Redis 127.0.0.1:6379 (MEDIANEST_CHAOS_DATABASE_URL,
MEDIANEST_CHAOS_REDIS_URL) in a database and key namespace of its own.
"""

from __future__ import annotations

import asyncio
import os

from bench.chaos_rig import ChaosPlan, run_chaos

DATABASE_URL = "postgresql://127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"


def main() -> None:
    kills = int(os.environ.get("MEDIANEST_CHAOS_KILLS", "20"))
    database = os.environ.get("MEDIANEST_CHAOS_DATABASE_URL", DATABASE_URL)
    redis = os.environ.get("MEDIANEST_CHAOS_REDIS_URL", REDIS_URL)
    print("20 jobs / 50 videos from the media-host fake at 96 KiB/s per connection, 3 people")
    for mode in ("embedded", "scaled"):
        plan = ChaosPlan(mode, kills, database_url=database, redis_url=redis)
        report = asyncio.run(run_chaos(plan))
        print(report.summary())
        for problem in report.problems[:10]:
            print(f"  - {problem}")


if __name__ == "__main__":
    main()
