"""Small, real, playable media files for the media-host fake, made locally with ffmpeg.

yt-dlp must download genuine files (MediaNest probes, moves and embeds thumbnails in them), but
nothing may be fetched from the internet at run time. So the fake renders test patterns with the
ffmpeg binary shipped by ``imageio-ffmpeg``: H.264 (Main@3.1) + AAC mp4 at 320x180 and 1280x720,
and an AAC-only m4a. A file is generated the first time it is needed and cached on disk under a
name derived from a hash of its generation parameters, so every later run (and every process
sharing the cache dir) reuses it. Writes go to a temporary name and are renamed into place, so
concurrent processes never see half-written files. Thumbnails are drawn with Pillow in memory.
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import threading
import time
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

# Bump when the ffmpeg arguments change, so stale cache entries are not reused.
_RECIPE_VERSION = "1"
FRAME_RATE = 15


@dataclass(frozen=True)
class MediaLook:
    """What a video looks and sounds like: an ffmpeg lavfi test pattern, a tone and a length."""

    pattern: str = "testsrc2"
    seconds: int = 3
    tone_hz: int = 440


@dataclass(frozen=True)
class Rendition:
    """One downloadable file shape of a video (a quality or the audio-only track)."""

    name: str
    ext: str
    content_type: str
    width: int = 0
    height: int = 0

    @property
    def has_video(self) -> bool:
        return self.height > 0


SD = Rendition("180p", "mp4", "video/mp4", 320, 180)
HD = Rendition("720p", "mp4", "video/mp4", 1280, 720)
AUDIO = Rendition("audio", "m4a", "audio/mp4")
RENDITIONS = (SD, HD, AUDIO)
# What an HTML <source type> says about the files: x264 Main profile level 3.1, AAC-LC.
MP4_CODECS = "avc1.4D401F, mp4a.40.2"

LOOKS = (
    MediaLook("testsrc2", 3, 440),
    MediaLook("testsrc", 2, 523),
    MediaLook("smptehdbars", 4, 659),
)


def default_cache_dir() -> Path:
    """Per-user cache (XDG), so the demo generates its media once per machine."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "medianest" / "fake-media"


def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def ffmpeg_args(look: MediaLook, rendition: Rendition) -> list[str]:
    """The full ffmpeg argument list after the executable; also the input of the cache key."""
    audio = f"sine=frequency={look.tone_hz}:duration={look.seconds}:sample_rate=44100"
    common_out = ["-c:a", "aac", "-b:a", "64k", "-ac", "2", "-map_metadata", "-1"]
    exact = ["-fflags", "+bitexact", "-flags:a", "+bitexact"]
    if not rendition.has_video:
        return ["-f", "lavfi", "-i", audio, *common_out, *exact, "-f", "ipod"]
    size = f"{rendition.width}x{rendition.height}"
    video = f"{look.pattern}=duration={look.seconds}:size={size}:rate={FRAME_RATE}"
    x264 = ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "28", "-profile:v", "main"]
    x264 += ["-level", "3.1", "-pix_fmt", "yuv420p", "-g", str(FRAME_RATE), "-flags:v", "+bitexact"]
    inputs = ["-f", "lavfi", "-i", video, "-f", "lavfi", "-i", audio, "-map", "0:v", "-map", "1:a"]
    muxer = ["-shortest", "-movflags", "+faststart", "-f", "mp4"]
    return [*inputs, *x264, *common_out, *exact, *muxer]


def cache_key(look: MediaLook, rendition: Rendition) -> str:
    recipe = "\x1f".join([_RECIPE_VERSION, *ffmpeg_args(look, rendition)])
    return hashlib.sha256(recipe.encode()).hexdigest()[:20]


class MediaStore:
    """Generates media lazily, caches it on disk and keeps the bytes in memory for serving."""

    def __init__(self, cache_dir: Path | None = None) -> None:
        self.cache_dir = cache_dir or default_cache_dir()
        self._bytes: dict[str, bytes] = {}
        self._thumbs: dict[str, bytes] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self.generation_seconds = 0.0  # total wall time spent in ffmpeg by this store

    def path(self, look: MediaLook, rendition: Rendition) -> Path:
        return self.cache_dir / f"{cache_key(look, rendition)}.{rendition.ext}"

    def data(self, look: MediaLook, rendition: Rendition) -> bytes:
        """The file's bytes, generating it first if no process has done so yet."""
        key = cache_key(look, rendition)
        cached = self._bytes.get(key)
        if cached is not None:
            return cached
        with self._lock_for(key):
            if key not in self._bytes:
                path = self.path(look, rendition)
                if not path.is_file():
                    self._generate(look, rendition, path)
                self._bytes[key] = path.read_bytes()
            return self._bytes[key]

    def size(self, look: MediaLook, rendition: Rendition) -> int:
        return len(self.data(look, rendition))

    def warm(
        self, looks: Iterable[MediaLook], renditions: Iterable[Rendition] = RENDITIONS
    ) -> float:
        """Make every (look, rendition) file in parallel; returns the wall time taken."""
        jobs = {(look, rendition) for look in looks for rendition in renditions}
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
            for _ in pool.map(lambda job: self.data(*job), jobs):
                pass
        return time.monotonic() - started

    def thumbnail(self, video_id: str) -> bytes:
        """A 320x180 JPEG, distinct per video, drawn in memory (no ffmpeg round trip)."""
        if video_id not in self._thumbs:
            self._thumbs[video_id] = render_thumbnail(video_id)
        return self._thumbs[video_id]

    def _lock_for(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def _generate(self, look: MediaLook, rendition: Rendition, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
        cmd = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y"]
        cmd += [*ffmpeg_args(look, rendition), str(tmp)]
        started = time.monotonic()
        try:
            subprocess.run(cmd, check=True, capture_output=True, timeout=60)  # noqa: S603
            os.replace(tmp, path)
        except subprocess.CalledProcessError as exc:
            detail = exc.stderr.decode(errors="replace").strip()
            raise RuntimeError(f"ffmpeg failed for {rendition.name} {look}: {detail}") from exc
        finally:
            tmp.unlink(missing_ok=True)
            with self._guard:
                self.generation_seconds += time.monotonic() - started


def render_thumbnail(video_id: str) -> bytes:
    """Colour from the id's hash so thumbnails differ; the id is printed for eyeballing.

    Only the (ASCII) id is drawn: Pillow's built-in bitmap font cannot encode emoji titles.
    """
    digest = hashlib.sha256(video_id.encode()).digest()
    background = (digest[0] // 2 + 64, digest[1] // 2 + 64, digest[2] // 2 + 64)
    image = Image.new("RGB", (320, 180), background)
    draw = ImageDraw.Draw(image)
    draw.rectangle((12, 12, 308, 168), outline=(255, 255, 255), width=3)
    draw.text((24, 24), video_id[:44], fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()
