"""Uptime Kuma's Prometheus ``/metrics`` as typed per-monitor records.

Protocol: ``docs/protocols/uptime-kuma.md#metrics``.

Parsed with prometheus_client's text parser rather than regexes: label values may hold quotes,
backslashes, commas or braces (monitor names and URLs are free text). 1.23 labels series by name,
type, URL, hostname and port; 2.0 adds ``monitor_id``; 2.1 adds one label per tag and the
``monitor_uptime_ratio`` / ``monitor_response_time_seconds`` gauges with a ``window`` label.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from prometheus_client.parser import text_string_to_metric_families
from pydantic import Field

from medianest.integrations.uptime_kuma.models import (
    KumaModel,
    MonitorStatus,
    RawStatus,
    raw_status,
)

__all__ = ["MonitorMetric", "metrics_version", "parse_metrics"]

IDENTITY_LABELS = {
    "monitor_id",
    "monitor_name",
    "monitor_type",
    "monitor_url",
    "monitor_hostname",
    "monitor_port",
}


class MonitorMetric(KumaModel):
    """One monitor from ``/metrics``; ``monitor_id`` only from 2.0 on (1.23 has names only).

    ``uptime`` and ``avg_response_s`` map a window label ("1d", "30d", "365d"; 2.1+) to a value;
    ``tags`` holds the 2.1+ per-tag labels.
    """

    monitor_id: int | None = None
    name: str
    type: str | None = None
    url: str | None = None
    hostname: str | None = None
    port: int | None = None
    status: MonitorStatus = MonitorStatus.UNKNOWN
    status_raw: RawStatus = None
    response_time_ms: float | None = None
    uptime: dict[str, float] = Field(default_factory=dict)
    avg_response_s: dict[str, float] = Field(default_factory=dict)
    cert_days_remaining: float | None = None
    cert_valid: bool | None = None
    tags: dict[str, str] = Field(default_factory=dict)


def _label(labels: dict[str, str], name: str) -> str | None:
    """prom-client writes a null label value as the string "null"."""
    value = labels.get(name)
    return None if value in (None, "", "null", "undefined") else value


def _int_label(labels: dict[str, str], name: str) -> int | None:
    value = _label(labels, name)
    return int(value) if value is not None and value.isdigit() else None


def parse_metrics(text: str) -> list[MonitorMetric]:
    """Kuma's ``monitor_*`` gauges → one :class:`MonitorMetric` per monitor, in first-seen order.

    Series of one monitor share every label except ``window``, so that label set is the key
    (1.23 has no ``monitor_id``). Raises ValueError when the text is not Kuma's metrics.
    """
    rows: dict[tuple[tuple[str, str], ...], dict[str, Any]] = {}
    kuma = False
    for family in text_string_to_metric_families(text):
        kuma = kuma or family.name.startswith("monitor_")
        for sample in family.samples:
            if not sample.name.startswith("monitor_") or "monitor_name" not in sample.labels:
                continue
            labels = dict(sample.labels)
            window = labels.pop("window", None)
            row = rows.setdefault(tuple(sorted(labels.items())), _new_row(labels))
            _apply(row, sample.name, window, sample.value)
    if not kuma:
        raise ValueError("no monitor_* metrics")
    return [MonitorMetric.model_validate(row) for row in rows.values()]


def _new_row(labels: dict[str, str]) -> dict[str, Any]:
    return {
        "monitor_id": _int_label(labels, "monitor_id"),
        "name": labels["monitor_name"],
        "type": _label(labels, "monitor_type"),
        "url": _label(labels, "monitor_url"),
        "hostname": _label(labels, "monitor_hostname"),
        "port": _int_label(labels, "monitor_port"),
        "uptime": {},
        "avg_response_s": {},
        "tags": {k: v for k, v in labels.items() if k not in IDENTITY_LABELS},
    }


def _apply(row: dict[str, Any], name: str, window: str | None, value: float) -> None:
    if math.isnan(value):
        return
    if name == "monitor_status":
        row["status"] = MonitorStatus.parse(value)
        row["status_raw"] = raw_status(value)
    elif name == "monitor_response_time":
        row["response_time_ms"] = None if value < 0 else value  # -1: the last check had no ping
    elif name == "monitor_uptime_ratio" and window:
        row["uptime"][window] = value
    elif name == "monitor_response_time_seconds" and window:
        row["avg_response_s"][window] = value
    elif name == "monitor_cert_days_remaining":
        row["cert_days_remaining"] = value
    elif name == "monitor_cert_is_valid":
        row["cert_valid"] = value == 1


def metrics_version(metrics: Iterable[MonitorMetric]) -> int | None:
    """2.0 added the ``monitor_id`` label; without monitors the text cannot tell."""
    ids = [metric.monitor_id is not None for metric in metrics]
    if not ids:
        return None
    return 2 if any(ids) else 1
