"""Docs Markdown is rendered safely: no scripts, event handlers or dangerous URLs survive."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from medianest.services.docs_defaults import DEFAULT_PAGES, FAQ_ANCHORS
from medianest.services.docs_render import parse, render
from medianest.services.docs_search import Searchable, search

NAME = {"server_name": "Home Plex"}


class _Tags(HTMLParser):
    """Every start tag with its attributes, as a browser would parse them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def _tags(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def _assert_safe(html: str) -> None:
    for tag, attrs in _tags(html):
        assert tag not in {"script", "style", "iframe", "object", "embed", "svg"}, html
        for name, value in attrs:
            assert not name.startswith("on"), html
            if name in ("href", "src"):
                # How a browser reads the scheme (after dropping tabs and newlines).
                url = re.sub(r"[\t\n\r]", "", value or "").strip()
                scheme = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", url)
                assert scheme is None or scheme[1].lower() in ("http", "https", "mailto"), html


def test_script_tags_and_raw_html_are_not_rendered() -> None:
    html = render("Hi <script>alert(1)</script>\n\n<iframe src='https://x'></iframe>", NAME)
    _assert_safe(html)
    assert "<script" not in html and "<iframe" not in html
    assert "&lt;script&gt;" in html  # shown as text, harmlessly


def test_javascript_and_data_links_are_dropped() -> None:
    html = render(
        "[a](javascript:alert(1)) [b](JAVASCRIPT:alert(1)) [c](data:text/html,<b>x</b>) "
        "![d](data:image/svg+xml;base64,PHN2Zz4=) <javascript:alert(1)>",
        NAME,
    )
    _assert_safe(html)
    urls = [v or "" for _, attrs in _tags(html) for n, v in attrs if n in ("href", "src")]
    assert not [url for url in urls if "javascript" in url.lower() or "data:" in url.lower()]
    assert "<a " not in html and "<img" not in html  # the links stay plain text


def test_event_handler_attributes_are_stripped() -> None:
    html = render('<img src=x onerror="alert(1)">\n\n<a href="/" onclick="x()">a</a>', NAME)
    _assert_safe(html)
    assert not any(n.startswith("on") for _, attrs in _tags(html) for n, _ in attrs)


def test_ordinary_links_code_and_tables_are_kept() -> None:
    html = render(
        "See [Plex](https://app.plex.tv), [FAQ](/docs/faq#rate-limit) or "
        "[mail](mailto:owner@example.org).\n\n```\nif a < b: print('<ok>')\n```\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n",
        NAME,
    )
    assert '<a href="https://app.plex.tv" rel="noopener noreferrer">Plex</a>' in html
    assert 'href="/docs/faq#rate-limit"' in html
    assert 'href="mailto:owner@example.org"' in html
    assert "<pre><code>if a &lt; b: print('&lt;ok&gt;')" in html
    assert "<table>" in html and "<td>2</td>" in html


def test_headings_get_stable_anchors_and_the_server_name_is_escaped() -> None:
    html = render(
        "# Hello {{server_name}}\n\n## Rate limit? {#rate-limit}\n\n## Main\n",
        {"server_name": '"><script>x</script>'},
    )
    assert 'id="hello-server-name"' in html  # independent of the name
    assert '<h2 id="rate-limit">Rate limit?</h2>' in html
    assert 'id="main-section"' in html  # never clashes with the page's own ids
    assert "&lt;script&gt;" in html and "<script" not in html


def test_default_faq_has_every_linked_anchor() -> None:
    faq = next(page for page in DEFAULT_PAGES if page.slug == "faq")
    anchors = {section.anchor for section in parse(faq.body).sections}
    assert set(FAQ_ANCHORS) <= anchors


def test_search_marks_words_and_escapes_text() -> None:
    pages = [
        Searchable("faq", "FAQ", parse("## Limits {#rate-limit}\n\nWait <b>an hour</b>.").sections)
    ]
    hits = search(pages, "hour")
    assert [hit.href for hit in hits] == ["/docs/faq#rate-limit"]
    assert str(hits[0].snippet) == "Wait &lt;b&gt;an <mark>hour</mark>&lt;/b&gt;."
    assert search(pages, "<script>") == []


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("<>\"'=/ ():#[]!`\n-*_abcjsvrptonerlim&;x")), max_size=200
    )
)
def test_no_markdown_ever_yields_scripts_or_handlers(source: str) -> None:
    for text in (source, f"<script>{source}", f'<img src=x onerror="{source}">', f"[x]({source})"):
        _assert_safe(render(text, NAME))
