"""Files only MediaNest's own user may read: the database and the job store hold sessions,
tokens and encrypted secrets, like the key files next to them."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

PRIVATE = 0o600
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def private_file(path: Path) -> None:
    """Creates ``path`` empty with mode 0600 if missing (an empty file is a valid SQLite
    database), and takes group and other access away from it and its SQLite companions."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE))
    for candidate in (path, *(path.with_name(path.name + end) for end in SQLITE_COMPANIONS)):
        with contextlib.suppress(FileNotFoundError):
            mode = stat.S_IMODE(candidate.stat().st_mode)
            if mode & 0o077:
                candidate.chmod(mode & 0o700)


def sqlite_file(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL (None for memory databases and other backends)."""
    if not url.startswith("sqlite"):
        return None
    path = url.split(":///", 1)[1] if ":///" in url else ""
    path = path.split("?", 1)[0]
    return Path(path) if path and path != ":memory:" else None
