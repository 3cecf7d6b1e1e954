"""Links a user or another site can supply, kept to this site."""

from __future__ import annotations

from urllib.parse import urlsplit


def _has_control(value: str) -> bool:
    """Browsers drop tab, CR and LF anywhere in a URL and trim other controls and spaces at its
    ends, so "/\\t/host" navigates like "//host": refuse them rather than guess the result."""
    return any(ord(char) < 0x20 or ord(char) == 0x7F for char in value) or value != value.strip(" ")


def local_path(value: str | None) -> str | None:
    """``value`` if the page a browser would open from it is on this site, else None.

    It must start with exactly one "/", hold no backslash (browsers read "/\\host" like
    "//host") and no control character (nor a space at either end), and parse with no scheme or host."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    if _has_control(value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    return value
