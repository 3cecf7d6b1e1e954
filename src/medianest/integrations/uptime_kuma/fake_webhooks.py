"""Webhooks of the Uptime Kuma fake: bodies and headers as captured, and their delivery.

``monitor_json`` is ``monitor.toJSON(preloadData, false)`` with the captured key order for each
version; a failed check's beat has no ``ping`` key (undefined in JS) and 2.x adds
``lastDownTime`` (the last *important* DOWN beat) when a monitor comes back up.

Builders such as ``set_status`` are synchronous and may be called from a test's event loop, from
the fake server's loop or from the demo's beating thread; one sender thread with its own event
loop serves all of them and keeps deliveries in submission order (an asyncio.Lock is FIFO), as a
real Kuma's down-then-up notifications arrive in order.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from medianest.integrations.uptime_kuma.fake_model import (
    UP,
    Beat,
    Monitor,
    WebhookDelivery,
    WebhookTarget,
    kuma_time,
    sql_datetime,
)
from medianest.integrations.uptime_kuma.fake_render import is_v1

V2_MONITOR_TAIL: dict[str, Any] = {
    "mqttTopic": "",
    "mqttSuccessMessage": "",
    "mqttCheckType": "keyword",
    "databaseQuery": None,
    "authMethod": "",
    "grpcUrl": None,
    "grpcProtobuf": None,
    "grpcMethod": None,
    "grpcServiceName": None,
    "grpcEnableTls": False,
    "radiusCalledStationId": None,
    "radiusCallingStationId": None,
    "game": None,
    "gamedigGivenPortOnly": True,
    "httpBodyEncoding": "json",
    "jsonPath": None,
    "expectedValue": None,
    "system_service_name": None,
    "kafkaProducerTopic": None,
    "kafkaProducerBrokers": None,
    "kafkaProducerSsl": False,
    "kafkaProducerAllowAutoTopicCreation": False,
    "kafkaProducerMessage": None,
    "screenshot": None,
    "cacheBust": False,
    "remote_browser": None,
    "screenshot_delay": 0,
    "snmpOid": None,
    "jsonPathOperator": None,
    "snmpVersion": "2c",
    "smtpSecurity": None,
    "rabbitmqNodes": None,
    "conditions": "[]",
    "ntpStratumThreshold": 5,
    "ntpTimeOffsetThreshold": 1000,
    "ntpRootDispersionThreshold": 500,
    "ipFamily": None,
    "expectedTlsAlert": None,
    "ping_numeric": True,
    "ping_count": 1,
    "ping_per_request_timeout": 2,
    "saveResponse": False,
    "saveErrorResponse": True,
    "responseMaxLength": 1024,
    "includeSensitiveData": False,
}
V1_TAIL_KEYS = [
    "mqttTopic",
    "mqttSuccessMessage",
    "databaseQuery",
    "authMethod",
    "grpcUrl",
    "grpcProtobuf",
    "grpcMethod",
    "grpcServiceName",
    "grpcEnableTls",
    "radiusCalledStationId",
    "radiusCallingStationId",
    "game",
    "gamedigGivenPortOnly",
    "httpBodyEncoding",
    "jsonPath",
    "expectedValue",
    "kafkaProducerTopic",
    "kafkaProducerBrokers",
    "kafkaProducerSsl",
    "kafkaProducerAllowAutoTopicCreation",
    "kafkaProducerMessage",
    "screenshot",
    "includeSensitiveData",
]


def monitor_json(
    monitor: Monitor, version: str, notification_ids: list[int], maintenance: bool
) -> dict[str, Any]:
    """``monitor.toJSON(preloadData, false)`` as the webhook carries it."""
    v1 = is_v1(version)
    head: dict[str, Any] = {"id": monitor.id, "name": monitor.name}
    head["description"] = monitor.description
    if not v1:
        head["path"] = [monitor.name]
    head |= {"pathName": monitor.name, "parent": None, "childrenIDs": [], "url": monitor.url}
    if not v1:
        head |= {"wsIgnoreSecWebsocketAcceptHeader": False, "wsSubprotocol": ""}
    head |= {"method": monitor.method, "hostname": monitor.hostname, "port": monitor.port}
    if not v1:
        head |= {"location": None, "protocol": None}
    head |= {
        "maxretries": 0,
        "weight": monitor.weight,
        "active": monitor.active,
        "forceInactive": False,
        "type": monitor.type,
    }
    if not v1:
        head["subtype"] = None
    head |= {
        "timeout": monitor.timeout,
        "interval": monitor.interval,
        "retryInterval": monitor.retry_interval or monitor.interval,
    }
    if not v1:
        head["retryOnlyOnStatusCodeFailure"] = False
    head |= {
        "resendInterval": 0,
        "keyword": monitor.keyword,
        "invertKeyword": False,
        "expiryNotification": False,
    }
    if not v1:
        head["domainExpiryNotification"] = False
    head |= {
        "ignoreTls": False,
        "upsideDown": False,
        "packetSize": 56,
        "maxredirects": 10,
        "accepted_statuscodes": ["200-299"],
        "dns_resolve_type": "A",
        "dns_resolve_server": "1.1.1.1",
        "dns_last_result": None,
        "docker_container": None,
        "docker_host": None,
        "proxyId": None,
        "notificationIDList": {str(i): True for i in notification_ids},
        "tags": [],
        "maintenance": maintenance,
    }
    if v1:
        return head | {key: V2_MONITOR_TAIL[key] for key in V1_TAIL_KEYS}
    return head | V2_MONITOR_TAIL


def zone_fields(when: datetime, timezone: str) -> dict[str, str]:
    """``timezone``, ``timezoneOffset`` ("+01:00") and ``localDateTime`` of a webhook beat."""
    zone = UTC if timezone == "UTC" else ZoneInfo(timezone)
    local = when.astimezone(zone)
    offset = local.strftime("%z") or "+0000"
    return {
        "timezone": timezone,
        "timezoneOffset": f"{offset[:3]}:{offset[3:]}",
        "localDateTime": sql_datetime(local),
    }


def webhook_heartbeat(
    beat: Beat, version: str, timezone: str, last_down: Beat | None
) -> dict[str, Any]:
    """``bean.toJSON()`` plus the zone fields; a failed check has no ``ping`` key at all."""
    body: dict[str, Any] = {
        "monitorID": beat.monitor_id,
        "status": beat.status,
        "time": kuma_time(beat.time),
        "msg": beat.msg,
    }
    if beat.ping is not None:
        body["ping"] = beat.ping
    body["important"] = True
    if is_v1(version):
        body["duration"] = beat.duration
    else:
        body["retries"] = beat.retries
    body |= zone_fields(beat.time, timezone)
    if not is_v1(version) and beat.status == UP and last_down is not None:
        body["lastDownTime"] = kuma_time(last_down.time)
    return body


def webhook_msg(monitor: Monitor, beat: Beat) -> str:
    text = "✅ Up" if beat.status == UP else "🔴 Down"
    return f"[{monitor.name}] [{text}] {beat.msg}"


def webhook_headers(
    target: WebhookTarget, version: str, body: bytes, host: str
) -> list[tuple[str, str]]:
    """Header order as captured: axios 0.28 (1.23) adds its User-Agent after the custom ones."""
    accept = ("Accept", "application/json, text/plain, */*")
    content_type = ("Content-Type", "application/json")
    extra = list(target.headers.items())
    if is_v1(version):
        head = [accept, content_type, *extra, ("User-Agent", "axios/0.28.1")]
    else:
        head = [accept, ("User-Agent", f"Uptime-Kuma/{version}"), content_type, *extra]
    tail = [("Content-Length", str(len(body))), ("Host", host), ("Connection", "keep-alive")]
    return head + tail


class WebhookSender:
    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="fake-kuma-webhooks", daemon=True
        )
        self._thread.start()
        self._lock: asyncio.Lock | None = None

    def submit(self, job: Callable[[], Awaitable[None]]) -> None:
        asyncio.run_coroutine_threadsafe(self._serial(job), self._loop)

    async def _serial(self, job: Callable[[], Awaitable[None]]) -> None:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            await job()

    def close(self) -> None:
        if self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()


async def post_webhook(
    record: WebhookDelivery,
    payload: bytes,
    timeout_s: float,
    transport: httpx.AsyncBaseTransport | None,
) -> None:
    """POST with exactly the recorded headers: no client defaults (httpx would add its own)."""
    request = httpx.Request("POST", record.url, headers=record.headers, content=payload)
    try:
        async with httpx.AsyncClient(transport=transport, timeout=timeout_s) as client:
            response = await client.send(request)
            record.status_code = response.status_code
    except httpx.HTTPError as exc:
        record.error = f"{type(exc).__name__}: {exc}"
