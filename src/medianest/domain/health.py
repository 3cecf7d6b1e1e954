"""Service health rules: the status words, uptime from recorded history, the history bar.

Pure functions over ``(time, status)`` records, so the rules can be read and tested without a
database. A record's status holds from its time until the next record, but never longer than
``hold``: a gap (MediaNest was off, Kuma unreachable) counts as "no data", not as up or down.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Health(StrEnum):
    UP = "up"
    DOWN = "down"
    DEGRADED = "degraded"  # Kuma "pending": a check failed and is being retried
    MAINTENANCE = "maintenance"
    UNKNOWN = "unknown"

    @property
    def word(self) -> str:
        return WORDS[self]

    @classmethod
    def parse(cls, value: str | None) -> Health:
        try:
            return cls(value or "unknown")
        except ValueError:
            return cls.UNKNOWN


WORDS = {
    Health.UP: "Up",
    Health.DOWN: "Down",
    Health.DEGRADED: "Degraded",
    Health.MAINTENANCE: "Maintenance",
    Health.UNKNOWN: "Unknown",
}
# Worst first: a history slot shows the worst thing that happened in it.
SEVERITY = [Health.DOWN, Health.DEGRADED, Health.MAINTENANCE, Health.UP, Health.UNKNOWN]
# Uptime counts reachable time against unreachable time; maintenance and gaps are left out.
COUNTS_UP = frozenset({Health.UP, Health.DEGRADED})
COUNTS_DOWN = frozenset({Health.DOWN})


@dataclass(frozen=True)
class Record:
    at: datetime
    status: Health
    ping_ms: float | None = None


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    status: Health  # UNKNOWN when there is no data for the slot


def _spans(
    records: Sequence[Record], start: datetime, end: datetime, hold: timedelta
) -> list[tuple[datetime, datetime, Health]]:
    """Each record's (clipped) interval inside [start, end); records must be oldest first."""
    spans: list[tuple[datetime, datetime, Health]] = []
    for index, record in enumerate(records):
        following = records[index + 1].at if index + 1 < len(records) else end
        span_start = max(record.at, start)
        span_end = min(following, record.at + hold, end)
        if span_end > span_start:
            spans.append((span_start, span_end, record.status))
    return spans


def uptime(
    records: Sequence[Record], now: datetime, window: timedelta, hold: timedelta
) -> float | None:
    """Fraction 0..1 of up time among up + down time in the window; None without data."""
    up = down = 0.0
    for span_start, span_end, status in _spans(records, now - window, now, hold):
        seconds = (span_end - span_start).total_seconds()
        if status in COUNTS_UP:
            up += seconds
        elif status in COUNTS_DOWN:
            down += seconds
    total = up + down
    return None if total <= 0 else up / total


def average_ping(records: Sequence[Record], since: datetime) -> float | None:
    pings = [r.ping_ms for r in records if r.at >= since and r.ping_ms is not None]
    return sum(pings) / len(pings) if pings else None


def history_slots(
    records: Sequence[Record], now: datetime, slots: int, slot: timedelta, hold: timedelta
) -> list[Slot]:
    """``slots`` consecutive slots ending now, oldest first, each with its worst status."""
    start = now - slot * slots
    spans = _spans(records, start, now, hold)
    result: list[Slot] = []
    for index in range(slots):
        slot_start = start + slot * index
        slot_end = slot_start + slot
        seen = {status for a, b, status in spans if a < slot_end and b > slot_start}
        worst = next((s for s in SEVERITY if s in seen), Health.UNKNOWN)
        result.append(Slot(slot_start, slot_end, worst))
    return result


def changes(records: Sequence[Record]) -> list[Record]:
    """Only the records where the status differs from the one before (oldest first)."""
    found: list[Record] = []
    for record in records:
        if not found or found[-1].status != record.status:
            found.append(record)
    return found


def notice_due(
    current: Health,
    *,
    last_notice: str | None,
    last_down_notice_at: datetime | None,
    now: datetime,
    quiet: timedelta,
) -> str | None:
    """Which inbox notice ("down" or "up") the current status calls for, if any.

    Level-based, so a notice held back is sent later: a flapping service would otherwise send
    one every beat, so after a "down" notice the next one waits ``quiet`` (and goes out then if
    the service is still down); an "up" notice only ever follows a "down" notice.
    """
    quiet_over = last_down_notice_at is None or now - last_down_notice_at >= quiet
    if current == Health.DOWN and last_notice != "down" and quiet_over:
        return "down"
    if current == Health.UP and last_notice == "down":
        return "up"
    return None


def first_notice_state(current: Health) -> str:
    """A service seen for the first time sends nothing: it starts as already announced."""
    return "down" if current == Health.DOWN else "up"
