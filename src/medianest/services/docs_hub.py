"""Docs pages as readers see them: rendered with today's server name and links, and searched.

Placeholders are filled at render time from live settings (branding) and the dashboard's quick
links, so the shipped pages follow changes without anyone editing them.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from medianest.persistence.models import DocsPage
from medianest.services import docs, quick_links
from medianest.services.docs_render import Section, fill_text, link_list, parse, render
from medianest.services.docs_search import Hit, Searchable, search
from medianest.services.live_settings import LiveSettings

DEFAULT_SERVER_NAME = "MediaNest"
SIGNED_OUT_LINKS = "<p>Sign in to see the links the server owner has set up.</p>"


@dataclass(frozen=True)
class RenderedPage:
    page: DocsPage
    title: str
    html: Markup  # sanitised by docs_render


class DocsHub:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], live: LiveSettings | None
    ) -> None:
        self.sessions = sessions
        self.live = live

    async def server_name(self) -> str:
        if self.live is None:
            return DEFAULT_SERVER_NAME
        return (await self.live.current()).server_name or DEFAULT_SERVER_NAME

    async def _values(self) -> dict[str, str]:
        return {"server_name": await self.server_name()}

    async def _blocks(self, db: AsyncSession, signed_in: bool) -> dict[str, str]:
        if not signed_in:
            return {"quick_links": SIGNED_OUT_LINKS}
        links = await quick_links.list_links(db)
        return {"quick_links": link_list([(link.title, link.url) for link in links])}

    async def titles(self, pages: list[DocsPage]) -> dict[int, str]:
        values = await self._values()
        return {page.id: fill_text(page.title, values) for page in pages}

    async def summaries(self, pages: list[DocsPage], chars: int = 140) -> dict[int, str]:
        """The opening words of each page, for the hub's cards."""
        values = await self._values()
        out: dict[int, str] = {}
        for page in pages:
            texts = [s.text for s in parse(page.body).sections if s.text.strip()]
            text = " ".join(fill_text(texts[0] if texts else "", values).split())
            out[page.id] = text if len(text) <= chars else text[:chars].rsplit(" ", 1)[0] + "…"
        return out

    async def render_page(self, db: AsyncSession, page: DocsPage, signed_in: bool) -> RenderedPage:
        values = await self._values()
        html = render(page.body, values, await self._blocks(db, signed_in))
        return RenderedPage(page, fill_text(page.title, values), Markup(html))  # noqa: S704

    async def preview(self, markdown: str) -> Markup:
        """The admin's draft through the very same sanitiser readers get."""
        blocks = {"quick_links": "<p>(The dashboard's quick links appear here.)</p>"}
        return Markup(render(markdown, await self._values(), blocks))  # noqa: S704

    async def search(self, db: AsyncSession, query: str, *, include_hidden: bool) -> list[Hit]:
        values = await self._values()
        pages = await docs.list_pages(db, include_hidden=include_hidden)
        searchable = [
            Searchable(
                page.slug,
                fill_text(page.title, values),
                tuple(
                    Section(
                        section.anchor,
                        fill_text(section.heading, values),
                        fill_text(section.text, values),
                    )
                    for section in parse(page.body).sections
                ),
            )
            for page in pages
        ]
        return search(searchable, query)

    async def seed(self) -> int:
        async with self.sessions.begin() as db:
            return await docs.seed_if_empty(db)
