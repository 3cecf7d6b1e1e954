"""Backup and restore: one archive with the database, the keys and the settings.

The database is copied while MediaNest runs: SQLite through its online backup API (a consistent
snapshot, even with writers), PostgreSQL through ``pg_dump`` (one snapshot transaction). The
keys that open the stored secrets travel with it: whatever opens them now (the data dir's key
files or MEDIANEST_ENCRYPTION_KEYS / MEDIANEST_SECRET_KEY) is written into the archive's key
files, so a restored install opens its secrets with no environment to copy over.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, inspect, select
from sqlalchemy.engine import URL, make_url

from medianest import __version__
from medianest.config import ENV_PREFIX, Settings
from medianest.persistence.engine import create_short_lived_engine
from medianest.persistence.models import User

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
PG_MEMBER = "database.pgdump"
SETTINGS_MEMBER = "settings.env"
KEY_FILES = ("secret.key", "encryption.key", "install.id")
# Settings that describe the old machine, not the install: the restoring side decides them.
MACHINE_SETTINGS = frozenset({"data_dir", "database_url"})
PG_TIMEOUT_S = 3600


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class Manifest:
    database: str  # sqlite | postgresql
    revision: str | None
    created_at: str
    version: str

    def to_json(self) -> bytes:
        body = {"format": FORMAT, **self.__dict__}
        return json.dumps(body, indent=2).encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        try:
            body = json.loads(raw)
            if body.get("format") != FORMAT:
                raise BackupError(f"archive format {body.get('format')!r} is not supported")
            return cls(body["database"], body["revision"], body["created_at"], body["version"])
        except (ValueError, KeyError, TypeError) as exc:
            raise BackupError(f"the archive's manifest is damaged ({exc})") from exc


@dataclass(frozen=True)
class Keys:
    """The keys in force: each file's content as MediaNest would use it now."""

    files: dict[str, str]

    @classmethod
    def in_force(cls, settings: Settings, data_dir: Path) -> Keys:
        files = {}
        for name in KEY_FILES:
            path = data_dir / name
            if path.exists():
                files[name] = path.read_text(encoding="utf-8")
        if settings.encryption_keys is not None:
            keys = [k.strip() for k in settings.encryption_keys.get_secret_value().split(",")]
            files["encryption.key"] = "\n".join(k for k in keys if k) + "\n"
        if settings.secret_key is not None:
            files["secret.key"] = settings.secret_key.get_secret_value().strip() + "\n"
        return cls(files)


@dataclass(frozen=True)
class BackupDone:
    path: Path
    manifest: Manifest
    size: int


@dataclass(frozen=True)
class RestoreDone:
    manifest: Manifest
    settings_file: Path | None


def database_kind(settings: Settings) -> str:
    return "sqlite" if settings.is_sqlite else "postgresql"


def _sqlite_path(settings: Settings) -> Path:
    database = make_url(settings.resolved_database_url).database
    if not database:
        raise BackupError("MEDIANEST_DATABASE_URL: an in-memory SQLite database has no backup")
    return Path(database)


def explicit_settings(settings: Settings) -> str:
    """The settings this install was given (environment or .env), as .env lines."""
    lines = []
    for name in sorted(settings.model_fields_set - MACHINE_SETTINGS):
        value = getattr(settings, name)
        if value is None:
            continue
        if hasattr(value, "get_secret_value"):
            value = value.get_secret_value()
        if isinstance(value, bool):
            value = str(value).lower()
        lines.append(f"{ENV_PREFIX}{name.upper()}={value}")
    return "\n".join(lines) + ("\n" if lines else "")


# -- writing --------------------------------------------------------------------------------------


def write_backup(
    settings: Settings, data_dir: Path, target: Path, revision: str | None
) -> BackupDone:
    """Writes the archive at ``target`` (readable by its owner only), atomically."""
    manifest = Manifest(
        database=database_kind(settings),
        revision=revision,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        version=__version__,
    )
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="medianest-backup-", dir=target.parent) as work:
        folder = Path(work)
        if manifest.database == "sqlite":
            dump, member = folder / SQLITE_MEMBER, SQLITE_MEMBER
            sqlite_online_copy(_sqlite_path(settings), dump)
        else:
            dump, member = folder / PG_MEMBER, PG_MEMBER
            pg_dump(make_url(settings.resolved_database_url), dump)
        partial = folder / "archive.tar.gz"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
            _add_bytes(archive, MANIFEST, manifest.to_json())
            archive.add(dump, arcname=member, filter=_private)
            for name, content in Keys.in_force(settings, data_dir).files.items():
                _add_bytes(archive, f"keys/{name}", content.encode("utf-8"))
            _add_bytes(archive, SETTINGS_MEMBER, explicit_settings(settings).encode("utf-8"))
        os.replace(partial, target)
    return BackupDone(target, manifest, target.stat().st_size)


def _private(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
    return info


def _add_bytes(archive: tarfile.TarFile, name: str, content: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(content)
    info.mode = 0o600
    info.mtime = int(datetime.now(UTC).timestamp())
    archive.addfile(info, io.BytesIO(content))


def sqlite_online_copy(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (its WAL included), via the backup API."""
    if not source.exists():
        raise BackupError(f"no MediaNest database at {source}")
    with (
        contextlib.closing(sqlite3.connect(source, timeout=30)) as src,
        contextlib.closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file


# -- PostgreSQL client tools ---------------------------------------------------------------------


def _pg_environment(url: URL) -> dict[str, str]:
    """libpq's variables for the URL: no password on a command line, no asyncpg-only options."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    values = {
        "PGHOST": url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
    }
    ssl = url.query.get("sslmode") or url.query.get("ssl")
    if isinstance(ssl, str):
        values["PGSSLMODE"] = ssl
    env.update({k: str(v) for k, v in values.items() if v})
    return env


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client tools "
            "(Debian: postgresql-client) of the server's major version or newer"
        )
    return found


def _run_pg(command: list[str], url: URL, what: str) -> None:
    try:
        done = subprocess.run(  # noqa: S603 - fixed tool, arguments are not shell-parsed
            command,
            env=_pg_environment(url),
            capture_output=True,
            text=True,
            timeout=PG_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise BackupError(f"{what} did not finish within {PG_TIMEOUT_S} s") from exc
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        reason = lines[0] if lines else f"exit status {done.returncode}"
        raise BackupError(f"{what} failed: {reason}")


def pg_dump(url: URL, target: Path) -> None:
    command = [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges"]
    _run_pg([*command, f"--file={target}"], url, "pg_dump")


def pg_restore(url: URL, dump: Path) -> None:
    command = [
        _pg_tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        f"--dbname={url.database}",
        str(dump),
    ]
    _run_pg(command, url, "pg_restore")


# -- reading --------------------------------------------------------------------------------------


@contextlib.contextmanager
def opened(archive_path: Path) -> Iterator[tuple[Manifest, tarfile.TarFile]]:
    if not archive_path.is_file():
        raise BackupError(f"no backup archive at {archive_path}")
    try:
        with tarfile.open(archive_path, mode="r:gz") as archive:
            member = archive.extractfile(MANIFEST)
            if member is None:
                raise BackupError(f"{archive_path} has no manifest: not a MediaNest backup")
            yield Manifest.from_json(member.read()), archive
    except (tarfile.TarError, KeyError, OSError, EOFError) as exc:
        raise BackupError(f"{archive_path} is not a readable MediaNest backup ({exc})") from exc


def _member_bytes(archive: tarfile.TarFile, name: str) -> bytes | None:
    try:
        member = archive.extractfile(name)
    except KeyError:
        return None
    return member.read() if member is not None else None


def _extract_to(archive: tarfile.TarFile, name: str, target: Path) -> None:
    try:
        source = archive.extractfile(name)
    except KeyError:
        source = None
    if source is None:
        raise BackupError(f"the archive has no {name}: it is incomplete")
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        shutil.copyfileobj(source, handle, 1024 * 1024)


def _write_private(path: Path, content: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)


def check_target(manifest: Manifest, settings: Settings) -> str:
    """The target's database kind, when the backup can go there."""
    kind = database_kind(settings)
    if manifest.database != kind:
        raise BackupError(
            f"this backup holds a {manifest.database} database but MEDIANEST_DATABASE_URL "
            f"points at {kind}: restore it onto {manifest.database}"
        )
    return kind


def restore_files(archive_path: Path, settings: Settings, data_dir: Path) -> RestoreDone:
    """Puts the database, the keys and the settings file of the archive in place.

    The caller has checked that the target holds no data it would overwrite by mistake, and
    migrates the database afterwards (a backup of an older version is brought up to date).
    """
    with opened(archive_path) as (manifest, archive):
        kind = check_target(manifest, settings)
        member = SQLITE_MEMBER if kind == "sqlite" else PG_MEMBER
        with tempfile.TemporaryDirectory(prefix="medianest-restore-", dir=data_dir) as work:
            staged = Path(work) / member
            _extract_to(archive, member, staged)
            if kind == "sqlite":
                _put_sqlite(staged, _sqlite_path(settings))
            else:
                pg_restore(make_url(settings.resolved_database_url), staged)
        for name in KEY_FILES:
            content = _member_bytes(archive, f"keys/{name}")
            if content is not None:
                _write_private(data_dir / name, content)
        extra = _member_bytes(archive, SETTINGS_MEMBER)
        settings_file = None
        if extra:
            settings_file = data_dir / "restored-settings.env"
            _write_private(settings_file, extra)
    return RestoreDone(manifest, settings_file)


def _put_sqlite(staged: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("-wal", "-shm", "-journal"):  # a stale log must not replay onto the copy
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(staged, f"{target}.restoring")
    os.replace(f"{target}.restoring", target)


async def holds_data(settings: Settings) -> bool:
    """Whether the configured database already has people in it (a restore would replace them)."""
    if settings.is_sqlite and not _sqlite_path(settings).exists():
        return False
    engine = create_short_lived_engine(settings.resolved_database_url)
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
            if "users" not in tables:
                return False
            return bool(await connection.scalar(select(func.count()).select_from(User)))
    finally:
        await engine.dispose()
