"""Small file helpers shared by the on-disk caches."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

PART_PREFIX = ".part-"  # half-written files; readers and scanners skip these


def write_atomically(target: Path, body: bytes) -> None:
    """Writes ``body`` to a temporary file beside ``target`` and renames it into place, so
    readers see the old file or the whole new one; the temporary file is removed on failure."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=PART_PREFIX)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(body)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
