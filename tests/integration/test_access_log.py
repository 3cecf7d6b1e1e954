"""The access log: one structured line per request, tied to the response by its request id."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest

from medianest.observability.access import ACCESS_LOGGER
from medianest.observability.logging import configure_logging


@pytest.fixture
def access_lines() -> Iterator[io.StringIO]:
    """The access logger's output, in the JSON format operators choose for log shippers."""
    configure_logging("info", "json")
    captured = io.StringIO()
    handler = logging.getLogger(ACCESS_LOGGER).handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(captured)
    yield captured
    configure_logging("info", "console")


async def test_each_request_logs_one_json_line_with_its_request_id(
    client: httpx.AsyncClient, access_lines: io.StringIO
) -> None:
    response = await client.get("/healthz")
    missing = await client.get("/no/such/page")
    lines = [json.loads(line) for line in access_lines.getvalue().splitlines()]
    assert [(e["method"], e["path"], e["status"]) for e in lines] == [
        ("GET", "/healthz", 200),
        ("GET", "/no/such/page", 404),
    ]
    first = lines[0]
    assert first["request_id"] == response.headers["x-request-id"]
    assert lines[1]["request_id"] == missing.headers["x-request-id"]
    assert first["event"] == "request" and first["level"] == "info"
    assert first["logger"] == ACCESS_LOGGER
    assert isinstance(first["duration_ms"], float)
    assert first["timestamp"].endswith("Z")


async def test_a_forged_line_break_in_the_path_cannot_forge_a_log_line(
    client: httpx.AsyncClient,
) -> None:
    configure_logging("info", "console")
    captured = io.StringIO()
    handler = logging.getLogger(ACCESS_LOGGER).handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(captured)
    try:
        await client.get("/x%0A2030-01-01T00:00:00Z [info] request status=200")
    finally:
        configure_logging("info", "console")
    lines = captured.getvalue().splitlines()
    assert len(lines) == 1
    assert 'path="/x\\n2030-01-01T00:00:00Z [info] request status=200"' in lines[0]
    assert lines[0].endswith("status=404")


async def test_the_access_log_can_be_silenced_on_its_own(
    client: httpx.AsyncClient, access_lines: io.StringIO
) -> None:
    logging.getLogger(ACCESS_LOGGER).setLevel(logging.WARNING)
    try:
        assert (await client.get("/healthz")).status_code == 200
    finally:
        logging.getLogger(ACCESS_LOGGER).setLevel(logging.NOTSET)
    assert access_lines.getvalue() == ""
