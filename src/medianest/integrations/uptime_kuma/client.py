"""The Uptime Kuma client: public status page JSON, Prometheus ``/metrics``, one snapshot.

The one choke point for Kuma's wire protocol (``docs/protocols/uptime-kuma.md``). The status page
routes need no credentials and are stable from 1.23 to 2.x; ``/metrics`` wants HTTP Basic auth with
an empty username and an API key as the password. The key travels only in the ``Authorization``
header and never appears in an error message. The socket.io API is avoided on purpose
(``docs/protocols/uptime-kuma.md#socket-api``).

Kuma caches ``/api/status-page/{slug}`` for up to 5 minutes and its heartbeat list for 1 minute
(apicache) but clears that cache on every status change, so only pings and uptime figures may lag
by that much (``docs/protocols/uptime-kuma.md#caching``); ``/metrics`` is live.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

import httpx

from medianest.integrations.base import (
    Clock,
    CredentialsRejected,
    HttpPolicy,
    IntegrationError,
    NotFound,
    Refused,
    ServiceClient,
    ServiceHttp,
    Unavailable,
)
from medianest.integrations.uptime_kuma.metrics import MonitorMetric, metrics_version, parse_metrics
from medianest.integrations.uptime_kuma.models import (
    KumaSnapshot,
    MonitorBeats,
    MonitorSnapshot,
    MonitorStatus,
    StatusPage,
    parse_heartbeats,
    parse_status_page,
)

__all__ = ["DEFAULT_POLICY", "UptimeKumaClient"]

SERVICE = "Uptime Kuma"
# 1.23 never answers a request for an unknown slug, so the timeout is the only answer we get;
# one retry keeps the admin's "Test connection" wait near 20 s instead of 30 s.
DEFAULT_POLICY = HttpPolicy(timeout=10.0, retries=1)
JSON_ACCEPT = {"Accept": "application/json"}
# IntegrationError.code values: what the status notice names.
NO_PAGE = "no_page"
NOT_KUMA = "not_kuma"
METRICS_ACCEPT = {"Accept": "text/plain"}


class UptimeKumaClient(ServiceClient):
    """Async client for one Kuma instance: a public status page (``slug``), metrics (``api_key``)."""

    def __init__(
        self,
        base_url: str,
        *,
        slug: str | None,
        api_key: str | None,
        transport: httpx.AsyncBaseTransport | None = None,
        policy: HttpPolicy | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.slug = (slug or "").strip() or None
        key = (api_key or "").strip()
        if self.slug is None and not key:
            raise ValueError("Uptime Kuma needs a status page slug, an API key, or both")
        # BasicAuth keeps only the encoded header; the key is not kept anywhere else.
        self._auth = httpx.BasicAuth("", key) if key else None
        self._http = ServiceHttp(
            SERVICE,
            base_url.rstrip("/"),
            policy=policy or DEFAULT_POLICY,
            transport=transport,
            clock=clock,
        )

    @property
    def has_api_key(self) -> bool:
        return self._auth is not None

    # -- public status page --------------------------------------------------------------------

    async def status_page(self) -> StatusPage:
        """The page's title, groups of public monitors, pinned incidents and running maintenance."""
        slug = self._require_slug()
        try:
            response = await self._get(f"/api/status-page/{quote(slug, safe='')}", JSON_ACCEPT)
        except Unavailable as exc:
            raise _explain_silence(exc, slug) from None
        if response.status_code == 404:
            if _kuma_error(response):
                raise self._http.misconfigured(
                    f"there is no status page '{slug}'", 404, code=NO_PAGE
                )
            raise self._http.misconfigured(
                "no status page API here; is this Uptime Kuma?", 404, code=NOT_KUMA
            )
        self._raise_for_status(response)
        try:
            body = response.json()
        except ValueError:
            body = None
        try:
            return parse_status_page(body, slug)
        except ValueError:
            raise self._http.misconfigured(
                "the answer is not an Uptime Kuma status page; is this Uptime Kuma?",
                response.status_code,
                code=NOT_KUMA,
            ) from None

    async def heartbeats(self) -> dict[int, MonitorBeats]:
        """Recent beats and 24 h uptime per public monitor; empty for an unknown slug on 2.x."""
        slug = self._require_slug()
        response = await self._get(
            f"/api/status-page/heartbeat/{quote(slug, safe='')}", JSON_ACCEPT
        )
        self._raise_for_status(response)
        try:
            return parse_heartbeats(self._http.json(response))
        except ValueError:
            raise self._http.bad_response("the heartbeat list has an unexpected shape") from None

    # -- metrics -------------------------------------------------------------------------------

    async def metrics(self) -> list[MonitorMetric]:
        """Every active monitor (public or not) from ``/metrics``; paused ones are absent."""
        response = await self._get("/metrics", METRICS_ACCEPT, auth=self._auth)
        if response.status_code in (401, 403):
            what = "the API key was refused" if self._auth else "/metrics needs an API key"
            raise self._http.reject_credentials(response, what)
        self._raise_for_status(response)
        try:
            return parse_metrics(response.text)
        except ValueError:
            raise self._http.misconfigured(
                "/metrics is not Uptime Kuma's Prometheus text; is this Uptime Kuma?",
                response.status_code,
                code=NOT_KUMA,
            ) from None

    # -- combined views ------------------------------------------------------------------------

    async def snapshot(self) -> KumaSnapshot:
        """What the status coordinator polls: the status page (+ beats) and/or the metrics.

        With a slug, the page decides which monitors are shown (never leak a non-public monitor)
        and metrics, when a key is set too, only refresh their status and ping; a metrics failure
        then lands in ``problems`` instead of hiding the page. Without a slug every monitor in
        ``/metrics`` is shown. Between status changes the page may lag up to 5 min and beats
        1 min (Kuma's cache).
        """
        problems: list[str] = []
        metrics: list[MonitorMetric] | None = None
        if self.slug is None:
            metrics = await self.metrics()
            return KumaSnapshot(
                major_version=metrics_version(metrics),
                monitors=[_from_metric(metric) for metric in metrics],
                taken_at=datetime.now(UTC),
            )
        page = await self.status_page()
        beats = await self.heartbeats()
        if self.has_api_key:
            try:
                metrics = await self.metrics()
            except IntegrationError as exc:
                problems.append(f"metrics: {exc.message}")
        return KumaSnapshot(
            title=page.title,
            major_version=page.major_version or metrics_version(metrics or []),
            monitors=_merge(page, beats, metrics or []),
            incidents=page.incidents,
            maintenance=page.maintenance,
            taken_at=datetime.now(UTC),
            problems=problems,
        )

    async def test_connection(self) -> str:
        """A one-line summary for the admin's "Test connection" button; raises the typed error."""
        parts: list[str] = []
        version: int | None = None
        if self.slug is not None:
            page = await self.status_page()
            version = page.major_version
            parts.append(f"status page '{page.title}' with {_count(len(page.monitors))}")
        if self.has_api_key:
            metrics = await self.metrics()
            version = version or metrics_version(metrics)
            parts.append(f"metrics for {_count(len(metrics))}")
        name = f"Uptime Kuma {version}.x" if version else "Uptime Kuma"
        return f"{name}, " + "; ".join(parts)

    # -- plumbing ------------------------------------------------------------------------------

    def _require_slug(self) -> str:
        if self.slug is None:
            raise ValueError("no status page slug is configured")
        return self.slug

    async def _get(
        self, path: str, headers: dict[str, str], auth: httpx.Auth | None = None
    ) -> httpx.Response:
        return await self._http.request("GET", path, headers=headers, auth=auth)

    def _raise_for_status(self, response: httpx.Response) -> None:
        status = response.status_code
        if 200 <= status < 300:
            return
        if 300 <= status < 400:
            raise self._http.misconfigured(
                f"a redirect ({status}); is the address right?", status, code=NOT_KUMA
            )
        if status == 429:
            raise Unavailable(SERVICE, "too many requests; try again later", status=429)
        if status == 401:
            raise CredentialsRejected(SERVICE, "the request was refused (401)", status=401)
        if status == 404:
            raise NotFound(SERVICE, f"{response.request.url.path} not found", status=404)
        reason = _kuma_error(response) or f"answered {status}"
        raise Refused(SERVICE, reason, status=status)


def _kuma_error(response: httpx.Response) -> str | None:
    """Kuma's ``sendHttpError`` body ``{"status": "fail", "msg": ...}``; None for anything else."""
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict) and body.get("status") == "fail":
        return str(body.get("msg") or "failed")[:200]
    return None


def _explain_silence(error: Unavailable, slug: str) -> Unavailable:
    """1.23 leaves a request for an unknown slug hanging: say so, the admin cannot guess it."""
    if error.status is None and error.message.startswith("no answer"):
        hint = (
            f"Uptime Kuma 1.x never answers for a missing status page, so check the slug '{slug}'"
        )
        return Unavailable(SERVICE, f"{error.message}; {hint}")
    return error


def _count(n: int) -> str:
    return f"{n} monitor" if n == 1 else f"{n} monitors"


# --------------------------------------------------------------------------- snapshot


def _from_metric(metric: MonitorMetric) -> MonitorSnapshot:
    return MonitorSnapshot(
        id=metric.monitor_id,
        name=metric.name,
        type=metric.type,
        url=metric.url,
        status=metric.status,
        status_raw=metric.status_raw,
        ping_ms=metric.response_time_ms,
        uptime_24h=metric.uptime.get("1d"),
        uptime=metric.uptime,
    )


def _merge(
    page: StatusPage, beats: dict[int, MonitorBeats], metrics: list[MonitorMetric]
) -> list[MonitorSnapshot]:
    """Page monitors in page order; live metrics (matched by id, or by name on 1.23) win."""
    by_id = {m.monitor_id: m for m in metrics if m.monitor_id is not None}
    by_name = {m.name: m for m in metrics if m.monitor_id is None}
    result: list[MonitorSnapshot] = []
    for group, monitor in page.monitors:
        history = beats.get(monitor.id)
        last = history.last if history else None
        metric = by_id.get(monitor.id) or by_name.get(monitor.name)
        uptime_24h = history.uptime_24h if history else None
        if metric is not None:
            status, raw, ping = metric.status, metric.status_raw, metric.response_time_ms
            uptime_24h = metric.uptime.get("1d") if uptime_24h is None else uptime_24h
        elif last is not None:
            status, raw, ping = last.status, last.status_raw, last.ping
        else:
            status, raw, ping = MonitorStatus.UNKNOWN, None, None
        result.append(
            MonitorSnapshot(
                id=monitor.id,
                name=monitor.name,
                type=monitor.type,
                url=monitor.url,
                group=group.name,
                status=status,
                status_raw=raw,
                last_beat_at=last.time if last else None,
                ping_ms=ping,
                uptime_24h=uptime_24h,
                uptime=metric.uptime if metric else {},
                beats=history.beats if history else [],
            )
        )
    return result
