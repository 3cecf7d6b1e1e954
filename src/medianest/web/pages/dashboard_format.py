"""How the dashboard writes times, durations, response times and percentages (UTC on the
server; dashboard.js rewrites ``<time data-local>`` into the viewer's own time zone)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from markupsafe import Markup

from medianest.services import docs_render

DASH = "\u2013"  # an en dash: "no figure"


@lru_cache(maxsize=64)
def _markdown(text: str) -> Markup:
    return Markup(docs_render.render(text, {})) if text.strip() else Markup("")  # noqa: S704 - sanitised


@dataclass(frozen=True)
class Format:
    now: datetime

    def time(self, value: datetime | None) -> str:
        if value is None:
            return "never"
        value = value.astimezone(UTC)
        if value.date() == self.now.astimezone(UTC).date():
            return value.strftime("%H:%M UTC")
        return value.strftime("%d %b %H:%M UTC").lstrip("0")

    @staticmethod
    def markdown(text: str) -> Markup:
        """Kuma's incident and maintenance text: Markdown, sanitised like the docs pages."""
        return _markdown(text)

    @staticmethod
    def iso(value: datetime | None) -> str:
        return value.astimezone(UTC).isoformat() if value else ""

    @staticmethod
    def ms(value: float | None) -> str:
        if value is None:
            return DASH
        if value >= 1000:
            return f"{value / 1000:.2f} s"
        return f"{value:.0f} ms"

    @staticmethod
    def pct(value: float | None) -> str:
        """Rounded down, so 99.999 % never shows as a perfect 100 %."""
        if value is None:
            return DASH
        if value >= 1:
            return "100%"
        return f"{math.floor(value * 10000) / 100:.2f}%"

    @staticmethod
    def span(start: datetime | None, end: datetime | None) -> str:
        if start is None or end is None:
            return ""
        minutes = max(0, int((end - start).total_seconds() // 60))
        if minutes < 1:
            return "under a minute"
        if minutes < 60:
            return f"{minutes} min"
        hours, minutes = divmod(minutes, 60)
        if hours < 48:
            return f"{hours} h {minutes} min" if minutes else f"{hours} h"
        days, hours = divmod(hours, 24)
        return f"{days} d {hours} h" if hours else f"{days} d"

    def since(self, value: datetime | None) -> str:
        return self.span(value, self.now)
