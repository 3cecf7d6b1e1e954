"""What every client of an external service shares: errors, timeouts, retries, a circuit breaker
and an availability record.

A dead or slow service must degrade only its own feature: calls fail fast with
:class:`Unavailable` while the breaker is open, and the availability record tells pages and the
admin's integrations page since when and why.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import quote, urlencode

import httpx
from pydantic import BaseModel, ValidationError

from medianest.observability.logging import get_logger

log = get_logger(__name__)

Clock = Callable[[], float]
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})
M = TypeVar("M", bound=BaseModel)


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The one certificate-checking TLS context every outgoing client shares.

    httpx builds a new one per client otherwise, parsing the whole CA bundle each time (about
    50 ms and 1 MB apiece); they would all be alike. Built as httpx builds its default, so
    ``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` still apply.
    """
    return httpx.create_ssl_context()


def with_query(path: str, params: Mapping[str, object] | None) -> str:
    """``path?k=v&...`` with every value fully percent-encoded (``%20`` for a space, never
    ``+``, which some servers' validators refuse); None values are left out."""
    pairs = [(k, str(v)) for k, v in (params or {}).items() if v is not None]
    if not pairs:
        return path
    return f"{path}?{urlencode(pairs, quote_via=quote, safe='')}"


class IntegrationError(Exception):
    """Base of every error a client raises; ``service`` names the service for messages."""

    def __init__(
        self, service: str, message: str, *, status: int | None = None, code: str | None = None
    ) -> None:
        super().__init__(f"{service}: {message}")
        self.service = service
        self.message = message
        self.status = status
        self.code = code  # a client's own name for what went wrong, for notices


class Unavailable(IntegrationError):
    """Not reachable, too slow, answering 5xx, or the breaker is open: try again later."""


class CredentialsRejected(IntegrationError):
    """The token or API key was refused (401/403)."""


class NotFound(IntegrationError):
    """The service says the thing asked for does not exist."""


class Misconfigured(IntegrationError):
    """It answers, but what the features need is not there: a wrong address, page or library."""


class BadResponse(IntegrationError):
    """The service answered something that is not its protocol (garbage, wrong shape)."""


class Refused(IntegrationError):
    """The service understood and said no (4xx other than auth/not-found); ``message`` says why."""


@dataclass
class CircuitBreaker:
    """Stops calling a service after ``threshold`` failures in a row, for ``cooldown`` seconds.

    After the cool-down one trial call goes through (half-open): success closes the circuit,
    failure opens it again.
    """

    threshold: int = 5
    cooldown: float = 30.0
    clock: Clock = time.monotonic
    failures: int = 0
    opened_at: float | None = None

    def allow(self) -> bool:
        if self.opened_at is None:
            return True
        return self.clock() - self.opened_at >= self.cooldown

    def retry_in(self) -> float:
        if self.opened_at is None:
            return 0.0
        return max(0.0, self.cooldown - (self.clock() - self.opened_at))

    def record_success(self) -> None:
        self.failures = 0
        self.opened_at = None

    def record_failure(self) -> None:
        self.failures += 1
        if self.failures >= self.threshold or self.opened_at is not None:
            self.opened_at = self.clock()


@dataclass
class Availability:
    """What an operator wants to know about a service right now.

    ``listener`` (set by whoever shares this record, e.g. with other processes) is called after
    every success and every change of state or reason; it decides what is worth passing on.
    """

    last_success_at: datetime | None = None
    unavailable_since: datetime | None = None
    last_error: str | None = None
    credentials_rejected: bool = False
    misconfigured: bool = False  # it answers, but not as the configured service should
    listener: Callable[[Availability], None] | None = field(default=None, repr=False)

    @property
    def healthy(self) -> bool:
        return (
            self.unavailable_since is None
            and not self.credentials_rejected
            and not self.misconfigured
        )

    def _state(self) -> tuple[object, ...]:
        return (
            self.unavailable_since,
            self.last_error,
            self.credentials_rejected,
            self.misconfigured,
        )

    def _notify(self, before: tuple[object, ...] | None) -> None:
        if self.listener is not None and (before is None or before != self._state()):
            self.listener(self)

    def succeeded(self) -> bool:
        """Records a call that did what the feature needs; True when the service just came back."""
        recovered = self.unavailable_since is not None
        self.last_success_at = datetime.now(UTC)
        self.unavailable_since = None
        self.last_error = None
        self.credentials_rejected = False
        self.misconfigured = False
        self._notify(None)
        return recovered

    def answered(self) -> None:
        """It answered (a refusal, a miss): reachable, but that proves nothing about the setup."""
        if self.unavailable_since is not None:
            before = self._state()
            self.unavailable_since = None
            if not (self.credentials_rejected or self.misconfigured):
                self.last_error = None
            self._notify(before)

    def failed(self, error: IntegrationError) -> bool:
        """Records a failure; True when the service just went away (so we log it once)."""
        before = self._state()
        self.last_error = error.message
        if isinstance(error, CredentialsRejected):
            self.credentials_rejected = True
            self.unavailable_since = None
            self._notify(before)
            return False
        if isinstance(error, Misconfigured):
            self.misconfigured = True
            self.unavailable_since = None
            self._notify(before)
            return False
        went = self.unavailable_since is None
        if went:
            self.unavailable_since = datetime.now(UTC)
        self._notify(before)
        return went


@dataclass
class HttpPolicy:
    timeout: float = 10.0
    connect_timeout: float = 5.0
    retries: int = 2  # extra attempts for idempotent calls on connection errors and 5xx
    backoff: float = 0.25
    breaker_threshold: int = 5
    breaker_cooldown: float = 30.0


class ServiceHttp:
    """An httpx client bound to one service's base URL, with the shared failure handling.

    Subclass-free on purpose: each integration's ``client.py`` builds one and maps the service's
    own status codes and bodies to typed results. None for ``policy`` or ``clock`` means the
    defaults, so clients pass their optional arguments straight through.
    """

    def __init__(
        self,
        service: str,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        policy: HttpPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.service = service
        self.base_url = base_url
        self.headers: Mapping[str, str] = headers if headers is not None else {}
        self.policy = policy if policy is not None else HttpPolicy()
        self.transport = transport
        self.clock: Clock = clock if clock is not None else time.monotonic
        self.availability = Availability()
        self.breaker = CircuitBreaker(
            self.policy.breaker_threshold, self.policy.breaker_cooldown, self.clock
        )
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                base_url=self.base_url,
                headers=dict(self.headers),
                timeout=httpx.Timeout(self.policy.timeout, connect=self.policy.connect_timeout),
                transport=self.transport,
                verify=tls_context(),
                follow_redirects=False,  # a redirect elsewhere is never followed silently
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def request(
        self, method: str, path: str, *, vouches: bool = True, **kwargs: Any
    ) -> httpx.Response:
        """Sends one request; returns any response below 500, raises :class:`Unavailable` else.

        Only a 2xx answer to a call that ``vouches`` for the setup (it used the credentials and
        asked for what the features need) marks the service healthy; a 4xx answer only shows it
        is reachable. Callers turn 4xx answers into the service's meaning.
        """
        if not self.breaker.allow():
            raise Unavailable(
                self.service,
                f"not answering; next try in {self.breaker.retry_in():.0f}s",
            )
        attempts = 1 + (self.policy.retries if method.upper() in IDEMPOTENT else 0)
        last: Unavailable | None = None
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(self.policy.backoff * (2 ** (attempt - 1)))
            try:
                response = await self.client.request(method, path, **kwargs)
            except httpx.TimeoutException:
                last = Unavailable(self.service, f"no answer within {self.policy.timeout:g}s")
                continue
            except httpx.TransportError as exc:
                last = Unavailable(self.service, f"cannot connect ({_reason(exc)})")
                continue
            if response.status_code >= 500:
                last = Unavailable(
                    self.service, f"answered {response.status_code}", status=response.status_code
                )
                continue
            self._success(vouches and response.status_code < 400)
            return response
        assert last is not None
        self._failure(last)
        raise last

    def _success(self, vouches: bool) -> None:
        self.breaker.record_success()
        came_back = self.availability.unavailable_since is not None
        if vouches:
            self.availability.succeeded()
        else:
            self.availability.answered()
        if came_back:
            log.info("service is back", service=self.service)

    def _failure(self, error: IntegrationError) -> None:
        self.breaker.record_failure()
        if self.availability.failed(error):
            log.warning("service unavailable", service=self.service, reason=error.message)

    def reject_credentials(
        self, response: httpx.Response, message: str = "the credentials were refused"
    ) -> CredentialsRejected:
        error = CredentialsRejected(self.service, message, status=response.status_code)
        self.availability.failed(error)
        return error

    def misconfigured(
        self, message: str, status: int | None = None, code: str | None = None
    ) -> Misconfigured:
        error = Misconfigured(self.service, message, status=status, code=code)
        self.availability.failed(error)
        return error

    def bad_response(self, what: str) -> BadResponse:
        error = BadResponse(self.service, f"unexpected answer: {what}")
        self.breaker.record_failure()
        self.availability.failed(error)
        return error

    def json(self, response: httpx.Response, what: str = "the body") -> Any:
        """The decoded JSON body, or :meth:`bad_response` when it is not JSON."""
        try:
            return response.json()
        except ValueError:
            raise self.bad_response(f"{what} is not JSON") from None

    def parse(self, model: type[M], data: Any, what: str) -> M:
        """``data`` as ``model``, or :meth:`bad_response` (without the validation text, which
        may quote a secret) when it has another shape."""
        try:
            return model.model_validate(data)
        except ValidationError:
            raise self.bad_response(f"{what} has an unexpected shape") from None

    def parse_each(self, model: type[M], items: list[Any], what: str) -> list[M]:
        """Every entry that parses: one odd entry (a newer server's shape) must not hide the
        whole list. Only the count of skipped entries is logged, never their text."""
        parsed: list[M] = []
        for item in items:
            try:
                parsed.append(model.model_validate(item))
            except ValidationError:
                continue
        if skipped := len(items) - len(parsed):
            log.warning("skipped malformed entries", service=self.service, what=what, count=skipped)
        return parsed


class ServiceClient:
    """The lifecycle every client shares: its availability record, closing, ``async with``."""

    _http: ServiceHttp

    @property
    def availability(self) -> Availability:
        return self._http.availability

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def _reason(exc: httpx.TransportError) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:120]
