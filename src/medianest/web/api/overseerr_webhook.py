"""POST /api/v1/webhooks/overseerr: Overseerr's webhook agent reporting request changes.

Overseerr sends the configured ``authHeader`` verbatim as ``Authorization``; it must equal
the secret saved on the Integrations page (pre-seed ``MEDIANEST_OVERSEERR_WEBHOOK_SECRET``),
compared in constant time. Anything else gets 401 and changes nothing. The body is the agent's
JSON template, where every value is a string.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from medianest.domain.json_input import load_json
from medianest.integrations.overseerr.webhook import parse_webhook
from medianest.observability.logging import get_logger
from medianest.security.tokens import same
from medianest.web.auth import client_ip
from medianest.web.deps import container_of
from medianest.web.headers import request_header
from medianest.web.problems import Problem
from medianest.web.request_helpers import requests_service

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])
log = get_logger(__name__)
MAX_BODY = 256_000


class WebhookOut(BaseModel):
    ok: bool
    updated: int


@router.post("/overseerr", response_model=WebhookOut)
async def overseerr_webhook(request: Request) -> WebhookOut:
    expected = container_of(request).integrations.overseerr_webhook_secret or ""
    given = request_header(request, "authorization")
    if not expected or not same(given, expected):
        log.warning(
            "overseerr webhook refused",
            reason="no secret configured" if not expected else "wrong Authorization header",
            ip=client_ip(request),
        )
        raise Problem(401, "The Authorization header does not match the webhook secret.")
    body = await request.body()
    if len(body) > MAX_BODY:
        raise Problem(413, "The webhook body is too large.")
    try:
        hook = parse_webhook(load_json(body))
    except (ValueError, UnicodeDecodeError) as exc:
        raise Problem(400, f"Not an Overseerr webhook: {str(exc)[:200]}") from None
    updated = await requests_service(request).receive_webhook(hook)
    return WebhookOut(ok=True, updated=updated)
