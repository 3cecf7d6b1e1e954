"""Start to ready, and resident memory after load, of `medianest serve` as operators run it.

MediaNest runs as its own process with Plex, Overseerr and Uptime Kuma configured (the demo
fakes, served from this process on 127.0.0.1). "Start to ready" is from spawning the command to
the first 200 from /readyz, for a restart (migrated database, the usual case) and for a first
start; the baseline is a bare uvicorn app started the same way in the same run, so the ratio is
MediaNest's own start-up cost. The CPU seconds each process used to get ready are printed too: on
a busy machine they move far less than wall time. Memory is the process's resident set (VmRSS)
when ready, after a browsing load over every feature's pages, and after the same load again
(flat once warm, or it grows). Last, where the import time before ready went (``-X importtime``
of one more start, by package) and whether the imported modules had their bytecode on disk.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

from bench.server import cpu_seconds, resident_mb, stop_process
from medianest.demo.world import DemoWorld

ROUNDS = 3
LOAD_ROUNDS = 30  # per load; the second load shows whether memory stays flat
IMPORT_ROWS = 8
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


@dataclass(frozen=True)
class Start:
    seconds: float  # spawn to the first 200 from /readyz
    cpu: float  # CPU seconds the process used to get there


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
    command: list[str], env: dict[str, str], port: int, stderr: IO[bytes] | int = subprocess.DEVNULL
) -> tuple[subprocess.Popen[bytes], Start]:
    started = time.monotonic()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        took = _wait_ready(f"http://127.0.0.1:{port}/readyz", process, started)
        return process, Start(took, cpu_seconds(process.pid))
    except Exception:
        process.kill()
        raise


def _bare(port: int) -> Start:
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


def _browse(base: str, pid: int) -> tuple[int, list[float]]:
    """Signs in as the admin and walks every feature's pages, twice over; returns the requests
    made by each load and the resident memory after each."""
    resident = []
    with httpx.Client(base_url=base, timeout=30) as browser:
        token = CSRF.search(browser.get("/signin").text)
        assert token, "no CSRF token on the sign-in page"
        signed = browser.post(
            "/signin/local",
            data={"username": "admin", "password": PASSWORD, "csrf_token": token.group(1)},
        )
        assert signed.status_code == 303, signed.text[:200]
        for _load in range(2):
            for _ in range(LOAD_ROUNDS):
                for page in PAGES:
                    browser.get(page)
            resident.append(resident_mb(pid))
    return LOAD_ROUNDS * len(PAGES), resident


def _group(module: str) -> str:
    """A package, or MediaNest's own layer (``medianest.services``)."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "medianest" else parts[0]


def _import_times(report: str) -> tuple[float, int, list[tuple[str, float]]]:
    """Total seconds, module count and the largest packages of ``-X importtime`` output."""
    rows = [
        line.removeprefix("import time:").split("|")
        for line in report.splitlines()
        if line.startswith("import time:")
    ]
    modules = [(name.strip(), int(own)) for own, _, name in rows if own.strip().isdigit()]
    spent: Counter[str] = Counter()  # microseconds
    for name, own in modules:
        spent[_group(name)] += own
    largest = [(name, micro / 1e6) for name, micro in spent.most_common(IMPORT_ROWS)]
    return sum(spent.values()) / 1e6, len(modules), largest


def _imports_before_ready(
    env: dict[str, str], port: int
) -> tuple[float, int, list[tuple[str, float]]]:
    command = [sys.executable, "-X", "importtime", "-m", "medianest", "serve"]
    with tempfile.TemporaryFile() as report:
        process, _ = _start(command, env, port, stderr=report)
        stop_process(process)
        report.seek(0)
        return _import_times(report.read().decode(errors="replace"))


def _bytecode_on_disk() -> tuple[int, int]:
    """How many of the modules this process imported have bytecode at least as new as their
    source; the others are compiled again at every start when PYTHONDONTWRITEBYTECODE is set."""
    sources = [
        path
        for module in list(sys.modules.values())
        if isinstance(path := getattr(module, "__file__", None), str) and path.endswith(".py")
    ]
    fresh = 0
    for source in sources:
        cached = Path(importlib.util.cache_from_source(source))
        if cached.exists() and cached.stat().st_mtime >= Path(source).stat().st_mtime:
            fresh += 1
    return fresh, len(sources)


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
                made, loaded_rss = _browse(f"http://127.0.0.1:{port}", process.pid)
            finally:
                stop_process(process)
            imports = _imports_before_ready(env, port)
        finally:
            world.stop()
    _report(bare, ours, first, ready_rss, made, loaded_rss)
    _report_imports(*imports)


def _report(
    bare: list[Start],
    ours: list[Start],
    first: Start,
    ready_rss: float,
    made: int,
    loaded_rss: list[float],
) -> None:
    base = statistics.median(s.seconds for s in bare)
    mine = statistics.median(s.seconds for s in ours)
    base_cpu = statistics.median(s.cpu for s in bare)
    mine_cpu = statistics.median(s.cpu for s in ours)
    print(
        f"bare uvicorn app, start to ready (baseline)   median {base:6.2f} s  cpu {base_cpu:5.2f} s"
    )
    print(
        f"medianest serve, restart to ready               median {mine:6.2f} s  cpu {mine_cpu:5.2f} s  "
        f"x{mine / base:.2f} of baseline (cpu x{mine_cpu / base_cpu:.2f})  (goal <= {READY_GOAL_S} s)"
    )
    print(
        f"medianest serve, first start (migrations)       {first.seconds:6.2f} s  cpu {first.cpu:5.2f} s"
    )
    print(f"resident memory when ready                      {ready_rss:6.1f} MB")
    warm, again = loaded_rss
    print(
        f"resident memory after {made} page loads          {warm:6.1f} MB  "
        f"(goal <= {RSS_GOAL_MB} MB)"
    )
    print(
        f"resident memory after {made} more page loads     {again:6.1f} MB  "
        f"({again - warm:+.1f} MB: flat once warm, or growing)"
    )


def _report_imports(total: float, count: int, largest: list[tuple[str, float]]) -> None:
    fresh, imported = _bytecode_on_disk()
    print(
        f"imports before ready: {count} modules, {total:.2f} s under -X importtime; largest: "
        + ", ".join(f"{name} {seconds:.2f}" for name, seconds in largest)
    )
    flag = "set" if sys.flags.dont_write_bytecode else "not set"
    print(
        f"bytecode on disk for {fresh} of the {imported} modules this bench imported "
        f"(PYTHONDONTWRITEBYTECODE {flag}; `make` compiles them at install)"
    )


def main() -> None:
    run()
