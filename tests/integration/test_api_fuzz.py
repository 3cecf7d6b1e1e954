"""Standing guard: schemathesis over the whole API, as an admin and as a user, with all its
checks. Any 5xx or answer the API document does not describe fails the suite. Bounded: a few
examples per operation (the run takes about a minute on a loaded 2-core machine)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy import select

from medianest.app import create_app
from medianest.demo import identities
from medianest.domain.users import Actor, Role, Status, username_key
from medianest.integrations.fakekit import FakeServer
from medianest.integrations.overseerr.fake import OverseerrFakeState
from medianest.integrations.overseerr.fake import create_app as overseerr_app
from medianest.persistence.engine import create_short_lived_engine, session_factory
from medianest.persistence.models import User
from medianest.security.passwords import hash_password
from medianest.services import api_tokens
from tests.conftest import PlexWorld, make_settings
from tests.support import backends
from tests.support.signin import ADMIN_PASSWORD

# Operations that reach out to addresses taken from the request body: fuzzing them would send
# traffic to made-up hosts. They have their own tests against the fakes.
OUTBOUND = r"^/api/v1/admin/integrations/\{service\}(/test)?$"
EXAMPLES = 6
# Whether a schema-valid body is accepted depends on state the document cannot carry: the
# admin's download allow-list, the settings that exist. The other checks still run on them.
STATEFUL_VALIDITY = {
    "POST /api/v1/downloads/resolve",
    "POST /api/v1/downloads",
    "PATCH /api/v1/admin/settings",
}


async def _people_and_tokens(url: str) -> dict[str, str]:
    engine = create_short_lived_engine(url)
    try:
        async with session_factory(engine).begin() as db:
            tokens = {}
            for name, role in (("fuzz-admin", Role.ADMIN), ("fuzz-user", Role.USER)):
                user = User(
                    username_key=username_key(name),
                    username=name,
                    display_name=name,
                    role=role,
                    status=Status.ACTIVE,
                    password_hash=hash_password(ADMIN_PASSWORD),
                )
                db.add(user)
                await db.flush()
                tokens[role.value] = (
                    await api_tokens.create(db, Actor.system(), user.id, "fuzz")
                ).secret
            assert await db.scalar(select(User.id).limit(1))
        return tokens
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def fuzz_target(
    session_database: str, tmp_path_factory: pytest.TempPathFactory, plex_world_servers: PlexWorld
) -> Iterator[tuple[schemathesis.schemas.BaseSchema, dict[str, str]]]:
    base = backends.configured_database_url()
    folder: Path = tmp_path_factory.mktemp("fuzz")
    if session_database.startswith("sqlite"):
        copy = folder / "medianest.db"
        shutil.copyfile(session_database.removeprefix("sqlite:///"), copy)
        url = f"sqlite:///{copy}"
    else:
        assert base is not None
        url = backends.create_postgres_database(base, "fuzz")
        backends.run_coroutine(_migrate_like_suite(url))
    overseerr = FakeServer(overseerr_app(OverseerrFakeState.demo(1))).start()
    settings = make_settings(
        folder / "data",
        url,
        download_allowed_hosts="127.0.0.1:9",
        overseerr_url=overseerr.url,
        overseerr_api_key=identities.OVERSEERR_API_KEY,
    )
    tokens = asyncio.run(_people_and_tokens(settings.resolved_database_url))
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app(settings))
    yield schema.exclude(path_regex=OUTBOUND, method=["PUT", "PATCH", "POST"]), tokens
    overseerr.stop()
    if base is not None and not session_database.startswith("sqlite"):
        backends.drop_postgres_database(base, url)


async def _migrate_like_suite(url: str) -> None:
    from tests.conftest import _migrate

    await _migrate(url)


BOUNDED = hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def _run(operation: Any, token: str, skip: list[Any]) -> None:
    @BOUNDED
    @given(case=operation.as_strategy())
    def run(case: schemathesis.Case) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        case.call_and_validate(headers=headers, excluded_checks=skip)

    run()


def _fuzz(schema: schemathesis.schemas.BaseSchema, token: str) -> list[str]:
    """Runs every operation; returns one line per operation that broke a check."""
    broken = []
    for result in schema.get_all_operations():
        operation = result.ok()
        skip = [positive_data_acceptance] if operation.label in STATEFUL_VALIDITY else []
        try:
            _run(operation, token, skip)
        except (Exception, BaseExceptionGroup) as exc:  # all broken operations show at once
            first = str(exc).strip().splitlines()[:14]
            broken.append(f"{operation.label}: {' | '.join(first)}")
    return broken


@pytest.mark.parametrize("role", ["admin", "user"])
def test_api_keeps_its_document(
    fuzz_target: tuple[schemathesis.schemas.BaseSchema, dict[str, str]], role: str
) -> None:
    schema, tokens = fuzz_target
    broken = _fuzz(schema, tokens[role])
    assert not broken, "\n".join(broken)


async def test_document_declares_auth_and_problem_answers(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/api/v1/openapi.json")).json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerAuth"]["scheme"] == "bearer"
    assert schemes["cookieAuth"] == {**schemes["cookieAuth"], "in": "cookie", "name": "mn_session"}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            assert operation.get("security"), where
            for code in ("400", "404", "422", "500"):
                content = operation["responses"][code]["content"]
                assert list(content) == ["application/problem+json"], where
            if "/webhooks/" not in path:
                assert {"401", "403"} <= set(operation["responses"]), where
