"""The files of one downloaded video next to each other: media, partials, sidecars, archive."""

from __future__ import annotations

import glob
import os
from pathlib import Path

ARCHIVE_NAME = ".medianest-archive.txt"
PARTIAL_SUFFIXES = (".part", ".ytdl", ".temp", ".tmp")


def _files_of(folder: Path, stem: str) -> list[Path]:
    return [
        Path(p) for p in glob.glob(os.path.join(glob.escape(str(folder)), glob.escape(stem) + ".*"))
    ]


def find_media_file(folder: Path, stem: str) -> Path | None:
    """The finished media file of one video (not a partial, thumbnail or info json)."""
    sidecars = (".jpg", ".jpeg", ".png", ".webp", ".json")
    for path in sorted(_files_of(folder, stem)):
        if not path.name.endswith(sidecars + PARTIAL_SUFFIXES) and ".part-Frag" not in path.name:
            return path
    return None


def remove_partials(folder: Path, stem: str) -> list[Path]:
    """Deletes ``.part``/``.ytdl``/fragment leftovers of one video; returns what went."""
    gone = []
    for path in _files_of(folder, stem):
        if path.name.endswith(PARTIAL_SUFFIXES) or ".part-Frag" in path.name:
            path.unlink(missing_ok=True)
            gone.append(path)
    return gone


def remove_item_files(folder: Path, stem: str) -> list[Path]:
    """Deletes every file of one video (media, partials, thumbnail, info json)."""
    gone = []
    for path in _files_of(folder, stem):
        if path.is_file():
            path.unlink(missing_ok=True)
            gone.append(path)
    return gone


def archive_path(folder: Path) -> Path:
    return folder / ARCHIVE_NAME
