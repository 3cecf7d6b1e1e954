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
    print("20 jobs / 50 videos from the media-host fake, 3 people")
    # Scaled out, downloads go on while one worker restarts: slower files keep work running
    # long enough for every kill to land mid-download.
    for mode, rate in (("embedded", 96 * 1024), ("scaled", 16 * 1024)):
        print(f"{mode}: {rate // 1024} KiB/s per connection")
        plan = ChaosPlan(mode, kills, rate_bps=rate, database_url=database, redis_url=redis)
        report = asyncio.run(run_chaos(plan))
        print(report.summary())
        for problem in report.problems[:10]:
            print(f"  - {problem}")


if __name__ == "__main__":
    main()
