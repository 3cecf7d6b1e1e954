"""MediaNest as a real install runs it: ``medianest serve`` alone in its process, talking over
HTTP to the fake external services, each in a process of its own (``medianest fake <service>``).

``medianest demo`` runs the same fakes inside MediaNest's process, so their CPU, memory (poster
rendering, video encoding) and event-loop time would be counted as MediaNest's. Here the
measured process is MediaNest alone; the fakes get the demo's seed data and credentials, and
MediaNest is configured through its environment as an operator would.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.server import ADMIN_PASSWORD, free_port, stop_process
from medianest.config import DEFAULT_ALLOWED_DOWNLOAD_HOSTS
from medianest.demo import identities

FAKE_SERVICES = ("plextv", "plex", "overseerr", "uptime-kuma", "media")
READY_SECONDS = 90.0
# What ``medianest demo`` prints: "  fake plextv: http://..." and "  try downloading: <title>: http://..."
DEMO_LOG_URL = re.compile(r"^\s*(fake [\w-]+|try downloading: [^:]+): (http://\S+)", re.MULTILINE)


@dataclass
class Fake:
    name: str
    process: subprocess.Popen[bytes]
    url: str
    notes: dict[str, str]  # what ``medianest fake`` printed: label -> value


@dataclass
class World:
    process: subprocess.Popen[bytes]  # MediaNest (``serve`` or ``demo``): the measured process
    url: str
    log_path: Path
    data_dir: Path  # MediaNest's data dir (for ``medianest users token``)
    plextv_url: str
    download_links: list[str]
    in_process: bool
    fakes: dict[str, Fake] = field(default_factory=dict)


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIANEST_")}
    env.update({"COLUMNS": "300", "MEDIANEST_LOG_LEVEL": "warning", **extra})
    return env


def _wait_until(ready: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    """Until ``ready`` (a URL) answers 200, or fail with the end of the process's log."""
    deadline = time.monotonic() + READY_SECONDS
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{ready}: process exited: {log_path.read_text()[-2000:]}")
        try:
            if httpx.get(ready, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{ready} not ready within {READY_SECONDS:.0f} s")
        time.sleep(0.2)


@contextmanager
def _process(
    command: list[str], env: dict[str, str], log_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    with log_path.open("wb") as log:  # a file, not a pipe nobody reads
        process = subprocess.Popen(command, env=env, stdout=log, stderr=log)
        try:
            yield process
        except BaseException:
            print(log_path.read_text()[-6000:])
            raise
        finally:
            stop_process(process)


def _start_fake(stack: ExitStack, name: str, folder: Path) -> Fake:
    port = free_port()
    log_path = folder / f"fake-{name}.log"
    env = _clean_env(MEDIANEST_DATA_DIR=str(folder / "fakes-data"))
    command = [sys.executable, "-m", "medianest", "fake", name, "--port", str(port)]
    process = stack.enter_context(_process(command, env, log_path))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + READY_SECONDS
    while "serving at" not in log_path.read_text():  # printed once it listens; notes follow
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"fake {name} did not start: {log_path.read_text()[-2000:]}")
        time.sleep(0.1)
    httpx.get(url + "/", timeout=10)  # answers at all (any status): the notes are printed
    notes = {}
    for line in log_path.read_text().splitlines()[1:]:
        label, _, value = line.strip().partition(": ")
        notes[label] = value
    return Fake(name, process, url, notes)


def _youtube_section(plex_url: str) -> str:
    """The fake Plex's YouTube library (MediaNest adds downloaded playlists to it)."""
    answer = httpx.get(
        plex_url + "/library/sections",
        headers={"X-Plex-Token": identities.PLEX_OWNER_TOKEN, "Accept": "application/json"},
        timeout=10,
    ).json()
    return next(
        str(s["key"]) for s in answer["MediaContainer"]["Directory"] if s["title"] == "YouTube"
    )


def _serve_environment(fakes: dict[str, Fake], folder: Path) -> dict[str, str]:
    """What an operator would set to point MediaNest at Plex, Overseerr and Uptime Kuma."""
    url = {name: fake.url for name, fake in fakes.items()}
    media_host = url["media"].removeprefix("http://")
    return {
        "MEDIANEST_PLEX_URL": url["plex"],
        "MEDIANEST_PLEX_TOKEN": identities.PLEX_OWNER_TOKEN,
        "MEDIANEST_PLEXTV_URL": url["plextv"],
        "MEDIANEST_PLEX_AUTH_URL": f"{url['plextv']}/auth",
        "MEDIANEST_OVERSEERR_URL": url["overseerr"],
        "MEDIANEST_OVERSEERR_API_KEY": identities.OVERSEERR_API_KEY,
        "MEDIANEST_TMDB_IMAGE_URL": f"{url['overseerr']}/__fake__/tmdb/t/p",
        "MEDIANEST_UPTIME_KUMA_URL": url["uptime-kuma"],
        "MEDIANEST_UPTIME_KUMA_SLUG": identities.UPTIME_KUMA_SLUG,
        "MEDIANEST_UPTIME_KUMA_API_KEY": identities.UPTIME_KUMA_API_KEY,
        "MEDIANEST_DOWNLOAD_DIR": str(folder / "fakes-data" / "fakes" / "plex-media" / "youtube"),
        "MEDIANEST_DOWNLOAD_ALLOWED_HOSTS": ",".join((*DEFAULT_ALLOWED_DOWNLOAD_HOSTS, media_host)),
        "MEDIANEST_PLEX_YOUTUBE_SECTION": _youtube_section(url["plex"]),
    }


@contextmanager
def medianest_world(
    folder: Path,
    *,
    in_process: bool = False,
    launcher: tuple[str, ...] = ("-m", "medianest"),
    **environment: str,
) -> Iterator[World]:
    """MediaNest and the fake services, until MediaNest is ready.

    ``in_process``: the old way, ``medianest demo`` with the fakes inside MediaNest's process.
    ``launcher``: how Python starts MediaNest's CLI (a script that patches it first, say).
    ``environment``: extra ``MEDIANEST_*`` settings for MediaNest.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = _clean_env(
        MEDIANEST_PORT=str(port),
        MEDIANEST_HOST="127.0.0.1",
        MEDIANEST_ADMIN_PASSWORD=ADMIN_PASSWORD,
        **environment,
    )
    log_path = folder / "medianest.log"
    with ExitStack() as stack:
        if in_process:
            env["MEDIANEST_DATA_DIR"] = str(folder)
            command = [sys.executable, *launcher, "demo", "--port", str(port)]
            process = stack.enter_context(_process(command, env, log_path))
            _wait_until(url + "/readyz", process, log_path)
            found = dict(DEMO_LOG_URL.findall(log_path.read_text()))
            links = [v for k, v in found.items() if k.startswith("try downloading")]
            yield World(process, url, log_path, folder / "demo", found["fake plextv"], links, True)
            return
        fakes = {name: _start_fake(stack, name, folder) for name in FAKE_SERVICES}
        data_dir = folder / "medianest"
        env.update(_serve_environment(fakes, folder))
        env.update(MEDIANEST_DATA_DIR=str(data_dir), MEDIANEST_DEMO="false", **environment)
        command = [sys.executable, *launcher, "serve"]
        process = stack.enter_context(_process(command, env, log_path))
        _wait_until(url + "/readyz", process, log_path)
        media = fakes["media"]
        links = [link for link in media.notes.values() if link.startswith(media.url)]
        yield World(process, url, log_path, data_dir, fakes["plextv"].url, links[:3], False, fakes)
