"""Searching and requesting movies and shows through Overseerr (or Jellyseerr / Seerr).

Order of a request: cheap local checks (type, duplicates in MediaNest's own table), the
person's Overseerr account, Overseerr's view of the title (already there? which seasons?), the
rate limit, then Overseerr ``POST /request`` *as that person*; the answer becomes a row here,
committed before the live event goes out.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from medianest.config import Settings
from medianest.domain.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
    ServiceDown,
)
from medianest.domain.requests import (
    NoRequestAccount,
    check_media_type,
    state_named,
)
from medianest.domain.users import Actor
from medianest.integrations.base import NotFound as RemoteNotFound
from medianest.integrations.base import Refused
from medianest.integrations.overseerr.client import (
    AlreadyRequested,
    NothingToRequest,
    NotPermitted,
    QuotaExceeded,
)
from medianest.integrations.overseerr.models import MediaRequestInfo, MovieDetails, TvDetails
from medianest.integrations.overseerr.webhook import OverseerrWebhook
from medianest.observability.logging import get_logger
from medianest.persistence.models import MediaRequest, User
from medianest.persistence.types import utcnow
from medianest.realtime.bus import EventBus
from medianest.services import request_accounts, users
from medianest.services.integrations import Integrations
from medianest.services.live_settings import LiveSettings
from medianest.services.ratelimit import Limiter, adjustable_per_minutes
from medianest.services.request_common import OverseerrGate, publish_change
from medianest.services.request_posters import PosterCache
from medianest.services.request_search import (
    RequestDraft,
    SearchOutcome,
    Seasons,
    hit_of,
    open_requests_of,
    refuse_duplicate,
    season_choices,
    taken_seasons,
    wanted_seasons,
)
from medianest.services.request_status import (
    SyncReport,
    apply_webhook,
    reconcile,
    state_from_overseerr,
)
from medianest.services.request_withdraw import withdraw

log = get_logger(__name__)

MAX_QUERY = 200


@dataclass(frozen=True)
class Readiness:
    """What the requests page may offer right now, and why not."""

    problem: str | None = None  # Overseerr missing or down: no searching, no requesting
    account_problem: str | None = None  # this person cannot request
    admin_hint: str = ""

    @property
    def can_search(self) -> bool:
        return self.problem is None

    @property
    def can_request(self) -> bool:
        return self.problem is None and self.account_problem is None


@dataclass
class RequestsService:
    sessions: async_sessionmaker[AsyncSession]
    bus: EventBus
    limiter: Limiter
    gate: OverseerrGate
    posters: PosterCache
    per_hour: int  # the default; ``live`` (the admin's value) wins when given
    sync_every: timedelta
    live: LiveSettings | None = None

    @classmethod
    def build(
        cls,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        bus: EventBus,
        limiter: Limiter,
        integrations: Integrations,
        live: LiveSettings | None = None,
    ) -> RequestsService:
        return cls(
            sessions=sessions,
            bus=bus,
            limiter=limiter,
            gate=OverseerrGate(integrations, settings.requests_timeout_seconds),
            posters=PosterCache(
                settings.tmdb_image_url, settings.data_dir.resolve() / "cache" / "posters"
            ),
            per_hour=settings.requests_per_hour,
            sync_every=timedelta(minutes=settings.requests_sync_minutes),
            live=live,
        )

    async def receive_webhook(self, hook: OverseerrWebhook) -> int:
        return await apply_webhook(self.sessions, self.bus, hook)

    async def reconcile(self, *, due_only: bool = True) -> SyncReport:
        """Repair what webhooks missed; ``due_only``: only rows not synced for an interval."""
        every = self.sync_every if due_only else timedelta(0)
        report = await reconcile(self.sessions, self.bus, self.gate, older_than=every)
        await asyncio.to_thread(self.posters.prune)
        return report

    async def _user(self, actor: Actor) -> User:
        async with self.sessions() as db:
            return await users.get_user(db, actor.user_id)

    async def readiness(self, actor: Actor) -> Readiness:
        try:
            client = self.gate.client()
            if self.gate.recently_failed or not client.availability.healthy:
                async with self.gate.calling(3.0) as probe:
                    await probe.status()
            await request_accounts.overseerr_user_id(
                self.sessions, self.gate, await self._user(actor)
            )
        except ServiceDown as exc:
            return Readiness(problem=exc.message)
        except NoRequestAccount as exc:
            return Readiness(account_problem=exc.message, admin_hint=exc.admin_hint)
        return Readiness()

    async def search(self, actor: Actor, query: str, page: int = 1) -> SearchOutcome:
        text = " ".join(query.split())[:MAX_QUERY]
        if not text:
            return SearchOutcome(query="")
        page = max(1, min(page, 500))
        try:
            async with self.gate.calling() as client:
                found = await client.search(text, page)
        except Refused as exc:
            raise InvalidInput("Overseerr could not search for that; try other words.") from exc
        keys = [(r.media_type, r.tmdb_id) for r in found.results]
        async with self.sessions() as db:
            mine = await open_requests_of(db, actor.user_id or 0, keys)
        hits = [hit_of(r, mine.get((r.media_type, r.tmdb_id))) for r in found.results]
        return SearchOutcome(text, found.page, found.total_pages, hits)

    async def _details(self, media_type: str, tmdb_id: int) -> MovieDetails | TvDetails:
        if not 1 <= tmdb_id < 2**31:
            raise NotFound("There is no such title.")
        try:
            async with self.gate.calling() as client:
                if media_type == "movie":
                    return await client.movie(tmdb_id)
                return await client.tv(tmdb_id)
        except RemoteNotFound as exc:
            raise NotFound("Overseerr does not know that title.") from exc

    async def _same_title(self, media_type: str, tmdb_id: int) -> list[MediaRequest]:
        async with self.sessions() as db:
            rows = await db.scalars(
                select(MediaRequest).where(
                    MediaRequest.media_type == media_type, MediaRequest.tmdb_id == tmdb_id
                )
            )
            return list(rows)

    async def draft(self, actor: Actor, media_type: str, tmdb_id: int) -> RequestDraft:
        """The confirmation dialog: the title, and for a show which seasons can be asked for."""
        kind = check_media_type(media_type)
        details = await self._details(kind, tmdb_id)
        existing = await self._same_title(kind, tmdb_id)
        mine = next(
            (r for r in existing if r.user_id == actor.user_id and state_named(r.status).open),
            None,
        )
        hit = hit_of(details, mine)
        if not isinstance(details, TvDetails):
            return RequestDraft(hit)
        return RequestDraft(hit, season_choices(details, taken_seasons(existing)))

    async def create(
        self, actor: Actor, media_type: str, tmdb_id: int, seasons: Seasons = None
    ) -> MediaRequest:
        kind = check_media_type(media_type)
        existing = await self._same_title(kind, tmdb_id)
        if kind == "movie":
            refuse_duplicate(actor, existing)
        user = await self._user(actor)
        acting = await request_accounts.overseerr_user_id(self.sessions, self.gate, user)
        details = await self._details(kind, tmdb_id)
        wanted: list[int] | None = None
        if isinstance(details, TvDetails):
            wanted = wanted_seasons(details, taken_seasons(existing), seasons)
        elif not details.requestable:
            raise Conflict(f"“{details.title}” is already available or requested in Overseerr.")
        await self._count_request(actor)
        info = await self._file(user, acting, details, wanted)
        return await self._store(actor, details, info, wanted)

    async def _count_request(self, actor: Actor) -> None:
        per_hour = (await self.live.current()).requests_per_hour if self.live else self.per_hour
        rule = adjustable_per_minutes(per_hour, 60)
        key = ("media-request", str(actor.user_id))
        if not await self.limiter.hit(rule, *key):
            wait = await self.limiter.retry_after(rule, *key) or 60
            minutes = max(1, round(wait / 60))
            raise RateLimited(
                f"You have made {per_hour} requests in the last hour, which is the limit. "
                f"Please try again in about {minutes} minute{'s' if minutes != 1 else ''}.",
                wait,
            )

    async def _file(
        self, user: User, acting: int, details: MovieDetails | TvDetails, wanted: list[int] | None
    ) -> MediaRequestInfo:
        """``POST /request`` as the person; Overseerr's refusals become clear messages."""
        title = details.title
        for attempt in (1, 2):
            try:
                async with self.gate.calling(max(self.gate.timeout_s, 15.0)) as client:
                    result = await client.request_media(
                        "tv" if wanted is not None else "movie",
                        details.tmdb_id,
                        seasons=wanted,
                        as_user=acting,
                        tvdb_id=getattr(details, "tvdb_id", None),
                    )
                return result.request
            except AlreadyRequested as exc:
                raise Conflict(f"“{title}” has already been requested in Overseerr.") from exc
            except NothingToRequest as exc:
                raise Conflict(
                    f"Every season of “{title}” is already requested or available."
                ) from exc
            except QuotaExceeded as exc:
                raise PermissionDenied(
                    f"Your Overseerr request limit is used up ({exc.message.rstrip('.')}). "
                    "It frees up again after a few days; an admin can raise it."
                ) from exc
            except NotPermitted as exc:
                if attempt == 1:  # the Overseerr user may have been re-created: look again
                    fresh = await request_accounts.overseerr_user_id(
                        self.sessions, self.gate, user, refresh=True
                    )
                    if fresh != acting:
                        acting = fresh
                        continue
                raise PermissionDenied(
                    "Overseerr does not allow your account to request this "
                    f"({exc.message.rstrip('.')}). An admin can change your permissions there."
                ) from exc
            except Refused as exc:
                raise InvalidInput(f"Overseerr refused the request: {exc.message}") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    async def _store(
        self,
        actor: Actor,
        details: MovieDetails | TvDetails,
        info: MediaRequestInfo,
        wanted: list[int] | None,
    ) -> MediaRequest:
        state, detail = state_from_overseerr(info, wanted)
        now = utcnow()
        row = MediaRequest(
            user_id=actor.user_id,
            media_type=details.media_type,
            tmdb_id=details.tmdb_id,
            tvdb_id=getattr(details, "tvdb_id", None),
            title=details.title[:300],
            year=details.year,
            poster_path=(details.poster_path or None) and details.poster_path[:200],
            seasons=(info.season_numbers or wanted) if wanted is not None else None,
            overseerr_request_id=info.id,
            status=state.value,
            status_detail=detail,
            rating_key=(info.media.rating_key if info.media else None),
            created_at=now,
            updated_at=now,
            synced_at=now,
        )
        async with self.sessions.begin() as db:
            db.add(row)
        log.info("media requested", media_request=row.id, overseerr_id=info.id, status=state.value)
        await publish_change(self.bus, row)
        return row

    async def withdraw(self, actor: Actor, request_id: int) -> None:
        """Cancel a pending request (one's own; admins anyone's) in Overseerr, then here."""
        await withdraw(self.sessions, self.bus, self.gate, actor, request_id)
