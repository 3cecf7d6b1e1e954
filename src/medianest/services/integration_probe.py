""" "Test connection": the real client, built from the entered values, asked what it is.

A probe never raises for a failing service: it answers ``Probe(ok=False, message=...)`` with the
client's own message (which never contains the token or key). YouTube has no remote service:
its probe checks the download folder, the tools and the chosen Plex library.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from medianest import __version__
from medianest.integrations.base import CredentialsRejected, HttpPolicy, IntegrationError
from medianest.integrations.overseerr.client import OverseerrClient
from medianest.integrations.plex.client import PlexServerClient
from medianest.integrations.uptime_kuma.client import UptimeKumaClient
from medianest.integrations.youtube.client import find_ffmpeg
from medianest.services.integration_fields import SERVICES, configured

# A test answers within seconds and does not retry: the admin is waiting for it.
PROBE_POLICY = HttpPolicy(timeout=8.0, connect_timeout=4.0, retries=0, breaker_threshold=1000)
MIN_FREE_BYTES = 1024 * 1024 * 1024


@dataclass(frozen=True)
class Check:
    label: str
    ok: bool
    detail: str
    blocking: bool = True  # a failure here refuses the save


@dataclass(frozen=True)
class Probe:
    ok: bool
    message: str
    credentials_rejected: bool = False
    checks: tuple[Check, ...] = field(default=())


def build_client(
    service: str, values: dict[str, str], client_id: str, policy: HttpPolicy | None = None
) -> PlexServerClient | OverseerrClient | UptimeKumaClient | None:
    """The live (or probing) client for complete values; None when the service is switched off."""
    url = values.get("url", "")
    if not url or not configured(SERVICES[service], values):
        return None
    if service == "plex":
        return PlexServerClient(url, values["token"], client_identifier=client_id, policy=policy)
    if service == "overseerr":
        return OverseerrClient(url, values["api_key"], policy=policy)
    if service == "uptime_kuma":
        return UptimeKumaClient(
            url,
            slug=values.get("slug") or None,
            api_key=values.get("api_key") or None,
            policy=policy,
        )
    return None


async def probe_remote(service: str, values: dict[str, str], client_id: str) -> Probe:
    client = build_client(service, values, client_id, PROBE_POLICY)
    if client is None:
        return Probe(True, "Not configured: this integration will be switched off.")
    try:
        async with client:
            if isinstance(client, PlexServerClient):
                identity = await client.identity()
                info = await client.server_info()  # needs the token
                name = info.friendly_name or identity.machine_identifier
                message = f"Plex Media Server “{name}”, version {identity.version or '?'}"
            else:
                message = await client.test_connection()
    except CredentialsRejected as exc:
        return Probe(False, f"Credentials rejected: {exc.message}.", credentials_rejected=True)
    except IntegrationError as exc:
        return Probe(False, f"Connection failed: {exc.message}.")
    except ValueError as exc:
        return Probe(False, f"Connection failed: {exc}.")
    return Probe(True, message)


def tool_versions() -> dict[str, str | None]:
    """What the diagnostics and the YouTube probe report about the tools."""
    try:
        yt_dlp: str | None = metadata.version("yt-dlp")
    except metadata.PackageNotFoundError:
        yt_dlp = None
    return {"medianest": __version__, "yt-dlp": yt_dlp, "ffmpeg": find_ffmpeg()}


def folder_checks(root: Path) -> list[Check]:
    checks: list[Check] = []
    writable = root.is_dir() and os.access(root, os.W_OK | os.X_OK)
    checks.append(
        Check(
            "Download folder",
            writable,
            f"{root} is writable" if writable else f"{root} is missing or not writable",
            blocking=False,
        )
    )
    if root.is_dir():
        free = shutil.disk_usage(root).free
        checks.append(
            Check(
                "Free space",
                free >= MIN_FREE_BYTES,
                f"{free / 1024**3:.1f} GB free",
                blocking=False,
            )
        )
    return checks


def local_checks(root: Path) -> list[Check]:
    """The download folder and the tools (blocking; no network): also the page's state."""
    checks = folder_checks(root)
    tools = tool_versions()
    checks.append(
        Check(
            "ffmpeg",
            tools["ffmpeg"] is not None,
            tools["ffmpeg"] or "not found (merging audio and video needs it)",
            blocking=False,
        )
    )
    checks.append(
        Check("yt-dlp", tools["yt-dlp"] is not None, tools["yt-dlp"] or "not installed", False)
    )
    return checks


async def probe_youtube(section: str, root: Path, plex: PlexServerClient | None) -> Probe:
    checks = await asyncio.to_thread(local_checks, root)
    if section and plex is None:
        checks.append(Check("Plex library", False, "Plex is not configured yet", blocking=False))
    elif section and plex is not None:
        try:
            sections = {str(s.id): s.title for s in await plex.sections()}
        except IntegrationError as exc:
            checks.append(Check("Plex library", False, f"Plex: {exc.message}", blocking=False))
        else:
            title = sections.get(section)
            checks.append(
                Check(
                    "Plex library",
                    title is not None,
                    f"“{title}” (library {section})" if title else f"Plex has no library {section}",
                )
            )
    elif not section:
        checks.append(
            Check("Plex library", True, "none: downloads are not added to Plex", blocking=False)
        )
    blocking = [c for c in checks if not c.ok and c.blocking]
    failing = [c for c in checks if not c.ok]
    if blocking:
        message = f"{blocking[0].label}: {blocking[0].detail}."
    elif failing:
        message = "Usable, with warnings: " + "; ".join(f"{c.label}: {c.detail}" for c in failing)
    else:
        message = "Ready: " + "; ".join(f"{c.label}: {c.detail}" for c in checks)
    return Probe(not blocking, message, checks=tuple(checks))
