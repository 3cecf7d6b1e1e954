"""A service's status change reaching N open dashboards (SSE streams) on one ``medianest
serve``: delivery latency from the change at Uptime Kuma (its webhook) to each dashboard, and
the server CPU each change costs, at 50 and 500 viewers.

Baseline in the same run: the server CPU of one board request (``/dashboard/services``), which
is what every open dashboard used to fetch after each change.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.server import Server, medianest_server, sign_in_admin
from medianest.demo import identities
from medianest.integrations.fakekit import FakeServer
from medianest.integrations.uptime_kuma.fake import UptimeKumaFakeState, create_app

VIEWERS = (50, 500)
CHANGES = 10
WEBHOOK_SECRET = "bench-kuma-webhook-secret-0123456789"  # noqa: S105 - a throwaway bench install
MONITOR = "Plex"


@dataclass
class Viewer:
    """One open dashboard: a raw SSE connection that notes when each status change arrives."""

    arrivals: dict[str, float] = field(default_factory=dict)  # status -> perf_counter
    ready: asyncio.Event = field(default_factory=asyncio.Event)


async def _watch(server: Server, cookie: str, viewer: Viewer, wanted: asyncio.Event) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(
        f"GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n"
        "Accept: text/event-stream\r\n\r\n".encode()
    )
    await writer.drain()
    name = ""
    try:
        while line := await reader.readline():
            text = line.decode(errors="replace")
            if text.startswith("event:"):
                name = text[6:].strip()
                if name == "hello":
                    viewer.ready.set()
            elif text.startswith("data:") and name == "service.status":
                for status in ('"status":"down"', '"status":"up"'):
                    if status in text and f'"name":"{MONITOR}"' in text:
                        viewer.arrivals[status] = time.perf_counter()
                        wanted.set()
    finally:
        writer.close()


async def _board_cpu(server: Server, cookies: httpx.Cookies, runs: int = 20) -> float:
    """Server CPU seconds of one /dashboard/services request (the old per-viewer re-fetch)."""
    async with httpx.AsyncClient(base_url=server.url, cookies=cookies, timeout=30) as http:
        await http.get("/dashboard/services")
        before = server.cpu_seconds()
        for _ in range(runs):
            await http.get("/dashboard/services")
        return (server.cpu_seconds() - before) / runs


async def _idle_cpu_rate(server: Server, seconds: float = 3.0) -> float:
    before, started = server.cpu_seconds(), time.perf_counter()
    await asyncio.sleep(seconds)
    return (server.cpu_seconds() - before) / (time.perf_counter() - started)


async def _run(
    count: int, kuma: UptimeKumaFakeState, kuma_url: str
) -> tuple[list[float], list[float], float, float]:
    """(latencies and first arrivals in ms, server CPU ms per change, board request CPU ms)."""
    with (
        tempfile.TemporaryDirectory() as folder,
        medianest_server(
            Path(folder),
            MEDIANEST_UPTIME_KUMA_URL=kuma_url,
            MEDIANEST_UPTIME_KUMA_SLUG=identities.UPTIME_KUMA_SLUG,
            MEDIANEST_UPTIME_KUMA_WEBHOOK_SECRET=WEBHOOK_SECRET,
            MEDIANEST_STATUS_POLL_SECONDS="3600",  # one poll at start; changes come by webhook
            MEDIANEST_SSE_HEARTBEAT_SECONDS="300",
        ) as server,
    ):
        kuma.webhooks.clear()
        kuma.add_webhook(
            f"{server.url}/api/v1/webhooks/uptime-kuma",
            {"Authorization": f"Bearer {WEBHOOK_SECRET}"},
            name="MediaNest",
        )
        cookies = await asyncio.to_thread(sign_in_admin, server.url)
        cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        await _wait_for_services(server, cookies)
        board_cpu = await _board_cpu(server, cookies)
        viewers = [Viewer() for _ in range(count)]
        wanted = asyncio.Event()
        tasks = [asyncio.create_task(_watch(server, cookie, v, wanted)) for v in viewers]
        await asyncio.wait_for(asyncio.gather(*(v.ready.wait() for v in viewers)), 120)
        idle_rate = await _idle_cpu_rate(server)
        latencies: list[float] = []
        firsts: list[float] = []  # the change's fixed cost: webhook, database, card render
        cpu_total, wall_total = 0.0, 0.0
        monitor_id = next(m.id for m in kuma.monitors.values() if m.name == MONITOR)
        for change in range(CHANGES):
            status = '"status":"down"' if change % 2 == 0 else '"status":"up"'
            for viewer in viewers:
                viewer.arrivals.pop(status, None)
            cpu_before, started = server.cpu_seconds(), time.perf_counter()
            await asyncio.to_thread(
                kuma.set_status, monitor_id, "down" if change % 2 == 0 else "up"
            )
            deadline = started + 30
            while not all(status in v.arrivals for v in viewers):
                wanted.clear()
                left = deadline - time.perf_counter()
                if left <= 0:
                    raise RuntimeError(f"a change reached only some of {count} viewers in 30 s")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wanted.wait(), left)
            wall = time.perf_counter() - started
            cpu_total += server.cpu_seconds() - cpu_before
            wall_total += wall
            arrived = [(v.arrivals[status] - started) * 1000 for v in viewers]
            latencies.extend(arrived)
            firsts.append(min(arrived))
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    per_change = max(cpu_total - idle_rate * wall_total, 0.0) / CHANGES
    return latencies, firsts, per_change * 1000, board_cpu * 1000


async def _wait_for_services(server: Server, cookies: httpx.Cookies) -> None:
    async with httpx.AsyncClient(base_url=server.url, cookies=cookies, timeout=30) as http:
        for _ in range(600):
            board = await http.get("/dashboard/services")
            if f">{MONITOR}<" in board.text:
                return
            await asyncio.sleep(0.1)
    raise RuntimeError("MediaNest never showed the Kuma monitors")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def run() -> None:
    kuma = UptimeKumaFakeState.demo()
    server = FakeServer(create_app(kuma)).start()
    try:
        results = {}
        for count in VIEWERS:
            results[count] = await _run(count, kuma, server.url)
    finally:
        server.stop()
        kuma.close()
    for count, (latencies, firsts, cpu_ms, board_ms) in results.items():
        print(
            f"{count:>4} dashboards  first viewer {statistics.median(firsts):6.1f} ms"
            f"   delivery p50 {statistics.median(latencies):7.1f} ms"
            f"   p99 {_percentile(latencies, 0.99):7.1f} ms   max {max(latencies):7.1f} ms"
            f"   server CPU per change {cpu_ms:7.1f} ms ({cpu_ms / count:.3f} ms per viewer)"
        )
        print(
            f"{'':>4}             baseline: one board request costs {board_ms:.1f} ms CPU;"
            f" a re-fetch per viewer would cost {board_ms * count:,.0f} ms per change"
            f" (x{board_ms * count / max(cpu_ms, 0.001):.1f} of now)"
        )
    (small, (_, _, low, _)), (large, (_, _, high, _)) = list(results.items())[:2]
    print(
        f"CPU per change grows x{high / max(low, 0.001):.2f} from {small} to {large} viewers"
        f" (x{large / small:.0f} viewers)"
    )


def main() -> None:
    asyncio.run(run())
