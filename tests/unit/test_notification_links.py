"""A notification links only to a page of this site, never off-site."""

from __future__ import annotations

from typing import Any, cast

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from medianest.services.notifications import NewNotification, add


class _Rows:
    """Stands in for the session: ``add`` only hands it the new rows."""

    def __init__(self) -> None:
        self.rows: list[Any] = []

    def add_all(self, rows: list[Any]) -> None:
        self.rows.extend(rows)


def link_of(link: str | None) -> str | None:
    rows = add(cast(AsyncSession, _Rows()), [1], NewNotification("test", "Title", link=link))
    return rows[0].link


@pytest.mark.parametrize(
    "link", ["//evil.example", "/\\evil.example", "/ok/\\evil", "https://evil.example", "", None]
)
def test_off_site_links_are_refused(link: str | None) -> None:
    assert link_of(link) is None


def test_local_paths_are_kept() -> None:
    assert link_of("/downloads") == "/downloads"
    assert link_of("/library/collections/12?tab=all") == "/library/collections/12?tab=all"
    assert link_of("/" + "a" * 600) == "/" + "a" * 499
