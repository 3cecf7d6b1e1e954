"""Contract tests: the Uptime Kuma fake answers like the captured 1.23.16 and 2.5.3 servers.

The captures (``tests/reference/uptime-kuma/<version>/``) were taken from real servers with three
monitors on the page ``medianest``. Replaying their heartbeat history into the fake must give
back the very same status page, heartbeat list (uptime numbers included), metrics and webhooks.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from medianest.demo import identities
from medianest.integrations.fakekit import FakeServer
from medianest.integrations.uptime_kuma.fake import UptimeKumaFakeState, create_app
from medianest.integrations.uptime_kuma.fake_model import (
    DOWN,
    MAINTENANCE,
    PENDING,
    UP,
    ManualClock,
    parse_kuma_time,
)
from tests.support.reference import reference_text

VERSIONS = ["1.23.16", "2.5.3"]
TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$")
SAMPLE_RE = re.compile(r"^(\w+)\{(.*)\} (\S+)$")
LABEL_RE = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
KEY = identities.UPTIME_KUMA_API_KEY
SLUG = identities.UPTIME_KUMA_SLUG


# --------------------------------------------------------------------------- helpers


def capture(version: str, name: str) -> str:
    return reference_text("uptime-kuma", version, name)


def capture_json(version: str, name: str) -> Any:
    return json.loads(capture(version, name))


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    names: dict[type, str] = {str: "string", list: "array", dict: "object"}
    return names[type(value)]


def is_id_map(value: dict[str, Any]) -> bool:
    """heartbeatList/uptimeList/notificationIDList: keys are ids, not field names."""
    return bool(value) and all(re.fullmatch(r"\d+(_24)?", key) for key in value)


def shape_errors(actual: Any, expected: Any, path: str = "$") -> list[str]:
    """Same keys (in order) per object, same JSON types, list elements shaped like some example."""
    if json_type(actual) != json_type(expected):
        return [f"{path}: {json_type(actual)} != {json_type(expected)}"]
    if isinstance(expected, dict):
        if is_id_map(expected):
            example = next(iter(expected.values()))
            errors = [
                f"{path}: key {k!r} is no id" for k in actual if not re.fullmatch(r"\d+(_24)?", k)
            ]
            for key, value in actual.items():
                errors += shape_errors(value, example, f"{path}[{key}]")
            return errors
        if list(actual) != list(expected):
            return [f"{path}: keys {list(actual)} != {list(expected)}"]
        return [e for k in expected for e in shape_errors(actual[k], expected[k], f"{path}.{k}")]
    if isinstance(expected, list) and expected:
        mismatches: list[str] = []
        for index, item in enumerate(actual):
            tries = [shape_errors(item, example, f"{path}[{index}]") for example in expected]
            best: list[str] = min(tries, key=len)  # [] as soon as one example fits
            mismatches += best
        return mismatches
    return []


def client_for(state: UptimeKumaFakeState) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(state))
    return httpx.AsyncClient(transport=transport, base_url="http://kuma.test")


def replay_state(
    version: str,
    clock: ManualClock,
    before_replay: Callable[[UptimeKumaFakeState], None] | None = None,
) -> UptimeKumaFakeState:
    """The captured server's world: same page, monitors (labels of metrics.txt) and beats."""
    page = capture_json(version, "status-page.json")
    history = capture_json(version, "status-page-heartbeat.json")["heartbeatList"]
    state = UptimeKumaFakeState(version, clock=clock)
    state.metrics_process_lines = False
    config = page["config"]
    state.add_status_page(config["slug"], config["title"], description=config["description"])
    state.add_monitor("local-http-up", url="http://127.0.0.1:18765/", interval=20)
    state.add_monitor("local-http-closed", url="http://127.0.0.1:9/", interval=20)
    state.add_monitor("tcp-closed", type="port", hostname="127.0.0.1", port=9, interval=20)
    state.add_group(config["slug"], "Services", [1, 2, 3])
    if before_replay:
        before_replay(state)
    last = None
    rows = [(int(mid), row) for mid, beats in history.items() for row in beats]
    for monitor_id, row in sorted(rows, key=lambda item: item[1]["time"]):
        last = parse_kuma_time(row["time"])
        state.add_beat(monitor_id, row["status"], ping=row["ping"], at=last)
    assert last is not None
    clock.set(last + timedelta(seconds=1))
    return state


def parse_metrics(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], str]:
    samples = {}
    for line in text.splitlines():
        match = SAMPLE_RE.match(line)
        if match and match.group(1).startswith("monitor_"):
            labels = tuple(LABEL_RE.findall(match.group(2)))
            samples[(match.group(1), labels)] = match.group(3)
    return samples


def monitor_lines(text: str) -> str:
    keep = [line for line in text.splitlines() if "monitor_" in line]
    return "\n".join(keep) + "\n"


def value_for(text: str, family: str, name: str, **labels: str) -> str:
    for (fam, pairs), value in parse_metrics(text).items():
        found = dict(pairs)
        wanted = all(found.get(k) == v for k, v in labels.items())
        if fam == family and found["monitor_name"] == name and wanted:
            return value
    raise AssertionError(f"no {family} sample for {name}")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


class Receiver:
    """A webhook endpoint on a real port, recording raw headers and bodies."""

    def __init__(self) -> None:
        self.received: list[tuple[list[tuple[str, str]], bytes]] = []

        async def hook(request: Request) -> Response:
            raw = [(k.decode(), v.decode()) for k, v in request.headers.raw]
            self.received.append((raw, await request.body()))
            return Response("ok")

        self.server = FakeServer(Starlette(routes=[Route("/hook", hook, methods=["POST"])]))


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    receiver.server.start()
    yield receiver
    receiver.server.stop()


def record_transport() -> tuple[httpx.MockTransport, list[dict[str, Any]]]:
    bodies: list[dict[str, Any]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(200)

    return httpx.MockTransport(handle), bodies


# --------------------------------------------------------------------------- replay = capture


@pytest.mark.parametrize("version", VERSIONS)
async def test_replayed_status_page_equals_capture(version: str, clock: ManualClock) -> None:
    state = replay_state(version, clock)
    async with client_for(state) as client:
        response = await client.get("/api/status-page/medianest")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.headers["cache-control"] == "max-age=300"
    assert response.json() == capture_json(version, "status-page.json")


@pytest.mark.parametrize("version", VERSIONS)
async def test_replayed_heartbeats_and_uptime_equal_capture(
    version: str, clock: ManualClock
) -> None:
    """Beats, ms time strings, hidden msg, null pings and the uptime formula of each version."""
    state = replay_state(version, clock)
    async with client_for(state) as client:
        response = await client.get("/api/status-page/heartbeat/medianest")
    assert response.headers["cache-control"] == "max-age=60"
    assert response.json() == capture_json(version, "status-page-heartbeat.json")


@pytest.mark.parametrize("version", VERSIONS)
async def test_replayed_metrics_equal_capture(version: str, clock: ManualClock) -> None:
    state = replay_state(version, clock)
    state.metrics_process_lines = True
    async with client_for(state) as client:
        response = await client.get("/metrics", auth=("", KEY))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert monitor_lines(response.text) == capture(version, "metrics.txt")
    assert response.text.startswith("# HELP process_cpu_user_seconds_total")


@pytest.mark.parametrize("version", VERSIONS)
async def test_webhooks_reach_a_real_port_exactly_as_captured(
    version: str, clock: ManualClock, receiver: Receiver
) -> None:
    """Down then up: same headers (order too, Host aside) and byte-identical JSON bodies."""

    def add_hook(state: UptimeKumaFakeState) -> None:
        url = f"{receiver.server.url}/hook"
        state.add_webhook(url, {"Authorization": "Bearer s3cret"}, monitor_ids=[1])

    state = replay_state(version, clock, add_hook)
    try:
        log = await state.wait_for_webhooks(2)
    finally:
        state.close()
    assert [entry.kind for entry in log] == ["down", "up"]
    assert all(entry.status_code == 200 for entry in log)
    assert len(receiver.received) == 2
    for (headers, body), number in zip(receiver.received, (1, 2), strict=True):
        expected = capture_json(version, f"webhook-{number}.json")
        assert json.loads(body) == expected["body"]
        want = [(k.lower(), v) for k, v in expected["headers"].items() if k != "Host"]
        got = [(k, v) for k, v in headers if k != "host"]
        assert got == want
        assert ("host", f"127.0.0.1:{receiver.server.port}") in headers


# --------------------------------------------------------------------------- demo shapes


@pytest.mark.parametrize("version", VERSIONS)
async def test_demo_responses_have_the_captured_shapes(version: str, clock: ManualClock) -> None:
    state = UptimeKumaFakeState.demo(version=version, clock=clock)
    async with client_for(state) as client:
        page = (await client.get(f"/api/status-page/{SLUG}")).json()
        beats = (await client.get(f"/api/status-page/heartbeat/{SLUG}")).json()
    page_ref = capture_json(version, "status-page.json")
    if version == "1.23.16":
        assert set(page["incident"]) == {
            "id", "style", "title", "content", "pin", "createdDate", "lastUpdatedDate"
        }  # fmt: skip
        page_ref = page_ref | {"incident": page["incident"]}
    else:
        assert len(page["incidents"]) == 1
        assert page["incidents"][0]["active"] is True
    # sendUrl=1 adds ``url`` after ``type`` (Monitor.toPublicJSON); the capture has none of those.
    entries = page_ref["publicGroupList"][0]["monitorList"]
    entries.append(entries[0] | {"sendUrl": 1, "url": "http://overseerr.nest.lan:5055/"})
    assert shape_errors(page, page_ref) == []
    assert shape_errors(beats, capture_json(version, "status-page-heartbeat.json")) == []
    names = [m["name"] for g in page["publicGroupList"] for m in g["monitorList"]]
    assert "NAS <b>Backups</b> & Snapshots" in names
    assert "Router admin" not in names
    assert len(beats["heartbeatList"]) == len(names) == len(beats["uptimeList"])
    limit = 50 if version == "1.23.16" else 100
    for rows in beats["heartbeatList"].values():
        assert len(rows) == limit
        assert all(TIME_RE.match(row["time"]) and row["msg"] == "" for row in rows)
        assert [row["time"] for row in rows] == sorted(row["time"] for row in rows)
    assert all(0 <= value <= 1 for value in beats["uptimeList"].values())


async def test_demo_world_is_deterministic_and_tells_its_story(clock: ManualClock) -> None:
    first = UptimeKumaFakeState.demo(seed=7, clock=clock)
    second = UptimeKumaFakeState.demo(seed=7, clock=clock)
    assert first.heartbeat_body(SLUG) == second.heartbeat_body(SLUG)
    by_name = {m.name: m for m in first.monitors.values()}
    assert by_name["Home Assistant"].beats[-1].status == DOWN
    assert by_name["Downloads VPN"].beats[-1].ping >= 1500  # type: ignore[operator]
    flaps = [b.status for b in by_name["Tautulli"].beats[-6:]]
    assert all(a != b for a, b in itertools.pairwise(flaps))
    assert by_name["Plex"].beats[0].time <= clock() - timedelta(days=29, hours=23)


# --------------------------------------------------------------------------- uptime and beats


async def test_uptime_fractions_follow_each_versions_formula(clock: ManualClock) -> None:
    """2.x counts beats (PENDING is down, MAINTENANCE ignored); 1.23 weights by duration."""
    results = {}
    for version in VERSIONS:
        state = UptimeKumaFakeState(version, clock=ManualClock(clock()))
        state.add_status_page(SLUG, "Nest")
        state.add_monitor("Plex", url="http://plex:32400/")
        state.add_group(SLUG, "Services", [1])
        start = clock() - timedelta(hours=30)
        state.add_beat(1, DOWN, at=start)  # outside the 24 h window
        steps = [(UP, 60), (DOWN, 60), (PENDING, 60), (MAINTENANCE, 60), (UP, 180)]
        at = clock() - timedelta(hours=1)
        for status, seconds in steps:
            at += timedelta(seconds=seconds)
            state.add_beat(1, status, ping=10, at=at)
        async with client_for(state) as client:
            results[version] = (await client.get(f"/api/status-page/heartbeat/{SLUG}")).json()
    assert results["2.5.3"]["uptimeList"] == {"1_24": 2 / 4}
    # 1.23: the first in-window beat's duration reaches back 29 h and is trimmed to the window.
    window_edge = 24 * 3600 - 3600 + 60
    total = window_edge + 60 + 60 + 60 + 180
    assert results["1.23.16"]["uptimeList"] == {"1_24": (window_edge + 60 + 180) / total}


@pytest.mark.parametrize(("version", "limit"), [("1.23.16", 50), ("2.5.3", 100)])
async def test_heartbeat_list_keeps_the_newest_beats_oldest_first(
    version: str, limit: int, clock: ManualClock
) -> None:
    state = UptimeKumaFakeState(version, clock=clock)
    state.add_status_page(SLUG, "Nest")
    state.add_monitor("Plex", url="http://plex:32400/")
    state.add_group(SLUG, "Services", [1])
    for index in range(120):
        state.add_beat(1, UP, ping=index, at=clock() - timedelta(minutes=120 - index))
    async with client_for(state) as client:
        rows = (await client.get(f"/api/status-page/heartbeat/{SLUG}")).json()["heartbeatList"]["1"]
    assert [row["ping"] for row in rows] == list(range(120 - limit, 120))


async def test_flapping_monitor_alternates_per_beat(clock: ManualClock) -> None:
    state = UptimeKumaFakeState(clock=clock)
    state.add_monitor("Tautulli", url="http://tautulli:8181/", mode="flapping")
    state.add_monitor("VPN", type="port", hostname="vpn", port=1194, mode="slow")
    transport, bodies = record_transport()
    state.webhook_transport = transport
    state.add_webhook("http://hooks.test/kuma", monitor_ids=[1])
    async with client_for(state) as client:
        for _ in range(5):
            clock.advance(60)
            assert (await client.post("/__fake__/beat")).status_code == 200
    try:
        await state.wait_for_webhooks(4)
    finally:
        state.close()
    assert [b.status for b in state.monitors[1].beats] == [UP, DOWN, UP, DOWN, UP]
    assert all(b.status == UP and b.ping and b.ping >= 1500 for b in state.monitors[2].beats)
    assert [body["heartbeat"]["status"] for body in bodies] == [DOWN, UP, DOWN, UP]


# --------------------------------------------------------------------------- unknown slug


async def test_unknown_slug_on_v2_is_the_captured_404(clock: ManualClock) -> None:
    state = UptimeKumaFakeState("2.5.3", clock=clock)
    status_line, body = capture("2.5.3", "unknown-slug.txt").split("\n", 1)
    async with client_for(state) as client:
        page = await client.get("/api/status-page/nope")
        beats = await client.get("/api/status-page/heartbeat/nope")
    assert status_line.startswith(f"HTTP/1.1 {page.status_code} ")
    assert page.content == body.encode()
    assert beats.status_code == 200
    assert beats.content == capture("2.5.3", "unknown-slug-heartbeat.json").strip().encode()


async def test_unknown_slug_on_v1_never_answers(clock: ManualClock) -> None:
    state = UptimeKumaFakeState("1.23.16", clock=clock)
    state.v1_unknown_slug_hang_s = 0.8
    with FakeServer(create_app(state)) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=0.2) as client:
            with pytest.raises(httpx.ReadTimeout):
                await client.get("/api/status-page/nope")
            beats = await client.get("/api/status-page/heartbeat/nope")
    assert beats.json() == {"heartbeatList": {}, "uptimeList": {}}


# --------------------------------------------------------------------------- metrics


@pytest.mark.parametrize("version", VERSIONS)
async def test_metrics_need_the_api_key_as_basic_password(version: str, clock: ManualClock) -> None:
    state = replay_state(version, clock)
    expected_status = int(capture(version, "metrics-noauth-status.txt").strip())
    async with client_for(state) as client:
        anonymous = await client.get("/metrics")
        wrong = await client.get("/metrics", auth=("admin", "uk1_wrong"))
        bearer = await client.get("/metrics", headers={"Authorization": f"Bearer {KEY}"})
        right = await client.get("/metrics", auth=("anyone", KEY))
        state.faults.revoked = True
        revoked = await client.get("/metrics", auth=("", KEY))
    for refused in (anonymous, wrong, bearer, revoked):
        assert refused.status_code == expected_status == 401
        assert refused.headers["www-authenticate"] == "Basic"
        assert refused.content == b""
    assert right.status_code == 200


@pytest.mark.parametrize("version", VERSIONS)
async def test_metrics_label_sets_match_and_values_follow_set_status(
    version: str, clock: ManualClock
) -> None:
    reference = parse_metrics(capture(version, "metrics.txt"))
    state = UptimeKumaFakeState.demo(version=version, clock=clock)
    async with client_for(state) as client:
        before = (await client.get("/metrics", auth=("", KEY))).text
        clock.advance(30)
        state.set_status(1, "down", msg="connect ECONNREFUSED")
        down = (await client.get("/metrics", auth=("", KEY))).text
        state.set_status(1, "up", ping=42)
        up = (await client.get("/metrics", auth=("", KEY))).text
    families = {name for name, _ in reference}
    for name in families:
        want = {tuple(k for k, _ in labels) for fam, labels in reference if fam == name}
        got = {tuple(k for k, _ in labels) for fam, labels in parse_metrics(before) if fam == name}
        assert got == want, name
    assert {fam for fam, _ in parse_metrics(before)} == families
    assert "Router admin" in before  # metrics cover every monitor, not just public ones
    assert value_for(before, "monitor_status", "Plex") == "1"
    assert value_for(down, "monitor_status", "Plex") == "0"
    assert value_for(down, "monitor_response_time", "Plex") == "-1"
    assert value_for(up, "monitor_status", "Plex") == "1"
    assert value_for(up, "monitor_response_time", "Plex") == "42"
    assert value_for(up, "monitor_status", "NAS <b>Backups</b> & Snapshots") == "1"
    if version == "2.5.3":
        ratio_before = float(value_for(before, "monitor_uptime_ratio", "Plex", window="1d"))
        ratio_down = float(value_for(down, "monitor_uptime_ratio", "Plex", window="1d"))
        assert ratio_down < ratio_before


# --------------------------------------------------------------------------- caching


async def test_apicache_ttls_run_on_the_state_clock(clock: ManualClock) -> None:
    state = UptimeKumaFakeState.demo(clock=clock)
    assert state.cache_enabled
    page_url, beat_url = f"/api/status-page/{SLUG}", f"/api/status-page/heartbeat/{SLUG}"
    async with client_for(state) as client:
        first_page = (await client.get(page_url)).json()
        first_beats = (await client.get(beat_url)).json()
        state.pages[SLUG].title = "Renamed"
        state.set_status(1, "down")
        clock.advance(59)
        assert (await client.get(beat_url)).json() == first_beats
        assert (
            await client.get(beat_url, headers={"x-apicache-bypass": "1"})
        ).json() != first_beats
        assert (await client.get(beat_url + "?maxBeats=10")).json() != first_beats
        clock.advance(2)
        assert (await client.get(beat_url)).json()["heartbeatList"]["1"][-1]["status"] == DOWN
        clock.advance(238)
        assert (await client.get(page_url)).json() == first_page
        clock.advance(2)
        assert (await client.get(page_url)).json()["config"]["title"] == "Renamed"


async def test_without_cache_changes_show_at_once_and_etag_revalidates(clock: ManualClock) -> None:
    state = UptimeKumaFakeState.demo(clock=clock)
    state.cache_enabled = False
    url = f"/api/status-page/heartbeat/{SLUG}"
    async with client_for(state) as client:
        first = await client.get(url)
        again = await client.get(url, headers={"If-None-Match": first.headers["etag"]})
        state.set_status(1, "down")
        changed = await client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert first.headers["etag"].startswith('W/"')
    assert again.status_code == 304
    assert changed.status_code == 200
    assert changed.json()["heartbeatList"]["1"][-1]["status"] == DOWN


# --------------------------------------------------------------------------- webhooks and control


async def test_only_state_changes_notify(clock: ManualClock) -> None:
    """Kuma's isImportantForNotification, plus: a first beat notifies only when DOWN."""
    state = UptimeKumaFakeState(clock=clock)
    state.add_monitor("Plex", url="http://plex:32400/")
    state.add_monitor("Overseerr", url="http://overseerr:5055/")
    transport, bodies = record_transport()
    state.webhook_transport = transport
    state.add_webhook("http://hooks.test/kuma", {"Authorization": "Bearer s3cret"})
    sequence = [UP, UP, PENDING, DOWN, DOWN, MAINTENANCE, UP, DOWN, UP]
    for status in sequence:  # notifies on PENDING->DOWN, UP->DOWN and DOWN->UP only
        clock.advance(20)
        state.set_status(1, status)
    state.set_status(2, DOWN)  # a first beat that is DOWN notifies
    state.send_test_notification()  # deliveries are ordered: this one comes last
    try:
        await state.wait_for_webhooks(5)  # the test notification, last in order, included
    finally:
        state.close()
    statuses = [(b["heartbeat"] or {}).get("status") for b in bodies]
    assert statuses == [DOWN, DOWN, UP, DOWN, None]
    assert bodies[0]["msg"] == "[Plex] [🔴 Down] connect ECONNREFUSED plex:32400"
    assert bodies[2]["msg"] == "[Plex] [✅ Up] 200 - OK"
    assert bodies[2]["heartbeat"]["lastDownTime"] == bodies[1]["heartbeat"]["time"]
    assert "ping" not in bodies[0]["heartbeat"]
    assert bodies[3]["msg"] == "[Overseerr] [🔴 Down] connect ECONNREFUSED overseerr:5055"
    assert bodies[-1] == {"heartbeat": None, "monitor": None, "msg": "My Webhook Alert (1) Testing"}


async def test_control_route_records_a_beat_and_hides_its_msg(clock: ManualClock) -> None:
    state = UptimeKumaFakeState.demo(clock=clock)
    state.cache_enabled = False
    transport, bodies = record_transport()
    state.webhook_transport = transport
    state.timezone = "Europe/Berlin"
    state.add_webhook("http://hooks.test/kuma")
    async with client_for(state) as client:
        clock.advance(30)
        set_down = await client.post(
            "/__fake__/monitors/1/status", json={"status": "down", "msg": "boom"}
        )
        bad = await client.post("/__fake__/monitors/1/status", json={"status": "sideways"})
        missing = await client.post("/__fake__/monitors/99/status", json={"status": "up"})
        rows = (await client.get(f"/api/status-page/heartbeat/{SLUG}")).json()["heartbeatList"]
        await client.post("/__fake__/notifications/test")
    try:
        await state.wait_for_webhooks(2)
    finally:
        state.close()
    assert set_down.status_code == 200
    assert set_down.json()["status"] == DOWN
    assert (bad.status_code, missing.status_code) == (400, 404)
    assert rows["1"][-1] == {"status": 0, "time": rows["1"][-1]["time"], "msg": "", "ping": None}
    heartbeat = bodies[0]["heartbeat"]
    assert bodies[0]["msg"] == "[Plex] [🔴 Down] boom"
    assert heartbeat["timezone"] == "Europe/Berlin"
    assert heartbeat["timezoneOffset"] == "+01:00"
    assert heartbeat["localDateTime"] == "2026-11-21 19:00:30"
    assert heartbeat["time"] == "2026-11-21 18:00:30.000"
    assert bodies[0]["monitor"]["notificationIDList"] == {"1": True}
