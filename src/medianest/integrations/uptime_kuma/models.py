"""Typed Uptime Kuma answers, tolerant of both the 1.23 and the 2.x shapes.

Protocol: ``docs/protocols/uptime-kuma.md``.

Kuma grows fields and monitor types every release, so the models ignore what they do not use and
map a status code they do not know to :attr:`MonitorStatus.UNKNOWN`, keeping the raw value for
logs. Text is kept verbatim (monitor names may contain ``<b>`` or ``&``): escaping is the web
layer's job. Every time Kuma writes without a zone is UTC and becomes an aware datetime here.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

__all__ = [
    "Beat",
    "Incident",
    "KumaModel",
    "KumaSnapshot",
    "Maintenance",
    "MonitorBeats",
    "MonitorSnapshot",
    "MonitorStatus",
    "PageMonitor",
    "RawStatus",
    "StatusGroup",
    "StatusPage",
    "parse_heartbeats",
    "parse_kuma_time",
    "parse_status_page",
    "raw_status",
]

RawStatus = int | float | str | None


class MonitorStatus(IntEnum):
    """Kuma's heartbeat codes (``src/util.ts``) plus UNKNOWN for codes a newer Kuma may add."""

    UNKNOWN = -1
    DOWN = 0
    UP = 1
    PENDING = 2
    MAINTENANCE = 3

    @classmethod
    def parse(cls, raw: object) -> MonitorStatus:
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            return cls.UNKNOWN
        try:
            number = float(raw)
        except ValueError:
            return cls.UNKNOWN
        if not number.is_integer():
            return cls.UNKNOWN
        try:
            return cls(int(number))
        except ValueError:
            return cls.UNKNOWN


def raw_status(raw: object) -> RawStatus:
    """The status value as Kuma sent it (a Prometheus 1.0 becomes 1), for logs and debugging."""
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if raw is None or isinstance(raw, int | float | str):
        return raw
    return str(raw)


def parse_kuma_time(value: object) -> datetime:
    """``"YYYY-MM-DD HH:mm:ss.SSS"`` (UTC, no zone) or any ISO 8601 text → aware UTC datetime."""
    if isinstance(value, datetime):
        when = value
    elif isinstance(value, str) and value.strip():
        when = datetime.fromisoformat(value.strip())
    else:
        raise ValueError(f"not a time: {value!r}"[:80])
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _optional_time(value: object) -> datetime | None:
    """Incident and maintenance dates: a date Kuma wrote oddly must not sink the page."""
    try:
        return parse_kuma_time(value)
    except ValueError:
        return None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return None if math.isnan(value) else float(value)


class KumaModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


# --------------------------------------------------------------------------- status page


class PageMonitor(KumaModel):
    """A monitor as the public page lists it; ``url`` only when the admin chose to show it."""

    id: int
    name: str
    type: str | None = None
    url: str | None = None


class StatusGroup(KumaModel):
    id: int | None = None
    name: str = ""
    weight: int | None = None
    monitors: list[PageMonitor] = Field(default_factory=list, alias="monitorList")

    @field_validator("monitors", mode="before")
    @classmethod
    def _null_as_empty(cls, value: Any) -> Any:
        return [] if value is None else value


class Incident(KumaModel):
    """A pinned incident (Markdown ``content``); 1.23 has no ``active`` flag, shown means active."""

    id: int | None = None
    title: str = ""
    content: str = ""
    style: str = "primary"
    created_date: datetime | None = Field(default=None, alias="createdDate")
    last_updated_date: datetime | None = Field(default=None, alias="lastUpdatedDate")
    pinned: bool = Field(default=True, alias="pin")
    active: bool = True

    @field_validator("title", "content", "style", mode="before")
    @classmethod
    def _null_as_empty(cls, value: Any) -> Any:
        return "" if value is None else value

    @field_validator("created_date", "last_updated_date", mode="before")
    @classmethod
    def _date(cls, value: Any) -> datetime | None:
        return _optional_time(value)


class Maintenance(KumaModel):
    """A maintenance window that is running now (Kuma only lists active ones on the page)."""

    id: int | None = None
    title: str = ""
    description: str = ""
    status: str | None = None

    @field_validator("title", "description", mode="before")
    @classmethod
    def _null_as_empty(cls, value: Any) -> Any:
        return "" if value is None else value


class StatusPage(KumaModel):
    """``GET /api/status-page/{slug}``; ``major_version`` is 1 or 2 when the shape tells, else None."""

    slug: str
    title: str
    description: str | None = None
    groups: list[StatusGroup] = Field(default_factory=list)
    incidents: list[Incident] = Field(default_factory=list)
    maintenance: list[Maintenance] = Field(default_factory=list)
    major_version: int | None = None

    @property
    def monitors(self) -> list[tuple[StatusGroup, PageMonitor]]:
        """Every monitor once, in page order, with the (first) group that shows it."""
        seen: set[int] = set()
        found: list[tuple[StatusGroup, PageMonitor]] = []
        for group in self.groups:
            for monitor in group.monitors:
                if monitor.id not in seen:
                    seen.add(monitor.id)
                    found.append((group, monitor))
        return found


V1_CONFIG_KEYS = frozenset({"googleAnalyticsId"})
V2_CONFIG_KEYS = frozenset({"autoRefreshInterval", "analyticsId", "rssTitle"})


def _major_version(body: dict[str, Any], config: dict[str, Any]) -> int | None:
    if "incidents" in body or V2_CONFIG_KEYS & config.keys():
        return 2
    if V1_CONFIG_KEYS & config.keys():
        return 1
    return None


def parse_status_page(body: Any, slug: str) -> StatusPage:
    """Normalises 1.23/2.0's ``incident`` object and 2.1+'s ``incidents`` array into one list.

    Raises ValueError (pydantic's ValidationError is one) when the body is not a status page.
    """
    if not isinstance(body, dict) or not isinstance(body.get("config"), dict):
        raise ValueError("not a status page: no config object")
    config: dict[str, Any] = body["config"]
    if "incidents" in body:
        raw_incidents = body["incidents"] or []
    else:
        raw_incidents = [body["incident"]] if body.get("incident") else []
    if not isinstance(raw_incidents, list) or not isinstance(body.get("publicGroupList"), list):
        raise ValueError("not a status page: incidents or groups are not lists")
    return StatusPage.model_validate(
        {
            "slug": config.get("slug") or slug,
            "title": config.get("title") or "",
            "description": config.get("description"),
            "groups": body["publicGroupList"],
            "incidents": raw_incidents,
            "maintenance": body.get("maintenanceList") or [],
            "major_version": _major_version(body, config),
        }
    )


# --------------------------------------------------------------------------- heartbeats


class Beat(KumaModel):
    """One public beat; ``msg`` is always empty on status pages (Kuma hides it)."""

    status: MonitorStatus
    status_raw: RawStatus = None
    time: datetime
    ping: float | None = None
    msg: str = ""

    @classmethod
    def from_wire(cls, entry: Any) -> Beat:
        if not isinstance(entry, dict):
            raise ValueError("a beat is not an object")
        return cls(
            status=MonitorStatus.parse(entry.get("status")),
            status_raw=raw_status(entry.get("status")),
            time=parse_kuma_time(entry.get("time")),
            ping=_number(entry.get("ping")),
            msg=entry.get("msg") if isinstance(entry.get("msg"), str) else "",
        )


class MonitorBeats(KumaModel):
    """Recent beats oldest→newest (50 on 1.23, 100 on 2.x) and the 24 h uptime fraction."""

    monitor_id: int
    beats: list[Beat] = Field(default_factory=list)
    uptime_24h: float | None = None
    skipped: int = 0

    @property
    def last(self) -> Beat | None:
        return self.beats[-1] if self.beats else None


def _fraction(value: object) -> float | None:
    number = _number(value)
    return number if number is not None and 0.0 <= number <= 1.0 else None


def parse_heartbeats(body: Any) -> dict[int, MonitorBeats]:
    """``{"heartbeatList": {"<id>": [...]}, "uptimeList": {"<id>_24": x}}`` → beats per monitor.

    A malformed beat is skipped (and counted), not fatal: one odd row must not blank the page.
    """
    if not isinstance(body, dict) or not isinstance(body.get("heartbeatList"), dict):
        raise ValueError("not a heartbeat list: no heartbeatList object")
    lists: dict[str, Any] = body["heartbeatList"]
    uptimes: dict[str, Any] = body["uptimeList"] if isinstance(body.get("uptimeList"), dict) else {}
    ids = {int(key) for key in lists if key.isdigit()}
    ids |= {int(key[:-3]) for key in uptimes if key.endswith("_24") and key[:-3].isdigit()}
    result: dict[int, MonitorBeats] = {}
    for monitor_id in sorted(ids):
        entries = lists.get(str(monitor_id))
        entries = entries if isinstance(entries, list) else []
        beats: list[Beat] = []
        for entry in entries:
            try:
                beats.append(Beat.from_wire(entry))
            except (ValueError, ValidationError):
                continue
        beats.sort(key=lambda beat: beat.time)  # stable: already oldest→newest on the wire
        result[monitor_id] = MonitorBeats(
            monitor_id=monitor_id,
            beats=beats,
            uptime_24h=_fraction(uptimes.get(f"{monitor_id}_24")),
            skipped=len(entries) - len(beats),
        )
    return result


# --------------------------------------------------------------------------- snapshot


class MonitorSnapshot(KumaModel):
    """What a status card shows for one monitor; ``id`` is None only for 1.23 metrics-only setups."""

    id: int | None
    name: str
    type: str | None = None
    url: str | None = None
    group: str | None = None
    status: MonitorStatus
    status_raw: RawStatus = None
    last_beat_at: datetime | None = None
    ping_ms: float | None = None
    uptime_24h: float | None = None
    uptime: dict[str, float] = Field(default_factory=dict)
    beats: list[Beat] = Field(default_factory=list)


class KumaSnapshot(KumaModel):
    """Everything MediaNest polls from Kuma at once; ``problems`` lists optional parts that failed."""

    title: str | None = None
    major_version: int | None = None
    monitors: list[MonitorSnapshot] = Field(default_factory=list)
    incidents: list[Incident] = Field(default_factory=list)
    maintenance: list[Maintenance] = Field(default_factory=list)
    taken_at: datetime
    problems: list[str] = Field(default_factory=list)
