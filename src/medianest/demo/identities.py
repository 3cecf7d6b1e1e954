"""The people and servers of the demo world, shared by every fake so that they agree.

plex.tv knows the accounts; the fake Plex server's ``machineIdentifier`` is what plex.tv lists as
a resource for the accounts that have access; Overseerr's users carry the same ``plexId``. Tests
use the same identities, so a test reads like the demo a newcomer sees.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoAccount:
    plex_id: int
    uuid: str
    username: str
    title: str
    email: str | None
    auth_token: str
    server_access_token: str | None  # None: no access to the demo Plex server
    is_owner: bool = False


PLEX_SERVER_NAME = "Nest Plex"
PLEX_MACHINE_ID = "5d1e7c0a9b3f42e8a6c4d2b0f1e3a5c7d9b8e6f4"
PLEX_VERSION = "1.41.3.9314-a0bfb8370"
PLEX_OWNER_TOKEN = "demo-owner-server-token-7Qx2"
OVERSEERR_API_KEY = "demo-overseerr-api-key-MTYzNjQ5"
UPTIME_KUMA_SLUG = "medianest"
UPTIME_KUMA_API_KEY = "uk1_demoKumaApiKey0123456789"

OWNER = DemoAccount(
    plex_id=1001,
    uuid="a81f3c2b9d4e5f60",
    username="nestowner",
    title="Nest Owner",
    email="owner@nest.example",
    auth_token="demo-owner-token-Zk83Lq",
    server_access_token=PLEX_OWNER_TOKEN,
    is_owner=True,
)
ALICE = DemoAccount(
    plex_id=1002,
    uuid="b92e4d3c0e5f6071",
    username="alice",
    title="Alice",
    email="alice@nest.example",
    auth_token="demo-alice-token-Pw41Xe",
    server_access_token="demo-alice-server-token-Hn62",
)
BOB = DemoAccount(
    plex_id=1003,
    uuid="c03f5e4d1f607182",
    username="bob",
    title="Bob",
    email=None,  # a real Plex account may have no email visible; MediaNest must cope
    auth_token="demo-bob-token-Vc97Rt",
    server_access_token="demo-bob-server-token-Jd05",
)
MALLORY = DemoAccount(
    plex_id=1004,
    uuid="d1406f5e20718293",
    username="mallory",
    title="Mallory",
    email="mallory@elsewhere.example",
    auth_token="demo-mallory-token-Yb28Ns",
    server_access_token=None,
)

ACCOUNTS: tuple[DemoAccount, ...] = (OWNER, ALICE, BOB, MALLORY)
