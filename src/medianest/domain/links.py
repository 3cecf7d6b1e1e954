"""Links a user or another site can supply, kept to this site."""

from __future__ import annotations


def local_path(value: str | None) -> str | None:
    """``value`` if it is a path on this site, else None: it must start with one "/" and hold
    no backslash (browsers read "/\\host" like "//host", another site)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    return value
