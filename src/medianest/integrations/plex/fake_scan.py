"""Library scans of the fake Plex server: the real filesystem under a section's Location.

A refresh request returns at once; the scan runs later as a task on the server's event loop,
like PMS's background scanner, so clients must poll (``refreshing`` on the section, or the items).
Only files a scan added are removed when they disappear: seeded items have no files on disk.
Files that are still being written by yt-dlp (``.part``, ``.ytdl``, ``name.f137.mp4`` format
fragments, hidden files) are skipped, as they would be useless to a Plex client.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from pathlib import Path

from medianest.integrations.plex.fake_model import Item, Section, title_sort_for
from medianest.integrations.plex.fake_state import PlexFakeState

MEDIA_EXTENSIONS = frozenset(
    {".mp4", ".mkv", ".webm", ".m4v", ".mov", ".avi", ".ts"}
    | {".m4a", ".mp3", ".flac", ".opus", ".ogg", ".wav"}
)
SIDECAR_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp")
_FRAGMENT = re.compile(r"\.f\d+$")
_BRACKETS = re.compile(r"\s*\[[^\[\]]*\]")
_YEAR = re.compile(r"\s*\((\d{4})\)$")
_SXXEYY = re.compile(r"[sS](\d{1,3})[eE](\d{1,4})")
_SEASON_DIR = re.compile(r"^(?:season|series)\s*(\d+)$", re.IGNORECASE)


def title_from_file(path: Path) -> tuple[str, int | None]:
    """``My Clip (2021) [dQw4w9WgXcQ].mp4`` -> ("My Clip", 2021), as file scanners name things."""
    stem = _BRACKETS.sub("", path.stem).strip()
    year = None
    match = _YEAR.search(stem)
    if match:
        year = int(match.group(1))
        stem = stem[: match.start()].strip()
    return (stem or path.stem), year


def is_media(path: Path) -> bool:
    name = path.name
    if name.startswith(".") or path.suffix.lower() not in MEDIA_EXTENSIONS:
        return False
    return not _FRAGMENT.search(path.stem)


def walk(folder: Path) -> dict[str, int]:
    """Absolute path -> size of every media file under ``folder`` (or ``folder`` itself)."""
    if not folder.exists():
        return {}
    if folder.is_file():
        return {str(folder): folder.stat().st_size} if is_media(folder) else {}
    found: dict[str, int] = {}
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(root) / name
            if is_media(path):
                try:
                    found[str(path)] = path.stat().st_size
                except OSError:  # vanished between listing and stat
                    continue
    return found


def sidecar_for(file: str) -> Path | None:
    """A poster written next to the video (``name.jpg``), as yt-dlp's --write-thumbnail does."""
    base = Path(file)
    for ext in SIDECAR_EXTENSIONS:
        candidate = base.with_suffix(ext)
        if candidate.is_file():
            return candidate
    return None


def resolve_scan_folder(state: PlexFakeState, section: Section, raw: str | None) -> Path | None:
    """The folder to scan, or None when ``path`` is outside the section's Location."""
    root = Path(os.path.normpath(state.section_path(section)))
    if not raw:
        return root
    folder = Path(os.path.normpath(raw))
    return folder if folder == root or folder.is_relative_to(root) else None


def apply_scan(state: PlexFakeState, section: Section, folder: Path, found: dict[str, int]) -> int:
    """Add new files and drop vanished ones under ``folder``; returns the number of changes."""
    known = {
        i.file: i
        for i in list(state.items.values())
        if i.section_id == section.id and i.scanned and i.file
    }
    changes = 0
    for file, size in found.items():
        if file not in known:
            _add_file(state, section, Path(file), size)
            changes += 1
    for file, item in known.items():
        if file not in found and Path(file).is_relative_to(folder):
            _remove_scanned(state, item)
            changes += 1
    return changes


def _add_file(state: PlexFakeState, section: Section, path: Path, size: int) -> Item:
    now = int(time.time())
    title, year = title_from_file(path)
    item = Item(
        rk=state.new_rk(),
        type="movie" if section.type == "movie" else "episode",
        section_id=section.id,
        title=title,
        title_sort=title_sort_for(title),
        year=year,
        added_at=now,
        updated_at=now,
        file=str(path),
        file_size=size,
        scanned=True,
    )
    if section.type == "show":
        season, index = _episode_place(state, section, path)
        item.parent_rk = season.rk
        item.index = index
    return state.add_item(item)


def _episode_place(state: PlexFakeState, section: Section, path: Path) -> tuple[Item, int]:
    """Show from the first folder below the Location, season/episode from SxxEyy or folders."""
    rel = path.relative_to(os.path.normpath(state.section_path(section)))
    show_title = rel.parts[0] if len(rel.parts) > 1 else title_from_file(path)[0]
    match = _SXXEYY.search(path.stem)
    season_no = int(match.group(1)) if match else 1
    if not match:
        for part in rel.parts[1:-1]:
            folder = _SEASON_DIR.match(part)
            season_no = int(folder.group(1)) if folder else season_no
    show = _child(state, section, None, "show", show_title, None)
    season = _child(state, section, show.rk, "season", f"Season {season_no}", season_no)
    index = int(match.group(2)) if match else len(season.children or ()) + 1
    return season, index


def _child(
    state: PlexFakeState,
    section: Section,
    parent: int | None,
    kind: str,
    title: str,
    index: int | None,
) -> Item:
    """The scanned show or season with this title, created when missing."""
    for item in state.items.values():
        same_place = item.section_id == section.id and item.parent_rk == parent
        if same_place and item.type == kind and item.title == title:
            return item
    now = int(time.time())
    new = Item(
        rk=state.new_rk(),
        type=kind,
        section_id=section.id,
        title=title,
        title_sort=title_sort_for(title),
        index=index,
        parent_rk=parent,
        added_at=now,
        updated_at=now,
        scanned=True,
        children=[],
    )
    return state.add_item(new)


def _remove_scanned(state: PlexFakeState, item: Item) -> None:
    parent_rk = item.parent_rk
    state.remove_item(item.rk)
    while parent_rk is not None:  # drop seasons and shows the scan made that are now empty
        parent = state.items.get(parent_rk)
        if parent is None or not parent.scanned or parent.children:
            return
        parent_rk = parent.parent_rk
        state.remove_item(parent.rk)


async def run_scan(state: PlexFakeState, section: Section, folder: Path) -> None:
    """The background part of a refresh: wait, walk the disk, update the library."""
    await asyncio.sleep(state.scan_delay)
    # A hung scanner: refreshing stays on until the switch is cleared. The switch is a plain
    # attribute that tests flip from other threads, so it is polled rather than awaited.
    while state.scan_never_finishes:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    found = await asyncio.to_thread(walk, folder)
    now = int(time.time())
    if apply_scan(state, section, folder, found):
        section.updated_at = now
    section.scanned_at = now


def start_scan(state: PlexFakeState, section: Section, folder: Path) -> None:
    """Schedule a scan on the running loop and keep a reference so it is not collected."""
    section.active_scans += 1  # refreshing from the moment the request is answered
    task = asyncio.get_running_loop().create_task(_run_counted(state, section, folder))
    state.scan_tasks.add(task)
    task.add_done_callback(state.scan_tasks.discard)


async def _run_counted(state: PlexFakeState, section: Section, folder: Path) -> None:
    try:
        await run_scan(state, section, folder)
    finally:
        section.active_scans -= 1
