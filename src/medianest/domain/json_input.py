"""JSON from outside, parsed within limits a database and the parser itself can take.

Deep nesting exhausts a parser's recursion; an integer beyond 64 bits cannot be stored or
compared with a database id. Both are refused as bad input (ValueError subclasses) up front.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import Field

MAX_DEPTH = 32
INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)

# Row ids are 32-bit on PostgreSQL: an id from outside that such a column can hold.
DB_ID_MAX = 2**31 - 1
DbId = Annotated[int, Field(ge=0, le=DB_ID_MAX)]


class JsonTooDeep(ValueError):
    pass


class JsonNumberOutOfRange(ValueError):
    pass


def nesting_depth(value: Any) -> int:
    """How deep arrays and objects nest in a parsed value (a scalar is 0)."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, depth + 1)
            pending.extend((child, depth + 1) for child in item)
    return deepest


def json_strings(value: Any) -> list[str]:
    """Every string in a parsed value, keys included."""
    found: list[str] = []
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict):
            found.extend(str(key) for key in item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return found


def _bounded_int(text: str) -> int:
    value = int(text)
    if not INT64_MIN <= value <= INT64_MAX:
        raise JsonNumberOutOfRange(f"the number {text[:30]} is out of range")
    return value


def load_json(raw: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` that refuses nesting deeper than ``max_depth`` and integers beyond 64 bits."""
    too_deep = JsonTooDeep(f"the JSON is nested more than {max_depth} levels deep")
    try:
        value = json.loads(raw, parse_int=_bounded_int)
    except RecursionError:
        raise too_deep from None
    if nesting_depth(value) > max_depth:
        raise too_deep
    return value
