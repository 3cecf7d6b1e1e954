"""Retention: every table that grows with time is trimmed to its documented age by an hourly job.

The service runs with an injected clock ("now" a year ahead), so the rows are real rows with
real timestamps and nothing waits for time to pass.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from sqlalchemy import func, insert, select

from medianest.persistence.models import (
    ApiToken,
    AuditEntry,
    DownloadItem,
    DownloadJob,
    MonitoredService,
    Notification,
    PlexPin,
    ServiceRecord,
    User,
    UserSession,
    WorkerHeartbeat,
)
from medianest.persistence.types import utcnow
from medianest.services.retention import BATCH
from medianest.services.sessions import SessionPolicy
from tests.conftest import Login

NOW = datetime(2031, 6, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


async def _admin_id(app: FastAPI) -> int:
    async with app.state.container.sessions() as db:
        found = await db.scalar(select(User.id).where(User.username == "admin"))
    assert found is not None
    return found


def _session(user_id: int, key: str, last_seen: datetime, expires: datetime) -> UserSession:
    return UserSession(
        token_hash=key * 64,
        user_id=user_id,
        created_at=last_seen,
        last_seen_at=last_seen,
        expires_at=expires,
        absolute_expires_at=last_seen + 80 * DAY,
    )


def _job(user_id: int, state: str, finished: datetime | None, title: str) -> DownloadJob:
    job = DownloadJob(
        user_id=user_id,
        url="https://youtube.com/watch?v=x",
        quality="best",
        kind="video",
        source_id="x",
        title=title,
        state=state,
        folder="admin/x",
        created_at=(finished or NOW) - DAY,
        finished_at=finished,
        updated_at=finished or NOW,
    )
    job.items = [DownloadItem(position=1, title=title, state="done")]
    return job


async def _titles(app: FastAPI, column: object) -> set[object]:
    async with app.state.container.sessions() as db:
        return set(await db.scalars(select(column)))  # type: ignore[call-overload]


async def test_each_growing_table_keeps_only_its_documented_age(app: FastAPI) -> None:
    container = app.state.container
    admin = await _admin_id(app)
    async with container.sessions.begin() as db:
        db.add_all(
            [
                _session(admin, "a", NOW - DAY, NOW + 29 * DAY),  # in use
                _session(admin, "b", NOW - 40 * DAY, NOW - 10 * DAY),  # expired
                _session(admin, "c", NOW - 8 * DAY, NOW + 22 * DAY),  # idle past a 7-day lifetime
                Notification(user_id=admin, kind="x", title="fresh", created_at=NOW - 89 * DAY),
                Notification(user_id=admin, kind="x", title="old", created_at=NOW - 91 * DAY),
                AuditEntry(at=NOW - 364 * DAY, actor_label="a", action="fresh", summary="s"),
                AuditEntry(at=NOW - 366 * DAY, actor_label="a", action="old", summary="s"),
                _job(admin, "completed", NOW - 89 * DAY, "recent completed"),
                _job(admin, "completed", NOW - 91 * DAY, "old completed"),
                _job(admin, "failed", NOW - 200 * DAY, "old failed"),
                _job(admin, "cancelled", NOW - 100 * DAY, "old cancelled"),
                _job(admin, "queued", None, "still queued"),
                PlexPin(plex_pin_id=1, code="fresh", browser_hash="h", expires_at=NOW - DAY / 2),
                PlexPin(plex_pin_id=2, code="old", browser_hash="h", expires_at=NOW - 2 * DAY),
                WorkerHeartbeat(worker_id="alive", hostname="h", last_seen=NOW - DAY),
                WorkerHeartbeat(worker_id="gone", hostname="h", last_seen=NOW - 8 * DAY),
                ApiToken(user_id=admin, name="active", token_hash="1" * 64, prefix="p"),
                ApiToken(
                    user_id=admin,
                    name="revoked lately",
                    token_hash="2" * 64,
                    prefix="p",
                    revoked_at=NOW - 29 * DAY,
                ),
                ApiToken(
                    user_id=admin,
                    name="revoked long ago",
                    token_hash="3" * 64,
                    prefix="p",
                    revoked_at=NOW - 31 * DAY,
                ),
            ]
        )
    retention = dataclasses.replace(
        container.retention,
        clock=lambda: NOW,
        session_policy=SessionPolicy(sliding=7 * DAY, absolute=90 * DAY),
        extras={},
    )

    removed = await retention.purge()

    async with container.sessions() as db:
        sessions_left = set(await db.scalars(select(UserSession.token_hash)))
    assert sessions_left == {"a" * 64}
    assert await _titles(app, Notification.title) == {"fresh"}
    assert await _titles(app, AuditEntry.action) == {"fresh"}
    assert await _titles(app, DownloadJob.title) == {"recent completed", "still queued"}
    assert await _titles(app, DownloadItem.title) == {"recent completed", "still queued"}
    assert await _titles(app, PlexPin.code) == {"fresh"}
    assert await _titles(app, WorkerHeartbeat.worker_id) == {"alive"}
    assert await _titles(app, ApiToken.name) == {"active", "revoked lately"}
    assert await _titles(app, User.username) >= {"admin"}
    assert removed["user_sessions"] == 2 and removed["download_jobs"] == 3
    assert (await retention.purge())["notifications"] == 0  # a second run finds nothing


async def test_a_large_backlog_is_deleted_in_full(app: FastAPI) -> None:
    container = app.state.container
    admin = await _admin_id(app)
    rows = [
        {"user_id": admin, "kind": "x", "title": f"n{i}", "body": "", "level": "info"}
        | {"created_at": NOW - 200 * DAY}
        for i in range(BATCH * 2 + 7)
    ]
    async with container.sessions.begin() as db:
        await db.execute(insert(Notification), rows)
        db.add(Notification(user_id=admin, kind="x", title="today", created_at=NOW))
    retention = dataclasses.replace(container.retention, clock=lambda: NOW, extras={})
    assert (await retention.purge())["notifications"] == BATCH * 2 + 7
    assert await _titles(app, Notification.title) == {"today"}


async def test_sessions_a_person_still_uses_survive(app: FastAPI, login: Login) -> None:
    alice = await login("alice")
    container = app.state.container
    await container.retention.purge()
    assert (await alice.get("/api/v1/me")).json()["username"] == "alice"
    retention = dataclasses.replace(container.retention, clock=lambda: utcnow() + 31 * DAY)
    assert (await retention.purge())["user_sessions"] >= 1
    assert (await alice.get("/api/v1/me")).status_code == 401


def test_retention_runs_hourly_on_the_job_scheduler(app: FastAPI) -> None:
    huey = app.state.container.huey
    start = datetime(2031, 6, 1, tzinfo=UTC)
    due = [
        minute
        for minute in range(24 * 60)
        if any(
            task.name == "retention"
            for task in huey.read_periodic(start + timedelta(minutes=minute))
        )
    ]
    assert len(due) == 24
    assert len({m % 60 for m in due}) == 1  # once an hour, at the same minute


async def test_the_job_purges_through_the_queue_including_status_history(app: FastAPI) -> None:
    container = app.state.container
    admin = await _admin_id(app)
    old = utcnow() - 400 * DAY
    async with container.sessions.begin() as db:
        service = MonitoredService(source_key="kuma:99", name="Plex")
        db.add(service)
        await db.flush()
        db.add_all(
            [
                ServiceRecord(service_id=service.id, at=old, status="up", source="poll"),
                ServiceRecord(service_id=service.id, at=utcnow(), status="up", source="poll"),
                AuditEntry(at=old, actor_label="a", action="ancient", summary="s"),
                Notification(user_id=admin, kind="x", title="ancient", created_at=old),
            ]
        )
    consumer = container.make_consumer(embedded=True)
    consumer.start()
    try:
        container.tasks.retention()
        deadline = time.monotonic() + 30
        while await _titles(app, AuditEntry.action) & {"ancient"}:
            assert time.monotonic() < deadline, "the retention job never ran"
            await asyncio.sleep(0.05)
        while True:  # the steps run in order; wait for the last one
            async with container.sessions() as db:
                history = await db.scalar(select(func.count()).select_from(ServiceRecord))
            if history == 1:
                break
            assert time.monotonic() < deadline, "status history was not trimmed"
            await asyncio.sleep(0.05)
    finally:
        await asyncio.to_thread(container.stop_consumer)
    assert "ancient" not in await _titles(app, Notification.title)
