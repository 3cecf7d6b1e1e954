"""The fake Overseerr's database and the side effects of its entity hooks.

``OverseerrFakeState`` is the single source of truth: users, Media rows (with Season rows),
requests (with SeasonRequest rows), webhook settings and the log of webhook deliveries. Status
changes go through :meth:`OverseerrFakeState.set_request_status` and
:meth:`OverseerrFakeState.set_media_status`, which reproduce the TypeORM hooks of
``MediaRequest`` (``updateParentStatus``, ``notifyApprovedOrDeclined``) and ``MediaSubscriber``
(MEDIA_AVAILABLE once all seasons of a request are available) [ovr entity/MediaRequest.ts].
Request creation and listing live in ``fake_requests``; the timeline in ``fake_timeline``.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from medianest.demo import identities
from medianest.integrations.fakekit import Faults

from .fake_catalog import Catalog, CatalogItem
from .fake_model import (
    ALL_MEDIA_NOTIFICATIONS,
    FakeMedia,
    FakeRequest,
    FakeSeason,
    FakeUser,
    MediaStatus,
    Notification,
    OverseerrError,
    Permission,
    RequestStatus,
    UserType,
)
from .fake_notify import notification_test_payload, request_payload
from .fake_webhook import (
    DEFAULT_JSON_PAYLOAD,
    WebhookDelivery,
    WebhookDispatcher,
    post_delivery,
    render,
    wait_for,
    wanted,
)

if TYPE_CHECKING:
    from .fake_timeline import ProgressLoop

FLAVOR_VERSIONS = {"overseerr": "1.33.2", "jellyseerr": "2.5.2", "seerr": "3.1.0"}
Clock = Callable[[], datetime]


class OverseerrFakeState:
    """Mutable world of one fake Overseerr (or Jellyseerr/Seerr, see ``flavor``)."""

    def __init__(
        self,
        *,
        api_key: str = identities.OVERSEERR_API_KEY,
        flavor: str = "overseerr",
        catalog: Catalog | None = None,
        clock: Clock | None = None,
    ) -> None:
        if flavor not in FLAVOR_VERSIONS:
            raise ValueError(f"unknown flavor {flavor!r}")
        self.api_key = api_key
        self.flavor = flavor
        self._version: str | None = None
        self.faults = Faults(exempt_prefixes=("/__fake__/",))  # test and demo controls
        self.catalog = catalog or Catalog()
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self.plex_machine_id = identities.PLEX_MACHINE_ID
        self.users: dict[int, FakeUser] = {}
        self.media: dict[int, FakeMedia] = {}
        self.requests: dict[int, FakeRequest] = {}
        self.scenario = "static"  # "progress": tick() moves the followed requests along
        self.timeline: set[int] = set()  # ids tick() follows; new ones join while "progress"
        self.webhook_enabled = False
        self.webhook_url = ""
        self.webhook_auth_header = ""
        self.webhook_types = int(ALL_MEDIA_NOTIFICATIONS)
        self.webhook_json_payload = DEFAULT_JSON_PAYLOAD
        self.webhook_log: list[WebhookDelivery] = []
        self.webhooks = WebhookDispatcher()
        self.lock = threading.RLock()
        self._ids: dict[str, itertools.count[int]] = {}
        self._notified_available: set[int] = set()
        self._progress: ProgressLoop | None = None

    # -- identity -------------------------------------------------------------------------

    @property
    def version(self) -> str:
        return self._version or FLAVOR_VERSIONS[self.flavor]

    @version.setter
    def version(self, value: str | None) -> None:
        self._version = value

    @property
    def seerr(self) -> bool:
        """Seerr extras: request COMPLETED=5, media DELETED=7, filters completed/deleted."""
        return self.flavor == "seerr"

    def status_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "commitTag": f"v{self.version}",
            "updateAvailable": False,
            "commitsBehind": 0,
            "restartRequired": False,
        }

    def now(self) -> datetime:
        return self.clock()

    def next_id(self, kind: str) -> int:
        return next(self._ids.setdefault(kind, itertools.count(1)))

    # -- builders -------------------------------------------------------------------------

    def add_user(
        self,
        username: str,
        *,
        email: str | None = None,
        plex_id: int | None = None,
        permissions: int = Permission.REQUEST,
        user_type: int = UserType.PLEX,
        avatar: str | None = None,
        **quota: int | None,
    ) -> FakeUser:
        """Add a user; ``quota`` takes movie_quota_limit/_days and tv_quota_limit/_days."""
        now = self.now()
        user_id = self.next_id("user")
        user = FakeUser(
            id=user_id,
            email=(email or f"{username}@plex.invalid").lower(),
            plex_username=username if user_type == UserType.PLEX else None,
            plex_id=plex_id,
            avatar=avatar or f"https://plex.tv/users/{user_id:016x}/avatar?c=1700000000",
            created_at=now,
            updated_at=now,
            permissions=permissions,
            user_type=user_type,
            username=None if user_type == UserType.PLEX else username,
        )
        for key, value in quota.items():
            if not hasattr(user, key) or not key.endswith(("_limit", "_days")):
                raise TypeError(f"unknown quota field {key}")
            setattr(user, key, value)
        self.users[user.id] = user
        return user

    def ensure_media(self, item: CatalogItem) -> FakeMedia:
        """The Media row of a title, created (status UNKNOWN) if Overseerr has none yet."""
        existing = self.media_for(item.media_type, item.tmdb_id)
        if existing is not None:
            return existing
        now = self.now()
        media = FakeMedia(
            id=self.next_id("media"),
            media_type=item.media_type,
            tmdb_id=item.tmdb_id,
            tvdb_id=item.tvdb_id,
            imdb_id=item.imdb_id,
            created_at=now,
            updated_at=now,
        )
        self.media[media.id] = media
        return media

    def mark_available(
        self,
        tmdb_id: int,
        media_type: str = "movie",
        *,
        seasons: list[int] | None = None,
        rating_key: str | None = None,
    ) -> FakeMedia:
        """What a Plex scan does: the title (or these seasons of it) is in the library."""
        item = self.catalog_item(media_type, tmdb_id)
        with self.lock:
            media = self.ensure_media(item)
            media.rating_key = rating_key or media.rating_key
            media.media_added_at = media.media_added_at or self.now()
            if media_type == "tv":
                for number in seasons if seasons is not None else item.regular_seasons():
                    self.set_season_status(media, number, MediaStatus.AVAILABLE)
                self.refresh_show_status(media)
            else:
                self.set_media_status(media, MediaStatus.AVAILABLE)
            return media

    def configure_webhook(
        self, url: str, auth_header: str = "", *, types: int | None = None, enabled: bool = True
    ) -> None:
        self.webhook_url, self.webhook_auth_header, self.webhook_enabled = url, auth_header, enabled
        if types is not None:
            self.webhook_types = types

    # -- lookups --------------------------------------------------------------------------

    def catalog_item(self, media_type: str, tmdb_id: int) -> CatalogItem:
        item = self.catalog.get(media_type, tmdb_id)
        if item is None:
            raise KeyError(f"{media_type} {tmdb_id} is not in the catalog")
        return item

    def media_for(self, media_type: str, tmdb_id: int) -> FakeMedia | None:
        return next(
            (m for m in self.media.values() if m.tmdb_id == tmdb_id and m.media_type == media_type),
            None,
        )

    def item_of(self, media: FakeMedia) -> CatalogItem:
        return self.catalog_item(media.media_type, media.tmdb_id)

    def requests_of(self, media: FakeMedia) -> list[FakeRequest]:
        return [r for r in self.requests.values() if r.media_id == media.id]

    def request(self, request_id: int) -> FakeRequest:
        found = self.requests.get(request_id)
        if found is None:
            raise OverseerrError.message(404, "Request not found.")
        return found

    def request_count(self, user_id: int) -> int:
        return sum(1 for r in self.requests.values() if r.requested_by_id == user_id)

    def available_titles(self) -> list[tuple[int, str, int, str]]:
        """``(tmdb_id, title, year, media_type)`` of titles Overseerr believes are in Plex."""
        shown = (MediaStatus.AVAILABLE, MediaStatus.PARTIALLY_AVAILABLE)
        items = [self.item_of(m) for m in self.media.values() if m.status in shown]
        return [(i.tmdb_id, i.title, i.year, i.media_type) for i in items]

    # -- hooks ----------------------------------------------------------------------------

    def set_request_status(
        self, request: FakeRequest, status: int, *, by: FakeUser | None = None, auto: bool = False
    ) -> None:
        """Save a request status and run the ``AfterUpdate`` hooks of ``MediaRequest``."""
        with self.lock:
            media = self.media[request.media_id]
            request.status = status
            request.updated_at = self.now()
            if by is not None:
                request.modified_by_id = by.id
            self._update_parent_status(request, media)
            if status in (RequestStatus.APPROVED, RequestStatus.DECLINED):
                if media.status_for(request.is4k) == MediaStatus.AVAILABLE:
                    return  # "Media became available before request was approved"
                if status == RequestStatus.DECLINED:
                    kind = Notification.MEDIA_DECLINED
                else:
                    kind = Notification.MEDIA_AUTO_APPROVED if auto else Notification.MEDIA_APPROVED
                self.notify(kind, request)

    def _update_parent_status(self, request: FakeRequest, media: FakeMedia) -> None:
        current = media.status_for(request.is4k)
        if request.status == RequestStatus.APPROVED and current not in (
            MediaStatus.AVAILABLE,
            MediaStatus.PARTIALLY_AVAILABLE,
        ):
            self._touch_media(media, request.is4k, MediaStatus.PROCESSING)
        if request.status == RequestStatus.DECLINED:
            others_pending = any(
                r.status == RequestStatus.PENDING
                for r in self.requests_of(media)
                if r is not request
            )
            if media.media_type == "movie" or (
                not others_pending and current == MediaStatus.PENDING
            ):
                self._touch_media(media, request.is4k, MediaStatus.UNKNOWN)
        if media.media_type == "tv" and request.status == RequestStatus.APPROVED:
            for season in request.seasons:
                season.status = RequestStatus.APPROVED

    def _touch_media(self, media: FakeMedia, is4k: bool, status: int) -> None:
        media.set_status(is4k, status)
        media.updated_at = self.now()

    def set_media_status(self, media: FakeMedia, status: int, *, is4k: bool = False) -> None:
        """Change a movie's (or a show's overall) availability, as a Plex/Radarr sync does."""
        with self.lock:
            self._touch_media(media, is4k, status)
            self._after_media_update(media, is4k)

    def set_season_status(self, media: FakeMedia, number: int, status: int) -> None:
        now = self.now()
        season = next((s for s in media.seasons if s.season_number == number), None)
        if season is None:
            season = FakeSeason(self.next_id("season"), number, status, now, now)
            media.seasons.append(season)
            media.seasons.sort(key=lambda s: s.season_number)
        season.status, season.updated_at = status, now

    def refresh_show_status(self, media: FakeMedia) -> None:
        """Derive a show's status from its Season rows, then run the availability hooks."""
        wanted_seasons = set(self.item_of(media).regular_seasons())
        available = {s.season_number for s in media.seasons if s.status == MediaStatus.AVAILABLE}
        if wanted_seasons and wanted_seasons <= available:
            media.status = MediaStatus.AVAILABLE
        elif available:
            media.status = MediaStatus.PARTIALLY_AVAILABLE
        media.updated_at = self.now()
        self._after_media_update(media, False)

    def _after_media_update(self, media: FakeMedia, is4k: bool) -> None:
        """``MediaSubscriber`` (MEDIA_AVAILABLE per request) and Seerr's COMPLETED rule."""
        available = {s.season_number for s in media.seasons if s.status == MediaStatus.AVAILABLE}
        status = media.status_for(is4k)
        if status in (MediaStatus.AVAILABLE, MediaStatus.PARTIALLY_AVAILABLE):
            media.media_added_at = media.media_added_at or self.now()
        for request in self.requests_of(media):
            if request.is4k != is4k or request.status == RequestStatus.DECLINED:
                continue
            if media.media_type == "movie":
                done = status == MediaStatus.AVAILABLE
            else:
                numbers = {s.season_number for s in request.seasons}
                done = status == MediaStatus.AVAILABLE or (bool(numbers) and numbers <= available)
            if done and request.id not in self._notified_available:
                self._notified_available.add(request.id)
                self.notify(Notification.MEDIA_AVAILABLE, request)
            if (
                self.seerr
                and request.status == RequestStatus.APPROVED
                and status in (MediaStatus.AVAILABLE, MediaStatus.DELETED)
            ):
                request.status = RequestStatus.COMPLETED
                request.updated_at = self.now()

    # -- webhooks -------------------------------------------------------------------------

    def notify(self, kind: Notification, request: FakeRequest | None) -> WebhookDelivery | None:
        """Render now (a snapshot, like Overseerr) and send in the background."""
        if not (self.webhook_enabled and self.webhook_url) or not wanted(kind, self.webhook_types):
            return None
        if request is None:
            payload = notification_test_payload()
        else:
            payload = request_payload(self, kind, request)
        return self.send_webhook(kind, payload, self.webhook_url, self.webhook_auth_header)

    def _delivery(
        self,
        kind: Notification,
        payload: dict[str, Any],
        url: str,
        auth_header: str,
        json_payload: str,
    ) -> WebhookDelivery:
        body = render(json_payload or self.webhook_json_payload, kind, payload)
        headers = {"Authorization": auth_header} if auth_header else {}
        with self.lock:
            delivery = WebhookDelivery(len(self.webhook_log) + 1, kind.name, url, headers, body)
            self.webhook_log.append(delivery)
        return delivery

    def send_webhook(
        self,
        kind: Notification,
        payload: dict[str, Any],
        url: str,
        auth_header: str,
        json_payload: str = "",
    ) -> WebhookDelivery:
        """Fire and forget, like ``notificationManager.sendNotification``."""
        delivery = self._delivery(kind, payload, url, auth_header, json_payload)
        self.webhooks.dispatch(delivery)
        return delivery

    async def deliver_now(
        self,
        kind: Notification,
        payload: dict[str, Any],
        url: str,
        auth_header: str,
        json_payload: str = "",
    ) -> WebhookDelivery:
        """Send and wait, as the settings' *test* button does."""
        delivery = self._delivery(kind, payload, url, auth_header, json_payload)
        await post_delivery(delivery, self.webhooks.transport)
        return delivery

    def send_test_notification(self) -> WebhookDelivery | None:
        return self.notify(Notification.TEST_NOTIFICATION, None)

    async def wait_for_webhooks(self, count: int, within_s: float = 5.0) -> list[WebhookDelivery]:
        """Wait until ``count`` deliveries exist and all have finished (or raise TimeoutError)."""
        return await wait_for(self.webhook_log, count, within_s)

    # -- actions (the rules live in fake_requests / fake_timeline) -------------------------

    def create_request(self, user_id: int, **body: Any) -> FakeRequest:
        """``POST /request`` as that user (``X-API-User``), e.g. ``mediaType="movie", mediaId=1``."""
        from .fake_requests import create_request

        return create_request(self, self.users[user_id], body)

    def advance(self, request_id: int, to: str) -> FakeRequest:
        from .fake_timeline import advance

        return advance(self, request_id, to)

    def follow(self, *request_ids: int) -> None:
        """Put requests on the timeline that ``tick`` moves (new ones join automatically)."""
        self.timeline.update(request_ids)

    def follow_all(self) -> None:
        self.timeline.update(self.requests)

    def tick(self) -> list[int]:
        from .fake_timeline import tick

        return tick(self)

    def force_status(
        self, request_id: int, request_status: int | None = None, media_status: int | None = None
    ) -> FakeRequest:
        from .fake_timeline import force_status

        return force_status(self, request_id, request_status, media_status)

    def start_progress(self, interval_s: float = 5.0) -> None:
        """Switch to the "progress" scenario and tick in a background thread."""
        from .fake_timeline import ProgressLoop

        self.stop_progress()
        self.scenario = "progress"
        self._progress = ProgressLoop(self, interval_s).start()

    def stop_progress(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def close(self) -> None:
        """Stops what runs in the background (the progress loop)."""
        self.stop_progress()

    # -- demo -----------------------------------------------------------------------------

    @classmethod
    def demo(
        cls, seed: int = 1, *, flavor: str = "overseerr", clock: Clock | None = None
    ) -> OverseerrFakeState:
        from .fake_demo import build_demo

        return build_demo(cls(flavor=flavor, clock=clock), seed)
