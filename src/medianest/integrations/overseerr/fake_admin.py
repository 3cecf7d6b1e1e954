"""Route handlers for users, webhook settings, and the fake's own test/demo controls."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from . import fake_json as out
from .fake_http import ApiBase, json_response, path_number
from .fake_images import image_jpeg
from .fake_model import FakeUser, Notification, OverseerrError, Permission
from .fake_notify import notification_test_payload
from .fake_requests import page_info, quota
from .fake_validation import Param

_IMAGE_FILE = re.compile(r"^([A-Za-z0-9_-]{1,64})\.jpg$")
_CATALOG_IMAGE = re.compile(r"^([bhps])(\d+)$")


class AdminApi(ApiBase):
    # -- users ----------------------------------------------------------------------------

    async def users(self, request: Request) -> Response:
        sorts = ("created", "updated", "requests", "displayname")
        spec = {"take": Param("number"), "skip": Param("number"), "sort": Param(enum=sorts)}
        args = self.params(request, spec)
        user = self.user(request)
        take, skip = self.paging(args, 10)
        rows = sorted(
            self.state.users.values(), key=self._user_sort(str(args.get("sort") or "created"))
        )
        show = user.can(Permission.MANAGE_USERS)
        results = [
            out.user_json(self.state, u, show_filtered=show) for u in rows[skip : skip + take]
        ]
        return json_response({"pageInfo": page_info(len(rows), take, skip), "results": results})

    def _user_sort(self, sort: str) -> Callable[[FakeUser], Any]:
        if sort == "updated":
            return lambda u: (-u.updated_at.timestamp(), u.id)
        if sort == "requests":
            return lambda u: (-self.state.request_count(u.id), u.id)
        if sort == "displayname":
            return lambda u: (u.display_name.lower(), u.id)
        return lambda u: u.id

    def _target(self, request: Request) -> FakeUser:
        found = self.state.users.get(path_number(request, "user_id"))
        if found is None:
            raise OverseerrError.message(404, "User not found.")
        return found

    async def me(self, request: Request) -> Response:
        return json_response(out.user_json(self.state, self.user(request)))

    async def user_detail(self, request: Request) -> Response:
        path_number(request, "user_id")
        show = self.user(request).can(Permission.MANAGE_USERS)
        return json_response(out.user_json(self.state, self._target(request), show_filtered=show))

    async def user_quota(self, request: Request) -> Response:
        user_id = path_number(request, "user_id")
        user = self.user(request)
        if user_id != user.id and not user.can(Permission.MANAGE_USERS, Permission.MANAGE_REQUESTS):
            raise OverseerrError.message(
                403, "You do not have permission to view this user's request limits."
            )
        target = self._target(request)
        return json_response({k: quota(self.state, target, k).as_json() for k in ("movie", "tv")})

    async def user_requests(self, request: Request) -> Response:
        path_number(request, "user_id")
        args = self.params(request, {"take": Param("number"), "skip": Param("number")})
        user = self.user(request)
        target = self._target(request)
        viewer = user.can(Permission.MANAGE_REQUESTS, Permission.REQUEST_VIEW, any_of=True)
        if target.id != user.id and not viewer:
            raise OverseerrError.message(
                403, "You do not have permission to view this user's requests."
            )
        take, skip = self.paging(args, 20)
        mine = [r for r in self.state.requests.values() if r.requested_by_id == target.id]
        rows = sorted(mine, key=lambda r: -r.id)
        results = [out.request_json(self.state, r) for r in rows[skip : skip + take]]
        return json_response({"pageInfo": page_info(len(rows), take, skip), "results": results})

    # -- webhook settings -----------------------------------------------------------------

    def _webhook_settings(self) -> dict[str, Any]:
        state = self.state
        options = {
            "webhookUrl": state.webhook_url,
            "authHeader": state.webhook_auth_header,
            "jsonPayload": state.webhook_json_payload,
        }
        return {"enabled": state.webhook_enabled, "types": state.webhook_types, "options": options}

    async def webhook_settings(self, request: Request) -> Response:
        self.user(request, Permission.MANAGE_SETTINGS)
        if request.method == "POST":
            body = await request.json()
            options = body.get("options") or {}
            state = self.state
            state.webhook_enabled = bool(body.get("enabled"))
            state.webhook_types = int(body.get("types") or 0)
            state.webhook_url = str(options.get("webhookUrl") or "")
            state.webhook_auth_header = str(options.get("authHeader") or "")
            state.webhook_json_payload = str(
                options.get("jsonPayload") or state.webhook_json_payload
            )
        return json_response(self._webhook_settings())

    async def webhook_test(self, request: Request) -> Response:
        """Sends with the settings in the body and waits, like the settings page's Test button."""
        user = self.user(request, Permission.MANAGE_SETTINGS)
        options = (await request.json()).get("options") or {}
        delivery = await self.state.deliver_now(
            Notification.TEST_NOTIFICATION,
            notification_test_payload(user),
            str(options.get("webhookUrl") or ""),
            str(options.get("authHeader") or ""),
            str(options.get("jsonPayload") or ""),
        )
        if delivery.error:
            raise OverseerrError.message(500, "Failed to send webhook notification.")
        return Response(status_code=204)

    # -- test & demo controls ---------------------------------------------------------------

    async def fake_advance(self, request: Request) -> Response:
        request_id = path_number(request, "request_id")
        target = (await request.json()).get("to", "")
        try:
            moved = self.state.advance(request_id, str(target))
        except ValueError as exc:
            raise OverseerrError.message(400, str(exc)) from None
        return json_response(out.request_json(self.state, moved))

    async def fake_tick(self, request: Request) -> Response:
        return json_response({"scenario": self.state.scenario, "moved": self.state.tick()})

    async def fake_webhook_test(self, request: Request) -> Response:
        return json_response({"queued": self.state.send_test_notification() is not None})

    async def tmdb_image(self, request: Request) -> Response:
        match = _IMAGE_FILE.match(request.path_params["filename"])
        if match is None:
            raise HTTPException(404)
        name = match.group(1)
        jpeg = image_jpeg(name, request.path_params["size"], self._image_title(name))
        headers = {"Cache-Control": "public, max-age=31536000"}
        return Response(jpeg, media_type="image/jpeg", headers=headers)

    def _image_title(self, name: str) -> str:
        """The title to paint: catalog paths are ``/p<id>`` ``/b<id>`` ``/s<season id>`` ``/h<id>``."""
        match = _CATALOG_IMAGE.match(name)
        if match is None:
            return ""
        kind, number = match.group(1), int(match.group(2))
        catalog = self.state.catalog
        if kind == "h":
            person = catalog.people.get(number)
            return person.name if person else ""
        show = catalog.get("tv", number // 100) if kind == "s" else None
        if show is not None:
            return f"{show.title} · Season {number % 100}"
        item = catalog.get("movie", number) or catalog.get("tv", number)
        return item.title if item else ""
