"""Docs hub pages: reading, and the admin's changes (add, edit, reorder, hide, delete, restore).

Every change is admin-only and written to the audit log with the old and new values.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from medianest.domain.errors import InvalidInput, NotFound
from medianest.domain.users import Actor
from medianest.persistence.models import DocsPage
from medianest.services import audit, runtime_settings
from medianest.services.docs_defaults import DEFAULT_PAGES, DefaultPage
from medianest.services.users import require_admin

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
RESERVED_SLUGS = {"search", "new"}  # taken by /docs/search and /admin/docs/new
MAX_TITLE = 120
MAX_SLUG = 80
MAX_BODY = 100_000
SEEDED_KEY = "docs.defaults_seeded"
AUDIT_BODY_CHARS = 4_000  # old and new bodies in an audit entry are cut to this


@dataclass(frozen=True)
class PageInput:
    title: str
    slug: str
    body: str


class PageInvalid(InvalidInput):
    """What is wrong with a page form, per field (``errors``), for inline messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        field, message = next(iter(errors.items()))
        super().__init__(message, field)
        self.errors = errors


async def list_pages(db: AsyncSession, *, include_hidden: bool = False) -> list[DocsPage]:
    query = select(DocsPage).order_by(DocsPage.position, DocsPage.id)
    if not include_hidden:
        query = query.where(DocsPage.hidden.is_(False))
    return list(await db.scalars(query))


async def find(db: AsyncSession, slug: str, *, include_hidden: bool = False) -> DocsPage | None:
    page = await db.scalar(select(DocsPage).where(DocsPage.slug == slug))
    if page is None or (page.hidden and not include_hidden):
        return None
    return page


async def get(db: AsyncSession, page_id: int) -> DocsPage:
    page = await db.get(DocsPage, page_id)
    if page is None:
        raise NotFound("There is no such docs page.")
    return page


async def _check(db: AsyncSession, data: PageInput, page_id: int | None) -> PageInput:
    title = " ".join(data.title.split())
    slug = data.slug.strip()
    body = data.body.replace("\r\n", "\n")
    errors: dict[str, str] = {}
    if not title or len(title) > MAX_TITLE:
        errors["title"] = f"Give the page a title of at most {MAX_TITLE} characters."
    if not slug or len(slug) > MAX_SLUG or not SLUG.match(slug):
        errors["slug"] = (
            "Use lowercase letters, digits and single dashes between them, "
            f"e.g. “house-rules” (at most {MAX_SLUG} characters)."
        )
    elif slug in RESERVED_SLUGS:
        errors["slug"] = f"“{slug}” is used by MediaNest itself; choose another address."
    else:
        other = await db.scalar(select(DocsPage.id).where(DocsPage.slug == slug))
        if other is not None and other != page_id:
            errors["slug"] = f"Another page already uses the address /docs/{slug}."
    if len(body) > MAX_BODY:
        errors["body"] = f"The page is too long (at most {MAX_BODY:,} characters)."
    if errors:
        raise PageInvalid(errors)
    return PageInput(title, slug, body)


def _state(page: DocsPage) -> dict[str, Any]:
    return {
        "title": page.title,
        "slug": page.slug,
        "hidden": page.hidden,
        "position": page.position,
        "body": page.body[:AUDIT_BODY_CHARS],
        "body_length": len(page.body),
    }


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    changed = [key for key in after if before.get(key) != after[key]]
    return {
        "old": {key: before.get(key) for key in changed},
        "new": {key: after[key] for key in changed},
    }


def _record(
    db: AsyncSession,
    actor: Actor,
    action: str,
    summary: str,
    page: DocsPage,
    details: dict[str, Any],
) -> None:
    audit.record(
        db,
        actor,
        action,
        summary,
        target_type="docs_page",
        target_id=page.id,
        target_label=page.title,
        details=details,
    )


async def _next_position(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.coalesce(func.max(DocsPage.position), 0))) or 0) + 1


async def create(db: AsyncSession, actor: Actor, data: PageInput) -> DocsPage:
    require_admin(actor)
    clean = await _check(db, data, None)
    return await _append(db, actor, clean, "docs_page_added", "Added the docs page")


async def _append(
    db: AsyncSession, actor: Actor, data: PageInput, action: str, summary: str
) -> DocsPage:
    """A new visible page at the end of the list, audited."""
    page = DocsPage(
        title=data.title,
        slug=data.slug,
        body=data.body,
        position=await _next_position(db),
        hidden=False,
        updated_by_id=actor.user_id,
    )
    db.add(page)
    await db.flush()
    _record(db, actor, action, f"{summary} {page.title}", page, {"old": None, "new": _state(page)})
    return page


async def update(db: AsyncSession, actor: Actor, page_id: int, data: PageInput) -> DocsPage:
    require_admin(actor)
    page = await get(db, page_id)
    clean = await _check(db, data, page_id)
    before = _state(page)
    page.title, page.slug, page.body = clean.title, clean.slug, clean.body
    page.updated_by_id = actor.user_id
    after = _state(page)
    if before != after:
        await db.flush()
        _record(
            db, actor, "docs_page_changed", f"Changed the docs page {page.title}", page,
            _changes(before, after),
        )  # fmt: skip
    return page


async def set_hidden(db: AsyncSession, actor: Actor, page_id: int, hidden: bool) -> DocsPage:
    require_admin(actor)
    page = await get(db, page_id)
    if page.hidden != hidden:
        page.hidden = hidden
        page.updated_by_id = actor.user_id
        verb = "Hid" if hidden else "Showed"
        _record(
            db, actor, "docs_page_hidden" if hidden else "docs_page_shown",
            f"{verb} the docs page {page.title}", page,
            {"old": {"hidden": not hidden}, "new": {"hidden": hidden}},
        )  # fmt: skip
    return page


async def move(db: AsyncSession, actor: Actor, page_id: int, *, up: bool) -> None:
    """Swaps the page with its neighbour in the list and renumbers all positions from 1."""
    require_admin(actor)
    pages = await list_pages(db, include_hidden=True)
    index = next((i for i, page in enumerate(pages) if page.id == page_id), None)
    if index is None:
        raise NotFound("There is no such docs page.")
    before = [page.slug for page in pages]
    other = index - 1 if up else index + 1
    if 0 <= other < len(pages):
        pages[index], pages[other] = pages[other], pages[index]
    for position, page in enumerate(pages, start=1):
        page.position = position
    after = [page.slug for page in pages]
    if before != after:
        moved = pages[other]
        _record(
            db, actor, "docs_pages_reordered",
            f"Moved the docs page {moved.title} {'up' if up else 'down'}", moved,
            {"old": {"order": before}, "new": {"order": after}},
        )  # fmt: skip


async def delete(db: AsyncSession, actor: Actor, page_id: int) -> DocsPage:
    require_admin(actor)
    page = await get(db, page_id)
    _record(
        db, actor, "docs_page_deleted", f"Deleted the docs page {page.title}", page,
        {"old": _state(page), "new": None},
    )  # fmt: skip
    await db.delete(page)
    return page


async def missing_defaults(db: AsyncSession) -> list[DefaultPage]:
    """Shipped pages whose address no page uses any more (deleted, or renamed)."""
    slugs = set(await db.scalars(select(DocsPage.slug)))
    return [default for default in DEFAULT_PAGES if default.slug not in slugs]


async def restore_defaults(db: AsyncSession, actor: Actor) -> list[DocsPage]:
    """Adds back the shipped pages that are missing, at the end of the list."""
    require_admin(actor)
    restored: list[DocsPage] = []
    for default in await missing_defaults(db):
        data = PageInput(default.title, default.slug, default.body)
        summary = "Restored the default docs page"
        restored.append(await _append(db, actor, data, "docs_page_restored", summary))
    return restored


async def seed_if_empty(db: AsyncSession) -> int:
    """A fresh install gets the shipped pages, once: a hub the admin has emptied stays empty
    (the shipped pages come back with "Restore default pages")."""
    if await runtime_settings.get_value(db, SEEDED_KEY, False):
        return 0
    await runtime_settings.set_value(db, SEEDED_KEY, True)
    if await db.scalar(select(func.count()).select_from(DocsPage)):
        return 0
    for position, default in enumerate(DEFAULT_PAGES, start=1):
        db.add(
            DocsPage(title=default.title, slug=default.slug, body=default.body, position=position)
        )
    return len(DEFAULT_PAGES)


def ordered(pages: Sequence[DocsPage]) -> list[DocsPage]:
    return sorted(pages, key=lambda page: (page.position, page.id))
