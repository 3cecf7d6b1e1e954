"""Search across docs pages: every word must appear in a section; snippets are escaped and marked.

Docs are a handful of pages, so searching the parsed text in memory is both simple and fast, and
it sees exactly what readers see (placeholders filled, Markdown syntax gone).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from markupsafe import Markup, escape

from medianest.services.docs_render import Section

MAX_QUERY = 200
MAX_RESULTS = 30
SNIPPET_CHARS = 160


@dataclass(frozen=True)
class Hit:
    slug: str
    page_title: str
    anchor: str
    heading: str
    snippet: Markup  # escaped text with <mark> around the matched words

    @property
    def href(self) -> str:
        return f"/docs/{self.slug}" + (f"#{self.anchor}" if self.anchor else "")


@dataclass(frozen=True)
class Searchable:
    slug: str
    title: str
    sections: tuple[Section, ...]


def terms_of(query: str) -> list[str]:
    words = re.findall(r"\w[\w'-]*", query[:MAX_QUERY].lower())
    return list(dict.fromkeys(words))[:10]


def _marked(text: str, terms: list[str]) -> Markup:
    pattern = re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)
    out = Markup()
    last = 0
    for match in pattern.finditer(text):
        out += escape(text[last : match.start()]) + Markup("<mark>%s</mark>") % match.group(0)
        last = match.end()
    return out + escape(text[last:])


def snippet(text: str, terms: list[str]) -> Markup:
    flat = " ".join(text.split())
    lower = flat.lower()
    first = min((lower.find(term) for term in terms if term in lower), default=0)
    start = max(0, first - SNIPPET_CHARS // 3)
    if start:
        space = flat.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    piece = flat[start : start + SNIPPET_CHARS]
    prefix = "…" if start else ""
    suffix = "…" if start + SNIPPET_CHARS < len(flat) else ""
    return escape(prefix) + _marked(piece, terms) + escape(suffix)


def search(pages: Iterable[Searchable], query: str) -> list[Hit]:
    """Sections holding every word, best first: title hits, then heading hits, then the rest."""
    terms = terms_of(query)
    if not terms:
        return []
    scored: list[tuple[int, int, Hit]] = []
    order = 0
    for page in pages:
        title = page.title.lower()
        title_only_seen = False
        for section in page.sections or (Section("", "", ""),):
            own = f"{section.heading} {section.text}".lower()
            if all(term in own for term in terms):
                pass
            elif all(term in f"{title} {own}" for term in terms) and not title_only_seen:
                title_only_seen = True  # the title alone matches: one hit for the page is enough
            else:
                continue
            title_hits = sum(term in title for term in terms)
            heading_hits = sum(term in section.heading.lower() for term in terms)
            body = section.text or section.heading or page.title
            hit = Hit(page.slug, page.title, section.anchor, section.heading, snippet(body, terms))
            scored.append((-(title_hits * 2 + heading_hits * 3), order, hit))
            order += 1
    scored.sort(key=lambda item: (item[0], item[1]))
    return [hit for _, _, hit in scored[:MAX_RESULTS]]
