"""Data model of the Uptime Kuma fake: monitors, beats, status pages, clock and uptime maths.

The uptime formulas are the real ones, checked against the captured responses: 1.23 weights each
beat by its ``duration`` (seconds since the previous beat; UP and MAINTENANCE count as up), 2.x
counts beats (``up / (up + down)``, PENDING counts as down, MAINTENANCE is left out).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

DOWN, UP, PENDING, MAINTENANCE = 0, 1, 2, 3
STATUS_BY_NAME = {"down": DOWN, "up": UP, "pending": PENDING, "maintenance": MAINTENANCE}
MODES = ("up", "down", "pending", "maintenance", "slow", "flapping")

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class ManualClock:
    """An injectable clock that only moves when told to (cache TTLs, uptime windows in tests)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 21, 18, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now

    def set(self, when: datetime) -> None:
        self.now = when


def parse_status(value: int | str) -> int:
    """Accept 0..3 or the names used by the fake's control routes."""
    if isinstance(value, str):
        if value.lower() not in STATUS_BY_NAME:
            raise ValueError(f"unknown status {value!r}")
        return STATUS_BY_NAME[value.lower()]
    if value not in (DOWN, UP, PENDING, MAINTENANCE):
        raise ValueError(f"unknown status {value!r}")
    return value


def kuma_time(when: datetime) -> str:
    """UTC "YYYY-MM-DD HH:mm:ss.SSS", the format of heartbeat ``time`` (no zone)."""
    when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%d %H:%M:%S.") + f"{when.microsecond // 1000:03d}"


def sql_datetime(when: datetime) -> str:
    """ "YYYY-MM-DD HH:mm:ss": incident dates and the webhook's ``localDateTime``."""
    return when.strftime("%Y-%m-%d %H:%M:%S")


def parse_kuma_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC)


@dataclass(slots=True)
class Beat:
    """One heartbeat row. ``ping`` is None when the check failed (JSON null / JS undefined)."""

    monitor_id: int
    status: int
    time: datetime
    msg: str
    ping: int | None
    important: bool
    duration: int  # 1.23: whole seconds since the previous beat (0 for the first)
    retries: int  # 2.x: consecutive failed checks, 0 when UP


@dataclass
class Monitor:
    id: int
    name: str
    type: str = "http"
    url: str | None = None
    hostname: str | None = None
    port: int | None = None
    keyword: str | None = None
    interval: int = 60
    retry_interval: int | None = None
    timeout: int = 48
    method: str = "GET"
    description: str | None = None
    weight: int = 2000
    active: bool = True
    mode: str = "up"
    beats: list[Beat] = field(default_factory=list)

    def last_beat(self) -> Beat | None:
        return self.beats[-1] if self.beats else None

    def beats_since(self, start: datetime) -> list[Beat]:
        """Beats strictly after ``start`` (the SQL ``time > ?`` of both versions)."""
        index = bisect.bisect_right(self.beats, start, key=lambda beat: beat.time)
        return self.beats[index:]

    def insert(self, beat: Beat) -> None:
        """Keep beats ordered by time even when history is backfilled after live beats."""
        if not self.beats or self.beats[-1].time <= beat.time:
            self.beats.append(beat)
        else:
            bisect.insort_right(self.beats, beat, key=lambda item: item.time)


@dataclass
class Group:
    id: int
    name: str
    weight: int
    monitor_ids: list[int]
    public: bool = True
    send_url_ids: set[int] = field(default_factory=set)


@dataclass
class Incident:
    id: int
    title: str
    content: str
    style: str
    created: datetime
    pin: bool = True
    active: bool = True
    last_updated: datetime | None = None


@dataclass
class MaintenanceWindow:
    """A manual maintenance window linked to a status page; the page lists it while active."""

    id: int
    title: str
    description: str
    active: bool = True


@dataclass
class StatusPage:
    id: int
    slug: str
    title: str
    description: str | None = None
    icon: str | None = None
    theme: str = "auto"
    published: bool = True
    show_tags: bool = False
    custom_css: str | None = None
    footer_text: str | None = None
    show_powered_by: bool = True
    auto_refresh_interval: int = 300
    show_certificate_expiry: bool = False
    groups: list[Group] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    maintenance: list[MaintenanceWindow] = field(default_factory=list)

    def public_groups(self) -> list[Group]:
        return sorted((g for g in self.groups if g.public), key=lambda g: (g.weight, g.id))

    def public_monitor_ids(self) -> list[int]:
        seen: list[int] = []
        for group in self.public_groups():
            seen.extend(mid for mid in group.monitor_ids if mid not in seen)
        return seen


@dataclass
class WebhookTarget:
    """A Webhook notification (content type JSON) with ``webhookAdditionalHeaders``."""

    id: int
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    name: str = "My Webhook Alert (1)"
    monitor_ids: set[int] | None = None  # None: applied to every monitor

    def applies_to(self, monitor_id: int) -> bool:
        return self.monitor_ids is None or monitor_id in self.monitor_ids


@dataclass
class WebhookDelivery:
    target_id: int
    url: str
    kind: str  # "down", "up" or "test"
    headers: list[tuple[str, str]]
    body: dict[str, Any]
    status_code: int | None = None
    error: str | None = None


def default_msg(monitor: Monitor, status: int) -> str:
    """The messages Kuma's checks write (shown in webhooks, hidden on status pages)."""
    if status == MAINTENANCE:
        return "Monitor under maintenance"
    if status == UP:
        if monitor.type == "keyword":
            return "200 - OK, keyword is found"
        return "200 - OK" if monitor.type == "http" else ""
    if monitor.type in ("http", "keyword") and monitor.url:
        parts = urlsplit(monitor.url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return f"connect ECONNREFUSED {parts.hostname}:{port}"
    if monitor.type == "port":
        return f"connect ECONNREFUSED {monitor.hostname}:{monitor.port}"
    return f"timeout of {monitor.timeout * 1000}ms exceeded"


def is_important(first: bool, previous: int | None, current: int) -> bool:
    """``Monitor.isImportantBeat``: which beats are state changes."""
    changes = {
        (DOWN, MAINTENANCE), (UP, MAINTENANCE), (MAINTENANCE, DOWN), (MAINTENANCE, UP),
        (UP, DOWN), (DOWN, UP), (PENDING, DOWN),
    }  # fmt: skip
    return first or (previous, current) in changes


def is_important_for_notification(first: bool, previous: int | None, current: int) -> bool:
    """``Monitor.isImportantForNotification``; entering/leaving maintenance notifies nobody."""
    changes = {(MAINTENANCE, DOWN), (UP, DOWN), (DOWN, UP), (PENDING, DOWN)}
    return first or (previous, current) in changes


def uptime_v2(beats: Iterable[Beat]) -> float:
    """2.x ``UptimeCalculator``: up / (up + down); PENDING is down, MAINTENANCE is skipped."""
    up = down = 0
    for beat in beats:
        if beat.status == UP:
            up += 1
        elif beat.status in (DOWN, PENDING):
            down += 1
    return up / (up + down) if up + down else 0


def avg_ping_v2(beats: Iterable[Beat]) -> float:
    """Average ping of UP beats in ms (0 without any), as the 2.x calculator keeps it."""
    pings = [beat.ping for beat in beats if beat.status == UP and beat.ping is not None]
    return sum(pings) / len(pings) if pings else 0


def uptime_v1(monitor: Monitor, start: datetime) -> float:
    """1.23 ``Monitor.calcUptime``: duration-weighted, durations trimmed at the window start."""
    total = up = 0.0
    for beat in monitor.beats_since(start):
        seconds = min(float(beat.duration), (beat.time - start).total_seconds())
        total += seconds
        if beat.status in (UP, MAINTENANCE):
            up += seconds
    if total > 0:
        return max(up / total, 0)
    first = monitor.beats[0] if monitor.beats else None
    return 1 if first is not None and first.status == UP else 0
