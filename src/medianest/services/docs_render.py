"""Docs Markdown to safe HTML: markdown-it without raw HTML, then nh3 with an explicit allow-list.

Two layers on purpose: markdown-it never emits raw HTML from the source (``html: False``), and
nh3 removes whatever a future plugin or a parser bug might let through (scripts, event handlers,
``javascript:`` and ``data:`` URLs). Headings get stable ``id`` anchors (``## Title {#anchor}``
picks one explicitly) so that other pages can link to one FAQ entry.

Placeholders such as ``{{server_name}}`` are filled in after parsing, HTML-escaped, so a
branding change shows up at once and never changes the anchors.

markdown-it is loaded by the first page rendered, not at start.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING

import nh3

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
ALLOWED_TAGS = HEADINGS | {
    "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    **{tag: {"id"} for tag in HEADINGS},
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
}
DROPPED_WITH_CONTENT = {
    "script", "style", "iframe", "object", "embed", "noscript", "template", "svg", "math",
    "textarea", "select", "title",
}  # fmt: skip
URL_SCHEMES = {"http", "https", "mailto"}
# Ids the page around a docs page already uses: a heading must not take one of them.
RESERVED_IDS = {"main", "toasts", "live-indicator", "theme-toggle", "docs-results", "docs-search"}

_EXPLICIT_ANCHOR = re.compile(r"\s*\{#([a-z0-9]+(?:-[a-z0-9]+)*)\}\s*$")
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
_BLOCK_PLACEHOLDER = re.compile(r"<p>\{\{\s*([a-z_]+)\s*\}\}</p>")

_sanitizer = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    clean_content_tags=DROPPED_WITH_CONTENT,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=URL_SCHEMES,
    link_rel="noopener noreferrer",
    strip_comments=True,
)


@cache
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    return md.enable(["table", "strikethrough"])


@dataclass(frozen=True)
class Section:
    """One heading and the plain text under it (what search looks in and links to)."""

    anchor: str
    heading: str
    text: str


@dataclass(frozen=True)
class Parsed:
    html: str
    sections: tuple[Section, ...]


def slugify(text: str) -> str:
    """Lowercase words joined by dashes: ``"Rate limit reached?"`` -> ``rate-limit-reached``."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(words)[:60].strip("-") or "section"


def _inline_text(token: Token) -> str:
    parts: list[str] = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)
    return "".join(parts)


def _strip_explicit_anchor(inline: Token) -> str | None:
    """Removes a trailing ``{#anchor}`` from the heading and returns the anchor."""
    children = inline.children or []
    if not children or children[-1].type != "text":
        return None
    match = _EXPLICIT_ANCHOR.search(children[-1].content)
    if match is None:
        return None
    children[-1].content = children[-1].content[: match.start()]
    inline.content = _EXPLICIT_ANCHOR.sub("", inline.content)
    return match.group(1)


def _unique(anchor: str, used: set[str]) -> str:
    candidate = f"{anchor}-section" if anchor in RESERVED_IDS else anchor
    number = 2
    while candidate in used:
        candidate, number = f"{anchor}-{number}", number + 1
    used.add(candidate)
    return candidate


@lru_cache(maxsize=256)
def parse(markdown: str) -> Parsed:
    """Sanitised HTML (placeholders still in it) and the page's sections; cached by source."""
    md = _markdown()
    tokens = md.parse(markdown)
    used: set[str] = set()
    sections: list[Section] = []
    anchor, heading, text = "", "", list[str]()
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and index + 1 < len(tokens):
            inline = tokens[index + 1]
            explicit = _strip_explicit_anchor(inline)
            title = _inline_text(inline).strip()
            if heading or text:
                sections.append(Section(anchor, heading, " ".join(text)))
            anchor, heading, text = _unique(explicit or slugify(title), used), title, []
            token.attrSet("id", anchor)
        elif token.type == "inline" and not (index and tokens[index - 1].type == "heading_open"):
            text.append(_inline_text(token))
        elif token.type in ("fence", "code_block"):
            text.append(token.content)
    if heading or text:
        sections.append(Section(anchor, heading, " ".join(t for t in text if t)))
    rendered = md.renderer.render(tokens, md.options, {})
    return Parsed(sanitize(rendered), tuple(sections))


def sanitize(fragment: str) -> str:
    """The allow-list pass every docs fragment goes through, whatever produced it."""
    return _sanitizer.clean(fragment)


def fill(fragment: str, values: Mapping[str, str], blocks: Mapping[str, str] | None = None) -> str:
    """Fills placeholders: ``values`` as escaped text, ``blocks`` (HTML) for a whole paragraph."""
    blocks = blocks or {}

    def block(match: re.Match[str]) -> str:
        name = match.group(1)
        return blocks[name] if name in blocks else match.group(0)

    def inline(match: re.Match[str]) -> str:
        name = match.group(1)
        return html.escape(values[name]) if name in values else match.group(0)

    return sanitize(_PLACEHOLDER.sub(inline, _BLOCK_PLACEHOLDER.sub(block, fragment)))


def fill_text(text: str, values: Mapping[str, str]) -> str:
    """The same placeholders in plain text (titles, search snippets); unknown ones stay."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def render(
    markdown: str, values: Mapping[str, str], blocks: Mapping[str, str] | None = None
) -> str:
    """Markdown to safe HTML with the placeholders filled."""
    return fill(parse(markdown).html, values, blocks)


def link_list(links: Sequence[tuple[str, str]]) -> str:
    """An HTML list of (title, http(s) URL) links, escaped; sanitised again by ``fill``."""
    if not links:
        return "<p>No links have been set up yet.</p>"
    items = "".join(
        f'<li><a href="{html.escape(url, quote=True)}">{html.escape(title)}</a></li>'
        for title, url in links
    )
    return f"<ul>{items}</ul>"
