"""Start to ready, and resident memory after load, of `medianest serve` as operators run it.

MediaNest runs as its own process with Plex, Overseerr and Uptime Kuma configured (the demo
fakes, served from this process on 127.0.0.1). "Start to ready" is from spawning the command to
the first 200 from /readyz, for a restart (migrated database, the usual case) and for a first
start; the baseline is a bare uvicorn app started the same way in the same run, so the ratio is
MediaNest's own start-up cost. Memory is the process's resident set (VmRSS) when ready and after
a browsing load over every feature's pages.
"""

from __future__ import annotations

import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.server import resident_mb, stop_process
from medianest.demo.world import DemoWorld

ROUNDS = 3
LOAD_ROUNDS = 30
READY_GOAL_S = 1.5
RSS_GOAL_MB = 150
PASSWORD = "bench-password-not-secret"  # noqa: S105
BARE_APP = """
import sys, uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route
async def ready(_):
    return JSONResponse({"status": "ok"})
app = Starlette(routes=[Route("/readyz", ready)])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""
PAGES = [
    "/",
    "/library",
    "/library/sections/1",
    "/library/search?q=the",
    "/requests",
    "/requests/search?q=star",
    "/requests/mine",
    "/downloads",
    "/inbox",
    "/admin",
    "/admin/integrations",
    "/api/v1/services",
    "/api/v1/library/sections",
    "/api/v1/library/sections/1/items?size=50",
    "/api/v1/notifications",
    "/api/v1/me",
]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_ready(url: str, process: subprocess.Popen[bytes], started: float) -> float:
    deadline = started + 60
    with httpx.Client(timeout=2) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"exited with {process.returncode} before it was ready")
            try:
                if client.get(url).status_code == 200:
                    return time.monotonic() - started
            except httpx.TransportError:
                pass
            time.sleep(0.01)
    raise RuntimeError(f"{url} not ready within 60 s")


def _start(
    command: list[str], env: dict[str, str], port: int
) -> tuple[subprocess.Popen[bytes], float]:
    started = time.monotonic()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        took = _wait_ready(f"http://127.0.0.1:{port}/readyz", process, started)
    except Exception:
        process.kill()
        raise
    return process, took


def _bare(port: int) -> float:
    process, took = _start([sys.executable, "-c", BARE_APP, str(port)], dict(os.environ), port)
    stop_process(process)
    return took


def _medianest_env(world: DemoWorld, data_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIANEST_")}
    overrides = {
        **world.settings_overrides(),
        "data_dir": str(data_dir),
        "port": str(port),
        "demo": "false",
        "admin_password": PASSWORD,
        "log_level": "warning",
    }
    # Lists travel as JSON, the way pydantic-settings reads them from the environment.
    env.update(
        {
            f"MEDIANEST_{k.upper()}": json.dumps(v) if isinstance(v, list) else str(v)
            for k, v in overrides.items()
        }
    )
    return env


def _browse(base: str) -> int:
    """Signs in as the admin and walks every feature's pages; returns the requests made."""
    made = 0
    with httpx.Client(base_url=base, timeout=30) as browser:
        token = CSRF.search(browser.get("/signin").text)
        assert token, "no CSRF token on the sign-in page"
        signed = browser.post(
            "/signin/local",
            data={"username": "admin", "password": PASSWORD, "csrf_token": token.group(1)},
        )
        assert signed.status_code == 303, signed.text[:200]
        for _ in range(LOAD_ROUNDS):
            for page in PAGES:
                browser.get(page)
                made += 1
    return made


def run() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        world = DemoWorld.build(root / "fakes")
        port = _free_port()
        world.start(f"http://127.0.0.1:{port}")
        try:
            command = [sys.executable, "-m", "medianest", "serve"]
            env = _medianest_env(world, root / "data", port)
            process, first = _start(command, env, port)  # creates keys, migrates, seeds
            stop_process(process)
            bare, ours = [], []
            for _ in range(ROUNDS):  # interleaved, so machine load hits both alike
                bare.append(_bare(_free_port()))
                process, took = _start(command, env, port)
                ours.append(took)
                stop_process(process)
            process, _ = _start(command, env, port)
            try:
                ready_rss = resident_mb(process.pid)
                made = _browse(f"http://127.0.0.1:{port}")
                loaded_rss = resident_mb(process.pid)
            finally:
                stop_process(process)
        finally:
            world.stop()
    base, mine = statistics.median(bare), statistics.median(ours)
    print(f"bare uvicorn app, start to ready (baseline)   median {base:6.2f} s")
    print(
        f"medianest serve, restart to ready               median {mine:6.2f} s  "
        f"x{mine / base:.2f} of baseline  (goal <= {READY_GOAL_S} s)"
    )
    print(f"medianest serve, first start (migrations)       {first:6.2f} s")
    print(f"resident memory when ready                      {ready_rss:6.1f} MB")
    print(
        f"resident memory after {made} page loads          {loaded_rss:6.1f} MB  "
        f"(goal <= {RSS_GOAL_MB} MB)"
    )


def main() -> None:
    run()
