"""Posters and backdrops, fetched from Plex's transcoder and kept on disk with a size cap.

Browsers only ever see MediaNest's URLs: the Plex address and token stay on the server. Only
this server's artwork paths and the few sizes of :data:`~medianest.domain.library.IMAGE_SIZES`
are accepted, so the endpoint is no open proxy and the cache cannot grow without bound; when it
passes its cap, the least recently used files go first (a hit touches the file's mtime).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from medianest.domain.errors import InvalidInput, NotFound, ServiceDown
from medianest.domain.library import image_size_allowed
from medianest.integrations.base import IntegrationError
from medianest.integrations.base import NotFound as PlexNotFound
from medianest.integrations.plex.client_wire import check_image_path
from medianest.observability.logging import get_logger
from medianest.services.files import PART_PREFIX, write_atomically
from medianest.services.integrations import Integrations

log = get_logger(__name__)

EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif"}
TYPES = {ext: kind for kind, ext in EXTENSIONS.items()}
TRIM_TO = 0.9  # after passing the cap, evict down to 90% of it, not just below it


@dataclass(frozen=True)
class Image:
    data: bytes
    content_type: str
    etag: str  # strong: a digest of the bytes


def _etag(data: bytes) -> str:
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


class ImageStore:
    """The disk cache in ``<data dir>/cache/library-images``; safe to share between processes
    (files are written to a temporary name, then renamed)."""

    def __init__(
        self, integrations: Integrations, root: Path, *, max_bytes: int, timeout: float = 10.0
    ) -> None:
        self.integrations = integrations
        self.root = root
        self.max_bytes = max_bytes
        self.timeout = timeout
        self._size: int | None = None  # known total on disk, counted on first write

    async def get(self, path: str, width: int, height: int) -> Image:
        try:
            path = check_image_path(path)
        except ValueError:
            raise InvalidInput("That is not an image of this Plex server.", "path") from None
        if not image_size_allowed(width, height):
            raise InvalidInput("That image size is not offered.", "w")
        name = hashlib.sha256(f"{path}|{width}x{height}".encode()).hexdigest()
        cached = await asyncio.to_thread(self._read, name)
        if cached is not None:
            return cached
        client = self.integrations.plex
        if client is None:
            raise ServiceDown("No Plex server is configured yet.")
        try:
            data, content_type = await asyncio.wait_for(
                client.image(path, width=width, height=height), self.timeout
            )
        except PlexNotFound:
            raise NotFound("Plex has no such image.") from None
        except (IntegrationError, TimeoutError, ValueError) as exc:
            raise ServiceDown("Plex cannot send that image right now.") from exc
        await asyncio.to_thread(self._write, name, data, content_type)
        return Image(data, content_type, _etag(data))

    # -- the files (run in a thread) ------------------------------------------------------------

    def _file(self, name: str, extension: str) -> Path:
        return self.root / name[:2] / f"{name}{extension}"

    def _read(self, name: str) -> Image | None:
        for extension, content_type in TYPES.items():
            file = self._file(name, extension)
            try:
                data = file.read_bytes()
            except OSError:
                continue
            with contextlib.suppress(OSError):
                os.utime(file)  # recently used: evicted last
            return Image(data, content_type, _etag(data))
        return None

    def _write(self, name: str, data: bytes, content_type: str) -> None:
        file = self._file(name, EXTENSIONS.get(content_type, ".jpg"))
        try:
            write_atomically(file, data)
        except OSError as exc:  # a full or read-only disk costs the cache, not the image
            log.warning("cannot cache a library image", error=str(exc)[:200])
            return
        if self._size is None:
            self._size = self._scan_size()
        else:
            self._size += len(data)
        if self._size > self.max_bytes:
            self._evict()

    def _files(self) -> list[tuple[str, os.stat_result]]:
        """Cached images with their stat; other threads may be writing or evicting meanwhile,
        so half-written ``.part-`` files and files that vanish while we look are left out."""
        found: list[tuple[str, os.stat_result]] = []
        if not self.root.is_dir():
            return found
        for folder in os.scandir(self.root):
            if not folder.is_dir():
                continue
            for entry in os.scandir(folder.path):
                if entry.name.startswith(PART_PREFIX):
                    continue
                with contextlib.suppress(OSError):
                    if entry.is_file():
                        found.append((entry.path, entry.stat()))
        return found

    def _scan_size(self) -> int:
        return sum(stat.st_size for _, stat in self._files())

    def _evict(self) -> None:
        """Least recently used first, until the cache is back under 90% of its cap."""
        files = sorted(self._files(), key=lambda found: found[1].st_mtime)
        total = sum(stat.st_size for _, stat in files)
        for path, stat in files:
            if total <= self.max_bytes * TRIM_TO:
                break
            with contextlib.suppress(OSError):
                os.unlink(path)
                total -= stat.st_size
        self._size = total

    @property
    def size_on_disk(self) -> int:
        return self._scan_size()
