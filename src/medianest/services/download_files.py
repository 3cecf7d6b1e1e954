"""Where download files live, and removing them again (all confined to the download root)."""

from __future__ import annotations

import dataclasses
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from medianest.config import Settings
from medianest.domain.download_safety import inside
from medianest.domain.errors import InvalidInput
from medianest.integrations.youtube.client import archive_path, remove_item_files, remove_partials
from medianest.observability.logging import get_logger
from medianest.services.live_settings import LiveSettings

log = get_logger(__name__)


@dataclass(frozen=True)
class DownloadConfig:
    """The download settings the services use, read once from :class:`Settings`.

    The limits the admin may change (concurrency, jobs per hour, playlist size, disk floor) are
    the environment's defaults here; :meth:`tuned` gives the values in force right now.
    """

    root: Path
    concurrency: int
    jobs_per_hour: int
    max_playlist: int
    min_free_bytes: int
    rate_limit_bps: int | None
    plex_wait_seconds: float
    stale_seconds: float
    plex_section: str | None
    live: LiveSettings | None = dataclasses.field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, settings: Settings, live: LiveSettings | None = None) -> DownloadConfig:
        root = settings.download_dir or settings.data_dir / "downloads"
        kbps = settings.download_rate_limit_kbps
        return cls(
            root=Path(os.path.realpath(root)),
            concurrency=settings.download_concurrency,
            jobs_per_hour=settings.download_jobs_per_hour,
            max_playlist=settings.download_max_playlist,
            min_free_bytes=settings.download_min_free_mb * 1024 * 1024,
            rate_limit_bps=kbps * 1024 if kbps else None,
            plex_wait_seconds=settings.download_plex_wait_seconds,
            stale_seconds=settings.download_stale_seconds,
            plex_section=settings.plex_youtube_section,
            live=live,
        )

    async def tuned(self) -> DownloadConfig:
        """This config with the admin's current limits (read again every few seconds)."""
        if self.live is None:
            return self
        now = await self.live.current()
        return dataclasses.replace(
            self,
            concurrency=now.download_concurrency,
            jobs_per_hour=now.download_jobs_per_hour,
            max_playlist=now.download_max_playlist,
            min_free_bytes=now.download_min_free_mb * 1024 * 1024,
        )

    def folder(self, relative: str) -> Path:
        """The absolute folder of a job; refuses anything that would leave the root."""
        candidate = Path(os.path.realpath(self.root / relative))
        if not inside(str(self.root), str(candidate)):
            raise InvalidInput("That folder is outside the download folder.")
        return candidate

    def low_disk_reason(self) -> str | None:
        """Why new downloads must wait (free space under the floor), or None. Blocking call."""
        if self.min_free_bytes <= 0:
            return None
        probe = self.root
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        try:
            free = shutil.disk_usage(probe).free
        except OSError:
            return None
        if free >= self.min_free_bytes:
            return None
        return (
            f"Waiting for disk space: {free // (1024 * 1024)} MB free on the download disk, "
            f"{self.min_free_bytes // (1024 * 1024)} MB needed."
        )


def delete_files(config: DownloadConfig, folder: str, items: list[tuple[str, str | None]]) -> int:
    """Removes the given videos' files (``(stem, archive_key)`` pairs) and their archive lines;
    the folder goes too once nothing else is in it. Blocking: call from a thread."""
    try:
        path = config.folder(folder)
    except InvalidInput:
        log.warning("refused to delete outside the download root", folder=folder)
        return 0
    removed = 0
    for stem, _ in items:
        removed += len(remove_item_files(path, stem))
    keys = {key for _, key in items if key}
    archive = archive_path(path)
    if keys and archive.is_file():
        lines = archive.read_text(encoding="utf-8").splitlines()
        kept = [line for line in lines if line.strip() not in keys]
        archive.write_text("".join(f"{line}\n" for line in kept), encoding="utf-8")
    if path.is_dir() and all(p == archive or p.name.startswith(".") for p in path.iterdir()):
        shutil.rmtree(path, ignore_errors=True)
    return removed


def delete_partials(config: DownloadConfig, folder: str, stems: list[str]) -> int:
    """Removes the part-files and temporary files of the given videos (a settled job keeps
    none, whatever crash left them). Blocking: call from a thread."""
    try:
        path = config.folder(folder)
    except InvalidInput:
        return 0
    removed = [p for stem in stems for p in remove_partials(path, stem)]
    if removed:
        log.info("partial files removed", folder=folder, files=len(removed))
    return len(removed)


def prune_empty_folder(config: DownloadConfig, folder: str) -> list[Path]:
    """Removes a settled job's folder when no file is left in it (an empty archive counts as
    none), then the person's folder above it if that is empty too; never the root or anything
    outside it. Returns the folders removed. Blocking: call from a thread."""
    try:
        path = config.folder(folder)
    except InvalidInput:
        return []
    archive = archive_path(path)
    if archive.is_file() and archive.stat().st_size == 0 and len(list(path.iterdir())) == 1:
        archive.unlink(missing_ok=True)
    removed: list[Path] = []
    for candidate in (path, path.parent):
        if candidate == config.root or not inside(str(config.root), str(candidate)):
            break
        try:
            candidate.rmdir()  # only succeeds when empty
        except OSError:
            break
        removed.append(candidate)
    if removed:
        log.info("empty download folder removed", folder=folder, folders=len(removed))
    return removed
