"""A household on one MediaNest process: 50 people browsing for a while.

MediaNest runs as ``medianest serve`` alone, talking to the fake external services (plex.tv, Plex,
Overseerr, Uptime Kuma, a video host) each in its own process (``bench/split_world.py``), so the
memory and latency measured are MediaNest's own, as on a real install. ``HOUSEHOLD_IN_PROCESS=1``
runs the old way, one ``medianest demo`` with the fakes inside MediaNest's process.

Each person signs in (a few as the local admin, the rest through the demo's fake plex.tv) and
then, with a few seconds of thinking between clicks, opens the dashboard (with its fragments),
browses and searches the library, searches media, looks at request and download lists and the
inbox, loads posters and now and then files a request or starts a download.

Prints the latency distribution (p50/p95/p99/max) per kind of page and overall, the slowest
requests with the server's own ``Server-Timing`` breakdown (where the time went: waiting for a
database connection, in the database, elsewhere), and the MediaNest process's resident memory over time.

``HOUSEHOLD_SECONDS`` (default 60; 300 for the real figure) and ``HOUSEHOLD_PEOPLE`` (default 50)
change the run; ``HOUSEHOLD_COMPARE=1`` first runs the same load against SQLAlchemy's stock
connection pool (``bench/stock_pool_demo.py``) as a baseline. Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import html
import os
import random
import re
import statistics
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

from bench.server import ADMIN_PASSWORD, resident_mb
from bench.split_world import World, medianest_world

CLIENT_TIMEOUT = 30.0
# Seconds a person reads a page before the next click. A click is about 3.9 requests in this mix
# (a page, its fragments, its posters), so 2-5.5 s (3.75 s on average) makes about one request
# per person per second: 50 people, about 50 requests/s (a measured 5-minute evening of 50
# people made 15,297 requests). Shorter pauses would ask several times that of a fast server,
# and the rate would only fall because the server was saturated.
THINK_SECONDS = (2.0, 5.5)
SLOW_SECONDS = 2.0
WORDS = ("the", "star", "night", "love", "war", "man", "day", "city", "a", "blue")
PLEX_PEOPLE = ("nestowner", "alice", "bob")
CSRF_IN_PAGE = re.compile(r'name="csrf_token" value="([^"]+)"')
IMAGE_IN_PAGE = re.compile(r'<img[^>]* src="(/(?:library/images|requests/posters)[^"]+)"')
ITEM_IN_PAGE = re.compile(r'href="(/library/items/\d+)"')
TMDB_IN_PAGE = re.compile(r"/requests/new/(movie|tv)/(\d+)")


@dataclass
class Sample:
    kind: str
    path: str
    status: int  # 0: no answer within the client timeout / transport error
    seconds: float
    started: float
    timing: str


@dataclass
class Household:
    url: str
    plextv_url: str
    download_links: list[str]
    sections: list[str]
    deadline: float
    samples: list[Sample] = field(default_factory=list)
    seconds: float = 0.0  # how long the evening took (after everyone signed in)


class MemoryProbe(threading.Thread):
    def __init__(self, pid: int, every: float) -> None:
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.readings: list[tuple[float, float]] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        started = time.monotonic()
        while not self.stopped.is_set():
            self.readings.append((time.monotonic() - started, resident_mb(self.pid)))
            self.stopped.wait(self.every)


async def sign_in(house: Household, http: httpx.AsyncClient, who: str) -> str:
    """Signs ``http`` in as ``who``; returns the CSRF token of its browser."""
    page = (await http.get("/signin")).text
    csrf = CSRF_IN_PAGE.search(page)
    assert csrf, "sign-in page without a CSRF token"
    token = csrf.group(1)
    if who == "admin":
        done = await http.post(
            "/signin/local",
            data={"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": token},
        )
        assert done.status_code == 303, done.text
        return token
    started = (await http.post("/auth/plex/pin", headers={"X-CSRF-Token": token})).json()
    code = parse_qs(urlsplit(started["auth_url"]).fragment.lstrip("!?"))["code"][0]
    async with httpx.AsyncClient(base_url=house.plextv_url, timeout=CLIENT_TIMEOUT) as plextv:
        approved = await plextv.post(f"/__fake__/pins/{code}/approve", json={"account": who})
        assert approved.status_code < 300, approved.text
    polled = await http.get(f"/auth/plex/pin/{started['id']}")
    assert polled.status_code == 200 and "mn_session" in http.cookies, polled.text
    return token


class Person:
    def __init__(self, house: Household, who: str, rng: random.Random) -> None:
        self.house, self.who, self.rng = house, who, rng
        self.http = httpx.AsyncClient(
            base_url=house.url, timeout=CLIENT_TIMEOUT, follow_redirects=False
        )
        self.csrf = ""
        self.images: list[str] = []
        self.items: list[str] = []
        self.titles: list[tuple[str, str]] = []

    async def get(self, kind: str, path: str) -> str:
        return await self._call(kind, "GET", path)

    async def _call(
        self, kind: str, method: str, path: str, data: dict[str, str] | None = None
    ) -> str:
        started = time.monotonic()
        try:
            response = await self.http.request(method, path, data=data)
            status, text, timing = (
                response.status_code,
                response.text,
                response.headers.get("server-timing", ""),
            )
        except httpx.HTTPError as exc:
            status, text, timing = 0, "", type(exc).__name__
        self.house.samples.append(
            Sample(kind, f"{method} {path}", status, time.monotonic() - started, started, timing)
        )
        self.images.extend(html.unescape(src) for src in IMAGE_IN_PAGE.findall(text)[:20])
        self.items.extend(ITEM_IN_PAGE.findall(text)[:10])
        self.titles.extend(TMDB_IN_PAGE.findall(text)[:10])
        del self.images[:-60], self.items[:-30], self.titles[:-30]
        return text

    async def posters(self) -> None:
        for path in self.rng.sample(self.images, min(4, len(self.images))):
            await self.get("poster", path)

    async def dashboard(self) -> None:
        await self.get("dashboard", "/")
        await self.get("dashboard", "/dashboard/services")
        await self.get("dashboard", "/inbox/bell")

    async def library(self) -> None:
        await self.get("library", "/library")
        section = self.rng.choice(self.house.sections)
        await self.get("library", f"/library/sections/{section}")
        await self.posters()
        if self.items:
            await self.get("library", self.rng.choice(self.items))

    async def library_search(self) -> None:
        await self.get("library search", f"/library/search?q={self.rng.choice(WORDS)}")
        await self.posters()

    async def media_search(self) -> None:
        await self.get("media search", f"/requests?q={self.rng.choice(WORDS)}")
        await self.posters()

    async def lists(self) -> None:
        await self.get("lists", self.rng.choice(("/requests/mine", "/downloads")))
        if self.who == "admin":
            await self.get("lists", "/requests/all")

    async def inbox(self) -> None:
        await self.get("inbox", "/inbox")

    async def submit_request(self) -> None:
        if not self.titles:
            await self.media_search()
        if self.titles:
            media_type, tmdb_id = self.rng.choice(self.titles)
            form = {"media_type": media_type, "tmdb_id": tmdb_id, "csrf_token": self.csrf}
            await self._call("submit", "POST", "/requests", form)

    async def submit_download(self) -> None:
        url = self.rng.choice(self.house.download_links)
        form = {"url": url, "quality": "best", "csrf_token": self.csrf}
        await self._call("submit", "POST", "/downloads", form)

    async def live(self) -> None:
        actions = [
            (self.dashboard, 25),
            (self.library, 20),
            (self.library_search, 12),
            (self.media_search, 12),
            (self.lists, 12),
            (self.inbox, 10),
            (self.submit_request, 2),
            (self.submit_download, 1),
        ]
        calls, weights = zip(*actions, strict=True)
        await asyncio.sleep(self.rng.uniform(0, THINK_SECONDS[1]))  # not everyone at once
        while time.monotonic() < self.house.deadline:
            await self.rng.choices(calls, weights)[0]()
            await asyncio.sleep(self.rng.uniform(*THINK_SECONDS))
        await self.http.aclose()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def distribution(label: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return (
        f"{label:<16} n={len(ms):6d}  p50 {statistics.median(ms):7.1f}  p95 {percentile(ms, 0.95):7.1f}"
        f"  p99 {percentile(ms, 0.99):7.1f}  max {max(ms):8.1f} ms"
    )


def report(house: Household, memory: MemoryProbe) -> None:
    samples, seconds = house.samples, house.seconds
    print(
        f"{len(samples)} requests in {seconds:.0f} s ({len(samples) / seconds:.1f}/s;"
        " a measured household evening: 51/s)"
    )
    print("statuses:", dict(sorted(Counter(s.status for s in samples).items())))
    refused = Counter(s.path.split("?")[0] for s in samples if 400 <= s.status < 500)
    if refused:
        print("  4xx by path:", dict(refused.most_common(5)))
    unanswered = Counter(f"{s.timing} after {s.seconds:.0f} s" for s in samples if s.status == 0)
    if unanswered:
        print("  no answer (client error, time):", dict(unanswered.most_common(5)))
    by_kind: dict[str, list[float]] = defaultdict(list)
    for s in samples:
        by_kind[s.kind].append(s.seconds)
    for kind in sorted(by_kind):
        print(distribution(kind, by_kind[kind]))
    print(distribution("ALL", [s.seconds for s in samples]))
    slow = [s for s in samples if s.seconds > SLOW_SECONDS or s.status in (0, 500)]
    print(
        f"over {SLOW_SECONDS:.0f} s or failed: {len(slow)} ({100 * len(slow) / len(samples):.2f} %)"
    )
    print("slowest requests (server timing: pool = waiting for a database connection):")
    for s in sorted(samples, key=lambda s: s.seconds, reverse=True)[:10]:
        print(f"  {s.seconds * 1000:8.1f} ms  {s.status:3d}  {s.path[:60]:<60}  {s.timing or '-'}")
    print("resident memory of the MediaNest process alone (MB):")
    step = max(1, len(memory.readings) // 12)
    print("  " + "  ".join(f"{t:4.0f}s {mb:5.0f}" for t, mb in memory.readings[::step]))
    half = memory.readings[len(memory.readings) // 2 :]
    if half:
        values = [mb for _, mb in half]
        print(f"  second half: min {min(values):.0f} MB, max {max(values):.0f} MB")


async def household(world: World, people: int, seconds: float) -> Household:
    url, plextv, downloads = world.url, world.plextv_url, world.download_links
    async with httpx.AsyncClient(base_url=url, timeout=CLIENT_TIMEOUT) as admin:
        probe = Household(url, plextv, downloads, [], 0)
        await sign_in(probe, admin, "admin")
        sections = (await admin.get("/api/v1/library/sections")).json()
        ids = [str(s["id"]) for s in sections["sections"]] or ["1"]
    house = Household(url, plextv, downloads, ids, time.monotonic() + seconds)
    rng = random.Random(17)
    crowd = [
        Person(house, "admin" if n % 10 == 0 else PLEX_PEOPLE[n % 3], random.Random(rng.random()))
        for n in range(people)
    ]
    for person in crowd:  # everyone was signed in before the evening started
        person.csrf = await sign_in(house, person.http, person.who)
    started = time.monotonic()
    house.deadline = started + seconds
    await asyncio.gather(*(p.live() for p in crowd))
    house.seconds = time.monotonic() - started
    return house


def database_files_open(pid: int) -> int:
    """Open handles on the main database file: one per SQLite connection."""
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            count += os.readlink(fd).endswith("medianest.db")
        except OSError:
            continue
    return count


def run(label: str, launcher: tuple[str, ...], people: int, seconds: float) -> None:
    in_process = bool(os.environ.get("HOUSEHOLD_IN_PROCESS"))
    print(f"-- {label}")
    print(
        "fake services: inside MediaNest's process (`medianest demo`, HOUSEHOLD_IN_PROCESS=1)"
        if in_process
        else "fake services: each in its own process; MediaNest is `medianest serve` alone"
    )
    with (
        tempfile.TemporaryDirectory() as folder,
        medianest_world(
            Path(folder),
            in_process=in_process,
            launcher=launcher,
            MEDIANEST_SERVER_TIMING="true",  # the slowest requests say what they waited on
        ) as world,
    ):
        process, log = world.process, world.log_path
        memory = MemoryProbe(process.pid, every=max(1.0, seconds / 60))
        memory.start()
        house = asyncio.run(household(world, people, seconds))
        memory.stopped.set()
        memory.join()
        report(house, memory)
        print(f"SQLite connections open at the end: {database_files_open(process.pid)}")
        if os.environ.get("HOUSEHOLD_SHOW_LOG"):
            print(log.read_text()[-20000:])


def main() -> None:
    seconds = float(os.environ.get("HOUSEHOLD_SECONDS", "60"))
    people = int(os.environ.get("HOUSEHOLD_PEOPLE", "50"))
    print(f"{people} people for {seconds:.0f} s on one MediaNest process (HOUSEHOLD_SECONDS)")
    if os.environ.get("HOUSEHOLD_COMPARE"):
        stock = (str(Path(__file__).with_name("stock_pool_demo.py")),)
        run(
            "baseline: SQLAlchemy's stock pool (5 + 10 overflow; its waits are not timed)",
            stock,
            people,
            seconds,
        )
    run("MediaNest as shipped", ("-m", "medianest"), people, seconds)
