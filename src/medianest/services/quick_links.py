"""Admin-defined quick links on the dashboard (title, http(s) URL, an icon from a fixed set, and
optionally the monitored service whose status greys the link out)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from medianest.domain.errors import InvalidInput, NotFound
from medianest.domain.users import Actor
from medianest.persistence.models import MonitoredService, QuickLink
from medianest.services import audit
from medianest.services.users import require_admin

ICONS = (
    "link",
    "plex",
    "film",
    "tv",
    "music",
    "download",
    "chart",
    "home",
    "book",
    "server",
    "shield",
    "cloud",
)
_UNSAFE = re.compile(r"[\x00-\x20\x7f\\]")


@dataclass(frozen=True)
class LinkInput:
    title: str
    url: str
    icon: str
    service_id: int | None = None


def clean_url(value: str) -> str:
    url = value.strip()
    if not url or len(url) > 500 or _UNSAFE.search(url):
        raise InvalidInput("Enter a web address without spaces (at most 500 characters).", "url")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InvalidInput("Only http:// and https:// addresses can be linked.", "url")
    return url


async def _check(db: AsyncSession, data: LinkInput) -> tuple[str, str, str, int | None]:
    title = " ".join(data.title.split())
    if not title or len(title) > 80:
        raise InvalidInput("Give the link a title of at most 80 characters.", "title")
    if data.icon not in ICONS:
        raise InvalidInput("Choose one of the offered icons.", "icon")
    if data.service_id is not None:
        service = await db.get(MonitoredService, data.service_id)
        if service is None or not service.present:
            raise InvalidInput("That service is not monitored.", "service_id")
    return title, clean_url(data.url), data.icon, data.service_id


async def list_links(db: AsyncSession) -> Sequence[QuickLink]:
    rows = await db.scalars(select(QuickLink).order_by(QuickLink.position, QuickLink.id))
    return list(rows)


async def add(db: AsyncSession, actor: Actor, data: LinkInput) -> QuickLink:
    require_admin(actor)
    title, url, icon, service_id = await _check(db, data)
    position = int(await db.scalar(select(func.coalesce(func.max(QuickLink.position), 0))) or 0)
    link = QuickLink(title=title, url=url, icon=icon, service_id=service_id, position=position + 1)
    db.add(link)
    await db.flush()
    audit.record(
        db,
        actor,
        "quick_link_added",
        f"Added the quick link {title}",
        target_type="quick_link",
        target_id=link.id,
        target_label=title,
        details={"url": url, "service_id": service_id},
    )
    return link


async def remove(db: AsyncSession, actor: Actor, link_id: int) -> None:
    require_admin(actor)
    link = await db.get(QuickLink, link_id)
    if link is None:
        raise NotFound("There is no such link.")
    await db.delete(link)
    audit.record(
        db,
        actor,
        "quick_link_removed",
        f"Removed the quick link {link.title}",
        target_type="quick_link",
        target_id=link_id,
        target_label=link.title,
    )


async def move(db: AsyncSession, actor: Actor, link_id: int, up: bool) -> None:
    """Swaps the link with its neighbour (no audit entry: order is cosmetic)."""
    require_admin(actor)
    links = list(await list_links(db))
    index = next((i for i, link in enumerate(links) if link.id == link_id), None)
    if index is None:
        raise NotFound("There is no such link.")
    other = index - 1 if up else index + 1
    if 0 <= other < len(links):
        links[index], links[other] = links[other], links[index]
    for position, link in enumerate(links, start=1):
        link.position = position
