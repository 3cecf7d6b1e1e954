"""The demo world of the fake Overseerr, deterministic for a seed.

Users: 1 = the Plex owner (admin), 2 = alice, 3 = bob (Plex users with the shared plex ids;
bob has a movie quota of 3 per 7 days). MALLORY has no Overseerr account. A part of the
catalog is "in Plex" already (available without any request), and there is a request in every
state, spread over the three users: pending, approved, declined, processing, partially
available, available and failed, including the tricky titles. Timestamps are relative to the
state's clock so quota windows stay meaningful; everything else depends only on the seed.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from medianest.demo import identities

from .fake_catalog import CatalogItem, build_catalog
from .fake_model import FakeUser, Permission
from .fake_requests import create_request
from .fake_state import OverseerrFakeState
from .fake_timeline import advance

T = TypeVar("T")

# (requester, kind, seasons, target state, days ago); "pick" chooses a catalog title by rng.
_PLAN: tuple[tuple[str, str, Any, str | None, int], ...] = (
    ("alice", "movie", None, "available", 40),
    ("bob", "movie", None, "declined", 30),
    ("owner", "tv", "all", "available", 25),
    ("alice", "tv:Law & Order: Nest Division", [1, 2], "partially_available", 20),
    ("alice", "movie:Tom & Jerry's Midnight Run", None, "available", 15),
    ("bob", "movie", None, "failed", 12),
    ("alice", "movie", None, "processing", 9),
    ("owner", "movie:Halcyon", None, None, 6),
    ("bob", "movie", None, "approved", 5),
    ("alice", "tv:Law & Order: Nest Division", [3], None, 4),
    ("bob", "tv", "all", None, 3),
    ("alice", "movie:<script>alert(1)</script> Night", None, None, 2),
    ("bob", "movie:C++ for Lovers", None, None, 1),
)


def _at(state: OverseerrFakeState, moment: datetime, action: Callable[[], T]) -> T:
    """Run a builder step as if the clock said ``moment``, so every row gets that time."""
    clock = state.clock
    state.clock = lambda: moment
    try:
        return action()
    finally:
        state.clock = clock


def _users(state: OverseerrFakeState, now: datetime) -> dict[str, FakeUser]:
    def add(account: identities.DemoAccount, days: int, permissions: int, **quota: int) -> FakeUser:
        return _at(
            state,
            now - timedelta(days=days),
            lambda: state.add_user(
                account.username,
                email=account.email,
                plex_id=account.plex_id,
                permissions=permissions,
                avatar=f"https://plex.tv/users/{account.uuid}/avatar?c=1700000000",
                **quota,
            ),
        )

    return {
        "owner": add(identities.OWNER, 400, Permission.ADMIN),
        "alice": add(identities.ALICE, 300, Permission.REQUEST),
        "bob": add(
            identities.BOB, 200, Permission.REQUEST, movie_quota_limit=3, movie_quota_days=7
        ),
    }


_NAMED = {kind.partition(":")[2] for _, kind, *_ in _PLAN} - {""}


def _pick(state: OverseerrFakeState, rng: random.Random, kind: str, used: set[int]) -> CatalogItem:
    """The named title, or a random one nobody else uses (shows with at least 2 seasons)."""
    media_type, _, title = kind.partition(":")
    pool = state.catalog.movies if media_type == "movie" else state.catalog.shows
    if title:
        item = next(i for i in pool.values() if i.title == title)
    else:
        choices = [
            i
            for i in pool.values()
            if i.tmdb_id not in used
            and i.title not in _NAMED
            and (media_type == "movie" or len(i.regular_seasons()) >= 2)
        ]
        item = rng.choice(sorted(choices, key=lambda i: i.tmdb_id))
    used.add(item.tmdb_id)
    return item


def _library(state: OverseerrFakeState, rng: random.Random, now: datetime, used: set[int]) -> None:
    """Titles already in Plex: found by a scan, so Media rows exist without requests."""
    movies = sorted(i for i in state.catalog.movies if i not in used)
    shows = sorted(
        i for i, s in state.catalog.shows.items() if i not in used and s.regular_seasons()
    )
    for tmdb_id in rng.sample(movies, 20):
        used.add(tmdb_id)
        _at(
            state,
            now - timedelta(days=rng.randint(50, 900)),
            partial(state.mark_available, tmdb_id, "movie"),
        )
    for index, tmdb_id in enumerate(rng.sample(shows, 5)):
        used.add(tmdb_id)
        first_only = [1] if index == 0 else None  # one show only partly in Plex
        _at(
            state,
            now - timedelta(days=rng.randint(50, 900)),
            partial(state.mark_available, tmdb_id, "tv", seasons=first_only),
        )


def build_demo(state: OverseerrFakeState, seed: int = 1) -> OverseerrFakeState:
    rng = random.Random(seed)
    state.catalog = build_catalog(seed)
    now = state.now()
    users = _users(state, now)
    used: set[int] = set()
    planned = [
        (who, _pick(state, rng, kind, used), seasons, to, days)
        for who, kind, seasons, to, days in _PLAN
    ]
    _library(state, rng, now, used)
    for who, item, seasons, to, days in planned:
        body: dict[str, Any] = {"mediaType": item.media_type, "mediaId": item.tmdb_id}
        if item.media_type == "tv":
            body["seasons"] = seasons
        moment = now - timedelta(days=days)
        request = _at(state, moment, partial(create_request, state, users[who], body))
        if to is not None:
            later = moment + timedelta(hours=rng.randint(1, 20))
            _at(state, later, partial(advance, state, request.id, to))
    return state
