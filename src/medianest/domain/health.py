"""Service health rules: the status words, uptime from recorded history, the history bar.

Pure functions over ``(time, status)`` records, so the rules can be read and tested without a
database. A record's status holds from its time until the next record, but never longer than
``hold``: a gap (MediaNest was off, Kuma unreachable) counts as "no data", not as up or down.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
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


HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def bucket_start(moment: datetime, size: timedelta) -> datetime:
    """The start of the ``size``-long bucket (hour or day, aligned to UTC) holding ``moment``."""
    return moment - (moment - EPOCH) % size


def split_span(start: datetime, end: datetime, size: timedelta) -> list[tuple[datetime, float]]:
    """``[start, end)`` cut at bucket edges: (bucket start, seconds inside it), oldest first."""
    pieces: list[tuple[datetime, float]] = []
    cursor = start
    while cursor < end:
        bucket = bucket_start(cursor, size)
        piece_end = min(end, bucket + size)
        pieces.append((bucket, (piece_end - cursor).total_seconds()))
        cursor = piece_end
    return pieces


@dataclass
class Tally:
    """Seconds per status (and pings) over some stretch of time: a rollup, or a sum of them."""

    seconds: dict[Health, float] = field(default_factory=dict)
    ping_sum: float = 0.0
    ping_count: int = 0

    def add(self, status: Health, seconds: float) -> None:
        if seconds > 0:
            self.seconds[status] = self.seconds.get(status, 0.0) + seconds

    def copy(self) -> Tally:
        return Tally(dict(self.seconds), self.ping_sum, self.ping_count)

    def merge(self, other: Tally, share: float = 1.0) -> None:
        """Adds ``share`` (0..1) of another tally's time, e.g. the part of a bucket in a window."""
        for status, seconds in other.seconds.items():
            self.add(status, seconds * share)
        self.ping_sum += other.ping_sum
        self.ping_count += other.ping_count

    @property
    def uptime(self) -> float | None:
        """The same rule as :func:`uptime`: up time among up + down time; None without data."""
        up = sum(self.seconds.get(s, 0.0) for s in COUNTS_UP)
        down = sum(self.seconds.get(s, 0.0) for s in COUNTS_DOWN)
        return None if up + down <= 0 else up / (up + down)

    @property
    def worst(self) -> Health:
        return next((s for s in SEVERITY if self.seconds.get(s, 0.0) > 0), Health.UNKNOWN)

    @property
    def average_ping(self) -> float | None:
        return self.ping_sum / self.ping_count if self.ping_count else None


def tail_span(
    last: Record | None, now: datetime, hold: timedelta
) -> tuple[datetime, datetime, Health] | None:
    """The still-open span of the newest record: it holds until now, at most ``hold``."""
    if last is None:
        return None
    end = min(now, last.at + hold)
    return (last.at, end, last.status) if end > last.at else None
