"""The 400s of express-openapi-validator in front of Overseerr's routes.

Overseerr validates every request against ``overseerr-api.yml`` before its routes run
(express-openapi-validator 4.x with ajv 6). Messages are ajv's (``should be number``...) with
the validator's ``path``/``errorCode``; the body is ``{"message", "errors"}`` from Overseerr's
error handler. The reserved-character check looks at the *raw* query string: a value with a
``+`` (form-encoded space) or an unencoded ``: / ? [ ] @ ! $ ' ( ) * , ;`` is rejected
[express-openapi-validator ``validateReservedCharacters``;
``docs/protocols/overseerr.md#query-encoding``].
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .fake_model import OverseerrError

RESERVED_CHARS = re.compile(r"[:/?#\[\]@!$&'()*+,;=]")


@dataclass(frozen=True)
class Param:
    """A query parameter of the OpenAPI document: ``kind`` is "number" or "string"."""

    kind: str = "string"
    required: bool = False
    enum: tuple[str, ...] = ()


def _fail(location: str, name: str, message: str, keyword: str) -> OverseerrError:
    prefix = f"request.{location}" if keyword == "required" else f"request.{location}.{name}"
    return OverseerrError(
        400,
        {
            "message": f"{prefix} {message}",
            "errors": [
                {
                    "path": f".{location}.{name}",
                    "message": message,
                    "errorCode": f"{keyword}.openapi.validation",
                }
            ],
        },
    )


def raw_pairs(query_string: str) -> dict[str, list[str]]:
    """``parseQueryStringUndecoded``: split on ``&`` then ``=``, nothing decoded."""
    pairs: dict[str, list[str]] = {}
    for part in query_string.replace("?", "", 1).split("&"):
        if not part:
            continue
        key, _, rest = part.partition("=")
        pairs.setdefault(key, []).append(rest.split("=")[0])
    return pairs


def check_reserved(query_string: str, names: list[str]) -> None:
    raw = raw_pairs(query_string)
    for name in names:
        for value in raw.get(name, []):
            if RESERVED_CHARS.search(value):
                message = f"Parameter '{name}' must be url encoded. Its value may not contain reserved characters."
                raise OverseerrError(
                    400,
                    {
                        "message": message,
                        "errors": [{"path": f".query.{name}", "message": message}],
                    },
                )


def query_params(
    query_string: str, decoded: dict[str, str], spec: dict[str, Param]
) -> dict[str, Any]:
    """Validate and coerce the declared query parameters the way the validator does."""
    check_reserved(query_string, list(spec))
    values: dict[str, Any] = {}
    for name, param in spec.items():
        raw = decoded.get(name)
        if raw is None:
            if param.required:
                raise _fail("query", name, f"should have required property '{name}'", "required")
            continue
        if raw == "":
            message = f"Empty value found for query parameter '{name}'"
            raise OverseerrError(
                400,
                {"message": message, "errors": [{"path": f".query.{name}", "message": message}]},
            )
        if param.kind == "number":
            try:
                values[name] = float(raw) if "." in raw else int(raw)
            except ValueError:
                raise _fail("query", name, "should be number", "type") from None
        elif param.enum and raw not in param.enum:
            allowed = ", ".join(param.enum)
            raise _fail(
                "query", name, f"should be equal to one of the allowed values: {allowed}", "enum"
            )
        else:
            values[name] = raw
    return values


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_NUMBER_FIELDS = ("mediaId", "tvdbId", "serverId", "profileId", "languageProfileId")


def validate_request_body(body: Any) -> dict[str, Any]:
    """The ``POST /request`` body schema of overseerr-api.yml."""
    if not isinstance(body, dict):
        raise _fail("body", "", "should be object", "type")
    for name in ("mediaType", "mediaId"):
        if name not in body:
            raise _fail("body", name, f"should have required property '{name}'", "required")
    if body["mediaType"] not in ("movie", "tv"):
        if not isinstance(body["mediaType"], str):
            raise _fail("body", "mediaType", "should be string", "type")
        raise _fail(
            "body", "mediaType", "should be equal to one of the allowed values: movie, tv", "enum"
        )
    for name in _NUMBER_FIELDS:
        if name in body and not _is_number(body[name]):
            raise _fail("body", name, "should be number", "type")
    if "userId" in body and body["userId"] is not None and not _is_number(body["userId"]):
        raise _fail("body", "userId", "should be number", "type")
    if "is4k" in body and not isinstance(body["is4k"], bool):
        raise _fail("body", "is4k", "should be boolean", "type")
    if "rootFolder" in body and not isinstance(body["rootFolder"], str):
        raise _fail("body", "rootFolder", "should be string", "type")
    seasons = body.get("seasons")
    if "seasons" in body and seasons != "all":
        valid = isinstance(seasons, list) and all(_is_number(n) and n >= 0 for n in seasons)
        if not valid:
            raise _fail("body", "seasons", "should match exactly one schema in oneOf", "oneOf")
    return body
