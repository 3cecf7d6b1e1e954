"""State of the fake plex.tv: accounts, tokens, PINs and who can reach the demo Plex server.

The state is the single source of truth for :mod:`medianest.integrations.plextv.fake`; tests and
the demo mutate it directly (approve a PIN, revoke a token, take a user's server access away).
Time comes from an injected ``clock`` so PIN expiry can be tested without sleeping.
"""

from __future__ import annotations

import random
import string
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from medianest.demo import identities
from medianest.demo.identities import DemoAccount
from medianest.integrations.fakekit import Faults

DEFAULT_SERVER_URL = "http://127.0.0.1:32400"
PIN_LIFETIME = 900  # non-strong (plex.tv/link) codes [spec-old pins.yaml: "by default 900 seconds"]
STRONG_PIN_LIFETIME = 1800  # strong codes (OAuth) [plexjs/plexpy docs: expiresIn 1800]
STRONG_CODE_LENGTH = 25
SHORT_CODE_LENGTH = 4
# The auth page is app.plex.tv in real life, a different host from the plex.tv API, so the API's
# fault switches (down, 5xx, garbage) leave it working.
AUTH_PAGE_PATHS = frozenset({"/auth", "/auth/", "/auth/app.js", "/auth/app.css"})


class PinNotFound(LookupError):
    """Unknown, expired, denied, or belonging to another client: plex.tv says 404 code 1020."""


class UnknownAccount(LookupError):
    """No account with that username in the fake."""


@dataclass
class Account:
    """A plex.tv account. ``tokens`` are every token that currently authenticates it."""

    plex_id: int
    uuid: str
    username: str
    title: str
    email: str | None
    auth_token: str
    server_access_token: str | None = None  # None: cannot reach the demo Plex server
    is_owner: bool = False
    joined_at: int = 1546300800
    country: str = "US"
    tokens: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.tokens.add(self.auth_token)

    @property
    def has_server_access(self) -> bool:
        return self.server_access_token is not None


@dataclass
class Pin:
    """A PIN as plex.tv keeps it; ``auth_token`` is set once an account approves it."""

    id: int
    code: str
    strong: bool
    client_identifier: str
    product: str
    created_at: float
    expires_at: float
    auth_token: str | None = None
    approved_by: str | None = None

    def expires_in(self, now: float) -> int:
        return max(0, int(self.expires_at - now))


class PlexTvFakeState:
    """Mutable world behind the fake plex.tv app; see the module docstring of ``fake``."""

    def __init__(
        self,
        *,
        seed: int = 1,
        clock: Callable[[], float] = time.time,
        server_url: str = DEFAULT_SERVER_URL,
    ) -> None:
        self.clock = clock
        self.rng = random.Random(seed)
        self.faults = Faults(exempt_paths=set(AUTH_PAGE_PATHS))
        self.accounts: dict[str, Account] = {}
        self.pins: dict[int, Pin] = {}
        self.server_url = server_url
        self.server_name = identities.PLEX_SERVER_NAME
        self.machine_id = identities.PLEX_MACHINE_ID
        self.server_version = identities.PLEX_VERSION
        self.base_url: str | None = None  # None: derive from each request (qr and thumb URLs)
        self.rate_limited = False
        self.retry_after = 5
        self.require_client_identifier = True
        # (clock time, pin id) of recent polls, so tests can check that a client backs off
        self.pin_polls: deque[tuple[float, int]] = deque(maxlen=1000)
        self._next_pin_id = 300_000_000 + self.rng.randrange(1_000_000)

    def close(self) -> None:
        """Nothing runs in the background here; every fake state has ``close()`` for the demo."""

    @classmethod
    def demo(
        cls,
        seed: int = 1,
        *,
        clock: Callable[[], float] = time.time,
        server_url: str = DEFAULT_SERVER_URL,
    ) -> PlexTvFakeState:
        """The shared demo world: every account of ``identities.ACCOUNTS``, owner first."""
        state = cls(seed=seed, clock=clock, server_url=server_url)
        for demo_account in identities.ACCOUNTS:
            state.add_demo_account(demo_account)
        return state

    # -- accounts and tokens -------------------------------------------------------------------

    def add_demo_account(self, demo: DemoAccount) -> Account:
        return self.add_account(
            demo.username,
            title=demo.title,
            email=demo.email,
            plex_id=demo.plex_id,
            uuid=demo.uuid,
            auth_token=demo.auth_token,
            server_access_token=demo.server_access_token,
            is_owner=demo.is_owner,
        )

    def add_account(
        self,
        username: str,
        *,
        title: str | None = None,
        email: str | None = None,
        plex_id: int | None = None,
        uuid: str | None = None,
        auth_token: str | None = None,
        server_access_token: str | None = None,
        is_owner: bool = False,
    ) -> Account:
        """Add (or replace) an account; missing ids and tokens are drawn from the seeded RNG."""
        account = Account(
            plex_id=plex_id if plex_id is not None else 2000 + len(self.accounts),
            uuid=uuid or self._random_text(string.hexdigits[:16], 16),
            username=username,
            title=title or username,
            email=email,
            auth_token=auth_token or self._new_token(),
            server_access_token=server_access_token,
            is_owner=is_owner,
            joined_at=1546300800 + 86400 * len(self.accounts),
        )
        self.accounts[username] = account
        return account

    def account(self, username: str) -> Account:
        try:
            return self.accounts[username]
        except KeyError:
            raise UnknownAccount(username) from None

    @property
    def owner(self) -> Account | None:
        return next((a for a in self.accounts.values() if a.is_owner), None)

    def account_for_token(self, token: str | None) -> Account | None:
        """Who a plex.tv token belongs to; ``faults.revoked`` makes every token invalid."""
        if not token or self.faults.revoked:
            return None
        return next((a for a in self.accounts.values() if token in a.tokens), None)

    def account_for_server_token(self, token: str) -> Account | None:
        """Who a demo-server access token belongs to (for wiring the fake PMS to this state)."""
        return next((a for a in self.accounts.values() if a.server_access_token == token), None)

    def revoke_token(self, token: str) -> None:
        """Sign a device out: the token stops authenticating; a new sign-in issues a new one."""
        for account in self.accounts.values():
            account.tokens.discard(token)

    def grant_access(self, username: str, server_access_token: str | None = None) -> Account:
        """Share the demo server with the account (keeps an existing server token)."""
        account = self.account(username)
        if server_access_token is not None:
            account.server_access_token = server_access_token
        elif account.server_access_token is None:
            account.server_access_token = f"{username}-server-token-{self._new_token()[:8]}"
        return account

    def revoke_access(self, username: str) -> Account:
        """Unshare the demo server: it disappears from the account's resources."""
        account = self.account(username)
        account.server_access_token = None
        return account

    # -- PINs ----------------------------------------------------------------------------------

    def create_pin(self, client_identifier: str, product: str = "", strong: bool = False) -> Pin:
        now = self.clock()
        self._forget_pins_expired_before(now - 3600)  # keep a long-running demo small
        if strong:
            code = self._random_text(string.ascii_lowercase + string.digits, STRONG_CODE_LENGTH)
            lifetime = STRONG_PIN_LIFETIME
        else:
            code = self._random_text(string.ascii_uppercase + string.digits, SHORT_CODE_LENGTH)
            lifetime = PIN_LIFETIME
        pin = Pin(
            id=self._next_pin_id,
            code=code,
            strong=strong,
            client_identifier=client_identifier,
            product=product,
            created_at=now,
            expires_at=now + lifetime,
        )
        self._next_pin_id += self.rng.randrange(1, 50)
        self.pins[pin.id] = pin
        return pin

    def find_pin(self, code_or_id: str | int, client_identifier: str | None = None) -> Pin:
        """A live PIN by code or id; raises :class:`PinNotFound` for expired or foreign ones."""
        pin = self._lookup(code_or_id)
        if pin is None or self.clock() >= pin.expires_at:
            raise PinNotFound(str(code_or_id))
        if client_identifier is not None and client_identifier != pin.client_identifier:
            raise PinNotFound(str(code_or_id))
        return pin

    def approve(
        self, pin_code_or_id: str | int, account_username: str, client_identifier: str | None = None
    ) -> Pin:
        """What the user does on app.plex.tv: link the PIN to the account's token."""
        pin = self.find_pin(pin_code_or_id, client_identifier)
        account = self.account(account_username)
        if account.auth_token not in account.tokens:  # its old token was revoked: issue a new one
            account.auth_token = self._new_token()
            account.tokens.add(account.auth_token)
        pin.auth_token = account.auth_token
        pin.approved_by = account.username
        return pin

    def deny(self, pin_code_or_id: str | int, client_identifier: str | None = None) -> None:
        """The user refused: the PIN is gone, so the polling client gets 404 and stops."""
        pin = self.find_pin(pin_code_or_id, client_identifier)
        del self.pins[pin.id]

    def expire_pin(self, pin_code_or_id: str | int) -> None:
        pin = self._lookup(pin_code_or_id)
        if pin is None:
            raise PinNotFound(str(pin_code_or_id))
        pin.expires_at = min(pin.expires_at, self.clock())

    def _forget_pins_expired_before(self, cutoff: float) -> None:
        for pin_id in [p.id for p in self.pins.values() if p.expires_at < cutoff]:
            del self.pins[pin_id]

    def _lookup(self, code_or_id: str | int) -> Pin | None:
        if isinstance(code_or_id, str):
            by_code = next((p for p in self.pins.values() if p.code == code_or_id), None)
            if by_code is not None or not code_or_id.isdigit():
                return by_code
        return self.pins.get(int(code_or_id))

    # -- helpers -------------------------------------------------------------------------------

    def _random_text(self, alphabet: str, length: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(length))

    def _new_token(self) -> str:
        return self._random_text(string.ascii_letters + string.digits, 20)
