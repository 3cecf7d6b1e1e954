"""The crash scenario behind ``python -m bench chaos`` and its short CI test.

Real ``medianest serve`` / ``medianest worker`` processes download playlists from the
media-host fake (rate-limited, so kills land mid-download) into the fake Plex's YouTube
section, while the rig SIGKILLs whoever holds a running video (or a web process), restarts it
as a supervisor would, does a rolling restart, and then counts what the people got:

* lost: videos not downloaded (or whose file differs from what the host served), and jobs that
  never settled;
* duplicated: a job announced more than once, or a video stored twice;
* orphaned: part-files or temporary files left in the download folder;
* missed: per SSE client, jobs whose final state that client never received.

Modes: ``embedded`` (one ``serve`` on SQLite, jobs in-process) and ``scaled`` (2 web + 2 worker
processes on PostgreSQL and Redis, in a database and key namespace of their own).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from medianest.config import DEFAULT_ALLOWED_DOWNLOAD_HOSTS, Settings
from medianest.demo import identities
from medianest.domain.users import Actor
from medianest.integrations.fakekit import FakeServer
from medianest.integrations.plex.fake import PlexFakeState
from medianest.integrations.plex.fake import create_app as plex_app
from medianest.integrations.plextv.fake import PlexTvFakeState
from medianest.integrations.plextv.fake import create_app as plextv_app
from medianest.integrations.youtube.fake import MediaHostFakeState
from medianest.integrations.youtube.fake import create_app as media_app
from medianest.integrations.youtube.fake_media import LOOKS, SD
from medianest.integrations.youtube.files import PARTIAL_SUFFIXES
from medianest.persistence import migrate
from medianest.persistence.engine import create_short_lived_engine, session_factory
from medianest.persistence.models import DownloadItem, DownloadJob, Notification, User
from medianest.services import api_tokens

FINAL = ("completed", "partially_completed", "failed", "cancelled")
SIDECARS = (".jpg", ".jpeg", ".png", ".webp", ".json")


@dataclass(frozen=True)
class ChaosPlan:
    mode: str  # "embedded" | "scaled"
    kills: int
    people: int = 3
    jobs: int = 20
    videos: int = 50
    rate_bps: int = 96 * 1024  # per connection: a 150 KB video takes ~1.5 s
    database_url: str | None = None  # scaled: a PostgreSQL server (a fresh database is made)
    redis_url: str | None = None  # scaled: a Redis server (a fresh key namespace is used)
    deadline: float = 900.0
    seed: int = 7


@dataclass
class ChaosReport:
    mode: str
    jobs: int = 0
    videos: int = 0
    kills: int = 0
    restarts: int = 0
    lost: int = 0
    duplicated: int = 0
    orphaned: int = 0
    missed: dict[str, int] = field(default_factory=dict)
    repeated_event_ids: int = 0
    reloads: int = 0  # "reload" signals the SSE clients got (history gone: page reloads)
    not_in_plex: int = 0  # settled jobs without their Plex collection
    resume_seconds: list[float] = field(default_factory=list)
    ready_seconds: list[float] = field(default_factory=list)
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        missed = ", ".join(f"{k}={v}" for k, v in sorted(self.missed.items())) or "none"
        worst = max(self.resume_seconds, default=0.0)
        return (
            f"{self.mode:<9} jobs {self.jobs:3d}  videos {self.videos:3d}  kills {self.kills:3d}  "
            f"lost {self.lost}  duplicated {self.duplicated}  orphaned {self.orphaned}  "
            f"not in Plex {self.not_in_plex}  "
            f"events missed per SSE client: {missed}  (repeated event ids {self.repeated_event_ids};"
            f" reloads {self.reloads}; killed videos resumed within {worst:.1f} s;"
            f" {self.seconds:.0f} s)"
        )


# -- processes ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Proc:
    """One MediaNest process the rig supervises (restarts it after a kill)."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name, self.argv, self.env = name, argv, env
        self.port = int(env["MEDIANEST_PORT"]) if "MEDIANEST_PORT" in env else None
        self.log = log_dir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def web(self) -> bool:
        return self.port is not None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.argv, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self, timeout: float = 30.0) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM if self.web else signal.SIGINT)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    async def ready(self, deadline: float) -> None:
        """Waits until the web process answers /readyz (a worker: until it runs)."""
        if not self.web:
            return
        async with httpx.AsyncClient(timeout=2) as http:
            while True:
                if self.process is None or self.process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited; see {self.log}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(f"{self.url}/readyz")).status_code == 200:
                        return
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{self.name} not ready; see {self.log}")
                await asyncio.sleep(0.1)


# -- live-update clients ------------------------------------------------------------------------


class SseClient:
    """Follows ``/events`` of one web process as one person, reconnecting as a browser does."""

    def __init__(self, name: str, base: str, token: str) -> None:
        self.name, self.base, self.token = name, base, token
        self.final: dict[int, str] = {}  # job id -> last state seen
        self.ids: Counter[str] = Counter()
        self.last_id: str | None = None
        self.reloads = 0  # "reload" signals: the missed events were gone from the history
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self.task:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task

    async def _run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "text/event-stream"}
        timeout = httpx.Timeout(5.0, read=30.0)
        async with httpx.AsyncClient(timeout=timeout) as http:
            while True:
                if self.last_id:
                    headers["Last-Event-ID"] = self.last_id
                with contextlib.suppress(httpx.HTTPError, OSError):
                    async with http.stream("GET", f"{self.base}/events", headers=headers) as r:
                        if r.status_code == 200:
                            await self._read(r, http)
                await asyncio.sleep(0.2)  # the process is restarting: try again shortly

    async def _read(self, response: httpx.Response, http: httpx.AsyncClient) -> None:
        kind, data, event_id = "", "", None
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                kind = line[6:].strip()
            elif line.startswith("data:"):
                data += line[5:].strip()
            elif line.startswith("id:"):
                event_id = line[3:].strip()
            elif line == "":
                if event_id:
                    self.ids[event_id] += 1
                    self.last_id = event_id
                if kind == "download.job" and data:
                    self._record(data)
                elif kind == "reload":  # what a page does: load the current list again
                    self.reloads += 1
                    await self._reload(http)
                kind, data, event_id = "", "", None

    async def _reload(self, http: httpx.AsyncClient) -> None:
        auth = {"Authorization": f"Bearer {self.token}"}
        with contextlib.suppress(httpx.HTTPError, ValueError):
            response = await http.get(f"{self.base}/api/v1/downloads", headers=auth)
            for job in response.json():
                self.final[int(job["id"])] = str(job["state"])

    def _record(self, raw: str) -> None:
        with contextlib.suppress(ValueError, KeyError, TypeError):
            payload = json.loads(raw)
            job = payload.get("data", payload)
            self.final[int(job["id"])] = str(job["state"])


# -- the rig -----------------------------------------------------------------------------------


class ChaosRig:
    def __init__(self, plan: ChaosPlan, root: Path) -> None:
        self.plan = plan
        self.root = root
        self.rng = random.Random(plan.seed)
        self.run_id = uuid.uuid4().hex[:8]
        self.report = ChaosReport(plan.mode)
        self.procs: list[Proc] = []
        self.sse: list[SseClient] = []
        self.tokens: dict[str, str] = {}
        self.owners: dict[int, str] = {}  # job id -> person
        self.expected: dict[str, bytes] = {}  # playlist video id -> the bytes the host serves
        self._servers: list[FakeServer] = []
        self._database: str | None = None
        self._namespace: str | None = None

    # -- setting up ---------------------------------------------------------------------------

    def _fakes(self) -> None:
        media = MediaHostFakeState()  # media cached per machine, made once
        per_job = [self.plan.videos // self.plan.jobs] * self.plan.jobs
        for n in range(self.plan.videos % self.plan.jobs):
            per_job[n] += 1
        looks = {LOOKS[0], LOOKS[1]}  # the shorter ones: ~150 KB at 180p
        self.playlists: list[str] = []
        for j, count in enumerate(per_job):
            ids = [f"chaos-{j:02d}-{n}" for n in range(count)]
            for n, video_id in enumerate(ids):
                media.add_video(video_id, f"Chaos {j}.{n}", look=sorted(looks, key=str)[n % 2])
            media.add_playlist(f"chaos-{j:02d}", f"Chaos playlist {j}", ids)
            self.playlists.append(f"chaos-{j:02d}")
        media.media.warm(looks, [SD])
        media.set_slow(None, self.plan.rate_bps)
        self.media = media
        plex = PlexFakeState.demo(media_root=self.root / "plex")
        self.plex = plex
        plex_server = FakeServer(plex_app(plex)).start()
        plextv = PlexTvFakeState.demo()
        plextv.server_url = plex_server.url
        self.media_server = FakeServer(media_app(media)).start()
        self._servers = [self.media_server, plex_server, FakeServer(plextv_app(plextv)).start()]
        section = plex.section_by_title("YouTube")
        self.section = str(section.id)
        self.download_dir = plex.section_path(section) / f"chaos-{self.run_id}"
        self.plex_url, self.plextv_url = plex_server.url, self._servers[2].url

    def _settings_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIANEST_")}
        values = {
            "DATA_DIR": str(self.root / "data"),
            "DOWNLOAD_DIR": str(self.download_dir),
            "DOWNLOAD_ALLOWED_HOSTS": ",".join(
                (*DEFAULT_ALLOWED_DOWNLOAD_HOSTS, self.media_server.url.removeprefix("http://"))
            ),
            "PLEX_URL": self.plex_url,
            "PLEX_TOKEN": identities.PLEX_OWNER_TOKEN,
            "PLEXTV_URL": self.plextv_url,
            "PLEX_AUTH_URL": f"{self.plextv_url}/auth",
            "PLEX_YOUTUBE_SECTION": self.section,
            "DEMO": "false",
            "HOST": "127.0.0.1",
            "LOG_LEVEL": "warning",
            "DOWNLOAD_CONCURRENCY": "2",
            "DOWNLOAD_JOBS_PER_HOUR": "10000",
            "DOWNLOAD_MIN_FREE_MB": "0",
            "DOWNLOAD_STALE_SECONDS": "10",
            "DOWNLOAD_PLEX_WAIT_SECONDS": "20",
            "WORKER_THREADS": "3",
            "SSE_HEARTBEAT_SECONDS": "1",
        }
        if self._database:
            values["DATABASE_URL"] = self._database
        if self._namespace and self.plan.redis_url:
            values["REDIS_URL"] = self.plan.redis_url
            values["REDIS_NAMESPACE"] = self._namespace
        env.update({f"MEDIANEST_{k}": v for k, v in values.items()})
        return env

    def _settings(self) -> Settings:
        return Settings(  # type: ignore[call-arg]
            _env_file=None, data_dir=self.root / "data", database_url=self._database
        )

    async def _backends(self) -> None:
        if self.plan.mode != "scaled":
            return
        if not self.plan.database_url or not self.plan.redis_url:
            raise RuntimeError("scaled mode needs a PostgreSQL and a Redis URL")
        name = f"mn_chaos_{self.run_id}"
        await _pg_admin(self.plan.database_url, f'CREATE DATABASE "{name}"')
        parts = urlsplit(self.plan.database_url)
        self._database = urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))
        self._namespace = f"mnchaos-{self.run_id}"

    async def _people(self, db_sessions: async_sessionmaker[AsyncSession]) -> None:
        async with db_sessions.begin() as db:
            for n in range(self.plan.people):
                name = f"chaos{n + 1}"
                user = User(username_key=name, username=name, display_name=f"Chaos {n + 1}")
                db.add(user)
                await db.flush()
                made = await api_tokens.create(db, Actor.system(), user.id, "chaos")
                self.tokens[name] = made.secret

    def _processes(self) -> None:
        bin_dir = Path(sys.executable).parent
        medianest = str(bin_dir / "medianest")
        logs = self.root / "logs"
        logs.mkdir(exist_ok=True)
        base = self._settings_env()
        if self.plan.mode == "embedded":
            env = base | {"MEDIANEST_PORT": str(free_port()), "MEDIANEST_EMBEDDED_WORKER": "true"}
            self.procs = [Proc("serve", [medianest, "serve"], env, logs)]
            return
        web = base | {"MEDIANEST_EMBEDDED_WORKER": "false"}
        self.procs = [
            Proc(f"web{n}", [medianest, "serve"], web | {"MEDIANEST_PORT": str(free_port())}, logs)
            for n in (1, 2)
        ] + [Proc(f"worker{n}", [medianest, "worker"], base, logs) for n in (1, 2)]

    @property
    def webs(self) -> list[Proc]:
        return [p for p in self.procs if p.web]

    # -- running ------------------------------------------------------------------------------

    async def run(self) -> ChaosReport:
        started = time.monotonic()
        deadline = started + self.plan.deadline
        self._fakes()
        await self._backends()
        (self.root / "data").mkdir(parents=True, exist_ok=True)
        settings = self._settings()
        await migrate.upgrade_url(settings.resolved_database_url)
        engine = create_short_lived_engine(settings.resolved_database_url)
        db_sessions = session_factory(engine)
        try:
            await self._people(db_sessions)
            self._processes()
            for proc in self.procs:
                proc.start()
            await asyncio.gather(*(p.ready(deadline) for p in self.procs))
            for person, token in self.tokens.items():
                for web in self.webs:
                    client = SseClient(f"{person}@{web.name}", web.url, token)
                    client.start()
                    self.sse.append(client)
            await self._submit(deadline)
            await self._kill_loop(db_sessions, deadline)
            await self._rolling_restart(deadline)
            await _until(lambda: self._all_settled(db_sessions), deadline, "jobs to settle")
            await self._account(db_sessions)
        finally:
            for client in self.sse:
                await client.stop()
            for proc in self.procs:
                proc.stop()
            await engine.dispose()
            for server in self._servers:
                server.stop()
            await self._drop_backends()
        self.report.seconds = time.monotonic() - started
        return self.report

    async def _submit(self, deadline: float) -> None:
        people = list(self.tokens)
        async with httpx.AsyncClient(timeout=60) as http:
            for n, playlist in enumerate(self.playlists):
                person = people[n % len(people)]
                web = self.webs[n % len(self.webs)]
                url = f"{self.media_server.url}/playlist/{playlist}.html"
                response = await http.post(
                    f"{web.url}/api/v1/downloads",
                    json={"url": url, "quality": "480p"},
                    headers={"Authorization": f"Bearer {self.tokens[person]}"},
                )
                if response.status_code != 201:
                    raise RuntimeError(f"download not accepted: {response.text[:300]}")
                self.owners[int(response.json()["id"])] = person
                if time.monotonic() > deadline:
                    raise TimeoutError("submitting took too long")
        self.report.jobs = len(self.owners)

    async def _running(
        self, db_sessions: async_sessionmaker[AsyncSession]
    ) -> list[tuple[int, str | None]]:
        """Videos downloading right now with bytes on disk: (item id, holder)."""
        async with db_sessions() as db:
            rows = await db.execute(
                select(DownloadItem.id, DownloadItem.claimed_by).where(
                    DownloadItem.state == "downloading", DownloadItem.bytes_done > 0
                )
            )
            return [(int(i), h) for i, h in rows.all()]

    def _victim(self, holders: list[str | None]) -> Proc:
        if self.plan.mode == "embedded":
            return self.procs[0]
        if self.report.kills % 3 == 2:  # every third kill takes down a web process
            return self.rng.choice(self.webs)
        pids = {int(h.rsplit(":", 2)[1]) for h in holders if h and h.count(":") >= 2}
        workers = [p for p in self.procs if not p.web and p.pid in pids]
        return self.rng.choice(workers or [p for p in self.procs if not p.web])

    async def _kill_loop(
        self, db_sessions: async_sessionmaker[AsyncSession], deadline: float
    ) -> None:
        while self.report.kills < self.plan.kills:
            running = await _until(
                lambda: self._running_or_done(db_sessions), deadline, "a running download"
            )
            if running == "done":
                self.report.problems.append(
                    f"work ran out after {self.report.kills} of {self.plan.kills} kills"
                )
                return
            assert isinstance(running, list)
            victim = self._victim([h for _, h in running])
            gone = f":{victim.pid}:"
            killed = {i: h for i, h in running if h and gone in h}
            victim.kill()
            self.report.kills += 1
            killed_at = time.monotonic()
            victim.start()
            self.report.restarts += 1
            await victim.ready(deadline)
            self.report.ready_seconds.append(time.monotonic() - killed_at)
            if killed:
                await _until(
                    lambda k=killed: self._taken_again(db_sessions, k), deadline, "killed videos"
                )
                self.report.resume_seconds.append(time.monotonic() - killed_at)

    async def _running_or_done(
        self, db_sessions: async_sessionmaker[AsyncSession]
    ) -> list[tuple[int, str | None]] | str | None:
        running = await self._running(db_sessions)
        if running:
            return running
        async with db_sessions() as db:
            pending = await db.scalar(
                select(func.count(DownloadItem.id)).where(
                    DownloadItem.state.in_(["pending", "downloading"])
                )
            )
        return None if pending else "done"

    async def _taken_again(
        self, db_sessions: async_sessionmaker[AsyncSession], killed: dict[int, str]
    ) -> bool:
        """Every video the kill interrupted runs again under a new holder, or has ended."""
        async with db_sessions() as db:
            rows = await db.execute(
                select(DownloadItem.id, DownloadItem.state, DownloadItem.claimed_by).where(
                    DownloadItem.id.in_(list(killed))
                )
            )
            return all(
                state not in ("pending", "downloading")
                or (state == "downloading" and holder not in (None, killed[item_id]))
                for item_id, state, holder in rows.all()
            )

    async def _rolling_restart(self, deadline: float) -> None:
        for proc in self.webs:
            proc.stop()
            proc.start()
            self.report.restarts += 1
            await proc.ready(deadline)

    async def _all_settled(self, db_sessions: async_sessionmaker[AsyncSession]) -> bool:
        async with db_sessions() as db:
            open_jobs = await db.scalar(
                select(func.count(DownloadJob.id)).where(DownloadJob.state.not_in(FINAL))
            )
        return not open_jobs

    # -- the account --------------------------------------------------------------------------

    async def _account(self, db_sessions: async_sessionmaker[AsyncSession]) -> None:
        async with db_sessions() as db:
            jobs = list(await db.scalars(select(DownloadJob)))
            items = list(await db.scalars(select(DownloadItem)))
            notices = await db.scalar(
                select(func.count(Notification.id)).where(
                    Notification.kind.in_(["download_finished", "download_failed"])
                )
            )
        report = self.report
        report.videos = len(items)
        by_job = {job.id: job for job in jobs}
        for job in jobs:
            if job.state != "completed":
                report.problems.append(f"job {job.id} ended {job.state}: {job.error}")
            if job.plex_state != "done" or not job.plex_collection_key:
                report.not_in_plex += 1
                report.problems.append(f"job {job.id} not in Plex: {job.plex_message}")
        for item in items:
            job = by_job[item.job_id]
            media = self._media_file(job, item)
            expected = self._expected_bytes(job, item)
            if item.state not in ("done", "skipped") or media is None or media != expected:
                report.lost += 1
                report.problems.append(f"video {item.id} ({item.title}) {item.state}: {item.error}")
        report.lost += sum(1 for job in jobs if job.state not in FINAL)
        settled = sum(1 for job in jobs if job.state in FINAL)
        twice = {
            "notices": max(0, int(notices or 0) - settled),
            "media files": self._extra_media(jobs),
            "Plex collections or members": self._extra_collections(),
        }
        report.duplicated = sum(twice.values())
        report.problems += [f"duplicated {what}: {n}" for what, n in twice.items() if n]
        report.orphaned = len(_partials(self.download_dir))
        await _until(self._events_arrived(by_job), time.monotonic() + 10, "", quiet=True)
        for client in self.sse:
            person = client.name.split("@")[0]
            own = [job for job in jobs if self.owners.get(job.id) == person]
            report.missed[client.name] = sum(
                1 for job in own if client.final.get(job.id) != job.state
            )
            report.repeated_event_ids += sum(n - 1 for n in client.ids.values() if n > 1)
            report.reloads += client.reloads

    def _events_arrived(self, by_job: dict[int, DownloadJob]) -> Callable[[], Awaitable[bool]]:
        async def check() -> bool:
            return all(
                client.final.get(job_id) == job.state
                for client in self.sse
                for job_id, job in by_job.items()
                if self.owners.get(job_id) == client.name.split("@")[0]
            )

        return check

    def _media_file(self, job: DownloadJob, item: DownloadItem) -> bytes | None:
        if not item.file_name:
            return None
        path = self.download_dir / job.folder / item.file_name
        return path.read_bytes() if path.is_file() else None

    def _expected_bytes(self, job: DownloadJob, item: DownloadItem) -> bytes:
        playlist = self.media.playlists[job.url.rsplit("/", 1)[-1].removesuffix(".html")]
        video = self.media.videos[playlist.video_ids[item.position - 1]]
        return self.media.media.data(video.look, SD)

    def _extra_collections(self) -> int:
        """Plex collections made twice for one playlist, or holding a video twice."""
        made = [item for item in self.plex.items.values() if item.type == "collection"]
        titles = Counter(item.title for item in made if item.title.startswith("Chaos playlist"))
        twice = sum(n - 1 for n in titles.values())
        for collection in made:
            members = list(collection.children or ())
            twice += len(members) - len(set(members))
        return twice

    def _extra_media(self, jobs: list[DownloadJob]) -> int:
        """Media files beyond one per video (a video stored twice under two names)."""
        extra = 0
        for folder in {job.folder for job in jobs}:
            path = self.download_dir / folder
            media = [
                p
                for p in path.iterdir()
                if p.is_file()
                and not p.name.startswith(".")
                and not p.name.endswith(SIDECARS + PARTIAL_SUFFIXES)
            ]
            videos = {item_stem_of(p.name) for p in media}
            extra += len(media) - len(videos)
        return extra

    async def _drop_backends(self) -> None:
        if self._database and self.plan.database_url:
            name = urlsplit(self._database).path.lstrip("/")
            with contextlib.suppress(Exception):
                await _pg_admin(
                    self.plan.database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
                )
        if self._namespace and self.plan.redis_url:
            import redis

            with contextlib.suppress(redis.RedisError, OSError):
                client = redis.Redis.from_url(self.plan.redis_url, socket_connect_timeout=2)
                for key in client.scan_iter(match=f"*{self._namespace}*", count=500):
                    client.delete(key)
                client.close()


def item_stem_of(name: str) -> str:
    """``001 - Title [id].mp4`` -> ``001 - Title [id]``."""
    return name.rsplit(".", 1)[0]


def _partials(root: Path) -> list[Path]:
    if not root.exists():
        return []
    return [
        p
        for p in root.rglob("*")
        if p.is_file() and (p.name.endswith(PARTIAL_SUFFIXES) or ".part-Frag" in p.name)
    ]


async def _until(
    check: Callable[[], Awaitable[Any]], deadline: float, what: str, *, quiet: bool = False
) -> Any:
    """Polls ``check`` until it gives something truthy, or the deadline passes."""
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            if quiet:
                return result
            raise TimeoutError(f"gave up waiting for {what}")
        await asyncio.sleep(0.1)


async def _pg_admin(base_url: str, sql: str) -> None:
    import asyncpg

    parts = urlsplit(base_url)
    conn = await asyncpg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or None,
        password=parts.password or None,
        database=(parts.path or "/test").lstrip("/") or "test",
        timeout=5,
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def scratch_dir() -> AsyncIterator[Path]:
    """A temporary folder; kept (with the process logs) when the run fails."""
    path = Path(tempfile.mkdtemp(prefix="medianest-chaos-"))
    try:
        yield path
    except BaseException:
        print(f"chaos run failed; processes' logs kept in {path / 'logs'}", file=sys.stderr)
        raise
    shutil.rmtree(path, ignore_errors=True)


async def run_chaos(plan: ChaosPlan) -> ChaosReport:
    async with scratch_dir() as root:
        return await ChaosRig(plan, root).run()


__all__ = ["ChaosPlan", "ChaosReport", "run_chaos"]
