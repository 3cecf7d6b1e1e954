"""Overseerr's webhook notification agent, rendered and sent the way the real one does.

Rendering follows ``server/lib/notifications/agents/webhook.ts``
(``docs/protocols/overseerr.md#webhooks``): the settings hold a base64 of a JSON-encoded *string*
of the template; keys ``{{media}}``, ``{{request}}``, ``{{issue}}``, ``{{comment}}`` become
``media`` ... (``null`` when the notification has none) and ``{{extra}}`` becomes ``extra``; in
every string value each ``{{var}}`` is replaced once with a string (numbers stringified, missing
values ``""``, ``media.status`` as the enum *name*). Note ``settings.types == 0`` sends nothing but
test notifications: ``hasNotificationType`` only lets TEST through by default.

Delivery is fire-and-forget like axios in Overseerr: a task on the running event loop when
there is one, else a daemon thread. Each attempt is a :class:`WebhookDelivery` in
``state.webhook_log`` (in the order notifications happened) that records the status code or
the error, so tests can wait for it.
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from .fake_model import MediaStatus, Notification

_SETTINGS_FIELDS = ("discordId", "telegramChatId")


def _person_block(prefix: str) -> dict[str, str]:
    block = {
        f"{prefix}_{name}": f"{{{{{prefix}_{name}}}}}" for name in ("email", "username", "avatar")
    }
    block |= {
        f"{prefix}_settings_{name}": f"{{{{{prefix}_settings_{name}}}}}"
        for name in _SETTINGS_FIELDS
    }
    return block


DEFAULT_TEMPLATE: dict[str, Any] = {
    "notification_type": "{{notification_type}}",
    "event": "{{event}}",
    "subject": "{{subject}}",
    "message": "{{message}}",
    "image": "{{image}}",
    "{{media}}": {
        "media_type": "{{media_type}}",
        "tmdbId": "{{media_tmdbid}}",
        "tvdbId": "{{media_tvdbid}}",
        "status": "{{media_status}}",
        "status4k": "{{media_status4k}}",
    },
    "{{request}}": {"request_id": "{{request_id}}", **_person_block("requestedBy")},
    "{{issue}}": {
        "issue_id": "{{issue_id}}",
        "issue_type": "{{issue_type}}",
        "issue_status": "{{issue_status}}",
        **_person_block("reportedBy"),
    },
    "{{comment}}": {"comment_message": "{{comment_message}}", **_person_block("commentedBy")},
    "{{extra}}": [],
}


def encode_json_payload(template: dict[str, Any]) -> str:
    """The settings' ``jsonPayload``: base64 of the JSON encoding of the template *text*."""
    text = json.dumps(template, indent=4, ensure_ascii=False)
    return base64.b64encode(json.dumps(text).encode()).decode()


DEFAULT_JSON_PAYLOAD = encode_json_payload(DEFAULT_TEMPLATE)


def _status_name(value: Any) -> str:
    if value is None:
        return ""
    try:
        return MediaStatus(value).name
    except ValueError:
        return "undefined"  # JS: MediaStatus[42] is undefined, and replace() stringifies it


_KeyFn = Callable[[dict[str, Any], Notification], Any]
KEY_MAP: dict[str, str | _KeyFn] = {
    "notification_type": lambda _p, kind: kind.name,
    "event": "event",
    "subject": "subject",
    "message": "message",
    "image": "image",
    "notifyuser_username": "notifyUser.displayName",
    "notifyuser_email": "notifyUser.email",
    "notifyuser_avatar": "notifyUser.avatar",
    "notifyuser_settings_discordId": "notifyUser.settings.discordId",
    "notifyuser_settings_telegramChatId": "notifyUser.settings.telegramChatId",
    "media_tmdbid": "media.tmdbId",
    "media_tvdbid": "media.tvdbId",
    "media_type": "media.mediaType",
    "media_status": lambda p, _k: _status_name(p["media"]["status"]) if p.get("media") else "",
    "media_status4k": lambda p, _k: _status_name(p["media"]["status4k"]) if p.get("media") else "",
    "request_id": "request.id",
    "requestedBy_username": "request.requestedBy.displayName",
    "requestedBy_email": "request.requestedBy.email",
    "requestedBy_avatar": "request.requestedBy.avatar",
    "requestedBy_settings_discordId": "request.requestedBy.settings.discordId",
    "requestedBy_settings_telegramChatId": "request.requestedBy.settings.telegramChatId",
    "issue_id": "issue.id",
    "issue_type": "issue.issueType",
    "issue_status": "issue.status",
    "reportedBy_username": "issue.createdBy.displayName",
    "reportedBy_email": "issue.createdBy.email",
    "reportedBy_avatar": "issue.createdBy.avatar",
    "reportedBy_settings_discordId": "issue.createdBy.settings.discordId",
    "reportedBy_settings_telegramChatId": "issue.createdBy.settings.telegramChatId",
    "comment_message": "comment.message",
    "commentedBy_username": "comment.user.displayName",
    "commentedBy_email": "comment.user.email",
    "commentedBy_avatar": "comment.user.avatar",
    "commentedBy_settings_discordId": "comment.user.settings.discordId",
    "commentedBy_settings_telegramChatId": "comment.user.settings.telegramChatId",
}


def _lodash_get(obj: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(obj, dict) or obj.get(part) is None:
            return None
        obj = obj[part]
    return obj


def _js_string(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _substitute(text: str, payload: dict[str, Any], kind: Notification) -> str:
    for key, source in KEY_MAP.items():
        value = source(payload, kind) if callable(source) else _lodash_get(payload, source)
        text = text.replace(f"{{{{{key}}}}}", _js_string(value), 1)
    return text


_SECTIONS = {
    "{{media}}": "media",
    "{{request}}": "request",
    "{{issue}}": "issue",
    "{{comment}}": "comment",
}


def parse_keys(
    template: dict[str, Any], payload: dict[str, Any], kind: Notification
) -> dict[str, Any]:
    """``WebhookAgent.parseKeys``: resolve section keys, then substitute inside strings."""
    result = dict(template)
    for original in list(template):
        key = original
        if original == "{{extra}}":
            del result[original]
            result["extra"] = payload.get("extra") or []
            key = "extra"
        elif original in _SECTIONS:
            key = _SECTIONS[original]
            value = result.pop(original)
            result[key] = value if payload.get(key) else None
        value = result[key]
        if isinstance(value, str):
            result[key] = _substitute(value, payload, kind)
        elif isinstance(value, dict):
            result[key] = parse_keys(value, payload, kind)
    return result


def render(json_payload: str, kind: Notification, payload: dict[str, Any]) -> dict[str, Any]:
    """The body Overseerr posts for this notification with these settings."""
    text = json.loads(base64.b64decode(json_payload).decode("utf-8"))
    template = json.loads(text)
    if not isinstance(template, dict):
        raise ValueError("webhook template must be a JSON object")
    return parse_keys(template, payload, kind)


def wanted(kind: Notification, types: int) -> bool:
    """``hasNotificationType(type, settings.types)``: TEST always passes, 0 lets only TEST."""
    if kind == Notification.NONE:
        return True
    return bool((types | Notification.TEST_NOTIFICATION) & kind)


@dataclass
class WebhookDelivery:
    """One POST the agent attempted; ``status_code``/``error`` are filled when it finishes."""

    seq: int
    notification_type: str
    url: str
    headers: dict[str, str]
    payload: dict[str, Any]
    status_code: int | None = None
    error: str | None = None
    done: bool = False
    finished: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


async def post_delivery(
    delivery: WebhookDelivery,
    transport: httpx.AsyncBaseTransport | None = None,
    http_timeout_s: float = 5.0,
) -> None:
    """POST the rendered body as JSON (axios style) and record what happened."""
    try:
        async with httpx.AsyncClient(transport=transport, timeout=http_timeout_s) as client:
            response = await client.post(
                delivery.url, json=delivery.payload, headers=delivery.headers
            )
        delivery.status_code = response.status_code
        if response.status_code >= 400:  # axios rejects non-2xx/3xx answers
            delivery.error = f"Request failed with status code {response.status_code}"
    except Exception as exc:  # refused, timeout, bad URL: all a failed delivery to Overseerr
        delivery.error = f"{type(exc).__name__}: {exc}"
    finally:
        delivery.done = True
        delivery.finished.set()


class WebhookDispatcher:
    """Runs deliveries in the background without blocking the request that caused them."""

    def __init__(self) -> None:
        self.transport: httpx.AsyncBaseTransport | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def dispatch(self, delivery: WebhookDelivery) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is not None:
            task = loop.create_task(post_delivery(delivery, self.transport))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return
        thread = threading.Thread(
            target=asyncio.run, args=(post_delivery(delivery, self.transport),), daemon=True
        )
        thread.start()


async def wait_for(
    log: list[WebhookDelivery], count: int, within_s: float = 5.0
) -> list[WebhookDelivery]:
    """Wait until at least ``count`` deliveries exist and all of them have finished."""
    deadline = time.monotonic() + within_s
    while len(log) < count or not all(d.done for d in log):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{sum(d.done for d in log)}/{count} webhook deliveries finished")
        await asyncio.sleep(0.01)
    return list(log)


def truncate(text: str, length: int = 500, omission: str = "…") -> str:
    """lodash ``truncate`` with a whitespace separator, as Overseerr shortens overviews."""
    if len(text) <= length:
        return text
    cut = text[: length - len(omission)]
    space = max(cut.rfind(" "), cut.rfind("\n"), cut.rfind("\t"))
    return (cut[:space] if space > 0 else cut) + omission
