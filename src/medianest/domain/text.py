"""Text from outside, made safe to store and show: no control or direction-changing characters.

NUL cannot be stored in PostgreSQL text at all; other controls break logs and file names; bidi
controls (U+202E and friends) make a name read differently from what it is ("gpj.exe").
"""

from __future__ import annotations

import re

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_WHITESPACE_CONTROLS = re.compile(r"[\t\n\r\v\f]")
_DROPPED = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{BIDI_CONTROLS}]")


def plain_text(value: str | None, *, keep_lines: bool = False) -> str:
    """``value`` without control and bidi characters: tabs and line breaks become spaces, or
    with ``keep_lines`` line breaks stay (as ``\n``)."""
    text = value or ""
    if keep_lines:
        text = text.replace("\r\n", "\n")
        parts = [_DROPPED.sub("", _WHITESPACE_CONTROLS.sub(" ", line)) for line in text.split("\n")]
        return "\n".join(parts)
    return _DROPPED.sub("", _WHITESPACE_CONTROLS.sub(" ", text))


def has_nul(value: str) -> bool:
    return "\x00" in value
