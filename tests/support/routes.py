"""The app's route table, flattened: what route-wide tests iterate so no route is forgotten."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class RouteEntry:
    method: str
    path: str  # the template, e.g. /api/v1/users/{user_id}
    route: APIRoute

    def filled(self, value: str = "1") -> str:
        return re.sub(r"\{[^}]+\}", value, self.path)

    @property
    def params(self) -> list[str]:
        return re.findall(r"\{([^}:]+)", self.path)


def route_table(app: FastAPI) -> list[RouteEntry]:
    entries = []
    for context in iter_route_contexts(app.routes):
        original = context.original_route
        if not isinstance(original, APIRoute) or context.path is None:
            continue
        for method in sorted(context.methods or ()):
            if method != "HEAD":
                entries.append(RouteEntry(method, context.path, original))
    return entries


def changing_routes(app: FastAPI) -> list[RouteEntry]:
    return [entry for entry in route_table(app) if entry.method in CHANGING]
