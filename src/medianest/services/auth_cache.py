"""A short-lived, per-process memory of who a session cookie or API token belongs to.

It saves the database round trip on every signed-in request. Correctness comes from
invalidation, not from the lifetime: every change to a person's access (sign-out, revocation,
role, suspension) drops their entries at commit in this process and, through the event bus, in
every other one. The lifetime only bounds changes made where no bus reaches (a CLI command on a
deployment without Redis).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from medianest.persistence.models import User

MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class Identity:
    """A resolved credential: its user (a detached, read-only row) and the session, if any."""

    user: User
    session_id: int | None


@dataclass(frozen=True)
class _Entry:
    identity: Identity
    until: float


class AuthCache:
    def __init__(self, ttl_seconds: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl_seconds
        self._clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._generation = 0

    @property
    def generation(self) -> int:
        """Read before a database lookup and hand to ``put``: a lookup that raced with an
        invalidation is not stored (it may have read the row before the change)."""
        return self._generation

    def get(self, key: str) -> Identity | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.until <= self._clock():
            self._entries.pop(key, None)
            return None
        return entry.identity

    def put(self, key: str, identity: Identity, generation: int) -> None:
        if self._ttl <= 0 or generation != self._generation:
            return
        self._entries[key] = _Entry(identity, self._clock() + self._ttl)
        self._entries.move_to_end(key)
        while len(self._entries) > MAX_ENTRIES:
            self._entries.popitem(last=False)

    def forget_users(self, user_ids: Iterable[int]) -> None:
        gone = set(user_ids)
        self._generation += 1
        for key in [k for k, e in self._entries.items() if e.identity.user.id in gone]:
            del self._entries[key]

    def __len__(self) -> int:
        return len(self._entries)
