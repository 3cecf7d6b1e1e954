"""The short crash scenario (``python -m bench chaos`` runs the long one): real MediaNest
processes SIGKILLed mid-download three times and restarted, then a rolling restart; nothing is
lost, nothing duplicated, no part-file left behind.

The embedded mode runs in the suite's embedded pass; the scaled-out mode (2 web + 2 workers on
PostgreSQL and Redis, in a database and namespace of its own) in the pass with services.
"""

from __future__ import annotations

import pytest
from bench.chaos_rig import ChaosPlan, ChaosReport, run_chaos

from tests.support import backends

pytestmark = [pytest.mark.slow, pytest.mark.timeout(420)]

SHORT = {"kills": 3, "people": 3, "jobs": 3, "videos": 6, "deadline": 360.0}


def _check(report: ChaosReport) -> None:
    print(report.summary())
    assert report.kills == 3, report.problems
    assert (report.lost, report.duplicated, report.orphaned) == (0, 0, 0), report.problems
    assert report.not_in_plex == 0, report.problems  # one collection per job, none twice
    assert report.jobs == 3 and report.videos == 6
    assert len(report.resume_seconds) >= 1  # at least one kill interrupted a running video


@pytest.mark.skipif(
    backends.configured_database_url() is not None,
    reason="the embedded mode runs in the suite's embedded pass",
)
async def test_embedded_serve_killed_mid_download_loses_nothing() -> None:
    _check(await run_chaos(ChaosPlan("embedded", **SHORT)))


async def test_scaled_out_workers_and_web_killed_mid_download_lose_nothing() -> None:
    database = backends.configured_database_url()
    if database is None:
        pytest.skip("the scaled-out mode runs in the pass with PostgreSQL and Redis")
    redis = backends.redis_url_for_redis_tests()
    backends.require_redis(redis)
    plan = ChaosPlan("scaled", database_url=database, redis_url=redis, **SHORT)
    _check(await run_chaos(plan))
