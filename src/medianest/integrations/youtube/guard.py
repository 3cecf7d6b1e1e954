"""The URL policy with DNS: which addresses a download may fetch from.

Used before a job exists (the pasted URL and each redirect hop) and by the yt-dlp client for
every request yt-dlp starts (pages, feeds, media, thumbnails) and every response's final URL.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from urllib.parse import urljoin

import httpx

from medianest.domain.download_safety import (
    HostPolicy,
    Target,
    UnsafeUrl,
    check_addresses,
    check_url,
)
from medianest.integrations.base import tls_context

Resolver = Callable[[str, int], list[str]]
MAX_REDIRECTS = 5
_CACHE_SECONDS = 60.0


def system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    return sorted({str(info[4][0]) for info in infos})


class UrlGuard:
    """``guard(url)`` returns the checked target or raises :class:`UnsafeUrl`.

    DNS answers are cached briefly (a 300-video playlist asks for the same host often)."""

    def __init__(self, policy: HostPolicy, resolver: Resolver = system_resolver) -> None:
        self.policy = policy
        self._resolver = resolver
        self._cache: dict[tuple[str, int], tuple[float, list[str]]] = {}
        self._lock = threading.Lock()

    def __call__(self, url: str) -> Target:
        target = check_url(url, self.policy)
        check_addresses(target, self._addresses(target), self.policy)
        return target

    def _addresses(self, target: Target) -> list[str]:
        key = (target.host, target.port)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
            if hit and now - hit[0] < _CACHE_SECONDS:
                return hit[1]
        found = self._resolver(target.host, target.port)
        with self._lock:
            self._cache[key] = (now, found)
        return found

    def follow(self, url: str, *, timeout: float = 10.0) -> str:
        """Follows redirects of ``url`` one hop at a time, checking each hop *before* asking it;
        returns the final URL. A refused hop raises :class:`UnsafeUrl` naming it."""
        current = url
        with httpx.Client(follow_redirects=False, timeout=timeout, verify=tls_context()) as http:
            for _ in range(MAX_REDIRECTS + 1):
                self(current)
                try:
                    with http.stream("GET", current) as response:
                        location = response.headers.get("location")
                        if not response.is_redirect or not location:
                            return current
                except httpx.HTTPError:
                    return current  # unreachable now: yt-dlp reports it in its own words
                nxt = urljoin(current, location)
                try:
                    self(nxt)
                except UnsafeUrl as exc:
                    raise UnsafeUrl(f"The address redirects elsewhere: {exc.message}") from None
                current = nxt
        raise UnsafeUrl("The address redirects too many times.")
