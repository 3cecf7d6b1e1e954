"""MediaNest's guarded YoutubeDL lists its extractors once per process instead of in every
``YoutubeDL()``; it must still try the same sites, in the same order, as yt-dlp itself."""

from __future__ import annotations

from yt_dlp import YoutubeDL

from medianest.integrations.youtube.ydl import GuardedYDL


def test_the_guarded_downloader_knows_the_sites_yt_dlp_knows_in_its_order() -> None:
    stock = YoutubeDL({"quiet": True})
    guarded = GuardedYDL({"quiet": True}, lambda _url: None)
    assert list(guarded._ies) == list(stock._ies)
    assert all(guarded._ies[key] is stock._ies[key] for key in stock._ies)
    assert "Youtube" in guarded._ies and "Generic" in guarded._ies
