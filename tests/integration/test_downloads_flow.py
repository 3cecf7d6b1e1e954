"""YouTube downloads end to end: real yt-dlp against the media-host fake, the real Huey consumer,
and the fake Plex server scanning what was written and holding the collections."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from medianest.config import Settings
from medianest.persistence.models import Notification
from tests.conftest import Login, PlexWorld
from tests.support.downloads import (
    MediaHost,
    api_post,
    download_overrides,
    files_under,
    finished,
    mtimes,
    start,
)


@pytest.fixture
def settings_overrides(media_host: MediaHost, plex_world: PlexWorld) -> dict[str, object]:
    return download_overrides(media_host, plex_world)


def _collection(plex_world: PlexWorld, key: str) -> tuple[str, set[str]]:
    item = plex_world.plex.items[int(key)]
    members = {str(plex_world.plex.items[rk].file) for rk in item.children or ()}
    return item.title, members


async def test_single_video_lands_in_the_users_folder_with_sidecars(
    login: Login, settings: Settings, media_host: MediaHost
) -> None:
    alice = await login("alice")
    job = await start(alice, media_host.watch("single-sunrise"), "480p")
    assert job["state"] == "queued" and job["kind"] == "video" and job["totals"]["count"] == 1
    done = await finished(alice, job["id"])
    assert done["state"] == "completed", done
    assert done["items"][0]["state"] == "done" and done["totals"]["percent"] == 100.0
    root = settings.download_dir
    assert root is not None
    names = [p.relative_to(root).as_posix() for p in files_under(root)]
    stem = "alice/Videos/Sunrise Timelapse (1) [single-sunrise-1]"
    assert f"{stem}.mp4" in names and f"{stem}.jpg" in names and f"{stem}.info.json" in names
    info = json.loads((root / f"{stem}.info.json").read_text())
    assert info["height"] == 180  # 480p cap picked the 180p source over the 720p one
    assert not [n for n in names if n.endswith(".part")]
    assert done["plex"]["state"] == "done"  # found in Plex, no collection for one video


async def test_best_quality_picks_the_larger_source(
    login: Login, settings: Settings, media_host: MediaHost
) -> None:
    bob = await login("bob")
    job = await start(bob, media_host.watch("single-sunrise"), "best")
    done = await finished(bob, job["id"])
    assert done["state"] == "completed"
    info = next(
        p for p in files_under(settings.download_dir or Path()) if p.name.endswith(".info.json")
    )
    assert json.loads(info.read_text())["height"] == 720


async def test_rss_playlist_becomes_a_plex_collection_then_grows(
    login: Login, settings: Settings, media_host: MediaHost, plex_world: PlexWorld, app: object
) -> None:
    alice = await login("alice")
    state = media_host.state
    playlist = state.playlists["synthwave-study-mix"]
    original = list(playlist.video_ids)
    job = await start(alice, media_host.rss("synthwave-study-mix"))
    assert job["totals"]["count"] == 3 and job["title"] == "Synthwave Study Mix"
    done = await finished(alice, job["id"])
    assert done["state"] == "completed", done
    assert done["plex"]["state"] == "done" and done["plex"]["link"].startswith(
        "/library/collections/"
    )
    key = done["plex"]["collection_key"]
    title, members = _collection(plex_world, key)
    assert title == "Synthwave Study Mix" and len(members) == 3
    folder = Path(next(iter(members))).parent
    assert folder.name.startswith("Synthwave Study Mix [") and folder.parent.name == "alice"
    assert sorted(Path(m).name[:6] for m in members) == ["001 - ", "002 - ", "003 - "]

    # The playlist gets a new video: downloading it again fetches only that one (the archive)
    # and adds it to the same collection.
    before = mtimes(members)
    state.add_video("synth-bonus", "Bonus Track")
    playlist.video_ids.append("synth-bonus")
    try:
        again = await start(alice, media_host.rss("synthwave-study-mix"))
        second = await finished(alice, again["id"])
    finally:
        playlist.video_ids[:] = original
    assert second["state"] == "completed"
    assert [i["state"] for i in second["items"]] == ["skipped", "skipped", "skipped", "done"]
    assert second["plex"]["collection_key"] == key
    assert len(_collection(plex_world, key)[1]) == 4
    assert mtimes(members) == before  # not fetched again

    async with app.state.container.sessions() as db:  # type: ignore[attr-defined]
        notes = list(await db.scalars(select(Notification).order_by(Notification.id)))
    assert notes[0].kind == "download_finished" and notes[0].link == f"/library/collections/{key}"


async def test_partial_failure_lists_what_failed_and_why(
    login: Login, settings: Settings, media_host: MediaHost, plex_world: PlexWorld
) -> None:
    alice = await login("alice")
    job = await start(alice, media_host.rss("broken-mixtape"))
    done = await finished(alice, job["id"])
    assert done["state"] == "partially_completed", done
    assert [f["title"] for f in done["failures"]] == ["Broken Mixtape: Deleted Track"]
    assert "404" in (done["failures"][0]["error"] or "")
    assert done["retryable"] and done["plex"]["collection_key"]
    assert len(_collection(plex_world, done["plex"]["collection_key"])[1]) == 2

    media_host.state.set_missing("broken-gone", False)  # the video is back: retry gets it
    retried = await api_post(alice, f"/api/v1/downloads/{job['id']}/retry")
    assert retried.status_code == 200 and retried.json()["state"] == "queued"
    again = await finished(alice, job["id"])
    assert again["state"] == "completed" and again["failures"] == []
    assert len(_collection(plex_world, again["plex"]["collection_key"])[1]) == 3


async def test_tricky_titles_stay_inside_the_download_root(
    login: Login, settings: Settings, media_host: MediaHost
) -> None:
    bob = await login("bob")
    job = await start(bob, media_host.rss("odds-and-ends"), "720p")
    done = await finished(bob, job["id"])
    assert done["state"] == "completed", done
    root = (settings.download_dir or Path()).resolve()
    media = [p for p in files_under(root) if p.suffix == ".mp4"]
    assert len(media) == 6
    for path in media:
        assert path.resolve().is_relative_to(root / "bob")
        assert len(path.name.encode()) <= 255 and "/" not in path.name and "\\" not in path.name
        assert not path.name.startswith(".") and ".." not in path.relative_to(root).parts
    names = {p.name for p in media}
    assert {
        "001 - etc passwd [tricky-traversal].mp4",
        "002 - a b c [tricky-slashes].mp4",
        "004 - script alert(1) script [tricky-script].mp4",
        "005 - Emoji 🎬🍿 party 🎉 — naïve café [tricky-emoji].mp4",
        "006 - Quotes double 'single' & ampersand; pipe star what [tricky-quotes].mp4",
    } <= names
    long_name = next(n for n in names if n.startswith("003 - Very long title"))
    assert long_name.endswith(" [tricky-long].mp4") and len(long_name.encode()) < 160
    assert media[0].parent.name.startswith("Odds & Ends Weird Titles [")
    assert not (root.parent / "etc").exists()


@pytest.mark.parametrize("kind", ["html", "rss"])
async def test_a_playlist_page_is_fetched_once_per_job_not_once_per_video(
    login: Login, settings: Settings, media_host: MediaHost, kind: str
) -> None:
    alice = await login("alice")
    page = f"/playlist/cozy-cooking-basics.{kind}"
    job = await start(alice, f"{media_host.url}{page}", "480p")
    done = await finished(alice, job["id"])
    assert done["state"] == "completed" and done["totals"]["done"] == 4, done
    fetches = [r for r in media_host.state.requests if r.path == page]
    # The URL guard's redirect check (headers only), then one listing by yt-dlp, as its own
    # command line does; none per video (it was 2 + 4 here).
    assert len(fetches) == 2, fetches
    media = [p for p in files_under(settings.download_dir or Path()) if p.suffix == ".mp4"]
    assert len(media) == 4


async def test_playlist_videos_get_their_real_titles_in_plex_in_playlist_order(
    login: Login, media_host: MediaHost, plex_world: PlexWorld
) -> None:
    bob = await login("bob")
    job = await start(bob, media_host.rss("cozy-cooking-basics"))
    done = await finished(bob, job["id"])
    assert done["state"] == "completed" and done["plex"]["state"] == "done", done
    coll = plex_world.plex.items[int(done["plex"]["collection_key"])]
    members = [plex_world.plex.items[rk] for rk in coll.children or ()]
    by_sort = sorted(members, key=lambda i: i.sort_title)
    videos = media_host.state.playlists["cozy-cooking-basics"].video_ids
    assert [i.title for i in by_sort] == [media_host.state.videos[v].title for v in videos]
    assert by_sort[2].title == "The French Omelette, Slowly"  # not "003 - The French Omelette…"
    assert all({"title", "titleSort"} <= set(i.locked) for i in members)  # a rescan keeps them


async def test_a_refused_title_edit_still_completes_the_job(
    login: Login, media_host: MediaHost, plex_world: PlexWorld
) -> None:
    bob = await login("bob")
    plex_world.plex.refuse_edits = True
    try:
        job = await start(bob, media_host.rss("synthwave-study-mix"))
        done = await finished(bob, job["id"])
    finally:
        plex_world.plex.refuse_edits = False
    assert done["state"] == "completed" and done["plex"]["state"] == "done", done
    coll = plex_world.plex.items[int(done["plex"]["collection_key"])]
    titles = sorted(plex_world.plex.items[rk].title for rk in coll.children or ())
    assert titles[0].startswith("001 - ")  # left as the scanner named it
