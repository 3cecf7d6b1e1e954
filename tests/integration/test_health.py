"""Operators' endpoints: liveness, readiness with reasons, Prometheus metrics."""

from __future__ import annotations

from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager

from medianest.app import create_app
from medianest.config import Settings
from medianest.persistence import migrate
from medianest.persistence.engine import create_short_lived_engine
from tests.conftest import make_settings
from tests.support import backends
from tests.support.tcp_proxy import TcpProxy
from tests.support.waiting import wait_for


async def _get(settings: Settings, path: str) -> httpx.Response:
    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            return await http.get(path)


async def test_healthy_instance_is_live_and_ready(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"
    assert ready.json()["checks"]["database"] == "ok"


async def test_unmigrated_database_is_not_ready_and_says_why(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path / "data", f"sqlite:///{tmp_path / 'empty.db'}", redis_url=None
    )
    response = await _get(settings, "/readyz")
    assert response.status_code == 503
    assert "run `medianest migrate`" in response.json()["checks"]["database"]


async def test_lost_sqlite_database_is_reported_then_recovers(tmp_path: Path) -> None:
    folder = tmp_path / "not-yet"
    settings = make_settings(tmp_path / "data", f"sqlite:///{folder / 'nest.db'}", redis_url=None)
    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            broken = await http.get("/readyz")
            assert broken.status_code == 503
            assert broken.json()["checks"]["database"].startswith("unreachable")
            assert (await http.get("/healthz")).status_code == 200  # the process lives on
            folder.mkdir()
            engine = create_short_lived_engine(settings.resolved_database_url)
            await migrate.upgrade(engine)
            await engine.dispose()
            assert (await http.get("/readyz")).status_code == 200


async def test_lost_postgres_connection_is_reported_then_recovers(tmp_path: Path) -> None:
    base = backends.configured_database_url() or "postgresql://127.0.0.1:5432/test"
    url = backends.create_postgres_database(base, "lost")
    try:
        engine = create_short_lived_engine(
            Settings(_env_file=None, database_url=url).resolved_database_url
        )  # type: ignore[call-arg]
        await migrate.upgrade(engine)
        await engine.dispose()
        upstream = httpx.URL(url.replace("postgresql://", "http://"))
        async with TcpProxy(upstream.host, upstream.port or 5432) as proxy:
            proxied = url.replace(
                f"{upstream.host}:{upstream.port or 5432}", f"127.0.0.1:{proxy.port}"
            )
            settings = make_settings(tmp_path / "data", proxied, redis_url=None)
            app = create_app(settings)
            async with LifespanManager(app):
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                    assert (await http.get("/readyz")).status_code == 200
                    await proxy.cut()
                    down = await http.get("/readyz")
                    assert down.status_code == 503
                    assert down.json()["checks"]["database"].startswith("unreachable")
                    await proxy.restore()

                    async def ready() -> bool:
                        return (await http.get("/readyz")).status_code == 200

                    await wait_for(ready)  # recovered after the database came back
    finally:
        backends.drop_postgres_database(base, url)


async def test_unreachable_redis_makes_the_instance_unready(
    tmp_path: Path, database_url: str
) -> None:
    from tests.support.tcp_proxy import TcpProxy as Proxy

    redis_url = backends.redis_url_for_redis_tests()
    backends.require_redis(redis_url)
    target = httpx.URL(redis_url.replace("redis://", "http://"))
    async with Proxy(target.host, target.port or 6379) as proxy:
        settings = make_settings(
            tmp_path / "data", database_url, redis_url=f"redis://127.0.0.1:{proxy.port}/15"
        )
        app = create_app(settings)
        async with LifespanManager(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                assert (await http.get("/readyz")).status_code == 200
                await proxy.cut()
                down = await http.get("/readyz")
                assert down.status_code == 503
                assert down.json()["checks"]["redis"].startswith("redis unreachable")
                await proxy.restore()


async def test_metrics_count_requests_by_route_template(client: httpx.AsyncClient) -> None:
    await client.get("/healthz")
    await client.get("/no/such/page")
    body = (await client.get("/metrics")).text
    assert 'medianest_http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in body
    assert 'route="unmatched",status="404"' in body
    assert "medianest_http_request_duration_seconds_bucket" in body
