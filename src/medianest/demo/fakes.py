"""`medianest fake <service>`: one fake service on 127.0.0.1 for manual testing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from medianest.demo import identities
from medianest.integrations.fakekit import ASGIApp


class FakeState(Protocol):
    def close(self) -> None:
        """Stops whatever the fake runs in the background."""


@dataclass(frozen=True)
class ServedFake:
    app: ASGIApp
    notes: list[tuple[str, str]]  # (label, value) printed after start; "/..." values are URL paths
    state: FakeState

    def close(self) -> None:
        self.state.close()


def _plextv(seed: int, credential: str | None, cache: Path) -> ServedFake:
    from medianest.integrations.plextv.fake import PlexTvFakeState, create_app

    state = PlexTvFakeState.demo(seed)
    if credential:
        state.add_account("tester", title="Tester", plex_id=9001, auth_token=credential)
    notes = [
        ("sign-in page", "/auth"),
        ("accounts", ", ".join(a.username for a in identities.ACCOUNTS)),
    ]
    return ServedFake(create_app(state), notes, state)


def _plex(seed: int, credential: str | None, cache: Path) -> ServedFake:
    from medianest.integrations.plex.fake import PlexFakeState, create_app

    state = PlexFakeState.demo(seed, media_root=cache / "plex-media")
    if credential:
        state.add_token(credential, owner=True)
    notes = [
        ("token", credential or identities.PLEX_OWNER_TOKEN),
        ("sections", "/library/sections"),
        ("media folder on disk", f"file://{state.media_root}"),
    ]
    return ServedFake(create_app(state), notes, state)


def _overseerr(seed: int, credential: str | None, cache: Path) -> ServedFake:
    from medianest.integrations.overseerr.fake import OverseerrFakeState, create_app

    state = OverseerrFakeState.demo(seed)
    if credential:
        state.api_key = credential
    notes = [("API key", state.api_key), ("API", "/api/v1/status")]
    return ServedFake(create_app(state), notes, state)


def _kuma(seed: int, credential: str | None, cache: Path) -> ServedFake:
    from medianest.integrations.uptime_kuma.fake import UptimeKumaFakeState, create_app

    state = UptimeKumaFakeState.demo(seed)
    if credential:
        state.api_keys = [credential]
    state.start_beating(20.0)
    notes = [
        ("status page", f"/api/status-page/{identities.UPTIME_KUMA_SLUG}"),
        ("heartbeats", f"/api/status-page/heartbeat/{identities.UPTIME_KUMA_SLUG}"),
        ("metrics API key", credential or identities.UPTIME_KUMA_API_KEY),
    ]
    return ServedFake(create_app(state), notes, state)


def _media(seed: int, credential: str | None, cache: Path) -> ServedFake:
    from medianest.integrations.youtube.fake import MediaHostFakeState, create_app

    state = MediaHostFakeState.demo(seed, media_cache_dir=cache / "media-cache")
    notes = [(label, path) for label, path in state.urls("").items()]
    return ServedFake(create_app(state), notes, state)


FAKES: dict[str, Callable[[int, str | None, Path], ServedFake]] = {
    "plextv": _plextv,
    "plex": _plex,
    "overseerr": _overseerr,
    "uptime-kuma": _kuma,
    "media": _media,
}
