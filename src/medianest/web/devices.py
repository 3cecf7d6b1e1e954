"""Readable device names ("Firefox on Windows") from User-Agent strings, via ua-parser.

ua-parser (with the YAML loader it brings) is imported by the first page that lists devices,
not at start: most requests never show one.
"""

from __future__ import annotations

from functools import lru_cache

UNKNOWN = "Unknown browser"


@lru_cache(maxsize=512)
def device_name(user_agent: str | None) -> str:
    if not user_agent:
        return UNKNOWN
    from ua_parser import parse

    found = parse(user_agent[:1000])
    browser = found.user_agent.family if found.user_agent else None
    system = found.os.family if found.os else None
    if browser and browser != "Other":
        return f"{browser} on {system}" if system and system != "Other" else browser
    product = user_agent.split("/", 1)[0].split(" ", 1)[0].strip()  # e.g. a script's client
    return product[:40] or UNKNOWN
