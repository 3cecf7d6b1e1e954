"""Generated TMDB images, so the demo has posters without the internet.

Overseerr hands out TMDB paths (``/p603.jpg``) that clients load from
``https://image.tmdb.org/t/p/<size><path>``. The fake answers the same path shape under
``/__fake__/tmdb/t/p/<size>/<name>.jpg`` with a deterministic JPEG: a colour pair derived from
the file name and the title written on it. ``b...`` names are backdrops (16:9), others posters
(2:3). Widths are capped at 780 px to keep it cheap.
"""

from __future__ import annotations

import hashlib
import io
import re
import textwrap
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

_SIZE = re.compile(r"w(\d+)(?:_and_h(\d+))?")
MAX_WIDTH = 780


def dimensions(size: str, backdrop: bool) -> tuple[int, int]:
    """Pixel size for a TMDB size token (``w500``, ``w600_and_h900_bestv2``, ``original``)."""
    match = _SIZE.match(size)
    width = int(match.group(1)) if match else (1280 if backdrop else 500)
    width = max(45, min(width, MAX_WIDTH))
    if match and match.group(2):
        height = int(int(match.group(2)) * width / int(match.group(1)))
    else:
        height = width * 9 // 16 if backdrop else width * 3 // 2
    return width, max(45, height)


def _colours(name: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    digest = hashlib.sha256(name.encode()).digest()
    top = (digest[0] // 2 + 40, digest[1] // 2 + 40, digest[2] // 2 + 40)
    bottom = (digest[3] // 4, digest[4] // 4, digest[5] // 4)
    return top, bottom


@lru_cache(maxsize=512)
def image_jpeg(name: str, size: str, title: str) -> bytes:
    backdrop = name.startswith("b")
    width, height = dimensions(size, backdrop)
    top, bottom = _colours(name)
    image = Image.new("RGB", (width, height), bottom)
    draw = ImageDraw.Draw(image)
    for y in range(height // 2):  # a simple two-tone gradient on the upper half
        mix = y / max(1, height // 2)
        colour = tuple(int(t * (1 - mix) + b * mix) for t, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (width, y)], fill=colour)
    font_size = max(10, width // 12)
    try:
        font: ImageFont.FreeTypeFont | ImageFont.ImageFont = ImageFont.load_default(size=font_size)
    except (OSError, ImportError):  # Pillow without FreeType
        font = ImageFont.load_default()
    text = "\n".join(textwrap.wrap(title, width=max(8, width // (font_size * 2 // 3))))
    draw.multiline_text((width // 14, height // 2), text, fill=(240, 240, 240), font=font)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()
