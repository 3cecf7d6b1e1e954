"""State of the Uptime Kuma fake: monitors with modes, heartbeat history, pages, webhooks.

The state is the single source of truth; builders mutate it and the app only renders it. A beat
is recorded the way Kuma's ``Monitor.beat()`` records one (importance, 1.23 ``duration``, 2.x
``retries``) and a state change notifies the webhook targets like ``sendNotification`` does.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from medianest.demo import identities
from medianest.integrations.fakekit import Faults
from medianest.integrations.uptime_kuma import fake_render as render
from medianest.integrations.uptime_kuma import fake_webhooks as hooks
from medianest.integrations.uptime_kuma.fake_demo import build_demo
from medianest.integrations.uptime_kuma.fake_model import (
    DOWN,
    MAINTENANCE,
    MODES,
    PENDING,
    UP,
    Beat,
    Clock,
    Group,
    Incident,
    MaintenanceWindow,
    Monitor,
    StatusPage,
    WebhookDelivery,
    WebhookTarget,
    default_msg,
    is_important,
    is_important_for_notification,
    parse_status,
    system_clock,
)

MODE_BY_STATUS = {UP: "up", DOWN: "down", PENDING: "pending", MAINTENANCE: "maintenance"}


@dataclass
class CachedResponse:
    """An apicache entry: replayed verbatim (headers included) until it expires."""

    status: int
    headers: dict[str, str]
    body: bytes
    expires: datetime


class UptimeKumaFakeState:
    def __init__(
        self,
        version: str = "2.5.3",
        *,
        api_key: str | None = identities.UPTIME_KUMA_API_KEY,
        clock: Clock | None = None,
        seed: int = 1,
    ) -> None:
        self.version = version
        self.clock: Clock = clock or system_clock
        self.faults = Faults()
        self.rng = random.Random(seed)
        self.lock = threading.RLock()
        self.monitors: dict[int, Monitor] = {}
        self.pages: dict[str, StatusPage] = {}
        # Once an API key exists, /metrics wants it as the Basic password; without keys the
        # admin's username and password are checked instead.
        self.api_keys: list[str] = [api_key] if api_key else []
        self.admin_username = "admin"
        self.admin_password = "admin-password-1"
        self.auth_disabled = False
        self.webhooks: list[WebhookTarget] = []
        self.webhook_log: list[WebhookDelivery] = []
        self.webhook_timeout_s = 5.0
        self.webhook_transport: httpx.AsyncBaseTransport | None = None
        self.timezone = "UTC"
        self.cache_enabled = False
        self.cache: dict[str, CachedResponse] = {}
        self.v1_unknown_slug_hang_s = 30.0
        self.metrics_process_lines = True
        self._ids = {"monitor": 0, "page": 0, "group": 0, "incident": 0, "webhook": 0}
        self._ids["maintenance"] = 0
        self._outage_left: dict[int, int] = {}
        self._sender: hooks.WebhookSender | None = None
        self._beater: tuple[threading.Thread, threading.Event] | None = None

    # ------------------------------------------------------------------ builders

    def _next_id(self, kind: str) -> int:
        self._ids[kind] += 1
        return self._ids[kind]

    def add_status_page(self, slug: str, title: str, **fields: Any) -> StatusPage:
        with self.lock:
            page = StatusPage(id=self._next_id("page"), slug=slug.lower(), title=title, **fields)
            self.pages[page.slug] = page
            return page

    def add_monitor(self, name: str, type: str = "http", **fields: Any) -> Monitor:
        """``fields``: url, hostname, port, keyword, interval, mode, description, id, ..."""
        with self.lock:
            monitor_id = fields.pop("id", None) or self._next_id("monitor")
            self._ids["monitor"] = max(self._ids["monitor"], monitor_id)
            monitor = Monitor(id=monitor_id, name=name, type=type, **fields)
            if monitor.mode not in MODES:
                raise ValueError(f"unknown mode {monitor.mode!r}")
            self.monitors[monitor.id] = monitor
            return monitor

    def add_group(
        self,
        slug: str,
        name: str,
        monitor_ids: Iterable[int],
        *,
        public: bool = True,
        send_url: Iterable[int] = (),
    ) -> Group:
        with self.lock:
            page = self.pages[slug.lower()]
            group = Group(
                id=self._next_id("group"),
                name=name,
                weight=len(page.groups) + 1,
                monitor_ids=list(monitor_ids),
                public=public,
                send_url_ids=set(send_url),
            )
            page.groups.append(group)
            return group

    def add_incident(
        self,
        slug: str,
        title: str,
        content: str,
        style: str = "warning",
        created: datetime | None = None,
    ) -> Incident:
        """A pinned, active incident (what the public page shows)."""
        with self.lock:
            incident = Incident(
                id=self._next_id("incident"),
                title=title,
                content=content,
                style=style,
                created=created or self.clock(),
            )
            self.pages[slug.lower()].incidents.append(incident)
            return incident

    def add_maintenance(self, slug: str, title: str, description: str) -> MaintenanceWindow:
        """A manual maintenance window, active now, shown on that status page."""
        with self.lock:
            window = MaintenanceWindow(self._next_id("maintenance"), title, description)
            self.pages[slug.lower()].maintenance.append(window)
            return window

    def resolve_incident(self, incident_id: int) -> None:
        with self.lock:
            for page in self.pages.values():
                for incident in page.incidents:
                    if incident.id == incident_id:
                        incident.active = incident.pin = False
                        incident.last_updated = self.clock()

    def add_webhook(
        self,
        url: str,
        headers: dict[str, str] | None = None,
        *,
        name: str | None = None,
        monitor_ids: Iterable[int] | None = None,
    ) -> WebhookTarget:
        with self.lock:
            target_id = self._next_id("webhook")
            target = WebhookTarget(
                id=target_id,
                url=url,
                headers=dict(headers or {}),
                name=name or f"My Webhook Alert ({target_id})",
                monitor_ids=set(monitor_ids) if monitor_ids is not None else None,
            )
            self.webhooks.append(target)
            return target

    def set_mode(self, monitor_id: int, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        with self.lock:
            self.monitors[monitor_id].mode = mode

    def pause(self, monitor_id: int, paused: bool = True) -> None:
        """A paused monitor stops beating and its metric series disappear."""
        with self.lock:
            self.monitors[monitor_id].active = not paused

    def clear_cache(self) -> None:
        with self.lock:
            self.cache.clear()

    # ------------------------------------------------------------------ beats

    def set_status(
        self, monitor_id: int, status: int | str, ping: int | None = None, msg: str | None = None
    ) -> Beat:
        """Switch the monitor to that status (its mode from now on) and record a beat now."""
        code = parse_status(status)
        with self.lock:
            monitor = self.monitors[monitor_id]
            monitor.mode = MODE_BY_STATUS[code]
            if ping is None and code == UP:
                ping = self._ok_ping(monitor, "up")
            return self.add_beat(monitor_id, code, ping=ping, msg=msg)

    def add_beat(
        self,
        monitor_id: int,
        status: int | str,
        ping: int | None = None,
        msg: str | None = None,
        at: datetime | None = None,
        notify: bool = True,
    ) -> Beat:
        """Record one beat as ``Monitor.beat()`` does; notify webhooks on a state change."""
        code = parse_status(status)
        with self.lock:
            monitor = self.monitors[monitor_id]
            when = at or self.clock()
            previous = monitor.last_beat()
            first = previous is None
            prev_status = previous.status if previous else None
            beat = Beat(
                monitor_id=monitor_id,
                status=code,
                time=when,
                msg=msg if msg is not None else default_msg(monitor, code),
                ping=ping if code != DOWN else None,
                important=is_important(first, prev_status, code),
                duration=int((when - previous.time).total_seconds()) if previous else 0,
                retries=(previous.retries if previous else 0) + 1 if code in (DOWN, PENDING) else 0,
            )
            monitor.insert(beat)
            notifies = is_important_for_notification(first, prev_status, code)
            if notify and notifies and (not first or code == DOWN):
                self._notify(monitor, beat)
            return beat

    def beat_all(self) -> list[Beat]:
        """One beat per active monitor from its mode, at the clock's now."""
        with self.lock:
            now = self.clock()
            return [self._mode_beat(m, now, notify=True) for m in self._active()]

    def backfill(
        self,
        hours: float,
        every_s: float = 600,
        *,
        end: datetime | None = None,
        outage_rate: float = 0.0,
        monitor_ids: Iterable[int] | None = None,
    ) -> int:
        """Create history quickly (no webhooks): beats every ``every_s`` in (end - hours, end].

        ``outage_rate`` is the chance per beat that an up/slow monitor starts a short outage.
        Call it before live beats: history is inserted in order, but 1.23 durations assume it.
        """
        with self.lock:
            end = end or self.clock()
            start = end - timedelta(hours=hours)
            chosen = [self.monitors[i] for i in monitor_ids] if monitor_ids else self._active()
            steps = int(hours * 3600 // every_s)
            for step in range(1, steps + 1):
                base = start + timedelta(seconds=step * every_s)
                for monitor in chosen:
                    jitter = timedelta(milliseconds=int(self.rng.random() * 1000))
                    self._mode_beat(monitor, base - jitter, notify=False, outage_rate=outage_rate)
            return steps * len(chosen)

    def _active(self) -> list[Monitor]:
        return [m for m in self.monitors.values() if m.active]

    def _mode_beat(
        self, monitor: Monitor, when: datetime, notify: bool, outage_rate: float = 0.0
    ) -> Beat:
        mode = monitor.mode
        if mode == "flapping":
            last = monitor.last_beat()
            mode = "down" if last is not None and last.status == UP else "up"
        elif mode in ("up", "slow") and self._in_outage(monitor.id, outage_rate):
            mode = "down"
        status = UP if mode == "slow" else parse_status(mode)
        ping = self._ok_ping(monitor, mode) if status == UP else None
        return self.add_beat(monitor.id, status, ping=ping, at=when, notify=notify)

    def _in_outage(self, monitor_id: int, rate: float) -> bool:
        left = self._outage_left.get(monitor_id, 0)
        if left == 0 and rate and self.rng.random() < rate:
            left = self.rng.randint(1, 4)
        self._outage_left[monitor_id] = max(left - 1, 0)
        return left > 0

    def _ok_ping(self, monitor: Monitor, mode: str) -> int:
        low, high = (1500, 4000) if mode == "slow" else (8, 90)
        if mode != "slow" and monitor.type in ("port", "ping"):
            low, high = 1, 12
        return low + int(self.rng.random() * (high - low + 1))

    # ------------------------------------------------------------------ webhooks

    def _notify(self, monitor: Monitor, beat: Beat) -> None:
        targets = [t for t in self.webhooks if t.applies_to(monitor.id)]
        if not targets:
            return
        downs = (b for b in reversed(monitor.beats) if b.status == DOWN and b.important)
        last_down = next(downs, None)
        body = {
            "heartbeat": hooks.webhook_heartbeat(beat, self.version, self.timezone, last_down),
            "monitor": hooks.monitor_json(
                monitor,
                self.version,
                [t.id for t in targets],
                maintenance=monitor.mode == "maintenance",
            ),
            "msg": hooks.webhook_msg(monitor, beat),
        }
        kind = "up" if beat.status == UP else "down"
        for target in targets:
            self._send(target, kind, body)

    def send_test_notification(self, target_id: int | None = None) -> None:
        """The "Test" button: ``msg = "<name> Testing"``, heartbeat and monitor null."""
        with self.lock:
            for target in self.webhooks:
                if target_id is None or target.id == target_id:
                    body = {"heartbeat": None, "monitor": None, "msg": f"{target.name} Testing"}
                    self._send(target, "test", body)

    def _send(self, target: WebhookTarget, kind: str, body: dict[str, Any]) -> None:
        payload = render.kuma_json(body)
        host = httpx.URL(target.url).netloc.decode("ascii")
        record = WebhookDelivery(
            target_id=target.id,
            url=target.url,
            kind=kind,
            headers=hooks.webhook_headers(target, self.version, payload, host),
            body=body,
        )
        if self._sender is None:
            self._sender = hooks.WebhookSender()

        timeout_s, transport = self.webhook_timeout_s, self.webhook_transport

        async def deliver() -> None:
            await hooks.post_webhook(record, payload, timeout_s, transport)
            with self.lock:
                self.webhook_log.append(record)

        self._sender.submit(deliver)

    async def wait_for_webhooks(self, count: int, within_s: float = 5.0) -> list[WebhookDelivery]:
        """Wait until ``count`` deliveries (successful or not) are in ``webhook_log``."""
        deadline = time.monotonic() + within_s
        while len(self.webhook_log) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(self.webhook_log)} of {count} webhooks delivered")
            await asyncio.sleep(0.01)
        return list(self.webhook_log)

    # ------------------------------------------------------------------ rendering

    def status_page_body(self, slug: str) -> Any | None:
        with self.lock:
            page = self.pages.get(slug.lower())
            if page is None:
                return None
            return render.status_page_json(page, self.monitors, self.version)

    def heartbeat_body(self, slug: str) -> Any:
        with self.lock:
            page = self.pages.get(slug.lower())
            return render.heartbeat_json(page, self.monitors, self.version, self.clock())

    def metrics_body(self) -> str:
        with self.lock:
            monitors = sorted(self.monitors.values(), key=lambda m: m.id)
            now = self.clock()
            return render.metrics_text(monitors, self.version, now, self.metrics_process_lines)

    # ------------------------------------------------------------------ lifecycle

    def start_beating(self, interval_s: float = 20.0) -> None:
        """Demo loop: ``beat_all()`` every ``interval_s`` seconds in a daemon thread."""
        if self._beater is not None:
            return
        stop = threading.Event()

        def run() -> None:
            while not stop.wait(interval_s):
                self.beat_all()

        thread = threading.Thread(target=run, name="fake-kuma-beats", daemon=True)
        thread.start()
        self._beater = (thread, stop)

    def stop_beating(self) -> None:
        if self._beater is not None:
            thread, stop = self._beater
            stop.set()
            thread.join(timeout=5)
            self._beater = None

    def close(self) -> None:
        self.stop_beating()
        if self._sender is not None:
            self._sender.close()
            self._sender = None

    # ------------------------------------------------------------------ demo world

    @classmethod
    def demo(
        cls, seed: int = 1, *, version: str = "2.5.3", clock: Clock | None = None
    ) -> UptimeKumaFakeState:
        """Services around the demo Plex server, 30 days of history, one open incident."""
        state = cls(version=version, clock=clock, seed=seed)
        build_demo(state)
        return state
