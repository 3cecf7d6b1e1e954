"""Sorts and filters of the PMS media query language that the fake understands.

A filter arrives as a query parameter whose name may carry an operator, because the query string
splits at the first ``=``: ``addedAt>>=1683607991`` is name ``addedAt>>``, value ``1683607991``,
and plexapi percent-encodes the operator into the name (``title%3D=x`` is name ``title=``).
Supported fields: ``genre`` and ``collection`` (tag id, or genre name), ``year``, ``rating``,
``duration`` (numbers), ``addedAt``, ``updatedAt`` (epoch seconds or relative like ``-30d``),
``title`` (``=`` contains, ``==`` is, ``<=`` begins with, ``>=`` ends with, ``!`` negates),
``unwatched`` (the fake keeps no watch state, so everything is unwatched). Numbers
take ``=``, ``!=``, ``>>=`` (greater) and ``<<=`` (less); comma-separated values mean "any of".
Unknown parameters are ignored, as the real server ignores parameters it does not know.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from medianest.integrations.plex.fake_model import Item
    from medianest.integrations.plex.fake_state import PlexFakeState

Predicate = Callable[["Item"], bool]
SORT_FIELDS: tuple[str, ...] = ("titleSort", "title", "year", "addedAt", "updatedAt", "rating")
SORT_FIELDS += ("originallyAvailableAt", "duration", "index")


class QueryError(ValueError):
    """A request parameter the real server would reject with 400."""


NUMERIC: dict[str, Callable[[Item], Any]] = {
    "year": lambda i: i.year,
    "addedAt": lambda i: i.added_at,
    "updatedAt": lambda i: i.updated_at,
    "rating": lambda i: i.rating,
    "duration": lambda i: i.duration,
}


OPS = ("!=", ">>", "<<", "!", "=", "<", ">")
RELATIVE = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "mon": 30 * 86400}
RELATIVE["y"] = 365 * 86400
_RELATIVE = re.compile(r"-?(\d+)(mon|[smhdwy])")


def _split_op(key: str) -> tuple[str, str]:
    for op in OPS:
        if key.endswith(op):
            return key[: -len(op)], op
    return key, ""


def _number(raw: str) -> float:
    relative = _RELATIVE.fullmatch(raw)
    if relative:  # plexapi's relative dates: "-30d" is thirty days ago
        return time.time() - int(relative.group(1)) * RELATIVE[relative.group(2)]
    try:
        return float(raw)
    except ValueError:
        raise QueryError(f"not a number: {raw!r}") from None


def _numeric(getter: Callable[[Item], Any], op: str, values: list[str]) -> Predicate:
    numbers = [_number(v) for v in values]

    def pred(item: Item) -> bool:
        value = getter(item)
        if value is None:
            return False
        if op == ">>":
            return any(value > n for n in numbers)
        if op == "<<":
            return any(value < n for n in numbers)
        return any(value == n for n in numbers)

    return pred if op not in ("!", "!=") else _negate(_numeric(getter, "", values))


def _negate(pred: Predicate) -> Predicate:
    return lambda item: not pred(item)


def _title(op: str, value: str) -> Predicate:
    if value.startswith("="):  # an unencoded ``title==x`` splits as name ``title``, value ``=x``
        op, value = op + "=", value[1:]
    needle = value.casefold()
    tests: dict[str, Predicate] = {
        "": lambda item: needle in item.fold,
        "=": lambda item: item.fold == needle,
        "<": lambda item: item.fold.startswith(needle),
        ">": lambda item: item.fold.endswith(needle),
    }
    negated = op.startswith("!")
    pred = tests.get(op.removeprefix("!"), tests[""])
    return _negate(pred) if negated else pred


def _tags(wanted: set[int], op: str, attr: str) -> Predicate:
    def pred(item: Item) -> bool:
        return bool(wanted.intersection(getattr(item, attr) or ()))

    return _negate(pred) if op in ("!", "!=") else pred


def build_filter(state: PlexFakeState, key: str, value: str) -> Predicate | None:
    """A predicate for one query parameter, or None when the parameter is not a filter."""
    name, op = _split_op(key)
    name = name.rpartition(".")[2]  # plexapi may prefix the libtype: ``show.genre``
    values = [v for v in value.split(",") if v != ""]
    if name in NUMERIC:
        return _numeric(NUMERIC[name], op, values) if values else None
    if name == "title":
        return _title(op, value)
    if name == "genre":
        ids = {gid for v in values if (gid := state.genre_lookup(v)) is not None}
        return _tags(ids, op, "genre_ids")
    if name == "unwatched":  # the fake keeps no watch state: everything is unwatched
        watched_wanted = (values == ["0"]) != (op in ("!", "!="))
        return lambda item: not watched_wanted
    if name == "collection":
        return _tags({int(v) for v in values if v.isdigit()}, op, "collections")
    return None


def sort_key(name: str) -> Callable[[Item], tuple[bool, Any]]:
    getters: dict[str, Callable[[Item], Any]] = {
        "titleSort": lambda i: i.sort_title.casefold(),
        "title": lambda i: i.fold,
        "year": lambda i: i.year,
        "addedAt": lambda i: i.added_at,
        "updatedAt": lambda i: i.updated_at,
        "rating": lambda i: i.rating,
        "originallyAvailableAt": lambda i: i.originally_available_at,
        "duration": lambda i: i.duration,
        "index": lambda i: i.index,
    }
    getter = getters[name]

    def key(item: Item) -> tuple[bool, Any]:
        value = getter(item)
        return (value is not None, value)

    return key


def parse_sort(raw: str | None) -> tuple[tuple[str, bool], ...]:
    """``titleSort:desc,movie.year`` -> ((titleSort, True), (year, False)); unknown is a 400.

    plexapi prefixes fields with the libtype (``movie.year``) and may ask for ``nullsLast``.
    """
    if not raw:
        return (("titleSort", False),)
    out: list[tuple[str, bool]] = []
    for part in raw.split(","):
        name, _, direction = part.strip().partition(":")
        name = name.rpartition(".")[2]
        if name not in SORT_FIELDS or direction not in ("", "asc", "desc", "nullsLast"):
            raise QueryError(f"unknown sort {part!r}")
        out.append((name, direction == "desc"))
    return tuple(out)
