"""What MediaNest's middleware stack (request id, access log, security headers, CSRF cookie,
metrics, crash guard) costs per request, against a bare Starlette app in the same run.

Both apps answer the same tiny JSON over the same in-process ASGI transport, so the ratio is the
stack's own overhead, not the network's.
"""

from __future__ import annotations

import asyncio
import logging
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
from medianest.observability.logging import configure_logging
from medianest.persistence import migrate

RUNS = 2000


async def _bare() -> Starlette:
    async def healthz(_: object) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[Route("/healthz", healthz)])


async def run() -> None:
    configure_logging("warning", "json")
    logging.getLogger("medianest.access").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            _env_file=None, data_dir=Path(folder), embedded_worker=False, demo=False
        )  # type: ignore[call-arg]
        await migrate.upgrade_url(settings.resolved_database_url)
        app = create_app(settings)
        bare = await _bare()
        async with LifespanManager(app):
            clients = {
                "bare Starlette app (baseline)": httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=bare), base_url="http://b"
                ),
                "MediaNest /healthz (full middleware stack)": httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app), base_url="http://m"
                ),
            }
            results = {}
            for label, client in clients.items():
                results[label] = await sample(lambda c=client: c.get("/healthz"), runs=RUNS)
                await client.aclose()
    baseline = next(iter(results.values()))
    for label, values in results.items():
        print(row(label, values, baseline))


def main() -> None:
    asyncio.run(run())
