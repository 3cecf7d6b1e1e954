"""The one way pages write a moment: ``{{ when(value) }}``.

The server writes a full UTC fallback; app.js rewrites every ``<time data-local>`` into the
viewer's own time zone ("3 min ago" when recent), with the full local time on hover.
"""

from __future__ import annotations

from datetime import UTC, datetime

from markupsafe import Markup, escape


def _parse(value: datetime | str | None) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def when(value: datetime | str | None, empty: str = "never") -> Markup:
    moment = _parse(value)
    if moment is None:
        return escape(empty)
    utc = moment.astimezone(UTC)
    full = utc.strftime("%d %b %Y %H:%M UTC").lstrip("0")
    return Markup('<time datetime="{}" data-local title="{}">{}</time>').format(
        utc.isoformat(), full, full
    )
