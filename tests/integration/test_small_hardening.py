"""Smaller promises: no control or bidi characters in stored titles and file names, NUL refused
as input, private database files, no caching of personal answers, honest access-log lines."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import select

from medianest.app import create_app
from medianest.domain.download_safety import item_stem, job_folder
from medianest.persistence.models import Notification, User
from medianest.services.notifications import NewNotification, add
from tests.conftest import Login, make_settings
from tests.support.signin import csrf_token

HOSTILE = "Holiday\u202egpj.exe\x00\u2066 clip\x07"


def test_file_names_lose_bidi_and_control_characters() -> None:
    stem = item_stem(3, HOSTILE, "abc")
    folder = job_folder("alice", HOSTILE, "pl1")
    for name in (stem, folder):
        assert not any(
            ord(c) < 0x20 or "\u202a" <= c <= "\u202e" or "\u2066" <= c <= "\u2069" for c in name
        )
    assert stem.startswith("003 - Holidaygpj.exe")


async def test_stored_notice_titles_are_plain_text(app: FastAPI, login: Login) -> None:
    await login("alice")
    async with app.state.container.sessions.begin() as db:
        alice = await db.scalar(select(User).where(User.username == "alice"))
        assert alice is not None
        add(db, [alice.id], NewNotification("test", HOSTILE, body="line one\nline\x00two\u202e"))
    async with app.state.container.sessions() as db:
        note = await db.scalar(select(Notification))
    assert note is not None
    assert note.title == "Holidaygpj.exe clip"
    assert note.body == "line one\nlinetwo"


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"method": "GET", "url": "/api/v1/users", "params": {"q": "a\x00b"}},
        {"method": "POST", "url": "/api/v1/notifications/read", "json": {"ids": [], "x": "\x00"}},
        {
            "method": "POST",
            "url": "/admin/docs",
            "data": {"title": "T\x00", "slug": "t", "body": "b"},
        },
    ],
    ids=["query", "json", "form"],
)
async def test_nul_in_any_input_is_422(login: Login, request_kwargs: dict[str, object]) -> None:
    admin = await login("admin")
    admin.headers["x-csrf-token"] = await csrf_token(admin, "/account")
    answer = await admin.request(**request_kwargs)  # type: ignore[arg-type]
    assert answer.status_code == 422, answer.text


async def test_a_new_install_keeps_its_database_and_job_store_private(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", None, redis_url=None)
    async with LifespanManager(create_app(settings), startup_timeout=30, shutdown_timeout=30):
        pass
    data = tmp_path / "data"
    for name in ("medianest.db", "jobs.sqlite3", "secret.key"):
        mode = stat.S_IMODE((data / name).stat().st_mode)
        assert mode & 0o077 == 0, (name, oct(mode))
    assert data.exists()


async def test_personal_answers_are_never_cached(client: httpx.AsyncClient, login: Login) -> None:
    alice = await login("alice")
    for path in ("/account", "/api/v1/me", "/"):
        answer = await alice.get(path)
        assert answer.headers["cache-control"] == "no-store", path
    assert (await client.get("/healthz")).headers["cache-control"] == "no-store"
    style = await alice.get("/static/css/app.css")
    assert style.status_code == 200 and style.headers.get("cache-control") != "no-store"


async def test_nul_in_a_path_is_escaped_in_the_access_log(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    access = logging.getLogger("medianest.access")
    access.addHandler(caplog.handler)
    try:
        answer = await client.get("/library/items/12%00%0a%e2%80%aeevil")
    finally:
        access.removeHandler(caplog.handler)
    assert answer.status_code < 500
    lines = [r.getMessage() for r in caplog.records if r.name == "medianest.access"]
    assert lines
    assert all("\x00" not in line and "\n" not in line and "\u202e" not in line for line in lines)
    assert any("/library/items/12\\x00\\n\\u202eevil" in line for line in lines)
