"""A refused request (duplicate, hourly limit) links to the FAQ entry that explains it."""

from __future__ import annotations

from tests.conftest import Login
from tests.support.overseerr_world import (  # noqa: F401 - fixtures
    OverseerrWorld,
    overseerr_overrides,
    overseerr_world,
)
from tests.support.signin import api_client, csrf_token


async def test_refused_requests_link_to_the_matching_faq_entry(
    overseerr: OverseerrWorld, login: Login
) -> None:
    live = overseerr.service.live
    assert live is not None
    live.defaults = live.defaults.model_copy(update={"requests_per_hour": 2})
    live.forget()
    alice = await api_client(login, "alice")
    token = await csrf_token(alice, "/requests")
    movie = overseerr.fresh()
    form = {"csrf_token": token, "media_type": "movie", "tmdb_id": movie.tmdb_id}
    assert (await alice.post("/requests", data=form)).status_code == 303
    again = await alice.post("/requests", data=form, headers={"HX-Request": "true"})
    assert "You already requested" in again.text
    assert 'href="/docs/faq#request-refused"' in again.text
    other = {**form, "tmdb_id": overseerr.fresh(skip=1).tmdb_id}
    assert (await alice.post("/requests", data=other)).status_code == 303
    over = {**form, "tmdb_id": overseerr.fresh(skip=2).tmdb_id}
    limited = await alice.post("/requests", data=over)
    assert limited.status_code == 429
    assert 'href="/docs/faq#rate-limit"' in limited.text
    tmdb_id = overseerr.fresh(skip=3).tmdb_id
    api = await alice.post("/api/v1/requests", json={"media_type": "movie", "tmdb_id": tmdb_id})
    assert api.status_code == 429 and api.json()["help"] == "/docs/faq#rate-limit"
