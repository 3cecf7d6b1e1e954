"""The inbox core: stored per person, announced live only to that person, read state is theirs."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI
from sqlalchemy import select

from medianest.persistence.models import User
from medianest.services import notifications
from medianest.services.notifications import NewNotification
from tests.conftest import Login


async def _user_id(app: FastAPI, username: str) -> int:
    async with app.state.container.sessions() as db:
        found = await db.scalar(select(User.id).where(User.username == username))
    assert found is not None
    return found


async def test_delivered_notification_is_stored_then_published_to_its_owner_only(
    app: FastAPI, login: Login
) -> None:
    await login("alice")
    await login("bob")
    alice, bob = await _user_id(app, "alice"), await _user_id(app, "bob")
    container = app.state.container
    async with container.bus.subscribe() as stream:
        rows = await notifications.deliver(
            container.sessions,
            container.bus,
            [alice],
            NewNotification("service_down", "Plex is down", "Since 10:02", link="/", level="error"),
        )
        event = await asyncio.wait_for(stream.get(), 5)
    assert event.type == "notification"
    assert event.audience == f"user:{alice}"
    assert event.visible_to(alice, False) and not event.visible_to(bob, True)
    assert event.data["id"] == rows[0].id
    async with container.sessions() as db:
        assert (await notifications.inbox(db, alice)).unread == 1
        assert (await notifications.inbox(db, bob)).total == 0


async def test_links_stay_on_site_and_read_state_is_per_person(app: FastAPI, login: Login) -> None:
    await login("alice")
    await login("bob")
    alice, bob = await _user_id(app, "alice"), await _user_id(app, "bob")
    container = app.state.container
    rows = await notifications.deliver(
        container.sessions,
        container.bus,
        [alice, bob],
        NewNotification("x", "Hello", link="https://evil.example/"),
    )
    assert all(r.link is None for r in rows)
    bobs = next(r.id for r in rows if r.user_id == bob)
    async with container.sessions.begin() as db:
        assert await notifications.mark_read(db, alice, [bobs]) == 0  # not hers
        assert await notifications.mark_read(db, alice) == 1
    async with container.sessions() as db:
        assert await notifications.unread_count(db, alice) == 0
        assert await notifications.unread_count(db, bob) == 1
