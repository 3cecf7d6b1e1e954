"""What a download may touch: which URLs (hosts, schemes, addresses) and which file names.

Both are pure checks; the caller supplies DNS answers, so the rules are testable and shared by
the web request (before a job exists) and the worker (for every URL yt-dlp is about to fetch).
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from medianest.domain.errors import InvalidInput
from medianest.domain.text import plain_text

MAX_URL_LENGTH = 2000
DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST_ENTRY = re.compile(r"^[a-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$")


class UnsafeUrl(InvalidInput):
    """The URL is refused; ``message`` says why in words a person understands."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="url")


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # lower case, IPv6 without brackets
    port: int

    @property
    def netloc(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def parse_host_list(raw: str | Iterable[str]) -> tuple[str, ...]:
    """``youtube.com, 127.0.0.1:8123`` → normalised entries; junk is dropped, not guessed."""
    parts = raw.split(",") if isinstance(raw, str) else list(raw)
    out: list[str] = []
    for part in parts:
        entry = part.strip().lower().removeprefix("https://").removeprefix("http://").strip("/")
        if entry and _HOST_ENTRY.match(entry) and entry not in out:
            out.append(entry)
    return tuple(out)


@dataclass(frozen=True)
class HostPolicy:
    """Allow-listed hosts. ``host`` entries allow the scheme's default port (and ``www.host``);
    ``host:port`` entries allow exactly that port, and are the only way to reach a private,
    loopback or link-local address (the demo's and the tests' media host)."""

    entries: tuple[str, ...]

    def exact(self, target: Target) -> bool:
        return target.netloc in self.entries or f"{target.host}:{target.port}" in self.entries

    def allows(self, target: Target) -> bool:
        if self.exact(target):
            return True
        if target.port != DEFAULT_PORTS[target.scheme]:
            return False
        host = target.host.removeprefix("www.")
        return host in self.entries or target.host in self.entries


def check_url(url: str, policy: HostPolicy) -> Target:
    """Scheme, credentials, length and allow-list; raises :class:`UnsafeUrl`."""
    text = (url or "").strip()
    if not text:
        raise UnsafeUrl("Paste the address of a YouTube video or playlist.")
    if len(text) > MAX_URL_LENGTH or any(ord(c) < 33 for c in text):
        raise UnsafeUrl("That does not look like a web address.")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise UnsafeUrl("That does not look like a web address.") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise UnsafeUrl("Only http:// and https:// addresses can be downloaded.")
    if parts.username or parts.password:
        raise UnsafeUrl("Addresses with a user name or password are not accepted.")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise UnsafeUrl("That address has no host name.")
    target = Target(scheme, host, port or DEFAULT_PORTS[scheme])
    if not policy.allows(target):
        shown = ", ".join(policy.entries) or "none"
        raise UnsafeUrl(f"Downloads from {host} are not allowed (allowed: {shown}).")
    return target


def is_internal(address: str) -> bool:
    """Private, loopback, link-local, multicast, reserved or unspecified addresses."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def check_addresses(target: Target, addresses: Iterable[str], policy: HostPolicy) -> None:
    """Refuses a host that resolves to an internal address, unless host:port is allow-listed
    exactly (a name on the allow-list must not become a way into the local network)."""
    found = list(addresses)
    if not found:
        raise UnsafeUrl(f"{target.host} could not be found.")
    if policy.exact(target):
        return
    if any(is_internal(a) for a in found):
        raise UnsafeUrl(f"{target.host} points into a private network; that is not allowed.")


# -- file names -----------------------------------------------------------------------------
_FORBIDDEN = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|%]')
_SPACES = re.compile(r"\s+")
_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
NAME_BYTES = 120


def _cap_bytes(text: str, limit: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", "ignore").rstrip()


def safe_component(text: str | None, fallback: str, limit: int = NAME_BYTES) -> str:
    """One path component that cannot be ``..``, absolute, hidden, or over ``limit`` bytes.

    Separators, wildcards, quotes, ``%`` (yt-dlp templates) and control characters become
    spaces; Unicode letters stay (Plex shows them fine)."""
    clean = unicodedata.normalize("NFC", plain_text(text))
    clean = _FORBIDDEN.sub(" ", clean).replace("[", "(").replace("]", ")")
    clean = _SPACES.sub(" ", clean).strip(" .-")
    clean = _cap_bytes(clean, limit).strip(" .-")
    return clean or fallback


def safe_id(value: str | None) -> str:
    """A video or playlist id for a file name: kept when plain, else a short stable hash
    (RSS playlists have their feed URL as id)."""
    text = value or ""
    if _SAFE_ID.match(text):
        return text
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def job_folder(username: str, playlist_title: str | None, playlist_id: str | None) -> str:
    """``<user>/<playlist title> [<playlist id>]`` (playlists) or ``<user>/Videos``."""
    user = safe_component(username, "user", 60)
    if playlist_id is None:
        return f"{user}/Videos"
    title = safe_component(playlist_title, "Playlist")
    return f"{user}/{title} [{safe_id(playlist_id)}]"


def item_stem(position: int | None, title: str | None, video_id: str | None) -> str:
    """``<index> - <title> [<video id>]`` (the extension comes from the download)."""
    name = f"{safe_component(title, 'Video')} [{safe_id(video_id)}]"
    return name if position is None else f"{position:03d} - {name}"


def inside(root: str, candidate: str) -> bool:
    """Whether ``candidate`` (both already resolved, absolute) is below ``root``."""
    root_path, path = PurePosixPath(root), PurePosixPath(candidate)
    return path != root_path and path.is_relative_to(root_path)
