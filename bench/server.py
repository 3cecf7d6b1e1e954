"""MediaNest as its own process (``medianest serve``) for benchmarks that measure its CPU."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
ADMIN_PASSWORD = "bench-admin-password-0123456789"  # noqa: S105 - a throwaway bench install


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    port: int

    def cpu_seconds(self) -> float:
        """User + system CPU the server process has used so far."""
        return cpu_seconds(self.process.pid)


@contextmanager
def medianest_server(data_dir: Path, **environment: str) -> Iterator[Server]:
    """``medianest serve`` on a free port with a preset admin password, until ready."""
    port = free_port()
    env = {
        **os.environ,
        "MEDIANEST_DATA_DIR": str(data_dir),
        "MEDIANEST_PORT": str(port),
        "MEDIANEST_HOST": "127.0.0.1",
        "MEDIANEST_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "MEDIANEST_EMBEDDED_WORKER": "false",
        "MEDIANEST_DEMO": "false",
        "MEDIANEST_LOG_LEVEL": "warning",
        **environment,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "medianest", "serve"], env=env, stdout=subprocess.DEVNULL
    )
    server = Server(process, f"http://127.0.0.1:{port}", port)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError("medianest serve exited before it was ready")
            try:
                if httpx.get(server.url + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("medianest serve was not ready within 60 s")
            time.sleep(0.1)
        yield server
    finally:
        stop_process(process)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL after 20 s."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU the process has used so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def resident_mb(pid: int) -> float:
    """The process's resident set (VmRSS), in MB; NaN once it is gone."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def sign_in_admin(url: str) -> httpx.Cookies:
    """The cookies of a signed-in local admin session."""
    with httpx.Client(base_url=url, timeout=30) as http:
        page = http.get("/signin").text
        token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        done = http.post(
            "/signin/local",
            data={"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": token},
        )
        if done.status_code != 303:
            raise RuntimeError(f"bench admin sign-in failed: {done.status_code}")
        return http.cookies
