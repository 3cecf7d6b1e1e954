"""Metadata edits of the fake Plex server: ``PUT /library/metadata/{rk}``.

As PMS's "Edit a metadata item": owner only, fields as ``<field>.value`` query parameters with
``<field>.locked=1`` to keep the agents from changing them back, ``type`` the item's type code
and ``id`` its rating key; 200 with an empty body. Only ``title`` and ``titleSort`` are modelled;
other fields are accepted and ignored. Assumptions where the references are silent: an ``id`` or
``type`` that does not match the item, or an empty title, is a 400.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from medianest.integrations.plex.fake_http import Endpoint, error, int_param, path_int
from medianest.integrations.plex.fake_model import TYPE_CODES
from medianest.integrations.plex.fake_state import PlexFakeState

EDITABLE = ("title", "titleSort")


async def edit_metadata(state: PlexFakeState, request: Request) -> Response:
    rk = path_int(request, "rk")
    item = state.items.get(rk) if rk is not None else None
    if item is None:
        return error(404)
    if state.refuse_edits:
        return error(400)
    params = request.query_params
    type_code, item_id = int_param(params, "type"), int_param(params, "id")
    if (type_code is not None and type_code != TYPE_CODES.get(item.type)) or (
        item_id is not None and item_id != item.rk
    ):
        return error(400)
    values = {f: params[f"{f}.value"] for f in EDITABLE if f"{f}.value" in params}
    if "title" in values and not values["title"].strip():
        return error(400)
    locked = [f for f in EDITABLE if params.get(f"{f}.locked") == "1"]
    state.edit(item, values, locked)
    return Response(status_code=200)


ENDPOINTS = (Endpoint("/library/metadata/{rk}", edit_metadata, ("PUT",), auth="owner"),)

__all__ = ["ENDPOINTS"]
