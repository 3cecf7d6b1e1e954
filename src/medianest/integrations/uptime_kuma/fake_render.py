"""Version-specific shapes of the Uptime Kuma fake's responses and webhook bodies.

Every shape mirrors the captures in ``tests/reference/uptime-kuma/<version>/``: key order, JSON
types, time formats, Prometheus families, label names and order. ``v1`` means a 1.23.x server,
anything else is treated as the 2.x line (incidents array from 2.1.0, ``monitor_id`` label from
2.0.0).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from medianest.integrations.uptime_kuma.fake_model import (
    Beat,
    Incident,
    MaintenanceWindow,
    Monitor,
    StatusPage,
    avg_ping_v2,
    kuma_time,
    sql_datetime,
    uptime_v1,
    uptime_v2,
)

DAY = timedelta(days=1)


def version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".")[:3] if part.isdigit())


def is_v1(version: str) -> bool:
    return version_tuple(version) < (2, 0, 0)


def js_number(value: float) -> float | int:
    """JSON.stringify writes 0 and 1, not 0.0 and 1.0."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def js_number_text(value: float) -> str:
    """Number#toString as prom-client prints sample values."""
    if isinstance(value, int) or value.is_integer():
        return str(int(value))
    if 1e-7 <= abs(value) < 1e21:
        return format(Decimal(repr(value)), "f")
    mantissa, exponent = f"{value:e}".split("e")
    return f"{float(mantissa)!r}".removesuffix(".0") + "e" + f"{int(exponent):+d}"


def kuma_json(payload: Any) -> bytes:
    """Express's ``res.json``: compact JSON.stringify with raw UTF-8."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


# --------------------------------------------------------------------------- status page


def config_json(page: StatusPage, version: str) -> dict[str, Any]:
    base: dict[str, Any] = {
        "slug": page.slug,
        "title": page.title,
        "description": page.description,
        "icon": page.icon or "/icon.svg",
    }
    if is_v1(version):
        return base | {
            "theme": page.theme,
            "published": page.published,
            "showTags": page.show_tags,
            "customCSS": page.custom_css,
            "footerText": page.footer_text,
            "showPoweredBy": page.show_powered_by,
            "googleAnalyticsId": None,
            "showCertificateExpiry": page.show_certificate_expiry,
        }
    return base | {
        "autoRefreshInterval": page.auto_refresh_interval,
        "theme": page.theme,
        "published": page.published,
        "showTags": page.show_tags,
        "customCSS": page.custom_css or "",
        "footerText": page.footer_text,
        "showPoweredBy": page.show_powered_by,
        "analyticsId": None,
        "analyticsScriptUrl": None,
        "analyticsType": None,
        "showCertificateExpiry": page.show_certificate_expiry,
        "showOnlyLastHeartbeat": False,
        "rssTitle": None,
    }


def incident_json(incident: Incident, version: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": incident.id,
        "style": incident.style,
        "title": incident.title,
        "content": incident.content,
        "pin": incident.pin,
    }
    if not is_v1(version):
        body["active"] = incident.active
    last = incident.last_updated
    body["createdDate"] = sql_datetime(incident.created)
    body["lastUpdatedDate"] = sql_datetime(last) if last else None
    return body


def status_page_json(page: StatusPage, monitors: dict[int, Monitor], version: str) -> Any:
    shown = [i for i in page.incidents if i.pin and i.active]
    groups = []
    for group in page.public_groups():
        entries = []
        for monitor_id in group.monitor_ids:
            monitor = monitors[monitor_id]
            send_url = 1 if monitor_id in group.send_url_ids else 0
            entry: dict[str, Any] = {
                "id": monitor.id,
                "name": monitor.name,
                "sendUrl": send_url,
                "type": monitor.type,
            }
            if send_url:
                entry["url"] = monitor.url
            entries.append(entry)
        groups.append(
            {"id": group.id, "name": group.name, "weight": group.weight, "monitorList": entries}
        )
    body: dict[str, Any] = {"config": config_json(page, version)}
    if version_tuple(version) >= (2, 1, 0):
        newest_first = sorted(shown, key=lambda i: i.created, reverse=True)
        body["incidents"] = [incident_json(i, version) for i in newest_first]
    else:
        body["incident"] = incident_json(shown[0], version) if shown else None
    body["publicGroupList"] = groups
    body["maintenanceList"] = [maintenance_json(m) for m in page.maintenance if m.active]
    return body


def maintenance_json(window: MaintenanceWindow) -> dict[str, Any]:
    """``Maintenance.toPublicJSON`` of a manual window that is running."""
    return {
        "id": window.id,
        "title": window.title,
        "description": window.description,
        "strategy": "manual",
        "intervalDay": 1,
        "active": True,
        "dateRange": [],
        "timeRange": [{"hours": 0, "minutes": 0}, {"hours": 0, "minutes": 0}],
        "weekdays": [],
        "daysOfMonth": [],
        "timeslotList": [],
        "cron": "",
        "duration": None,
        "durationMinutes": 0,
        "timezone": "UTC",
        "timezoneOption": "UTC",
        "timezoneOffset": "+00:00",
        "status": "under-maintenance",
    }


def public_beat(beat: Beat) -> dict[str, Any]:
    """``Heartbeat.toPublicJSON``: the message is never public."""
    return {"status": beat.status, "time": kuma_time(beat.time), "msg": "", "ping": beat.ping}


def uptime_24h(monitor: Monitor, version: str, now: datetime) -> float | int:
    start = now - DAY
    if is_v1(version):
        return js_number(uptime_v1(monitor, start))
    return js_number(uptime_v2(monitor.beats_since(start)))


def heartbeat_json(
    page: StatusPage | None, monitors: dict[int, Monitor], version: str, now: datetime
) -> Any:
    limit = 50 if is_v1(version) else 100
    beats: dict[str, Any] = {}
    uptimes: dict[str, Any] = {}
    for monitor_id in page.public_monitor_ids() if page else []:
        monitor = monitors[monitor_id]
        beats[str(monitor_id)] = [public_beat(b) for b in monitor.beats[-limit:]]
        uptimes[f"{monitor_id}_24"] = uptime_24h(monitor, version, now)
    return {"heartbeatList": beats, "uptimeList": uptimes}


# --------------------------------------------------------------------------- metrics

HELP = {
    "monitor_cert_days_remaining": "The number of days remaining until the certificate expires",
    "monitor_cert_is_valid": "Is the certificate still valid? (1 = Yes, 0= No)",
    "monitor_uptime_ratio": "Uptime ratio calculated over sliding window specified by the "
    "'window' label. (0.0 - 1.0)",
    "monitor_response_time_seconds": "Average response time in seconds calculated over sliding "
    "window specified by the 'window' label",
    "monitor_response_time": "Monitor Response Time (ms)",
    "monitor_status": "Monitor Status (1 = UP, 0= DOWN, 2= PENDING, 3= MAINTENANCE)",
}
WINDOWS = (("1d", 1), ("30d", 30), ("365d", 365))
PROCESS_LINES = (
    "# HELP process_cpu_user_seconds_total Total user CPU time spent in seconds.",
    "# TYPE process_cpu_user_seconds_total counter",
    "process_cpu_user_seconds_total 12.345",
    "# HELP nodejs_heap_size_used_bytes Process heap size used from Node.js in bytes.",
    "# TYPE nodejs_heap_size_used_bytes gauge",
    "nodejs_heap_size_used_bytes 48734216",
)


def _label_value(value: object) -> str:
    text = "null" if value is None else str(value)
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(monitor: Monitor, version: str, extra: tuple[tuple[str, str], ...] = ()) -> str:
    pairs: list[tuple[str, object]] = [] if is_v1(version) else [("monitor_id", monitor.id)]
    pairs += [
        ("monitor_name", monitor.name),
        ("monitor_type", monitor.type),
        ("monitor_url", monitor.url),
        ("monitor_hostname", monitor.hostname),
        ("monitor_port", monitor.port),
        *extra,
    ]
    return ",".join(f'{key}="{_label_value(value)}"' for key, value in pairs)


def _family(name: str, samples: list[str]) -> list[str]:
    return [f"# HELP {name} {HELP[name]}", f"# TYPE {name} gauge", *samples]


def metrics_text(
    monitors: list[Monitor], version: str, now: datetime, process_lines: bool = True
) -> str:
    """The ``monitor_*`` families in the captured order; only monitors that have beaten."""
    live = [m for m in monitors if m.active and m.beats]
    lines: list[str] = list(PROCESS_LINES) if process_lines else []
    lines += _family("monitor_cert_days_remaining", [])
    lines += _family("monitor_cert_is_valid", [])
    if version_tuple(version) >= (2, 1, 0):
        ratios, seconds = [], []
        for monitor in live:
            for window, days in WINDOWS:
                beats = monitor.beats_since(now - days * DAY)
                labels = _labels(monitor, version, (("window", window),))
                ratio = js_number_text(uptime_v2(beats))
                ratios.append(f"monitor_uptime_ratio{{{labels}}} {ratio}")
                avg = js_number_text(avg_ping_v2(beats) / 1000)
                seconds.append(f"monitor_response_time_seconds{{{labels}}} {avg}")
        lines += _family("monitor_uptime_ratio", ratios)
        lines += _family("monitor_response_time_seconds", seconds)
    times, statuses = [], []
    for monitor in live:
        beat = monitor.beats[-1]
        ping = beat.ping if beat.ping is not None else -1
        times.append(f"monitor_response_time{{{_labels(monitor, version)}}} {ping}")
        statuses.append(f"monitor_status{{{_labels(monitor, version)}}} {beat.status}")
    lines += _family("monitor_response_time", times)
    lines += _family("monitor_status", statuses)
    return "\n".join(lines) + "\n"
