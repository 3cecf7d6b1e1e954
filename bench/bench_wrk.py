"""Throughput over real HTTP, measured with ``wrk`` (2 threads, 50 connections): one ``medianest
serve`` process (configured for Plex, Overseerr and Uptime Kuma, which are the project's fakes,
each in its own process: ``bench/split_world.py``) against a bare FastAPI hello-world app under
its own uvicorn, on the same machine in the same run. ``WRK_IN_PROCESS=1`` runs the old way, one
``medianest demo`` with the fakes inside MediaNest's process.

Rounds are interleaved (bare, then MediaNest, path by path, ``WRK_ROUNDS`` times) so load on
the machine hits both alike; the table shows medians over the rounds: requests per second, that
as a share of the bare app's (measured next to it), and p95 latency, next to the goals.
``WRK_SECONDS`` (default 5) is the length of one wrk run. ``make bench`` installs Debian's wrk.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.server import free_port, resident_mb, sign_in_admin, stop_process
from bench.split_world import medianest_world

THREADS, CONNECTIONS = 2, 50
REPORT_SCRIPT = Path(__file__).with_name("wrk_report.lua")
RESULT = re.compile(r"WRK_RESULT (.*)")


@dataclass(frozen=True)
class Case:
    label: str
    path: str
    credential: str  # "", "bearer" or "cookie"
    min_share: float | None = None  # goal: at least this share of bare FastAPI's req/s
    max_p95_ms: float | None = None  # goal: p95 at most this


CASES = (
    Case("/healthz", "/healthz", ""),
    Case("/api/v1/me (bearer)", "/api/v1/me", "bearer", min_share=0.4),
    Case("/api/v1/library/sections (bearer)", "/api/v1/library/sections", "bearer"),
    Case("/api/v1/services (bearer)", "/api/v1/services", "bearer", 0.4, 50.0),
    Case("dashboard / (admin cookie)", "/", "cookie", min_share=0.1),
)


@dataclass(frozen=True)
class Run:
    per_second: float
    p95_ms: float
    failed: int  # transport errors and answers >= 400


def wrk_run(url: str, headers: dict[str, str], seconds: float) -> Run:
    command = [
        "wrk",
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds:g}s",
        "--latency",
        "-s",
        str(REPORT_SCRIPT),
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run([*command, url], capture_output=True, text=True, check=True)
    found = RESULT.search(done.stdout)
    if not found:
        raise RuntimeError(f"wrk printed no result: {done.stdout[-500:]} {done.stderr[-500:]}")
    values = dict(part.split("=") for part in found.group(1).split())
    figures = {name: int(value) for name, value in values.items()}
    return Run(
        per_second=figures["requests"] / (figures["duration_us"] / 1e6),
        p95_ms=figures["p95_us"] / 1000,
        failed=figures["errors"] + figures["non2xx"],
    )


@contextmanager
def bare_fastapi() -> Iterator[str]:
    """``bench/bare_fastapi.py`` under one uvicorn process, until it answers."""
    port = free_port()
    command = ["uvicorn", "bench.bare_fastapi:app", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(
        [sys.executable, "-m", *command, "--log-level", "warning", "--no-access-log"],
        cwd=Path(__file__).parent.parent,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
            time.sleep(0.1)
        yield url
    finally:
        stop_process(process)


def api_token(data_dir: Path) -> str:
    """A personal API token of the admin, from the ``medianest users token`` command."""
    env = {**os.environ, "MEDIANEST_DATA_DIR": str(data_dir)}
    done = subprocess.run(
        [sys.executable, "-m", "medianest", "users", "token", "admin", "--name", "wrk"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def goal_text(case: Case, share: float, p95_ms: float) -> str:
    goals = []
    if case.min_share is not None:
        met = "met" if share >= case.min_share else "NOT met"
        goals.append(f"x bare >= {case.min_share:.1f} {met}")
    if case.max_p95_ms is not None:
        met = "met" if p95_ms <= case.max_p95_ms else "NOT met"
        goals.append(f"p95 <= {case.max_p95_ms:.0f} ms {met}")
    return "; ".join(goals) or "-"


def main() -> None:
    if shutil.which("wrk") is None:
        print(
            "SKIPPED: wrk is not installed. `make bench` installs it "
            "(Debian/Ubuntu: apt-get install wrk)."
        )
        return
    seconds = float(os.environ.get("WRK_SECONDS", "5"))
    rounds = int(os.environ.get("WRK_ROUNDS", "3"))
    print(f"wrk -t{THREADS} -c{CONNECTIONS}, {seconds:g} s per run, {rounds} interleaved rounds")
    print(f"machine load before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (1, 5 min)")
    bare: dict[str, list[Run]] = {c.label: [] for c in CASES}
    ours: dict[str, list[Run]] = {c.label: [] for c in CASES}
    in_process = bool(os.environ.get("WRK_IN_PROCESS"))
    print(
        "fake services: inside MediaNest's process (`medianest demo`, WRK_IN_PROCESS=1)"
        if in_process
        else "fake services: each in its own process; MediaNest is `medianest serve` alone"
    )
    with (
        tempfile.TemporaryDirectory() as folder,
        medianest_world(
            Path(folder), in_process=in_process, MEDIANEST_EMBEDDED_WORKER="false"
        ) as server,
        bare_fastapi() as bare_url,
    ):
        credentials = {
            "": {},
            "bearer": {"Authorization": f"Bearer {api_token(server.data_dir)}"},
            "cookie": {
                "Cookie": "; ".join(f"{k}={v}" for k, v in sign_in_admin(server.url).items())
            },
        }
        for case in CASES:  # each answers, and warms its caches, before it is timed
            answer = httpx.get(server.url + case.path, headers=credentials[case.credential])
            if answer.status_code != 200:
                raise RuntimeError(
                    f"{case.path} answered {answer.status_code}: {answer.text[:200]}"
                )
        for _round in range(rounds):
            for case in CASES:
                bare[case.label].append(wrk_run(bare_url + case.path, {}, seconds))
                headers = credentials[case.credential]
                ours[case.label].append(wrk_run(server.url + case.path, headers, seconds))
        memory = resident_mb(server.process.pid)
    print(f"resident memory of the MediaNest process alone after the runs: {memory:.0f} MB")
    print(f"machine load after:  {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (1, 5 min)")
    print(
        f"{'MediaNest path':<36}{'req/s':>9}{'bare req/s':>12}{'x bare':>8}{'p95 ms':>9}"
        f"{'bare p95':>10}{'failed':>8}  goals"
    )
    for case in CASES:
        mine, base = ours[case.label], bare[case.label]
        rate = statistics.median(r.per_second for r in mine)
        base_rate = statistics.median(r.per_second for r in base)
        share = statistics.median(
            m.per_second / b.per_second for m, b in zip(mine, base, strict=True)
        )
        p95_ms = statistics.median(r.p95_ms for r in mine)
        base_p95 = statistics.median(r.p95_ms for r in base)
        failed = sum(r.failed for r in mine)
        print(
            f"{case.label:<36}{rate:9.0f}{base_rate:12.0f}{share:8.3f}{p95_ms:9.1f}"
            f"{base_p95:10.1f}{failed:8d}  {goal_text(case, share, p95_ms)}"
        )
