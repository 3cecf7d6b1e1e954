"""The `medianest` command."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from medianest import __version__
from medianest.bootstrap import StartupError, open_secret_box, prepare_data_dir, resolve_secret_key
from medianest.config import Settings, describe_error, load_settings
from medianest.domain.errors import DomainError
from medianest.observability.logging import configure_logging, get_logger
from medianest.persistence import schema_check
from medianest.persistence.engine import create_short_lived_engine, session_factory
from medianest.persistence.schema_check import DatabaseProblem, DatabaseUnreachable, first_line
from medianest.security.secretbox import DecryptionFailed, SecretBox

app = typer.Typer(
    name="medianest",
    help="MediaNest: one portal for the people who share a Plex server.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True, soft_wrap=True)
log = get_logger("medianest.cli")
T = TypeVar("T")
KEYS_DO_NOT_OPEN = (
    "MEDIANEST_ENCRYPTION_KEYS: a stored secret opens with none of the keys; add the old key back"
)


def fail(message: str) -> NoReturn:
    console.print(f"[bold red]medianest: error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=1)


def settings_or_exit(**overrides: object) -> Settings:
    try:
        settings = load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        fail(describe_error(exc))
    except ValueError as exc:  # a *_FILE secret that cannot be read
        fail(str(exc))
    configure_logging(settings.log_level, settings.log_format)
    return settings


def guarded(step: Callable[[], T]) -> T:
    try:
        return step()
    except StartupError as exc:
        fail(str(exc))


def secret_box_or_exit(settings: Settings, data_dir: Path) -> SecretBox:
    try:
        return open_secret_box(settings, data_dir)
    except ValueError as exc:  # a malformed MEDIANEST_ENCRYPTION_KEYS
        fail(str(exc))
    except OSError as exc:
        fail(f"MEDIANEST_DATA_DIR: cannot read or create encryption.key ({exc.strerror or exc})")


def _safe_db_url(settings: Settings) -> str:
    return make_url(settings.resolved_database_url).render_as_string(hide_password=True)


def _fail_database(settings: Settings, problem: DatabaseProblem) -> NoReturn:
    if isinstance(problem, DatabaseUnreachable):
        fail(
            f"MEDIANEST_DATABASE_URL: cannot use the database at {_safe_db_url(settings)}: {problem}"
        )
    fail(str(problem))


def apply_migrations(settings: Settings) -> str | None:
    missing = _missing_sqlite_file(settings)
    if missing is not None and not missing.parent.is_dir():
        fail(
            f"MEDIANEST_DATABASE_URL: the folder {missing.parent} of the SQLite file does not exist"
        )

    async def run() -> str | None:
        engine = create_short_lived_engine(settings.resolved_database_url)
        try:
            return await schema_check.upgrade_to_head(engine)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except DatabaseProblem as problem:
        _fail_database(settings, problem)


def _missing_sqlite_file(settings: Settings) -> Path | None:
    """The SQLite file a command would open, when it does not exist (opening would create it)."""
    url = make_url(settings.resolved_database_url)
    if not url.drivername.startswith("sqlite") or not url.database:
        return None
    path = Path(url.database)
    return None if path.exists() else path


def require_current_schema(settings: Settings) -> None:
    """Commands that use the data refuse a missing, unreachable or outdated database by name."""
    missing = _missing_sqlite_file(settings)
    if missing is not None:
        fail(
            f"no MediaNest database at {missing}: run `medianest migrate` (or start "
            "`medianest serve`) first, or point MEDIANEST_DATA_DIR / MEDIANEST_DATABASE_URL at it"
        )

    async def run() -> None:
        engine = create_short_lived_engine(settings.resolved_database_url)
        try:
            await schema_check.require_current_schema(engine)
        finally:
            await engine.dispose()

    try:
        asyncio.run(run())
    except DatabaseProblem as problem:
        _fail_database(settings, problem)


def check_redis(settings: Settings) -> None:
    if not settings.redis_url:
        return
    import redis

    try:
        client = redis.Redis.from_url(
            settings.redis_url, socket_connect_timeout=3, socket_timeout=3
        )
        client.ping()
        client.close()
    except (redis.RedisError, ValueError, OSError) as exc:
        fail(f"MEDIANEST_REDIS_URL: cannot reach Redis: {first_line(exc)}")


def check_port_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            reason = (
                "is already in use" if exc.errno in (98, 48) else f"cannot be used ({exc.strerror})"
            )
            fail(f"MEDIANEST_PORT: {host}:{port} {reason}")


def version_callback(value: bool) -> None:
    if value:
        print(f"medianest {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=version_callback, is_eager=True, help="Show the version."
        ),
    ] = False,
) -> None:
    """MediaNest command line."""


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (MEDIANEST_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (MEDIANEST_PORT).")] = None,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development).")] = False,
) -> None:
    """Run the web app (applies pending migrations first; runs jobs in-process by default).

    With no integration configured (in the environment or on the Integrations page, and
    MEDIANEST_DEMO not false) it starts the demo services.
    """
    settings = settings_or_exit(host=host, port=port)
    if settings.wants_demo and not reload and not _configured_on_page(settings):
        run_demo(settings, seed=1)
        return
    run_server(settings, reload=reload)


def _configured_on_page(settings: Settings) -> bool:
    """An install set up only on the Integrations page is no demo (unless MEDIANEST_DEMO=true)."""
    from medianest.services.integration_settings import saved_configuration_exists

    return settings.demo is None and saved_configuration_exists(settings)


def run_server(settings: Settings, *, reload: bool = False, after_start: str = "") -> None:
    from medianest.startup import importing

    with importing():
        import uvicorn

        from medianest.app import create_app

    data_dir = guarded(lambda: prepare_data_dir(settings))
    guarded(lambda: resolve_secret_key(settings))
    secret_box_or_exit(settings, data_dir)
    check_port_free(settings.host, settings.port)
    check_redis(settings)
    revision = apply_migrations(settings)
    log.info("database ready", revision=revision, database=_safe_db_url(settings))
    url = f"http://{settings.host}:{settings.port}/"
    console.print(
        f"[bold green]MediaNest[/] is running at [link={url}]{url}[/link]  (Ctrl+C to stop)"
    )
    if after_start:
        console.print(after_start, highlight=False)
    if reload:
        uvicorn.run(
            "medianest.app:create_app_from_env",
            factory=True,
            host=settings.host,
            port=settings.port,
            reload=True,
            log_config=None,
            proxy_headers=False,
        )
        return
    with importing():  # the routers are imported and built here
        application = create_app(settings)
    uvicorn.run(
        application,
        host=settings.host,
        port=settings.port,
        log_config=None,
        proxy_headers=False,  # the app believes forwarded headers only from trusted proxies
        timeout_graceful_shutdown=5,
    )


def run_demo(base: Settings, *, seed: int) -> None:
    """MediaNest wired to every fake service, with its own data dir (`<data dir>/demo`)."""
    from medianest.demo import identities
    from medianest.demo.world import DemoWorld

    data_dir = (base.data_dir / "demo").resolve()
    guarded(lambda: prepare_data_dir(base.model_copy(update={"data_dir": data_dir})))
    check_port_free(base.host, base.port)
    url = f"http://{base.host}:{base.port}"
    world = DemoWorld.build(data_dir, seed=seed)
    world.start(url)
    try:
        settings = settings_or_exit(
            data_dir=data_dir,
            base_url=url,
            demo=True,
            host=base.host,
            port=base.port,
            **world.settings_overrides(),
        )
        accounts = ", ".join(a.username for a in identities.ACCOUNTS)
        lines = [f"  {label}: {link}" for label, link in world.describe()]
        notes = "\n".join(
            [
                "[bold yellow]Demo services[/] (fakes of plex.tv, Plex, Overseerr, Uptime Kuma and a video host):",
                *lines,
                f"  demo Plex accounts (one click on the fake Plex sign-in page): {accounts}",
            ]
        )
        run_server(settings, after_start=notes)
    finally:
        world.stop()


@app.command()
def demo(
    port: Annotated[int | None, typer.Option(help="Port for MediaNest (MEDIANEST_PORT).")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the generated demo data.")] = 1,
) -> None:
    """Run MediaNest wired to built-in fake services with seed data, for a first look."""
    run_demo(settings_or_exit(port=port), seed=seed)


@app.command()
def fake(
    service: Annotated[str, typer.Argument(help="plextv, plex, overseerr, uptime-kuma or media")],
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0: any free port).")] = 0,
    credential: Annotated[
        str | None, typer.Option(help="Token or API key the fake accepts (default: the demo's).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the generated data.")] = 1,
) -> None:
    """Serve one fake external service on 127.0.0.1 for manual testing (Ctrl+C to stop)."""
    import threading

    from medianest.demo.fakes import FAKES
    from medianest.integrations.fakekit import FakeServer

    if service not in FAKES:
        fail(f"unknown service {service!r}; choose one of {', '.join(FAKES)}")
    settings = settings_or_exit()
    cache = (settings.data_dir / "fakes").resolve()
    served = FAKES[service](seed, credential, cache)
    if port:
        check_port_free("127.0.0.1", port)
    server = FakeServer(served.app, port).start()
    print(f"fake {service} serving at {server.url}", flush=True)
    for label, value in served.notes:
        shown = f"{server.url}{value}" if value.startswith("/") else value
        print(f"  {label}: {shown}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        served.close()


@app.command()
def worker() -> None:
    """Run a standalone job consumer (for scale-out with Redis; stop with Ctrl+C)."""
    from medianest.container import build_container
    from medianest.jobs.queue import LoopThread

    settings = settings_or_exit()
    data_dir = guarded(lambda: prepare_data_dir(settings))
    secret_box_or_exit(settings, data_dir)
    check_redis(settings)
    require_current_schema(settings)
    if not settings.redis_url:
        log.warning(
            "no MEDIANEST_REDIS_URL: this worker shares the SQLite job queue of one machine"
        )
    loop_thread = LoopThread().start()
    container = asyncio.run_coroutine_threadsafe(
        build_container(settings), loop_thread.loop
    ).result()
    if container.downloads is not None:
        try:  # a restarted worker resumes what its killed self left, without waiting a minute
            asyncio.run_coroutine_threadsafe(
                container.downloads.reconcile(), loop_thread.loop
            ).result(timeout=60)
        except Exception as exc:
            log.warning("downloads not reconciled at start", reason=str(exc)[:200])
    consumer = container.make_consumer(embedded=False)
    container.tasks.heartbeat()
    console.print(f"[bold green]MediaNest worker[/] started with {settings.worker_threads} threads")
    try:
        consumer.run()
    finally:
        container.consumer = None
        asyncio.run_coroutine_threadsafe(container.close(), loop_thread.loop).result(timeout=30)
        loop_thread.stop()


@app.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    settings = settings_or_exit()
    guarded(lambda: prepare_data_dir(settings))
    revision = apply_migrations(settings)
    console.print(f"Database schema is at revision [bold]{revision}[/] (head)")


users_app = typer.Typer(help="Manage users from the command line.", no_args_is_help=True)
admin_app = typer.Typer(help="Operator tasks.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(admin_app, name="admin")


def _with_database(
    settings: Settings, work: Callable[[async_sessionmaker[AsyncSession]], Awaitable[T]]
) -> T:
    """Runs ``work`` on the current schema; each kind of failure is reported as what it is."""
    require_current_schema(settings)

    async def run() -> T:
        from medianest.container import build_bus
        from medianest.services.auth_cache import AuthCache
        from medianest.services.auth_watch import AuthWatch

        engine = create_short_lived_engine(settings.resolved_database_url)
        factory = session_factory(engine)
        bus = build_bus(settings)  # with Redis, running web processes hear of access changes
        watch = AuthWatch(AuthCache(0), bus)
        watch.attach(factory)
        try:
            return await work(factory)
        finally:
            await watch.settled()
            await bus.close()
            await engine.dispose()

    from redis.exceptions import RedisError

    try:
        return asyncio.run(run())
    except DomainError as exc:
        fail(exc.message)
    except DecryptionFailed:
        fail(KEYS_DO_NOT_OPEN)
    except RedisError as exc:  # telling running processes about the change
        fail(f"MEDIANEST_REDIS_URL: cannot reach Redis: {first_line(exc)}")
    except (SQLAlchemyError, OSError) as exc:
        fail(
            f"the database at {_safe_db_url(settings)} failed during the command: {first_line(exc)}"
        )
    except Exception as exc:
        log.exception("unexpected failure")
        fail(
            f"unexpected {type(exc).__name__}: {first_line(exc)} (a bug in MediaNest; please report it)"
        )


@users_app.command("token")
def users_token(
    username: Annotated[str, typer.Argument(help="Whose token (they act with their own rights).")],
    name: Annotated[
        str, typer.Option(help="A label shown on their account page.")
    ] = "command line",
) -> None:
    """Print a new personal API token for a user (shown once)."""
    from sqlalchemy import select

    from medianest.domain.errors import NotFound
    from medianest.domain.users import Actor, username_key
    from medianest.persistence.models import User
    from medianest.services import api_tokens

    settings = settings_or_exit()

    async def create(db_factory: async_sessionmaker[AsyncSession]) -> str:
        async with db_factory.begin() as db:
            user = await db.scalar(select(User).where(User.username_key == username_key(username)))
            if user is None:
                raise NotFound(f"no user named {username!r}")
            made = await api_tokens.create(db, Actor.system(), user.id, name)
            return made.secret

    print(_with_database(settings, create))


@admin_app.command("reset-password")
def admin_reset_password(
    username: Annotated[str, typer.Option(help="The local account to reset.")] = "admin",
) -> None:
    """Give a local account a new one-time password (printed once) and sign it out everywhere."""
    from medianest.services.auth import LocalAuth, LockoutPolicy
    from medianest.services.ratelimit import Limiter
    from medianest.services.sessions import SessionPolicy

    settings = settings_or_exit()

    async def reset(db_factory: async_sessionmaker[AsyncSession]) -> str:
        policy = SessionPolicy.from_settings(settings)
        auth = LocalAuth(db_factory, Limiter.in_memory(), policy, LockoutPolicy())
        return await auth.reset_password(username)

    password = _with_database(settings, reset)
    print(f"New one-time password for {username}: {password}")
    print("It must be changed at the next sign-in.")


@admin_app.command("new-key")
def admin_new_key() -> None:
    """Print a new encryption key for MEDIANEST_ENCRYPTION_KEYS (put it first, keep the old ones)."""
    from cryptography.fernet import Fernet

    print(Fernet.generate_key().decode("ascii"))


@admin_app.command("rotate-keys")
def admin_rotate_keys() -> None:
    """Re-encrypt every stored secret with the first key of MEDIANEST_ENCRYPTION_KEYS."""
    from medianest.services.keys import rotate_secrets

    settings = settings_or_exit()
    data_dir = guarded(lambda: prepare_data_dir(settings))
    box = secret_box_or_exit(settings, data_dir)

    async def rotate(db_factory: async_sessionmaker[AsyncSession]) -> int:
        async with db_factory.begin() as db:
            return await rotate_secrets(db, box)

    count = _with_database(settings, rotate)
    print(
        f"Re-encrypted {count} stored secret(s) with the newest key; older keys may now be removed."
    )


def _size(count: int) -> str:
    size = float(count)
    for unit in ("bytes", "KiB", "MiB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"


def _database_revision(settings: Settings) -> str | None:
    missing = _missing_sqlite_file(settings)
    if missing is not None:
        fail(
            f"no MediaNest database at {missing}: check MEDIANEST_DATA_DIR / MEDIANEST_DATABASE_URL"
        )

    async def run() -> str | None:
        engine = create_short_lived_engine(settings.resolved_database_url)
        try:
            return await schema_check.reachable_revision(engine)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except DatabaseProblem as problem:
        _fail_database(settings, problem)


@admin_app.command("backup")
def admin_backup(
    archive: Annotated[
        Path | None,
        typer.Argument(help="Archive to write (default: medianest-backup-<UTC time>.tar.gz here)."),
    ] = None,
) -> None:
    """Write one archive with the database, the keys and the settings (safe while MediaNest runs)."""
    from datetime import UTC, datetime

    from medianest.services import backup

    settings = settings_or_exit()
    data_dir = guarded(lambda: prepare_data_dir(settings))
    revision = _database_revision(settings)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    target = archive or Path(f"medianest-backup-{stamp}.tar.gz")
    try:
        done = backup.write_backup(settings, data_dir, target, revision)
    except backup.BackupError as exc:
        fail(str(exc))
    except (OSError, sqlite3.Error) as exc:
        fail(f"cannot write the backup to {target}: {first_line(exc)}")
    print(
        f"Backup written to {done.path} ({_size(done.size)}, {done.manifest.database} database "
        f"at revision {done.manifest.revision}). It holds the keys to the stored secrets: "
        "keep it as private as the data dir."
    )


@admin_app.command("restore")
def admin_restore(
    archive: Annotated[Path, typer.Argument(help="A file written by `medianest admin backup`.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database that already has users.")
    ] = False,
) -> None:
    """Bring a backup back into the configured data dir and database (with MediaNest stopped)."""
    from medianest.services import backup
    from medianest.services.keys import unopenable_secrets

    settings = settings_or_exit()
    data_dir = guarded(lambda: prepare_data_dir(settings))
    try:
        with backup.opened(archive) as (manifest, _):
            backup.check_target(manifest, settings)
        if not force and asyncio.run(backup.holds_data(settings)):
            fail(
                f"the database at {_safe_db_url(settings)} already has users; restoring would "
                "replace everything in it: add --force to do that"
            )
        done = backup.restore_files(archive, settings, data_dir)
    except backup.BackupError as exc:
        fail(str(exc))
    except (SQLAlchemyError, OSError) as exc:
        fail(
            f"MEDIANEST_DATABASE_URL: cannot use the database at {_safe_db_url(settings)}: "
            f"{first_line(exc)}"
        )
    revision = apply_migrations(settings)
    box = secret_box_or_exit(settings, data_dir)

    async def check(db_factory: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
        async with db_factory() as db:
            return await unopenable_secrets(db, box)

    opened, closed = _with_database(settings, check)
    print(
        f"Restored the backup of {manifest.created_at} ({manifest.database}, now at revision "
        f"{revision}); {opened} stored secret(s) open with the restored keys."
    )
    if done.settings_file is not None:
        print(
            f"The settings it was made with are in {done.settings_file}: set the ones that "
            "apply to this machine in its environment or .env."
        )
    if closed:
        fail(
            f"MEDIANEST_ENCRYPTION_KEYS: {closed} stored secret(s) open with none of the keys; "
            "unset it to use the restored encryption.key, or add the old key back"
        )


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
