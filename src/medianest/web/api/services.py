"""GET /api/v1/services (status cards) and POST /api/v1/webhooks/uptime-kuma."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from medianest.services.status_sources import BadWebhook
from medianest.services.status_view import Board, ServiceCard
from medianest.web.auth import Viewer, require_viewer
from medianest.web.card_pieces import CardPieces
from medianest.web.headers import request_header
from medianest.web.problems import Problem
from medianest.web.status_deps import coordinator_of

router = APIRouter(prefix="/api/v1", tags=["services"])
MAX_WEBHOOK_BYTES = 256_000


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 3)


class ServiceOut(BaseModel):
    id: int
    name: str
    group: str | None
    status: str = Field(description="up, down, degraded, maintenance or unknown")
    since: datetime | None = Field(description="when the current status began")
    response_time_ms: float | None = Field(description="of the last check")
    avg_response_time_ms_24h: float | None
    uptime_24h: float | None = Field(description="percent, from MediaNest's recorded history")
    uptime_7d: float | None = Field(description="percent")
    uptime_30d: float | None = Field(description="percent")
    checked_at: datetime | None = Field(description="when MediaNest last heard about it")

    @classmethod
    def of(cls, card: ServiceCard) -> ServiceOut:
        return cls(
            id=card.id,
            name=card.name,
            group=card.group,
            status=card.status.value,
            since=card.since,
            response_time_ms=card.ping_ms,
            avg_response_time_ms_24h=card.avg_ping_ms,
            uptime_24h=_percent(card.uptime["24h"]),
            uptime_7d=_percent(card.uptime["7d"]),
            uptime_30d=_percent(card.uptime["30d"]),
            checked_at=card.checked_at,
        )


class ServicesOut(BaseModel):
    configured: bool = Field(description="whether Uptime Kuma is set up")
    as_of: datetime | None = Field(description="newest check among the services")
    stale: bool = Field(description="true when Kuma is unreachable or the data is old")
    problem: str | None = Field(description="why the data may be stale")
    services: list[ServiceOut]

    @classmethod
    def of(cls, board: Board) -> ServicesOut:
        problem = None if board.source.ok else board.source.error
        return cls(
            configured=board.source.configured,
            as_of=board.as_of,
            stale=board.stale,
            problem=problem,
            services=[ServiceOut.of(card) for card in board.cards],
        )


class WebhookOut(BaseModel):
    result: str = Field(description="recorded, test or ignored")


def _card_json(card: ServiceCard, _: datetime) -> bytes:
    return ServiceOut.of(card).model_dump_json().encode()


def _json(board: Board, cards: CardPieces[bytes]) -> bytes:
    """``ServicesOut`` of the board, its services joined from each card's kept JSON."""
    head = ServicesOut.of(replace(board, cards=())).model_dump_json(exclude={"services"})
    services = b",".join(cards.of(card) for card in board.cards)
    return head.encode()[:-1] + b',"services":[' + services + b"]}"


@router.get("/services", response_model=ServicesOut)
async def services(request: Request, viewer: Viewer = Depends(require_viewer)) -> Response:
    coordinator = coordinator_of(request)
    board = await coordinator.board()
    boards = coordinator.boards
    cards = boards.keep("api.cards", lambda: CardPieces(_card_json, lambda: coordinator.clock()))
    body = boards.derived("api.json", board, lambda b: _json(b, cards))  # once per board
    return Response(body, media_type="application/json")


async def _body(request: Request) -> bytes | dict[str, Any]:
    """Kuma's default JSON as bytes, or form-data whose one ``data`` field holds the JSON."""
    content_type = request_header(request, "content-type").lower()
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        form = await request.form()
        data = form.get("data")
        return {"data": data if isinstance(data, str) else None}
    body = await request.body()
    if len(body) > MAX_WEBHOOK_BYTES:
        raise Problem(413, "The webhook body is too large.")
    return body


@router.post("/webhooks/uptime-kuma", response_model=WebhookOut)
async def kuma_webhook(request: Request) -> WebhookOut:
    """Uptime Kuma's webhook notification, authenticated by the shared secret."""
    coordinator = coordinator_of(request)
    authorization = request_header(request, "authorization") or None
    coordinator.authenticate(authorization)  # before reading the body of a stranger
    try:
        result = await coordinator.handle_webhook(authorization, await _body(request))
    except BadWebhook as exc:
        raise Problem(400, f"Not an Uptime Kuma webhook: {exc.message}") from None
    return WebhookOut(result=result)
