"""URLs and small formatting helpers the library templates use (MediaNest URLs only), and the
poster card.

The card is made here rather than by a template macro: a grid has up to 200 of them, and the
macro was the dearest part of an uncached page. Every value goes through ``escape``, as in the
autoescaping templates (``Markup.format`` would too, but costs more than the macro).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import quote_plus

from markupsafe import Markup, escape

from medianest.domain.library import IMAGE_SIZES, format_duration
from medianest.integrations.plex.models import ItemType, MediaItem
from medianest.services.library_views import Degraded

IMAGE_ROUTE = "/library/images"
_TYPE_WORDS = {
    ItemType.MOVIE: ("movie", "movies"),
    ItemType.SHOW: ("show", "shows"),
    ItemType.ARTIST: ("artist", "artists"),
    ItemType.PHOTO: ("photo", "photos"),
}
_STILL_SIZES = 'sizes="(max-width: 760px) 92vw, 440px" alt="" loading="lazy" decoding="async" width="320" height="180"'
_POSTER_SIZES = 'sizes="(max-width: 760px) 46vw, 220px" alt="" loading="lazy" decoding="async" width="240" height="360"'


@lru_cache(maxsize=8192)
def _quoted(path: str) -> str:
    return quote_plus(path)  # as urlencode writes it; a poster is asked for in several sizes


def image_url(path: str | None, width: int, height: int) -> str | None:
    if not path:
        return None
    return f"{IMAGE_ROUTE}?path={_quoted(path)}&w={int(width)}&h={int(height)}"


class Links:
    """Passed to templates as ``lib``: poster and backdrop URLs in the offered sizes."""

    @staticmethod
    def poster(path: str | None, size: int = 1) -> str | None:
        width, height = IMAGE_SIZES["poster"][size]
        return image_url(path, width, height)

    @staticmethod
    def poster_srcset(path: str | None) -> str:
        if not path:
            return ""
        urls = ((image_url(path, w, h), w) for w, h in IMAGE_SIZES["poster"])
        return ", ".join(f"{url} {w}w" for url, w in urls if url)

    @staticmethod
    def art(path: str | None, large: bool = False) -> str | None:
        width, height = IMAGE_SIZES["art"][1 if large else 0]
        return image_url(path, width, height)

    @staticmethod
    def still(path: str | None) -> str | None:
        width, height = IMAGE_SIZES["still"][0]
        return image_url(path, width, height)

    @staticmethod
    def still_srcset(path: str | None) -> str:
        if not path:
            return ""
        urls = ((image_url(path, w, h), w) for w, h in IMAGE_SIZES["still"])
        return ", ".join(f"{url} {w}w" for url, w in urls if url)

    @staticmethod
    def is_wide(item: MediaItem) -> bool:
        """Episodes, clips and trailers have landscape pictures: their cards keep that shape."""
        return item.type in {ItemType.EPISODE, ItemType.CLIP, ItemType.TRAILER}

    @staticmethod
    def duration(ms: int | None) -> str | None:
        return format_duration(ms)

    @staticmethod
    def count_words(count: int | None, kind: ItemType) -> str:
        if count is None:
            return "count unavailable"
        one, many = _TYPE_WORDS.get(kind, ("item", "items"))
        return f"{count:,} {one if count == 1 else many}"

    @staticmethod
    def item_href(item: MediaItem) -> str:
        if item.type is ItemType.COLLECTION:
            return f"/library/collections/{item.rating_key}"
        return f"/library/items/{item.rating_key}"

    @staticmethod
    def subtitle(item: MediaItem) -> str:
        """What goes under a title on a card: the year, or where an episode belongs."""
        if item.type is ItemType.EPISODE:
            season = f"S{item.parent_index}" if item.parent_index is not None else ""
            episode = f"E{item.index}" if item.index is not None else ""
            return " · ".join(p for p in (item.grandparent_title, season + episode) if p)
        if item.type is ItemType.SEASON:
            return item.parent_title or ""
        if item.type is ItemType.COLLECTION:
            return f"{item.child_count or 0} items"
        return str(item.year) if item.year else ""

    @classmethod
    def card(cls, item: MediaItem, wide: bool = False) -> Markup:
        """A card linking to the item: its picture (landscape for episodes and clips), its
        title, and its year or place in its show. Every value is escaped."""
        wide = wide or cls.is_wide(item)
        image = ""
        if item.thumb:
            src, srcset, sizes = (
                (cls.still(item.thumb), cls.still_srcset(item.thumb), _STILL_SIZES)
                if wide
                else (cls.poster(item.thumb), cls.poster_srcset(item.thumb), _POSTER_SIZES)
            )
            image = f'<img src="{escape(src)}" srcset="{escape(srcset)}" {sizes}>'
        sub = cls.subtitle(item)
        meta = f'<span class="poster-meta">{escape(sub)}</span>' if sub else ""
        return Markup(  # noqa: S704 - every value in it is escaped above or here
            f'<a class="poster-card{" poster-card-wide" if wide else ""}"'
            f' href="{escape(cls.item_href(item))}">\n'
            '  <span class="poster-frame">\n'
            f'    <span class="poster-fallback" aria-hidden="true">{escape((item.title or "?")[:1])}'
            f"</span>{image}\n"
            "  </span>\n"
            f'  <span class="poster-title">{escape(item.title or "Untitled")}</span>{meta}\n'
            "</a>"
        )


LINKS = Links()


def notices(*degraded: Degraded | None) -> list[dict[str, Any]]:
    """The base template's notice bar entries for whatever went wrong with Plex."""
    seen: list[dict[str, Any]] = []
    for notice in degraded:
        if notice is not None and all(n["text"] != notice.text for n in seen):
            seen.append({"level": "warning", "text": notice.text})
    return seen
