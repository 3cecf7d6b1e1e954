"""What a signed-in API request costs: ``/api/v1/me`` with a bearer token, with the identity
cache on (the default) and off, against a bare FastAPI app answering the same JSON, in one run.

Also MediaNest's ``/healthz`` (the middleware stack alone), to show what authentication adds.
All apps are called over the same in-process ASGI transport, so the ratios are the apps' own.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from datetime import datetime
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import select

from bench.stats import row, sample
from medianest.app import create_app
from medianest.config import Settings
from medianest.domain.users import Actor
from medianest.observability.logging import configure_logging
from medianest.persistence import migrate
from medianest.persistence.models import User
from medianest.services import api_tokens

RUNS = 2000
ADMIN_PASSWORD = "bench-admin-password-0123456789"  # noqa: S105 - a throwaway bench install


class Me(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    created_at: datetime


def _bare() -> FastAPI:
    app = FastAPI()

    @app.get("/api/v1/me", response_model=Me)
    async def me() -> Me:
        return Me(
            id=1, username="admin", display_name="Admin", role="admin", created_at=datetime.now()
        )

    return app


async def _token(app: FastAPI) -> str:
    sessions = app.state.container.sessions
    async with sessions.begin() as db:
        admin = await db.scalar(select(User).where(User.username == "admin"))
        assert admin is not None
        return (await api_tokens.create(db, Actor.system(), admin.id, "bench")).secret


async def run() -> None:
    configure_logging("warning", "json")
    logging.getLogger("medianest.access").setLevel(logging.WARNING)
    results: dict[str, list[float]] = {}
    bare = httpx.AsyncClient(transport=httpx.ASGITransport(app=_bare()), base_url="http://b")
    results["bare FastAPI /api/v1/me (baseline)"] = await sample(
        lambda: bare.get("/api/v1/me"), runs=RUNS
    )
    await bare.aclose()
    for label, cache_seconds in (("cached (default)", 10.0), ("cache off", 0.0)):
        with tempfile.TemporaryDirectory() as folder:
            settings = Settings(
                _env_file=None,
                data_dir=Path(folder),
                embedded_worker=False,
                demo=False,
                admin_password=ADMIN_PASSWORD,
                auth_cache_seconds=cache_seconds,
            )  # type: ignore[call-arg]
            await migrate.upgrade_url(settings.resolved_database_url)
            app = create_app(settings)
            async with LifespanManager(app):
                bearer = {"Authorization": f"Bearer {await _token(app)}"}
                client = httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app), base_url="http://m"
                )
                if cache_seconds:
                    results["MediaNest /healthz (stack, no auth)"] = await sample(
                        lambda c=client: c.get("/healthz"), runs=RUNS
                    )
                results[f"MediaNest /api/v1/me bearer, {label}"] = await sample(
                    lambda c=client, h=bearer: c.get("/api/v1/me", headers=h), runs=RUNS
                )
                await client.aclose()
    baseline = next(iter(results.values()))
    for label, values in results.items():
        print(row(label, values, baseline))
    bare_median = sorted(baseline)[len(baseline) // 2]
    for label, values in list(results.items())[1:]:
        median = sorted(values)[len(values) // 2]
        print(f"{label:<44} throughput x{bare_median / median:.2f} of bare FastAPI")


def main() -> None:
    asyncio.run(run())
