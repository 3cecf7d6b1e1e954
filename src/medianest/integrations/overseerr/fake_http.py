"""HTTP plumbing shared by the fake's route groups: auth, parameters, error answers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .fake_model import FakeUser, OverseerrError, Permission, forbidden
from .fake_state import OverseerrFakeState
from .fake_validation import Param, query_params

Handler = Callable[[Request], Awaitable[Response]]


def json_response(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status)


def path_number(request: Request, name: str) -> int:
    """A numeric path parameter; the validator rejects anything else with a 400."""
    try:
        return int(request.path_params[name])
    except ValueError:
        message = "should be number"
        raise OverseerrError(
            400,
            {
                "message": f"request.params.{name} {message}",
                "errors": [
                    {
                        "path": f".params.{name}",
                        "message": message,
                        "errorCode": "type.openapi.validation",
                    }
                ],
            },
        ) from None


def guarded(handler: Handler) -> Handler:
    """Turn ``OverseerrError`` into the JSON answer Overseerr's error handler gives."""

    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except OverseerrError as error:
            return json_response(error.body, error.status)

    return endpoint


class ApiBase:
    """Route handlers over one state."""

    def __init__(self, state: OverseerrFakeState) -> None:
        self.state = state

    def user(self, request: Request, *needs: Permission) -> FakeUser:
        """``checkUser`` then ``isAuthenticated(needs)``: 403 for no user or missing permission."""
        state = self.state
        if state.faults.revoked or request.headers.get("x-api-key") != state.api_key:
            raise forbidden()
        raw_id = request.headers.get("x-api-user", "1").strip()
        user = state.users.get(int(raw_id)) if raw_id.isdigit() else None
        if user is None or (needs and not user.can(*needs)):
            raise forbidden()
        return user

    def params(self, request: Request, spec: dict[str, Param]) -> dict[str, Any]:
        raw = request.scope.get("query_string", b"").decode("latin-1")
        return query_params(raw, dict(request.query_params), spec)

    def paging(self, args: dict[str, Any], default_take: int) -> tuple[int, int]:
        """``take``/``skip`` with Overseerr's truthiness (``take=0`` means the default)."""
        return int(args.get("take") or default_take), int(args.get("skip") or 0)
