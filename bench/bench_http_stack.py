"""What MediaNest's middleware stack (request id, access log, security headers, CSRF cookie,
metrics, crash guard) costs per request, against a bare Starlette app in the same run, and what
share of it the access log is (written as JSON to a null file, as a log file would take it).

Both apps answer the same tiny JSON over the same in-process ASGI transport, so the ratio is the
stack's own overhead, not the network's.
"""

from __future__ import annotations

import asyncio
import logging
import os
import statistics
import tempfile
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from bench.stats import row, sample
from medianest.app import create_app
from medianest.config import Settings
from medianest.observability.access import ACCESS_LOGGER
from medianest.observability.logging import configure_logging
from medianest.persistence import migrate

RUNS = 2000


async def _bare() -> Starlette:
    async def healthz(_: object) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[Route("/healthz", healthz)])


async def run() -> None:
    configure_logging("warning", "json")
    access = logging.getLogger(ACCESS_LOGGER)
    with tempfile.TemporaryDirectory() as folder, open(os.devnull, "w") as sink:  # noqa: ASYNC230
        settings = Settings(
            _env_file=None, data_dir=Path(folder), embedded_worker=False, demo=False
        )  # type: ignore[call-arg]
        await migrate.upgrade_url(settings.resolved_database_url)
        app = create_app(settings)
        bare = await _bare()
        handler = access.handlers[0]
        assert isinstance(handler, logging.StreamHandler)
        handler.setStream(sink)  # written like a log file, not to this console
        async with LifespanManager(app):
            bare_client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=bare), base_url="http://b"
            )
            ours = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://m")
            cases = {
                "bare Starlette app (baseline)": (bare_client, logging.WARNING),
                "MediaNest /healthz, access log off": (ours, logging.WARNING),
                "MediaNest /healthz, access log on (JSON)": (ours, logging.INFO),
            }
            results = {}
            for _round in range(2):  # interleaved rounds, so load on the machine hits all alike
                for label, (client, level) in cases.items():
                    access.setLevel(level)
                    timings = await sample(lambda c=client: c.get("/healthz"), runs=RUNS // 2)
                    results.setdefault(label, []).extend(timings)
            await bare_client.aclose()
            await ours.aclose()
    baseline = next(iter(results.values()))
    for label, values in results.items():
        print(row(label, values, baseline))
    off, on = (statistics.median(v) for v in list(results.values())[1:])
    print(f"access log share of a /healthz request: {(on - off) / on:.0%}")


def main() -> None:
    asyncio.run(run())
