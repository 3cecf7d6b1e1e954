"""With ``MEDIANEST_SERVER_TIMING`` on, every answer says in ``Server-Timing`` what it waited on:
a database connection, the database itself, and the whole of its handling. A default install
does not tell its visitors that."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.support.signin import ADMIN_PASSWORD, sign_in_local

TIMING = re.compile(r"^pool;dur=([\d.]+), db;dur=([\d.]+), app;dur=([\d.]+)$")


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"server_timing": True}


def _parts(response: httpx.Response) -> tuple[float, float, float]:
    found = TIMING.match(response.headers["server-timing"])
    assert found, response.headers["server-timing"]
    pool, db, app = (float(v) for v in found.groups())
    return pool, db, app


async def test_a_request_that_reads_and_writes_reports_its_database_time(
    client: httpx.AsyncClient,
) -> None:
    signed_in = await sign_in_local(client, "admin", ADMIN_PASSWORD)
    assert signed_in.status_code == 303
    pool, db, app = _parts(signed_in)
    assert db > 0  # the password check and the new session are statements
    assert app >= db + pool


async def test_an_answer_without_the_database_reports_none(client: httpx.AsyncClient) -> None:
    pool, db, app = _parts(await client.get("/healthz"))
    assert (pool, db) == (0.0, 0.0)
    assert app >= 0


@pytest.mark.parametrize("settings_overrides", [{}])  # the default settings
async def test_a_default_install_sends_no_server_timing(client: httpx.AsyncClient) -> None:
    signed_in = await sign_in_local(client, "admin", ADMIN_PASSWORD)
    assert signed_in.status_code == 303
    for response in (signed_in, await client.get("/"), await client.get("/healthz")):
        assert "server-timing" not in response.headers
