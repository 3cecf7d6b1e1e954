"""Status updates: Overseerr's webhooks (real deliveries from the fake's agent, and each type
rendered by its default template), the shared secret, reconciliation, and unknown values."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from sqlalchemy import func, select

from medianest.domain.events import Event
from medianest.integrations.overseerr.fake_model import Notification
from medianest.integrations.overseerr.fake_notify import request_payload
from medianest.integrations.overseerr.fake_webhook import DEFAULT_JSON_PAYLOAD, render
from medianest.persistence.models import Notification as NotificationRow
from tests.conftest import Login
from tests.support.overseerr_world import (  # noqa: F401 - fixtures
    SECRET,
    OverseerrWorld,
    overseerr_overrides,
    overseerr_world,
)
from tests.support.signin import api_client


async def _request(
    world: OverseerrWorld, who: httpx.AsyncClient, media_type: str = "movie"
) -> dict[str, object]:
    item = world.fresh(media_type)
    body: dict[str, object] = {"media_type": media_type, "tmdb_id": item.tmdb_id}
    if media_type == "tv":
        body["seasons"] = [1, 2]
    response = await who.post("/api/v1/requests", json=body)
    assert response.status_code == 201, response.text
    await world.settle()
    return dict(response.json())


def _hook(world: OverseerrWorld, kind: Notification, remote_id: int) -> dict[str, object]:
    return render(
        DEFAULT_JSON_PAYLOAD,
        kind,
        request_payload(world.state, kind, world.state.requests[remote_id]),
    )


async def _post_hook(
    world: OverseerrWorld, payload: object, auth: str | None = SECRET
) -> httpx.Response:
    transport = httpx.ASGITransport(app=world.app)
    headers = {"Authorization": auth} if auth is not None else {}
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as hook:
        return await hook.post("/api/v1/webhooks/overseerr", json=payload, headers=headers)


def _processing(event: Event) -> bool:
    return event.type == "request.updated" and event.data.get("status") == "processing"


async def test_delivered_webhooks_move_the_request_and_notify_the_owner(
    overseerr: OverseerrWorld, login: Login
) -> None:
    alice = await api_client(login, "alice")
    made = await _request(overseerr, alice, "tv")
    remote = int(made["overseerr_request_id"])  # type: ignore[call-overload]
    container = overseerr.app.state.container
    owner_id = await overseerr.user_id("alice")
    async with container.bus.subscribe() as stream:
        overseerr.state.advance(remote, "approved")
        await overseerr.settle()
        seen: list[Event] = []
        while not any(_processing(e) for e in seen):
            seen.append(
                await asyncio.wait_for(stream.get(), 5)
            )  # (Redis may still bring older ones)
    mine = next(e for e in seen if _processing(e))
    assert mine.data["label"] == "Approved, processing"
    # One event for the owner's pages and the admins' (an admin owner gets it once).
    assert mine.visible_to(owner_id, False) and mine.visible_to(None, True)
    assert not mine.visible_to(owner_id + 1, False)
    assert (await overseerr.row(int(made["id"]))).status == "processing"  # type: ignore[call-overload]
    overseerr.state.advance(remote, "available")
    await overseerr.settle()
    row = await overseerr.row(int(made["id"]))  # type: ignore[call-overload]
    assert row.status == "available"
    kinds = [n.kind for n in await overseerr.inbox("alice")]
    assert kinds == ["request_approved", "request_available"]
    assert all(d.ok for d in overseerr.state.webhook_log), overseerr.state.webhook_log
    assert [d.headers["Authorization"] for d in overseerr.state.webhook_log] == [SECRET] * len(
        overseerr.state.webhook_log
    )
    async with container.sessions() as db:  # nobody else was told
        assert await db.scalar(select(func.count()).select_from(NotificationRow)) == 2


@pytest.mark.parametrize(
    ("kind", "status", "notice"),
    [
        (Notification.MEDIA_PENDING, "pending", None),
        (Notification.MEDIA_APPROVED, "processing", "request_approved"),
        (Notification.MEDIA_AUTO_APPROVED, "processing", "request_approved"),
        (Notification.MEDIA_DECLINED, "declined", "request_declined"),
        (Notification.MEDIA_FAILED, "failed", "request_failed"),
        (Notification.MEDIA_AVAILABLE, "available", "request_available"),
    ],
)
async def test_each_webhook_type_sets_its_status(
    overseerr: OverseerrWorld, login: Login, kind: Notification, status: str, notice: str | None
) -> None:
    overseerr.state.webhook_enabled = False  # only the hand-rendered notification below
    alice = await api_client(login, "alice")
    made = await _request(overseerr, alice)
    remote = int(made["overseerr_request_id"])  # type: ignore[call-overload]
    if kind in (Notification.MEDIA_APPROVED, Notification.MEDIA_AUTO_APPROVED):
        overseerr.state.force_status(remote, request_status=2, media_status=3)
    payload = _hook(overseerr, kind, remote)
    assert payload["request"]["request_id"] == str(remote)  # type: ignore[index] # all strings
    response = await _post_hook(overseerr, payload)
    assert response.status_code == 200, response.text
    assert (await overseerr.row(int(made["id"]))).status == status  # type: ignore[call-overload]
    kinds = [n.kind for n in await overseerr.inbox("alice")]
    assert kinds == ([notice] if notice else [])


async def test_wrong_or_missing_authorization_is_refused_and_changes_nothing(
    overseerr: OverseerrWorld, login: Login, caplog: pytest.LogCaptureFixture
) -> None:
    overseerr.state.webhook_enabled = False
    alice = await api_client(login, "alice")
    made = await _request(overseerr, alice)
    payload = _hook(overseerr, Notification.MEDIA_DECLINED, int(made["overseerr_request_id"]))  # type: ignore[call-overload]
    for auth in ("Bearer wrong", "", None, SECRET + " ", SECRET.lower()):
        response = await _post_hook(overseerr, payload, auth)
        assert response.status_code == 401, auth
        assert response.headers["content-type"].startswith("application/problem+json")
    assert (await overseerr.row(int(made["id"]))).status == "pending"  # type: ignore[call-overload]
    assert await overseerr.inbox("alice") == []
    assert SECRET not in caplog.text


async def test_test_notification_issue_and_unknown_types_are_accepted_and_ignored(
    overseerr: OverseerrWorld, login: Login, caplog: pytest.LogCaptureFixture
) -> None:
    alice = await api_client(login, "alice")
    made = await _request(overseerr, alice)
    delivery = overseerr.state.send_test_notification()
    assert delivery is not None
    await overseerr.settle()
    assert delivery.ok and delivery.payload["media"] is None
    strange = _hook(overseerr, Notification.MEDIA_DECLINED, int(made["overseerr_request_id"]))  # type: ignore[call-overload]
    strange["notification_type"] = "MEDIA_ARCHIVED"
    with caplog.at_level(logging.WARNING):
        response = await _post_hook(overseerr, strange)
    assert response.status_code == 200 and response.json()["updated"] == 0
    assert "unknown type" in caplog.text
    assert (await overseerr.row(int(made["id"]))).status == "pending"  # type: ignore[call-overload]
    for garbage in (["not", "an", "object"], {"event": "no type"}):
        assert (await _post_hook(overseerr, garbage)).status_code == 400


async def test_unknown_media_status_in_a_webhook_shows_unknown(
    overseerr: OverseerrWorld, login: Login, caplog: pytest.LogCaptureFixture
) -> None:
    overseerr.state.webhook_enabled = False
    alice = await api_client(login, "alice")
    made = await _request(overseerr, alice)
    payload = _hook(overseerr, Notification.MEDIA_APPROVED, int(made["overseerr_request_id"]))  # type: ignore[call-overload]
    payload["media"]["status"] = "ARCHIVED_IN_SPACE"  # type: ignore[index]
    with caplog.at_level(logging.WARNING):
        assert (await _post_hook(overseerr, payload)).status_code == 200
    row = await overseerr.row(int(made["id"]))  # type: ignore[call-overload]
    assert row.status == "unknown" and "ARCHIVED_IN_SPACE" in (row.status_detail or "")
    assert "unknown media status" in caplog.text
    mine = await alice.get("/requests/mine")
    assert "Unknown" in mine.text


async def test_reconciliation_repairs_a_missed_webhook(
    overseerr: OverseerrWorld, login: Login
) -> None:
    alice = await api_client(login, "alice")
    made = await _request(overseerr, alice, "tv")
    overseerr.state.webhook_enabled = False  # MediaNest was down when these happened
    remote = int(made["overseerr_request_id"])  # type: ignore[call-overload]
    overseerr.state.advance(remote, "partially_available")
    report = await overseerr.service.reconcile(due_only=False)
    assert (report.checked, report.changed) == (1, 1)
    assert (await overseerr.row(int(made["id"]))).status == "partially_available"  # type: ignore[call-overload]
    overseerr.state.advance(remote, "available")
    assert (await overseerr.service.reconcile()).checked == 0  # synced recently: not due yet
    assert (await overseerr.service.reconcile(due_only=False)).changed == 1
    assert (await overseerr.row(int(made["id"]))).status == "available"  # type: ignore[call-overload]
    kinds = [n.kind for n in await overseerr.inbox("alice")]
    assert kinds == ["request_available"]
    assert (await overseerr.service.reconcile(due_only=False)).checked == 0  # settled: left alone


async def test_reconciliation_marks_unknown_values_and_removed_requests(
    overseerr: OverseerrWorld, login: Login, caplog: pytest.LogCaptureFixture
) -> None:
    overseerr.state.webhook_enabled = False
    alice = await api_client(login, "alice")
    first, second = await _request(overseerr, alice), await _request(overseerr, alice, "tv")
    overseerr.state.force_status(int(first["overseerr_request_id"]), request_status=9)  # type: ignore[call-overload]
    del overseerr.state.requests[int(second["overseerr_request_id"])]  # type: ignore[call-overload]
    with caplog.at_level(logging.WARNING):
        report = await overseerr.service.reconcile(due_only=False)
    assert report.changed == 2
    unknown = await overseerr.row(int(first["id"]))  # type: ignore[call-overload]
    assert unknown.status == "unknown" and "9" in (unknown.status_detail or "")
    assert "does not know" in caplog.text
    assert (await overseerr.row(int(second["id"]))).status == "removed"  # type: ignore[call-overload]


async def test_reconciliation_while_overseerr_is_down_reports_and_keeps_rows(
    overseerr: OverseerrWorld, login: Login
) -> None:
    alice = await api_client(login, "alice")
    made = await _request(overseerr, alice)
    overseerr.state.faults.down = True
    report = await overseerr.service.reconcile(due_only=False)
    assert report.problem is not None and report.changed == 0
    assert (await overseerr.row(int(made["id"]))).status == "pending"  # type: ignore[call-overload]


@pytest.mark.parametrize(
    ("request_status", "media_status", "asked", "available", "expected"),
    [
        ("pending", "pending", (), None, "pending"),
        ("approved", "processing", (), None, "processing"),
        ("approved", "unknown", (), None, "approved"),
        ("approved", "partially_available", (1, 2), {1}, "partially_available"),
        ("approved", "partially_available", (2,), {1}, "processing"),  # other seasons are there
        ("approved", "partially_available", (1,), {1}, "available"),
        ("completed", "deleted", (), None, "available"),  # Seerr
        ("approved", "other", (), None, "unknown"),  # a media status newer than this code
        ("other", "available", (), None, "unknown"),  # a request status newer than this code
        ("declined", "unknown", (), None, "declined"),
        ("failed", "processing", (), None, "failed"),
    ],
)
def test_overseerr_statuses_fold_into_one_word(
    request_status: str,
    media_status: str,
    asked: tuple[int, ...],
    available: set[int] | None,
    expected: str,
) -> None:
    from medianest.domain.requests import derive_state

    assert derive_state(request_status, media_status, asked, available) == expected


def test_late_webhooks_do_not_move_a_request_backwards() -> None:
    from medianest.domain.requests import RequestState as S
    from medianest.domain.requests import is_stale

    assert is_stale(S.AVAILABLE, S.PROCESSING) and is_stale(S.PROCESSING, S.PENDING)
    assert not is_stale(S.PENDING, S.AVAILABLE) and not is_stale(S.AVAILABLE, S.DECLINED)
    assert not is_stale(S.FAILED, S.APPROVED)  # an admin retried it
