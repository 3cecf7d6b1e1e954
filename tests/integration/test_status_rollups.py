"""Uptime from rollups kept as history arrives: the same figures as the raw history, at a cost
that does not grow with the history or the number of monitors, never rebuilt while a request
waits."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine

from medianest.domain import health
from medianest.domain.health import Health, Record
from medianest.integrations.uptime_kuma.fake_model import ManualClock
from medianest.persistence import migrate
from medianest.persistence.engine import create_short_lived_engine
from medianest.persistence.models import MonitoredService, ServiceRecord
from medianest.services import status_store, status_view
from medianest.services.status import StatusCoordinator
from tests.conftest import Login
from tests.support.downloads import wait_for
from tests.support.kuma_rig import coordinator

# On the hour, and recent: the status loop prunes history older than its retention (35 days).
NOW = health.bucket_start(datetime.now(UTC), health.HOUR) - timedelta(hours=6)
HOLD = timedelta(minutes=15)
RECORDING = status_store.Recording(timedelta(minutes=5), HOLD)
STATUSES = [Health.UP] * 6 + [Health.DOWN, Health.DEGRADED, Health.MAINTENANCE]


def _history(rng: random.Random, days: int) -> list[Record]:
    """Beats every 1-20 minutes with now and then a gap of hours (MediaNest was off)."""
    records: list[Record] = []
    at = NOW - timedelta(days=days)
    status = Health.UP
    while at < NOW - HOLD - timedelta(minutes=1):
        if rng.random() < 0.08:
            status = rng.choice(STATUSES)
        records.append(Record(at, status, float(rng.randint(5, 90))))
        at += timedelta(minutes=rng.randint(1, 20))
        if rng.random() < 0.005:
            at += timedelta(hours=rng.randint(1, 5))
    return [r for r in records if r.at < NOW - HOLD]


def _observation(key: str, records: list[Record]) -> status_store.Observation:
    last = records[-1]
    return status_store.Observation(
        key=key, name=key, status=last.status, checked_at=last.at, beats=records
    )


async def _record(app: FastAPI, key: str, records: list[Record], batch: int = 400) -> None:
    sessions = app.state.container.sessions
    for start in range(0, len(records), batch):
        async with sessions.begin() as db:
            chunk = records[start : start + batch]
            await status_store.apply(
                db, [_observation(key, chunk)], source="poll", policy=RECORDING, complete=False
            )


async def _stored(app: FastAPI, service_id: int) -> list[Record]:
    async with app.state.container.sessions() as db:
        rows = await db.execute(
            select(ServiceRecord.at, ServiceRecord.status, ServiceRecord.ping_ms)
            .where(ServiceRecord.service_id == service_id)
            .order_by(ServiceRecord.at)
        )
        return [Record(at, Health.parse(status), ping) for at, status, ping in rows]


async def _board(app: FastAPI, now: datetime) -> status_view.Board:
    async with app.state.container.sessions() as db:
        return await status_view.board(
            db, now=now, hold=HOLD, stale_after=timedelta(minutes=5), configured=True
        )


def _assert_card_matches_raw(
    card: status_view.ServiceCard, raw: list[Record], now: datetime, *, abs_error: float = 1e-9
) -> None:
    for name, window in status_view.WINDOWS.items():
        expected = health.uptime(raw, now, window, HOLD)
        assert card.uptime[name] == pytest.approx(expected, abs=abs_error), name
    expected_ping = health.average_ping(raw, now - timedelta(days=1))
    assert card.avg_ping_ms == pytest.approx(expected_ping, rel=abs_error)
    slot_end = health.bucket_start(now, health.HOUR) + health.HOUR
    expected_slots = health.history_slots(raw, slot_end, 24, health.HOUR, HOLD)
    assert [(s.start, s.status) for s in card.slots] == [
        (s.start, s.status) for s in expected_slots
    ]


async def test_rollups_give_the_figures_of_the_raw_history(app: FastAPI) -> None:
    rng = random.Random(5)
    for key, days in (("flappy", 33), ("young", 3)):
        await _record(app, key, _history(rng, days))
    # On the hour the figures are exact; otherwise the hour cut by a window's start is counted
    # by its share, which is off by at most that hour's worth.
    for now, error in (
        (NOW, 1e-9),
        (NOW + timedelta(hours=5), 1e-9),
        (NOW + timedelta(minutes=41), 0.02),
    ):
        board = await _board(app, now)
        assert len(board.cards) == 2
        for card in board.cards:
            _assert_card_matches_raw(card, await _stored(app, card.id), now, abs_error=error)


async def test_a_recorded_status_counts_until_now_at_most_hold(app: FastAPI) -> None:
    await _record(app, "tail", [Record(NOW - timedelta(hours=2), Health.UP, 10.0)])
    await _record(app, "tail", [Record(NOW - timedelta(minutes=10), Health.DOWN, None)])
    card = (await _board(app, NOW)).cards[0]
    # 15 min up (the hold), then 10 min down still open: 60 % over every window.
    assert card.uptime == {"24h": 0.6, "7d": 0.6, "30d": 0.6}
    assert [s.status for s in card.slots[-4:-1]] == [Health.UNKNOWN, Health.UP, Health.DOWN]


@contextmanager
def _statements(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def test_board_cost_does_not_grow_with_monitors_or_history(app: FastAPI) -> None:
    status = coordinator(app)
    engine: AsyncEngine = app.state.container.engine
    rng = random.Random(9)
    counts = []
    for monitors in (2, 12):
        for index in range(monitors - len(counts) * 2 if counts else monitors):
            await _record(app, f"m{monitors}-{index}", _history(rng, 31), batch=2000)
        with _statements(engine) as seen:
            await status.board_changed()
        assert len((await status.board()).cards) == monitors
        assert not [s for s in seen if "service_history" in s]  # no raw history is read
        counts.append(len([s for s in seen if "service_rollups" in s]))
    assert counts[0] == counts[1]


async def test_requests_read_the_shared_board_and_never_rebuild_it(
    app: FastAPI, login: Login
) -> None:
    status = coordinator(app)
    clock = ManualClock(NOW)
    status.clock = clock
    await _record(app, "web", [Record(NOW - timedelta(minutes=3), Health.UP, 12.0)])
    alice = await login("alice")
    first = (await alice.get("/api/v1/services")).json()
    assert [s["status"] for s in first["services"]] == ["up"]

    # Another process records a change and announces it on the bus.
    other = StatusCoordinator(
        status.sessions, status.bus, status.integrations, status.policy, clock=clock
    )
    async with status.sessions.begin() as db:
        service = await db.scalar(select(MonitoredService))
        assert service is not None
        applied = await status_store.apply(
            db,
            [
                status_store.Observation(
                    key=service.source_key,
                    name="web",
                    status=Health.DOWN,
                    checked_at=NOW,
                    live=Record(NOW - timedelta(minutes=1), Health.DOWN),
                )
            ],
            source="webhook",
            policy=RECORDING,
            complete=False,
        )
    await other._publish(applied, [], source_ok=None)
    # This process rebuilds its own board in the background when the event arrives.
    await _until(alice, lambda body: body["services"][0]["status"] == "down")
    engine: AsyncEngine = app.state.container.engine

    # An old board is served at once and rebuilt behind the request.
    clock.advance(60)
    with _statements(engine) as seen:
        response = await alice.get("/api/v1/services")
    assert response.json()["services"][0]["uptime_24h"] is not None
    assert not [s for s in seen if "service_rollups" in s or "monitored_services" in s]
    await _until(alice, lambda body: body["services"][0]["checked_at"] is not None)

    async def rebuilt() -> bool:
        return status.boards._built_at == clock.now

    await wait_for(rebuilt, timeout=10, interval=0.01)


async def _until(http: httpx.AsyncClient, done: Callable[[dict[str, Any]], bool]) -> None:
    async def check() -> bool:
        return done((await http.get("/api/v1/services")).json())

    await wait_for(check, timeout=10, interval=0.01)


async def test_migration_rolls_up_the_history_recorded_before_it(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    engine = create_short_lived_engine(url)
    raw = _history(random.Random(3), 10)
    try:
        await migrate.upgrade(engine, "0008")
        async with engine.begin() as connection:
            await connection.execute(
                sa.text(
                    "INSERT INTO monitored_services (id, source_key, name, position, present,"
                    " status, message, created_at) VALUES (1, 'kuma:1', 'Old', 0, 1, :status,"
                    " '', :at)"
                ),
                {"status": raw[-1].status.value, "at": raw[0].at},
            )
            for record in raw:
                await connection.execute(
                    sa.insert(ServiceRecord.__table__).values(
                        service_id=1,
                        at=record.at,
                        status=record.status.value,
                        ping_ms=record.ping_ms,
                        source="poll",
                    )
                )
        await migrate.upgrade(engine)
        from sqlalchemy.ext.asyncio import async_sessionmaker

        async with async_sessionmaker(engine)() as db:
            board = await status_view.board(
                db, now=NOW, hold=HOLD, stale_after=timedelta(minutes=5), configured=True
            )
    finally:
        await engine.dispose()
    _assert_card_matches_raw(board.cards[0], raw, NOW)


async def test_readiness_reads_the_migration_files_once(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alembic.script import ScriptDirectory

    assert (await client.get("/readyz")).status_code == 200
    loads: list[object] = []
    original = ScriptDirectory.from_config

    def counting(config: object) -> ScriptDirectory:
        loads.append(config)
        return original(config)  # type: ignore[arg-type]

    monkeypatch.setattr(ScriptDirectory, "from_config", staticmethod(counting))
    for _ in range(3):
        assert (await client.get("/readyz")).status_code == 200
    assert loads == []
