"""Fake Plex Media Server: a protocol-faithful stand-in for PMS on a loopback port.

Serves (XML by default, JSON with ``Accept: application/json``; token as ``X-Plex-Token``
header or query parameter; 401 with PMS's HTML page otherwise, ``/identity`` needs none):

- ``GET /``, ``GET /identity``, ``GET /library``, ``GET /library/sections`` (and ``/all``),
  ``GET /library/all``, ``GET /library/recentlyAdded``, ``GET /library/onDeck`` (always empty)
- ``GET /library/sections/{id}/all`` with ``type``, ``sort`` (``[libtype.]field[:asc|:desc]``,
  commas), filters (see ``fake_query``), ``includeGuids``, ``includeMeta`` (the ``Meta`` block
  plexapi needs before searching), ``limit``, paging by ``X-Plex-Container-Start``/``-Size`` as
  headers or query parameters; ``/collections``, ``/recentlyAdded``, ``/genre``, ``/collection``
  (filter choices), ``/search``
- ``GET /library/metadata/{rk[,rk...]}`` (+ ``/children``, ``/allLeaves``); ``PUT
  /library/metadata/{rk}?title.value=&titleSort.value=&<field>.locked=1`` (owner only)
- ``GET /hubs/search``, ``GET /search``
- collections: ``POST /library/collections`` (also ``smart=1``), ``GET|DELETE
  /library/collections/{rk}``, ``GET .../children|items``, ``PUT .../items?uri=``,
  ``DELETE .../items/{itemRk}``
- scans: ``GET|POST /library/sections/{id}/refresh[?path=&force=]``,
  ``/library/sections/all/refresh``
- artwork: ``/library/metadata/{rk}/thumb|art/{ts}``,
  ``/library/collections/{rk}/composite|art/{ts}``, ``/library/sections/{id}/composite/{ts}``,
  ``GET /photo/:/transcode``

Assumptions where the references are silent: ``totalSize``/``offset`` and the paging headers are
sent only when the client asked for a page (as PMS does); a request without a size gets every
item. Shared users' tokens can read everything (no per-section sharing) but collection writes
and refreshes are owner-only (401). Unknown sort fields and non-numeric paging are 400; unknown
filter parameters are ignored. Hub search always returns the movie/show/episode/collection hubs,
empty ones with ``size`` 0. A show's ``/children`` starts with the "All episodes" pseudo-entry
(no ratingKey) unless ``excludeAllLeaves=1``, when it has more than one season. Smart collections
evaluate their section query on every read. No watch state: everything is unwatched, nothing is
on deck. Global recentlyAdded lists episodes individually (PMS groups them into seasons).
"""

from __future__ import annotations

from starlette.applications import Starlette

from medianest.integrations.fakekit import ASGIApp, FaultMiddleware
from medianest.integrations.plex import fake_actions, fake_edit, fake_library
from medianest.integrations.plex.fake_http import bind
from medianest.integrations.plex.fake_model import Item, Section
from medianest.integrations.plex.fake_state import PlexFakeState

__all__ = ["Item", "PlexFakeState", "Section", "create_app"]


def create_app(state: PlexFakeState) -> ASGIApp:
    """The fake PMS as an ASGI app, behind the shared fault switches."""
    endpoints = (*fake_actions.ENDPOINTS, *fake_edit.ENDPOINTS, *fake_library.ENDPOINTS)
    app = Starlette(routes=[bind(state, e) for e in endpoints])
    return FaultMiddleware(app, state.faults)
