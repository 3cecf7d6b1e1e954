"""Incoming Uptime Kuma webhook notifications, parsed without I/O.

Protocol: ``docs/protocols/uptime-kuma.md#webhooks``.

Kuma posts ``{"heartbeat": {...}, "monitor": {...}, "msg": "..."}`` on a state change. The
"Test" button and certificate-expiry notices send ``heartbeat`` and ``monitor`` as null; a test
is told apart by its ``msg`` ("<notification name> Testing"). The ``form-data`` content type
(one field ``data`` holding the JSON) and 2.x's GET variant (``heartbeat``/``monitor`` as JSON
strings) are unwrapped too, so the web layer can hand over whatever it received as a dict.

:func:`parse_webhook` raises ValueError with a reason a 400 answer can carry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field, ValidationError, field_validator, model_validator

from medianest.domain.json_input import DbId, JsonTooDeep, load_json
from medianest.integrations.uptime_kuma.models import (
    KumaModel,
    MonitorStatus,
    RawStatus,
    parse_kuma_time,
    raw_status,
)

__all__ = ["KumaWebhook", "WebhookHeartbeat", "WebhookMonitor", "parse_webhook"]

TEST_SUFFIX = " Testing"


class WebhookHeartbeat(KumaModel):
    """The beat that changed the state; ``msg`` is the check's real message (not hidden here).

    ``local_date_time`` is the server's wall clock in ``timezone`` (text, as Kuma sends it);
    ``duration`` is 1.23 only, ``retries`` and ``last_down_time`` (on UP) 2.x only.
    """

    monitor_id: DbId = Field(alias="monitorID")
    status: MonitorStatus
    status_raw: RawStatus = None
    time: datetime
    msg: str = ""
    ping: float | None = None
    important: bool | None = None
    duration: int | None = None
    retries: int | None = None
    timezone: str | None = None
    timezone_offset: str | None = Field(default=None, alias="timezoneOffset")
    local_date_time: str | None = Field(default=None, alias="localDateTime")
    last_down_time: datetime | None = Field(default=None, alias="lastDownTime")

    @model_validator(mode="before")
    @classmethod
    def _keep_raw_status(cls, data: Any) -> Any:
        if isinstance(data, dict) and "status" in data:
            raw = data["status"]
            return {**data, "status": MonitorStatus.parse(raw), "status_raw": raw_status(raw)}
        return data

    @field_validator("time", "last_down_time", mode="before")
    @classmethod
    def _utc(cls, value: Any) -> Any:
        return None if value is None else parse_kuma_time(value)

    @field_validator("msg", mode="before")
    @classmethod
    def _null_as_empty(cls, value: Any) -> Any:
        return "" if value is None else value


class WebhookMonitor(KumaModel):
    """The monitor's own settings (``monitor.toJSON``); only what a status card needs."""

    id: DbId
    name: str
    description: str | None = None
    type: str | None = None
    url: str | None = None
    hostname: str | None = None
    port: int | None = None
    active: bool | None = None
    maintenance: bool | None = None


class KumaWebhook(KumaModel):
    """One notification; ``is_test`` for the Test button, both parts None for message-only ones."""

    msg: str
    is_test: bool = False
    heartbeat: WebhookHeartbeat | None = None
    monitor: WebhookMonitor | None = None

    @property
    def monitor_id(self) -> int | None:
        if self.monitor is not None:
            return self.monitor.id
        return self.heartbeat.monitor_id if self.heartbeat is not None else None

    @property
    def status(self) -> MonitorStatus | None:
        return self.heartbeat.status if self.heartbeat is not None else None


def _decoded(value: Any, what: str) -> Any:
    """Form-data and GET webhooks carry the parts as JSON text."""
    if not isinstance(value, str):
        return value
    try:
        return load_json(value)
    except JsonTooDeep:
        raise ValueError(f"'{what}' is nested too deeply") from None
    except ValueError:
        raise ValueError(f"'{what}' is text but not JSON") from None


def _reason(error: ValidationError, part: str) -> str:
    first = error.errors()[0]
    where = ".".join(str(item) for item in (part, *first["loc"]))
    return f"{where}: {first['msg']}"


def parse_webhook(payload: Any) -> KumaWebhook:
    """Validates one webhook body; ValueError says what is wrong (MediaNest answers 400)."""
    if not isinstance(payload, dict):
        raise ValueError("the webhook body must be a JSON object")
    if set(payload) == {"data"}:
        payload = _decoded(payload["data"], "data")
        if not isinstance(payload, dict):
            raise ValueError("the webhook 'data' field must hold a JSON object")
    if not {"heartbeat", "monitor", "msg"} & payload.keys():
        raise ValueError("not an Uptime Kuma webhook: no heartbeat, monitor or msg")
    msg = payload.get("msg")
    if not isinstance(msg, str):
        raise ValueError("'msg' must be text")
    raw_beat = _decoded(payload.get("heartbeat"), "heartbeat")
    raw_monitor = _decoded(payload.get("monitor"), "monitor")
    for part, value in (("heartbeat", raw_beat), ("monitor", raw_monitor)):
        if value is not None and not isinstance(value, dict):
            raise ValueError(f"'{part}' must be an object or null")
    try:
        heartbeat = None if raw_beat is None else WebhookHeartbeat.model_validate(raw_beat)
    except ValidationError as exc:
        raise ValueError(_reason(exc, "heartbeat")) from None
    try:
        monitor = None if raw_monitor is None else WebhookMonitor.model_validate(raw_monitor)
    except ValidationError as exc:
        raise ValueError(_reason(exc, "monitor")) from None
    if heartbeat and monitor and heartbeat.monitor_id != monitor.id:
        raise ValueError("heartbeat.monitorID does not match monitor.id")
    is_test = heartbeat is None and monitor is None and msg.endswith(TEST_SUFFIX)
    return KumaWebhook(msg=msg, is_test=is_test, heartbeat=heartbeat, monitor=monitor)
