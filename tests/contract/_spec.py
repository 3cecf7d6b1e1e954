"""Validate fake responses against the published OpenAPI documents in ``tests/reference``.

Usage::

    validator = component_validator(plex_spec(), "UserPlexAccount")
    assert_valid(validator, response.json())

OpenAPI 3.1 schemas are JSON Schema 2020-12, so ``$ref``s resolve through a ``referencing``
registry holding the whole document; ``example`` and ``x-*`` keywords are ignored. Formats
(email, date-time, uri) are annotations only, as 2020-12 defines them: check those by hand.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.support.reference import reference_path

PLEX_SPEC = "plex/plex-api-spec.yaml"
SPEC_URI = "urn:medianest:spec"


@functools.cache
def load_openapi(relative_path: str) -> dict[str, Any]:
    """The parsed document from the repository's reference data."""
    path = reference_path(*relative_path.split("/"))
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open(encoding="utf-8") as handle:
        document: dict[str, Any] = yaml.load(handle, Loader=loader)  # noqa: S506 (safe loader)
    return document


def plex_spec() -> dict[str, Any]:
    return load_openapi(PLEX_SPEC)


def pointer_validator(spec: dict[str, Any], *parts: str) -> Draft202012Validator:
    """A validator for the schema at JSON pointer ``parts`` inside ``spec``.

    The schema is reached by an absolute ``$ref`` into the registered document, so the
    ``#/components/...`` refs inside it resolve against the spec, not against a fragment.
    """
    node: Any = spec
    for part in parts:
        node = node[part]  # fail early, with a KeyError naming the missing part
    pointer = "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)
    resource = Resource.from_contents(spec, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
    return Draft202012Validator({"$ref": f"{SPEC_URI}#/{pointer}"}, registry=registry)


def component_validator(spec: dict[str, Any], name: str) -> Draft202012Validator:
    """A validator for ``#/components/schemas/<name>``."""
    return pointer_validator(spec, "components", "schemas", name)


def response_validator(
    spec: dict[str, Any], path: str, method: str, status: str, media: str = "application/json"
) -> Draft202012Validator:
    """A validator for the documented body of one response (``status`` as in the spec: "200").

    Shared responses (``$ref: '#/components/responses/...'``) are followed.
    """
    parts = ["paths", path, method.lower(), "responses", status]
    body: Any = spec
    for part in parts:
        body = body[part]
    if "$ref" in body:
        parts = body["$ref"].removeprefix("#/").split("/")
    return pointer_validator(spec, *parts, "content", media, "schema")


def assert_valid(validator: Draft202012Validator, instance: Any) -> None:
    """Fail with every violation listed, not just the first."""
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"  at /{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]
        raise AssertionError("response does not match the schema:\n" + "\n".join(lines))


# The newest plex-api-spec dropped /api/v2/pins. This is its AuthPinContainer and GeoData from
# LukeHagar/plex-api-spec src/models/AuthPinContainer.yaml + GeoData.yaml @ 6d38a20b, with two
# documented departures: ``postal_code`` also allows a string (the spec's own captured example
# "Example 1" has "4814"), and an approved PIN's ``authToken`` is a string (the spec types it
# "null" although pins-id.yaml says "The Pin with a non-null authToken when it has been verified").
GEO_DATA: dict[str, Any] = {
    "type": "object",
    "required": [
        "code",
        "continent_code",
        "country",
        "city",
        "european_union_member",
        "time_zone",
        "postal_code",
        "in_privacy_restricted_country",
        "in_privacy_restricted_region",
        "subdivisions",
        "coordinates",
    ],
    "properties": {
        "code": {"type": "string"},
        "continent_code": {"type": "string"},
        "country": {"type": "string"},
        "city": {"type": "string"},
        "european_union_member": {"type": "boolean"},
        "time_zone": {"type": "string"},
        "postal_code": {"type": ["integer", "string"]},
        "in_privacy_restricted_country": {"type": "boolean"},
        "in_privacy_restricted_region": {"type": "boolean"},
        "subdivisions": {"type": "string"},
        "coordinates": {"type": "string"},
    },
}
AUTH_PIN_CONTAINER: dict[str, Any] = {
    "type": "object",
    "required": [
        "id",
        "code",
        "product",
        "trusted",
        "qr",
        "clientIdentifier",
        "location",
        "expiresIn",
        "createdAt",
        "expiresAt",
    ],
    "properties": {
        "id": {"type": "integer"},
        "code": {"type": "string"},
        "product": {"type": "string"},
        "trusted": {"type": "boolean"},
        "qr": {"type": "string"},
        "clientIdentifier": {"type": "string"},
        "location": GEO_DATA,
        "expiresIn": {"type": "integer"},
        "createdAt": {"type": "string", "format": "date-time"},
        "expiresAt": {"type": "string", "format": "date-time"},
        "authToken": {"type": "null"},
        "newRegistration": {"type": "null"},
    },
}


def auth_pin_validator(approved: bool = False) -> Draft202012Validator:
    schema = copy.deepcopy(AUTH_PIN_CONTAINER)
    if approved:
        schema["properties"]["authToken"] = {"type": "string", "minLength": 1}
        schema["required"].append("authToken")
    return Draft202012Validator(schema)
