"""The plex.tv client: PIN sign-in, the account behind a token, and the servers it can reach.

The one choke point for plex.tv's wire protocol (``docs/protocols/plextv.md``). Every call carries
the ``X-Plex-*`` product headers and asks for JSON (plex.tv answers XML otherwise). Tokens travel
only in the ``X-Plex-Token`` header and never appear in an error message.

A token plex.tv refuses belongs to one user, not to MediaNest, so it raises
:class:`CredentialsRejected` without marking plex.tv as unhealthy in :attr:`availability`.
"""

from __future__ import annotations

import platform
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from pydantic import SecretStr

from medianest.integrations.base import (
    Clock,
    CredentialsRejected,
    HttpPolicy,
    NotFound,
    Refused,
    ServiceClient,
    ServiceHttp,
    Unavailable,
)
from medianest.integrations.plextv.models import Pin, PinStatus, PlexAccount, PlexResource

__all__ = ["PlexTvClient", "RateLimited", "build_auth_url", "find_server", "product_headers"]

SERVICE = "plex.tv"
PIN_NOT_FOUND_CODE = 1020  # "Code not found or expired" [spec-old pins-id.yaml]
DEFAULT_RETRY_AFTER = 5.0
RESOURCES_QUERY = {"includeHttps": "1", "includeRelay": "1", "includeIPv6": "1"}
MAX_RETRY_AFTER = 3600.0


class RateLimited(Unavailable):
    """plex.tv answered 429: wait ``retry_after`` seconds before the next call (PIN polling)."""

    def __init__(self, service: str, message: str, *, retry_after: float) -> None:
        super().__init__(service, message, status=429)
        self.retry_after = retry_after


def product_headers(
    client_identifier: str, product: str, version: str, device_name: str
) -> dict[str, str]:
    """What plex.tv shows under the user's Authorized Devices
    (docs/protocols/plextv.md#headers)."""
    return {
        "X-Plex-Client-Identifier": client_identifier,
        "X-Plex-Product": product,
        "X-Plex-Version": version,
        "X-Plex-Device-Name": device_name,
        "X-Plex-Device": platform.system() or "Server",
        "X-Plex-Platform": "Python",
        "X-Plex-Platform-Version": platform.python_version(),
        "Accept": "application/json",
    }


def build_auth_url(
    auth_base: str,
    *,
    client_identifier: str,
    product: str,
    pin_code: str,
    forward_url: str | None = None,
) -> str:
    """The app.plex.tv page the browser opens (docs/protocols/plextv.md#pin-flow, step 2).
    Every value is fully encoded."""
    params = {
        "clientID": client_identifier,
        "code": pin_code,
        "context[device][product]": product,
    }
    if forward_url:
        params["forwardUrl"] = forward_url
    return f"{auth_base}#?{urlencode(params, quote_via=quote, safe='')}"


def find_server(resources: Iterable[PlexResource], machine_identifier: str) -> PlexResource | None:
    """The resource of our Plex server, if the account can reach it
    (docs/protocols/plextv.md#server-access)."""
    return next(
        (r for r in resources if r.is_server and r.client_identifier == machine_identifier),
        None,
    )


class PlexTvClient(ServiceClient):
    """Async client of plex.tv's ``/api/v2`` for one MediaNest install (one client identifier)."""

    def __init__(
        self,
        base_url: str,
        *,
        client_identifier: str,
        product: str = "MediaNest",
        version: str,
        device_name: str = "MediaNest",
        transport: httpx.AsyncBaseTransport | None = None,
        policy: HttpPolicy | None = None,
        clock: Clock | None = None,
    ) -> None:
        if not client_identifier:
            raise ValueError("plex.tv needs a stable, non-empty client identifier")
        self.client_identifier = client_identifier
        self.product = product
        self._http = ServiceHttp(
            SERVICE,
            base_url.rstrip("/"),
            headers=product_headers(client_identifier, product, version, device_name),
            policy=policy,
            transport=transport,
            clock=clock,
        )

    # -- PIN sign-in ---------------------------------------------------------------------------

    async def create_pin(self, strong: bool = True) -> Pin:
        """A new PIN; strong codes are for the app.plex.tv page, short ones for plex.tv/link."""
        params = {"strong": "true" if strong else "false"}
        response = await self._send("POST", "/api/v2/pins", params=params)
        self._raise_for_status(response)
        return self._http.parse(Pin, self._http.json(response), "the PIN")

    async def check_pin(self, pin_id: int) -> PinStatus:
        """One poll. ``expired`` means plex.tv forgot the PIN (expired, denied or foreign)."""
        response = await self._send("GET", f"/api/v2/pins/{int(pin_id)}")
        if response.status_code == 404 and PIN_NOT_FOUND_CODE in _error_codes(response):
            return PinStatus(id=pin_id, expired=True)
        self._raise_for_status(response)
        pin = self._http.parse(Pin, self._http.json(response), "the PIN")
        return PinStatus(
            id=pin.id, code=pin.code, auth_token=pin.auth_token, expires_at=pin.expires_at
        )

    def auth_url(self, auth_base: str, pin_code: str, forward_url: str | None = None) -> str:
        """:func:`build_auth_url` with this client's identifier, which must match the PIN's."""
        return build_auth_url(
            auth_base,
            client_identifier=self.client_identifier,
            product=self.product,
            pin_code=pin_code,
            forward_url=forward_url,
        )

    # -- token calls ---------------------------------------------------------------------------

    async def get_account(self, token: str | SecretStr) -> PlexAccount:
        """The account behind ``token``; :class:`CredentialsRejected` if plex.tv refuses it."""
        response = await self._send("GET", "/api/v2/user", token=token)
        self._raise_for_status(response, token_call=True)
        return self._http.parse(PlexAccount, self._http.json(response), "the account")

    async def get_resources(self, token: str | SecretStr) -> list[PlexResource]:
        """Every device the account can reach; malformed entries are skipped, not fatal."""
        response = await self._send("GET", "/api/v2/resources", token=token, params=RESOURCES_QUERY)
        self._raise_for_status(response, token_call=True)
        body = self._http.json(response)
        if not isinstance(body, list):
            raise self._http.bad_response("the resources are not a list")
        # parse_each never logs the validation text, which may quote an access token
        return self._http.parse_each(PlexResource, body, "resources")

    async def ping(self, token: str | SecretStr) -> bool:
        """Keeps a token alive (docs/protocols/plextv.md#keeping-a-token-alive); False when
        plex.tv no longer accepts it."""
        response = await self._send("GET", "/api/v2/ping", token=token)
        try:
            self._raise_for_status(response, token_call=True)
        except CredentialsRejected:
            return False
        body = self._http.json(response)
        if not isinstance(body, dict) or "pong" not in body:
            raise self._http.bad_response("ping without pong")
        return body["pong"] is True

    # -- plumbing ------------------------------------------------------------------------------

    async def _send(
        self,
        method: str,
        path: str,
        *,
        token: str | SecretStr | None = None,
        params: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        headers: dict[str, str] = {}
        if token is not None:
            value = token.get_secret_value() if isinstance(token, SecretStr) else token
            headers["X-Plex-Token"] = value
        return await self._http.request(method, path, params=params, headers=headers)

    def _raise_for_status(self, response: httpx.Response, *, token_call: bool = False) -> None:
        status = response.status_code
        if 200 <= status < 300:
            return
        if status == 429:
            raise RateLimited(
                SERVICE,
                "too many requests; slow down",
                retry_after=_retry_after(response.headers.get("Retry-After")),
            )
        if status in (401, 403) or (status == 422 and token_call and _mentions_token(response)):
            what = "the token was refused" if token_call else "this client was refused"
            raise CredentialsRejected(SERVICE, what, status=status)
        if status == 404:
            raise NotFound(SERVICE, f"{response.request.url.path} not found", status=404)
        if 300 <= status < 400:
            raise self._http.bad_response(f"redirect ({status})")
        raise Refused(SERVICE, _error_message(response) or f"answered {status}", status=status)


def _errors(response: httpx.Response) -> list[dict[str, Any]]:
    """plex.tv's ``{"errors": [{"code", "message", "status"}]}``; empty for any other body."""
    try:
        body = response.json()
    except ValueError:
        return []
    errors = body.get("errors") if isinstance(body, dict) else None
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def _error_codes(response: httpx.Response) -> set[int]:
    return {e["code"] for e in _errors(response) if isinstance(e.get("code"), int)}


def _error_message(response: httpx.Response) -> str | None:
    messages = [str(e["message"])[:200] for e in _errors(response) if e.get("message")]
    return "; ".join(messages) or None


def _mentions_token(response: httpx.Response) -> bool:
    return "token" in (_error_message(response) or response.text[:500]).lower()


def _retry_after(value: str | None) -> float:
    """``Retry-After`` is seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return DEFAULT_RETRY_AFTER
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return DEFAULT_RETRY_AFTER
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    if seconds != seconds:  # NaN
        return DEFAULT_RETRY_AFTER
    return min(MAX_RETRY_AFTER, max(0.0, seconds))
