"""The Uptime Kuma client against the fake (1.23.16 and 2.5.3) and against the real captures."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from medianest.demo import identities
from medianest.integrations.base import (
    BadResponse,
    CredentialsRejected,
    HttpPolicy,
    IntegrationError,
    Misconfigured,
    Unavailable,
)
from medianest.integrations.fakekit import FakeServer
from medianest.integrations.uptime_kuma.client import UptimeKumaClient
from medianest.integrations.uptime_kuma.fake import UptimeKumaFakeState, create_app
from medianest.integrations.uptime_kuma.fake_model import ManualClock
from medianest.integrations.uptime_kuma.metrics import parse_metrics
from medianest.integrations.uptime_kuma.models import (
    MonitorStatus,
    parse_heartbeats,
    parse_status_page,
)
from medianest.integrations.uptime_kuma.webhook import parse_webhook
from tests.support.reference import reference_text
from tests.support.wire import FAST, Clock, Recorder

V1, V2 = "1.23.16", "2.5.3"
VERSIONS = [V1, V2]
SLUG = identities.UPTIME_KUMA_SLUG
KEY = identities.UPTIME_KUMA_API_KEY
BASE = "http://kuma.nest.lan:3001"
HTML_NAME = "NAS <b>Backups</b> & Snapshots"
PAGE_NAMES = [
    "Plex",
    "Overseerr",
    "MediaNest",
    "Tautulli",
    "Home Assistant",
    "Downloads VPN",
    HTML_NAME,
]


def capture(version: str, name: str) -> str:
    return reference_text("uptime-kuma", version, name)


def capture_json(version: str, name: str) -> Any:
    return json.loads(capture(version, name))


def demo(version: str) -> UptimeKumaFakeState:
    return UptimeKumaFakeState.demo(seed=1, version=version, clock=ManualClock())


def small(version: str = V2) -> UptimeKumaFakeState:
    """One page, two monitors, a few beats: for the error paths, where history does not matter."""
    state = UptimeKumaFakeState(version, clock=ManualClock())
    state.add_status_page(SLUG, "Small")
    plex = state.add_monitor("Plex", url="http://plex:32400/identity")
    nas = state.add_monitor("NAS", type="ping", hostname="nas")
    state.add_group(SLUG, "Services", [plex.id, nas.id])
    state.backfill(hours=1, every_s=600)
    return state


def make(
    state: UptimeKumaFakeState,
    *,
    slug: str | None = SLUG,
    api_key: str | None = KEY,
    **kwargs: Any,
) -> tuple[UptimeKumaClient, Recorder]:
    recorder = Recorder(httpx.ASGITransport(app=create_app(state)))
    kwargs.setdefault("policy", FAST)
    client = UptimeKumaClient(BASE, slug=slug, api_key=api_key, transport=recorder, **kwargs)
    return client, recorder


def canned(status: int, body: str | bytes, content_type: str = "application/json") -> Any:
    """A transport that answers every request the same way (shapes the fake never sends)."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers={"content-type": content_type})

    return httpx.MockTransport(handler)


# --------------------------------------------------------------------------- against the fake


@pytest.mark.parametrize("version", VERSIONS)
async def test_status_page_lists_public_monitors_and_normalises_incidents(version: str) -> None:
    client, _ = make(demo(version))
    async with client:
        page = await client.status_page()
    assert page.title == "MediaNest" and page.slug == SLUG
    assert page.major_version == (1 if version == V1 else 2)
    assert [g.name for g in page.groups] == ["Services", "Infrastructure"]
    assert [m.name for _, m in page.monitors] == PAGE_NAMES  # "Router admin" is not public
    overseerr = page.groups[0].monitors[1]
    assert overseerr.url == "http://overseerr.nest.lan:5055/api/v1/status"
    assert page.groups[0].monitors[0].url is None  # sendUrl 0: Kuma hides the URL
    # 1.23 sends one "incident" object, 2.x an "incidents" array: both become one list.
    [incident] = page.incidents
    assert incident.title == "Home Assistant is unreachable"
    assert incident.style == "warning" and incident.pinned and incident.active
    assert incident.created_date == datetime(2026, 11, 21, 16, 20, tzinfo=UTC)
    assert incident.last_updated_date is None
    assert page.maintenance == []


@pytest.mark.parametrize("version", VERSIONS)
async def test_heartbeats_oldest_first_with_uptime_fraction(version: str) -> None:
    client, _ = make(demo(version))
    async with client:
        beats = await client.heartbeats()
    assert sorted(beats) == [1, 2, 3, 4, 5, 6, 7]
    plex, home = beats[1], beats[5]
    assert len(plex.beats) == (50 if version == V1 else 100)
    times = [beat.time for beat in plex.beats]
    assert times == sorted(times) and all(t.tzinfo is UTC for t in times)
    assert plex.last is not None and plex.last.status is MonitorStatus.UP
    assert plex.last.ping is not None and plex.last.ping > 0
    assert home.last is not None and home.last.status is MonitorStatus.DOWN
    assert home.last.ping is None
    assert plex.uptime_24h == 1.0
    assert home.uptime_24h is not None and 0.85 < home.uptime_24h < 0.95
    assert beats[4].uptime_24h == pytest.approx(0.5, abs=0.001)  # Tautulli flaps


@pytest.mark.parametrize("version", VERSIONS)
async def test_metrics_cover_every_active_monitor(version: str) -> None:
    client, _ = make(demo(version), slug=None)
    async with client:
        metrics = await client.metrics()
    by_name = {m.name: m for m in metrics}
    assert list(by_name) == [*PAGE_NAMES, "Router admin"]  # metrics are not limited to the page
    vpn, home = by_name["Downloads VPN"], by_name["Home Assistant"]
    assert vpn.type == "port" and vpn.hostname == "vpn.nest.lan" and vpn.port == 51820
    assert vpn.url is None  # prom-client's "null"
    assert vpn.status is MonitorStatus.UP and vpn.response_time_ms is not None
    assert home.status is MonitorStatus.DOWN and home.response_time_ms is None  # -1
    if version == V1:
        assert all(m.monitor_id is None and m.uptime == {} for m in metrics)
    else:
        assert [m.monitor_id for m in metrics] == list(range(1, 9))
        assert set(home.uptime) == {"1d", "30d", "365d"} and 0 < home.uptime["1d"] < 1
        assert set(vpn.avg_response_s) == {"1d", "30d", "365d"}


async def test_metrics_send_the_key_as_basic_password_and_only_to_metrics() -> None:
    client, recorder = make(demo(V2))
    async with client:
        await client.status_page()
        await client.heartbeats()
        await client.metrics()
    page, beats, metrics = recorder.requests
    assert "authorization" not in page.headers and "authorization" not in beats.headers
    expected = base64.b64encode(f":{KEY}".encode()).decode()
    assert metrics.headers["authorization"] == f"Basic {expected}"
    assert all(KEY not in str(request.url) for request in recorder.requests)


@pytest.mark.parametrize(
    ("api_key", "revoked", "reason"),
    [
        (None, False, "needs an API key"),
        ("uk1_wrongWrongWrong", False, "API key was refused"),
        (KEY, True, "API key was refused"),
    ],
)
async def test_metrics_refused_credentials(api_key: str | None, revoked: bool, reason: str) -> None:
    state = small()
    state.faults.revoked = revoked
    client, _ = make(state, api_key=api_key)
    async with client:
        with pytest.raises(CredentialsRejected, match=reason) as caught:
            await client.metrics()
    assert caught.value.status == 401
    assert client.availability.credentials_rejected
    shown = f"{caught.value} {caught.value!r} {client.availability.last_error}"
    assert KEY not in shown and "wrongWrong" not in shown


@pytest.mark.parametrize("version", VERSIONS)
async def test_snapshot_with_page_and_metrics(version: str) -> None:
    client, _ = make(demo(version))
    async with client:
        snap = await client.snapshot()
    assert snap.title == "MediaNest" and snap.problems == []
    assert snap.major_version == (1 if version == V1 else 2)
    assert [m.name for m in snap.monitors] == PAGE_NAMES  # the page decides what is shown
    by_name = {m.name: m for m in snap.monitors}
    home, plex, vpn = by_name["Home Assistant"], by_name["Plex"], by_name["Downloads VPN"]
    assert home.id == 5 and home.group == "Infrastructure"
    assert home.status is MonitorStatus.DOWN and home.ping_ms is None
    assert plex.status is MonitorStatus.UP and plex.uptime_24h == 1.0 and plex.ping_ms
    assert vpn.ping_ms is not None and vpn.ping_ms >= 1500  # the slow one
    assert plex.last_beat_at == plex.beats[-1].time
    assert len(plex.beats) == (50 if version == V1 else 100)
    assert [i.title for i in snap.incidents] == ["Home Assistant is unreachable"]


@pytest.mark.parametrize("version", VERSIONS)
async def test_snapshot_from_metrics_alone_shows_every_monitor(version: str) -> None:
    client, _ = make(demo(version), slug=None)
    async with client:
        snap = await client.snapshot()
    assert snap.title is None and snap.incidents == []
    assert [m.name for m in snap.monitors] == [*PAGE_NAMES, "Router admin"]
    home = snap.monitors[4]
    assert home.status is MonitorStatus.DOWN and home.beats == []
    if version == V1:
        assert home.id is None and home.uptime_24h is None and snap.major_version == 1
    else:
        assert home.id == 5 and home.uptime_24h == home.uptime["1d"] and snap.major_version == 2


async def test_snapshot_keeps_the_page_when_metrics_fail() -> None:
    client, _ = make(demo(V2), api_key="uk1_notTheKey")
    async with client:
        snap = await client.snapshot()
    assert len(snap.monitors) == 7
    assert snap.monitors[4].status is MonitorStatus.DOWN  # from the last beat
    assert snap.problems == ["metrics: the API key was refused"]


async def test_snapshot_lags_with_kumas_cache_but_metrics_are_live() -> None:
    clock = ManualClock()
    state = UptimeKumaFakeState.demo(seed=1, version=V2, clock=clock)
    page_only, _ = make(state, api_key=None)
    with_key, _ = make(state)
    async with page_only, with_key:
        assert (await page_only.snapshot()).monitors[4].status is MonitorStatus.DOWN
        state.set_status(5, "up", ping=33)
        clock.advance(30)
        assert (await page_only.snapshot()).monitors[4].status is MonitorStatus.DOWN  # cached
        live = (await with_key.snapshot()).monitors[4]
        assert live.status is MonitorStatus.UP and live.ping_ms == 33
        clock.advance(31)  # past the heartbeat list's 1 minute
        fresh = (await page_only.snapshot()).monitors[4]
    assert fresh.status is MonitorStatus.UP and fresh.beats[-1].ping == 33


async def test_monitor_names_with_html_are_kept_verbatim() -> None:
    client, _ = make(demo(V2))
    async with client:
        page = await client.status_page()
        metrics = await client.metrics()
        snap = await client.snapshot()
    assert page.groups[1].monitors[2].name == HTML_NAME
    assert HTML_NAME in {m.name for m in metrics}
    assert snap.monitors[6].name == HTML_NAME


@pytest.mark.parametrize(
    ("version", "slug", "api_key", "expected"),
    [
        (
            V2,
            SLUG,
            KEY,
            "Uptime Kuma 2.x, status page 'MediaNest' with 7 monitors; metrics for 8 monitors",
        ),
        (V1, SLUG, None, "Uptime Kuma 1.x, status page 'MediaNest' with 7 monitors"),
        (V1, None, KEY, "Uptime Kuma 1.x, metrics for 8 monitors"),
    ],
)
async def test_connection_summary(
    version: str, slug: str | None, api_key: str | None, expected: str
) -> None:
    client, _ = make(demo(version), slug=slug, api_key=api_key)
    async with client:
        assert await client.test_connection() == expected


async def test_connection_raises_the_typed_error() -> None:
    client, _ = make(small(), api_key="uk9_nope")
    async with client:
        with pytest.raises(CredentialsRejected):
            await client.test_connection()


async def test_unknown_slug_on_v2_is_misconfigured() -> None:
    client, _ = make(small(V2), slug="nope", api_key=None)
    async with client:
        with pytest.raises(Misconfigured, match="there is no status page 'nope'") as raised:
            await client.status_page()
        assert raised.value.code == "no_page"
        assert await client.heartbeats() == {}  # 2.x answers an empty list here
        with pytest.raises(Misconfigured):
            await client.test_connection()
    # Kuma answered, but the dashboard cannot work with this slug: not healthy.
    assert not client.availability.healthy
    assert client.availability.misconfigured
    assert client.availability.unavailable_since is None
    assert client.availability.last_error == "there is no status page 'nope'"


def test_needs_a_slug_or_a_key() -> None:
    with pytest.raises(ValueError, match="slug, an API key, or both"):
        UptimeKumaClient(BASE, slug=" ", api_key="")


# --------------------------------------------------------------------------- failures


@pytest.mark.parametrize(
    "call",
    [
        UptimeKumaClient.status_page,
        UptimeKumaClient.heartbeats,
        UptimeKumaClient.metrics,
    ],
)
async def test_garbage_is_a_bad_response(call: Callable[[UptimeKumaClient], Any]) -> None:
    state = small()
    state.faults.garbage = True
    client, _ = make(state)
    async with client:
        with pytest.raises((BadResponse, Misconfigured)):
            await call(client)
    assert not client.availability.healthy


async def test_down_and_5xx_are_unavailable_and_retried() -> None:
    state = small()
    client, _ = make(state)
    retrying, _ = make(state, policy=HttpPolicy(timeout=2.0, retries=1, backoff=0.0))
    async with client, retrying:
        state.faults.down = True
        with pytest.raises(Unavailable) as down:
            await client.snapshot()
        assert down.value.status == 503
        assert client.availability.unavailable_since is not None
        state.faults.down = False
        state.faults.fail_next = 1
        with pytest.raises(Unavailable, match="answered 500"):
            await client.status_page()
        state.faults.fail_next = 1
        assert (await retrying.status_page()).title == "Small"  # the retry got through
        await client.status_page()
    assert client.availability.healthy


async def test_breaker_opens_and_recovers() -> None:
    state = small()
    clock = Clock()
    policy = HttpPolicy(timeout=2.0, retries=0, breaker_threshold=2, breaker_cooldown=30.0)
    client, recorder = make(state, policy=policy, clock=clock)
    async with client:
        state.faults.down = True
        for _ in range(2):
            with pytest.raises(Unavailable):
                await client.heartbeats()
        sent = len(recorder.requests)
        with pytest.raises(Unavailable, match="next try in 30s"):
            await client.snapshot()
        assert len(recorder.requests) == sent  # failed fast, Kuma was left alone
        state.faults.down = False
        clock.now += 30
        assert len((await client.snapshot()).monitors) == 2
    assert client.availability.healthy


async def test_unknown_status_codes_are_tolerated() -> None:
    beats = {
        "heartbeatList": {
            "1": [
                {"status": 1, "time": "2026-11-21 10:00:00.123", "msg": "", "ping": 4, "new": 1},
                {"status": 9, "time": "2026-11-21 10:01:00.123", "msg": "", "ping": None},
                {"status": 1, "time": "not a time", "ping": 3},
            ]
        },
        "uptimeList": {"1_24": 0.5},
    }
    client = UptimeKumaClient(
        BASE, slug=SLUG, api_key=None, transport=canned(200, json.dumps(beats)), policy=FAST
    )
    async with client:
        [history] = (await client.heartbeats()).values()
    assert [b.status for b in history.beats] == [MonitorStatus.UP, MonitorStatus.UNKNOWN]
    assert history.beats[1].status_raw == 9 and history.skipped == 1
    text = 'monitor_status{monitor_id="3",monitor_name="X",monitor_type="new-kind"} 7\n'
    [metric] = parse_metrics("# TYPE monitor_status gauge\n" + text)
    assert metric.status is MonitorStatus.UNKNOWN and metric.status_raw == 7
    assert metric.type == "new-kind"


@pytest.mark.parametrize(
    ("response", "error", "match"),
    [
        ((404, "Cannot GET", "text/html"), Misconfigured, "is this Uptime Kuma"),
        (
            (403, '{"status":"fail","msg":"Forbidden page"}', "application/json"),
            IntegrationError,
            "Forbidden page",
        ),
        ((302, "", "text/html"), Misconfigured, "redirect"),
        ((200, "<html>login</html>", "text/html"), Misconfigured, "is this Uptime Kuma"),
        ((200, '{"config": {}}', "application/json"), Misconfigured, "not an Uptime Kuma"),
    ],
)
async def test_status_page_odd_answers(
    response: tuple[int, str, str], error: type[Exception], match: str
) -> None:
    client = UptimeKumaClient(
        BASE, slug=SLUG, api_key=None, transport=canned(*response), policy=FAST
    )
    async with client:
        with pytest.raises(error, match=match):
            await client.status_page()


async def test_unknown_slug_capture_of_v2_is_not_found() -> None:
    status_line, body = capture(V2, "unknown-slug.txt").strip().splitlines()
    status = int(status_line.split()[1])
    client = UptimeKumaClient(
        BASE, slug="gone", api_key=None, transport=canned(status, body), policy=FAST
    )
    async with client:
        with pytest.raises(Misconfigured, match="'gone'"):
            await client.status_page()


@pytest.fixture
def served_v1() -> Iterator[tuple[UptimeKumaFakeState, FakeServer]]:
    state = demo(V1)
    state.v1_unknown_slug_hang_s = 1.0
    with FakeServer(create_app(state)) as server:
        yield state, server


async def test_real_port_v1_unknown_slug_slow_and_stopped(
    served_v1: tuple[UptimeKumaFakeState, FakeServer],
) -> None:
    state, server = served_v1
    policy = HttpPolicy(timeout=0.2, connect_timeout=0.2, retries=0)
    errors: list[IntegrationError] = []
    async with (
        UptimeKumaClient(server.url, slug="nope", api_key=None, policy=policy) as lost,
        UptimeKumaClient(server.url, slug=SLUG, api_key=KEY, policy=policy) as client,
    ):
        with pytest.raises(Unavailable, match="check the slug 'nope'") as silent:
            await lost.status_page()  # 1.23 never answers an unknown slug
        assert len((await client.snapshot()).monitors) == 7
        state.faults.slow = 0.6
        with pytest.raises(Unavailable, match="no answer") as slow:
            await client.metrics()
        state.faults.slow = 0.0
        server.stop()
        with pytest.raises(Unavailable, match="cannot connect") as stopped:
            await client.snapshot()
        errors += [silent.value, slow.value, stopped.value]
        server.start()
        assert "Uptime Kuma 1.x" in await client.test_connection()
    assert client.availability.healthy
    assert all(KEY not in f"{e} {e!r}" for e in errors)


# --------------------------------------------------------------------------- the real captures


@pytest.mark.parametrize("version", VERSIONS)
def test_captured_status_page_and_heartbeats(version: str) -> None:
    page = parse_status_page(capture_json(version, "status-page.json"), SLUG)
    assert page.title == "MediaNest Test" and page.incidents == []
    assert page.major_version == (1 if version == V1 else 2)
    assert [(m.id, m.name, m.type) for _, m in page.monitors] == [
        (1, "local-http-up", "http"),
        (2, "local-http-closed", "http"),
        (3, "tcp-closed", "port"),
    ]
    beats = parse_heartbeats(capture_json(version, "status-page-heartbeat.json"))
    assert sorted(beats) == [1, 2, 3] and all(b.skipped == 0 for b in beats.values())
    up = beats[1]
    assert up.uptime_24h is not None and 0 < up.uptime_24h <= 1
    assert [b.time for b in up.beats] == sorted(b.time for b in up.beats)
    assert beats[2].uptime_24h == 0 and beats[2].last is not None
    assert beats[2].last.status is MonitorStatus.DOWN and beats[2].last.ping is None
    first = capture_json(version, "status-page-heartbeat.json")["heartbeatList"]["1"][0]
    assert up.beats[0].time.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] == first["time"]


@pytest.mark.parametrize("version", VERSIONS)
def test_captured_metrics(version: str) -> None:
    metrics = parse_metrics(capture(version, "metrics.txt"))
    assert [m.name for m in metrics] == ["local-http-up", "local-http-closed", "tcp-closed"]
    up, closed, tcp = metrics
    assert up.status is MonitorStatus.UP and up.response_time_ms == (8 if version == V1 else 10)
    assert closed.status is MonitorStatus.DOWN and closed.response_time_ms is None
    assert tcp.port == 9 and tcp.hostname == "127.0.0.1" and tcp.url is None
    assert up.url == "http://127.0.0.1:18765/" and up.hostname is None
    assert up.cert_days_remaining is None and up.tags == {}
    if version == V1:
        assert [m.monitor_id for m in metrics] == [None, None, None] and up.uptime == {}
    else:
        assert [m.monitor_id for m in metrics] == [1, 2, 3]
        assert up.uptime["1d"] == pytest.approx(0.8181818181818182) and closed.uptime["30d"] == 0
        assert up.avg_response_s["365d"] == pytest.approx(0.010444444444444445)


def test_metrics_without_kuma_families_are_rejected() -> None:
    with pytest.raises(ValueError, match="no monitor_"):
        parse_metrics("# TYPE nodejs_heap_size_used_bytes gauge\nnodejs_heap_size_used_bytes 1\n")


# --------------------------------------------------------------------------- webhooks


@pytest.mark.parametrize("version", VERSIONS)
def test_captured_webhooks(version: str) -> None:
    down = parse_webhook(capture_json(version, "webhook-1.json")["body"])
    up = parse_webhook(capture_json(version, "webhook-2.json")["body"])
    assert not down.is_test and down.monitor_id == 1 and down.monitor is not None
    assert down.monitor.name == "local-http-up" and down.monitor.url == "http://127.0.0.1:18765/"
    assert down.heartbeat is not None and down.status is MonitorStatus.DOWN
    assert down.heartbeat.ping is None  # a failed check has no ping key at all
    assert down.heartbeat.msg == "connect ECONNREFUSED 127.0.0.1:18765"
    assert down.msg == "[local-http-up] [🔴 Down] connect ECONNREFUSED 127.0.0.1:18765"
    assert up.heartbeat is not None and up.status is MonitorStatus.UP and up.heartbeat.ping
    assert up.heartbeat.time.tzinfo is UTC and up.heartbeat.timezone == "UTC"
    assert up.msg == "[local-http-up] [✅ Up] 200 - OK"
    if version == V1:
        assert down.heartbeat.duration == 20 and up.heartbeat.last_down_time is None
    else:
        assert down.heartbeat.retries == 1
        assert up.heartbeat.last_down_time == down.heartbeat.time


def test_test_notification_and_message_only_notices() -> None:
    test = parse_webhook(
        {"heartbeat": None, "monitor": None, "msg": "My Webhook Alert (1) Testing"}
    )
    assert test.is_test and test.monitor_id is None and test.status is None
    notice = parse_webhook({"heartbeat": None, "monitor": None, "msg": "[Plex] cert expires"})
    assert not notice.is_test and notice.heartbeat is None


async def test_webhooks_sent_by_the_fake_parse() -> None:
    bodies: list[Any] = []

    def receive(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(200)

    for version in VERSIONS:
        state = small(version)
        state.webhook_transport = httpx.MockTransport(receive)
        state.add_webhook("http://medianest.test/api/v1/webhooks/uptime-kuma")
        try:
            state.set_status(2, "down")
            state.set_status(2, "up")
            state.send_test_notification()
            await state.wait_for_webhooks(3)
        finally:
            state.close()
    parsed = [parse_webhook(body) for body in bodies]
    assert [(w.status, w.is_test) for w in parsed] == 2 * [
        (MonitorStatus.DOWN, False),
        (MonitorStatus.UP, False),
        (None, True),
    ]
    assert all(
        w.monitor_id == 2 and w.monitor and w.monitor.name == "NAS" for w in parsed if w.status
    )


def test_form_data_and_get_variants_are_unwrapped() -> None:
    body = capture_json(V2, "webhook-1.json")["body"]
    form = parse_webhook({"data": json.dumps(body)})
    get = parse_webhook(
        {
            "msg": body["msg"],
            "heartbeat": json.dumps(body["heartbeat"]),
            "monitor": json.dumps(body["monitor"]),
        }
    )
    assert form == get == parse_webhook(body)


def test_webhook_monitor_name_with_html_is_kept() -> None:
    body = capture_json(V2, "webhook-2.json")["body"]
    body["monitor"] = {**body["monitor"], "name": HTML_NAME}
    monitor = parse_webhook(body).monitor
    assert monitor is not None and monitor.name == HTML_NAME


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ([1, 2], "must be a JSON object"),
        ({"hello": "world"}, "not an Uptime Kuma webhook"),
        ({"heartbeat": None, "monitor": None}, "'msg' must be text"),
        ({"heartbeat": 5, "monitor": None, "msg": "x"}, "'heartbeat' must be an object"),
        ({"heartbeat": "{oops", "monitor": None, "msg": "x"}, "not JSON"),
        (
            {
                "heartbeat": {"status": 1, "time": "2026-11-21 10:00:00.000"},
                "monitor": None,
                "msg": "x",
            },
            "heartbeat.monitorID",
        ),
        (
            {
                "heartbeat": {"monitorID": 1, "status": 1, "time": "yesterday"},
                "monitor": None,
                "msg": "x",
            },
            "heartbeat.time",
        ),
        ({"heartbeat": None, "monitor": {"id": 1}, "msg": "x"}, "monitor.name"),
        (
            {
                "heartbeat": {"monitorID": 2, "status": 0, "time": "2026-11-21 10:00:00.000"},
                "monitor": {"id": 1, "name": "a"},
                "msg": "x",
            },
            "does not match",
        ),
        ({"data": "[1]"}, "'data' field must hold a JSON object"),
    ],
)
def test_malformed_webhooks_say_why(payload: Any, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_webhook(payload)
