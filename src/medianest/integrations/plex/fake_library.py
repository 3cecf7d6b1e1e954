"""Read-only routes of the fake Plex server: server info, sections, items, children, search."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from medianest.integrations.plex.fake_http import (
    Endpoint,
    error,
    int_param,
    paging,
    path_int,
)
from medianest.integrations.plex.fake_meta import meta_block
from medianest.integrations.plex.fake_model import CODE_TYPES, Item
from medianest.integrations.plex.fake_query import QueryError
from medianest.integrations.plex.fake_render import (
    LIBRARY_ID,
    MEDIA_TAG_VERSION,
    Json,
    all_leaves_entry,
    hub_dict,
    item_dict,
    library_container,
    paged_headers,
    respond,
    section_dict,
)
from medianest.integrations.plex.fake_state import PlexFakeState

HUB_TYPES = ("movie", "show", "episode", "collection")
# fmt: off
ROOT_DIRECTORIES = (
    "activities", "butler", "channels", "clients", "diagnostics", "hubs", "library", "livetv",
    "media", "player", "playlists", "resources", "search", "server", "servers", "statistics",
    "system", "transcode", "updater", "user",
)
# fmt: on


def paged(
    request: Request,
    entries: Sequence[Any],
    render: Callable[[Any], Json],
    attrs: Json,
    key: str = "Metadata",
) -> Response:
    """Slice first, render only the page; totalSize/offset when the client asked for a page."""
    start, size, requested = paging(request)
    total = len(entries)
    page = entries[start : start + size] if size is not None else entries[start:]
    container: Json = {"size": len(page), **attrs}
    headers = None
    if requested:
        container.update(totalSize=total, offset=start)
        headers = paged_headers(start, total)
    container[key] = [render(e) for e in page]
    return respond(request, container, headers)


def _renderer(state: PlexFakeState, request: Request) -> Callable[[Item], Json]:
    guids = request.query_params.get("includeGuids") == "1"
    return lambda item: item_dict(state, item, guids=guids)


async def server_root(state: PlexFakeState, request: Request) -> Response:
    info: Json = {
        "size": len(ROOT_DIRECTORIES),
        "allowCameraUpload": False,
        "allowChannelAccess": True,
        "allowMediaDeletion": True,
        "allowSharing": True,
        "allowSync": True,
        "allowTuners": True,
        "backgroundProcessing": True,
        "certificate": True,
        "companionProxy": True,
        "countryCode": "usa",
        "diagnostics": "logs,databases,streaminglogs",
        "eventStream": True,
        "friendlyName": state.friendly_name,
        "hubSearch": True,
        "itemClusters": True,
        "livetv": 7,
        "machineIdentifier": state.machine_id,
        "mediaProviders": True,
        "multiuser": True,
        "musicAnalysis": 2,
        "myPlex": True,
        "myPlexMappingState": "mapped",
        "myPlexSigninState": "ok",
        "myPlexSubscription": True,
        "myPlexUsername": state.owner_username,
        "offlineTranscode": 1,
        "ownerFeatures": "camera_upload,collections,hardware_transcoding,sync,webhooks",
        "platform": "Linux",
        "platformVersion": "6.8.0-49-generic",
        "pluginHost": True,
        "pushNotifications": False,
        "readOnlyLibraries": False,
        "streamingBrainABRVersion": 3,
        "streamingBrainVersion": 2,
        "sync": True,
        "transcoderActiveVideoSessions": 0,
        "transcoderAudio": True,
        "transcoderPhoto": True,
        "transcoderSubtitles": True,
        "transcoderVideo": True,
        "updatedAt": state.started_at,
        "updater": True,
        "version": state.version,
        "voiceSearch": True,
        "Directory": [{"count": 1, "key": d, "title": d} for d in ROOT_DIRECTORIES],
    }
    return respond(request, info)


async def identity(state: PlexFakeState, request: Request) -> Response:
    body = {"size": 0, "claimed": True, "machineIdentifier": state.machine_id}
    return respond(request, {**body, "version": state.version})


async def library_root(state: PlexFakeState, request: Request) -> Response:
    entries = [("sections", "Library Sections"), ("recentlyAdded", "Recently Added Content")]
    entries.append(("onDeck", "On Deck"))
    return respond(
        request,
        {
            "size": len(entries),
            "allowSync": False,
            "art": "/:/resources/library-art.png",
            "identifier": LIBRARY_ID,
            "mediaTagPrefix": "/system/bundle/media/flags/",
            "mediaTagVersion": MEDIA_TAG_VERSION,
            "title1": "Plex Library",
            "Directory": [{"key": k, "title": t} for k, t in entries],
        },
    )


async def sections(state: PlexFakeState, request: Request) -> Response:
    dirs = [section_dict(state, s) for s in state.sections.values()]
    attrs = {"size": len(dirs), "allowSync": False, "title1": "Plex Library"}
    return respond(request, {**attrs, "Directory": dirs})


def _section_attrs(state: PlexFakeState, request: Request, title2: str) -> tuple[Json, int] | None:
    sid = path_int(request, "sid")
    if sid is None or sid not in state.sections:
        return None
    section = state.sections[sid]
    attrs = library_container(state, section)
    attrs.update(title1=section.title, title2=title2, viewGroup=section.type)
    return attrs, sid


async def section_all(state: PlexFakeState, request: Request) -> Response:
    found = _section_attrs(state, request, "All")
    if found is None:
        return error(404)
    attrs, sid = found
    params = dict(request.query_params)
    items = state.query_section(sid, params)
    limit = int_param(params, "limit")
    if limit is not None:  # a cap on the whole result, below any paging
        items = items[:limit]
    if params.get("includeMeta") == "1":
        attrs["Meta"] = meta_block(state.sections[sid], collections=params.get("type") == "18")
    return paged(request, items, _renderer(state, request), attrs)


async def section_collections(state: PlexFakeState, request: Request) -> Response:
    found = _section_attrs(state, request, "Collections")
    if found is None:
        return error(404)
    attrs, sid = found
    items = state.query_section(sid, {**request.query_params, "type": "18"})
    if request.query_params.get("includeMeta") == "1":
        attrs["Meta"] = meta_block(state.sections[sid], collections=True)
    return paged(request, items, _renderer(state, request), attrs)


async def section_recently_added(state: PlexFakeState, request: Request) -> Response:
    found = _section_attrs(state, request, "Recently Added")
    if found is None:
        return error(404)
    attrs, sid = found
    leaf = "1" if state.sections[sid].type == "movie" else "4"
    items = state.query_section(sid, {"type": leaf, "sort": "addedAt:desc"})
    return paged(request, items, _renderer(state, request), attrs)


async def library_recently_added(state: PlexFakeState, request: Request) -> Response:
    attrs: Json = {"identifier": LIBRARY_ID, "mediaTagPrefix": "/system/bundle/media/flags/"}
    attrs |= {"mediaTagVersion": MEDIA_TAG_VERSION, "title1": "Recently Added"}
    return paged(request, state.recently_added(), _renderer(state, request), attrs)


async def library_on_deck(state: PlexFakeState, request: Request) -> Response:
    """Nothing is in progress: the fake keeps no watch state."""
    return paged(request, [], _renderer(state, request), {"identifier": LIBRARY_ID})


async def library_all(state: PlexFakeState, request: Request) -> Response:
    items = state.query_library(dict(request.query_params))
    return paged(request, items, _renderer(state, request), {"identifier": LIBRARY_ID})


async def section_tag_choices(state: PlexFakeState, request: Request) -> Response:
    """Values of a tag filter (genres or collections in use), as plexapi's filter choices."""
    kind = request.url.path.rsplit("/", 1)[-1]
    found = _section_attrs(state, request, kind.title())
    if found is None:
        return error(404)
    attrs, sid = found
    in_section = [i for i in state.snapshot() if i.section_id == sid]
    if kind == "genre":
        names = {g: state.genres[g] for i in in_section for g in i.genre_ids}
    else:
        names = {i.rk: i.title for i in in_section if i.type == "collection"}
    entries = [
        {"fastKey": f"/library/sections/{sid}/all?{kind}={tag_id}", "key": str(tag_id)}
        | {"title": title, "type": kind}
        for tag_id, title in sorted(names.items(), key=lambda pair: pair[1].casefold())
    ]
    return respond(request, {"size": len(entries), **attrs, "Directory": entries})


async def section_search(state: PlexFakeState, request: Request) -> Response:
    found = _section_attrs(state, request, "Search")
    if found is None:
        return error(404)
    attrs, sid = found
    hits = state.search(request.query_params.get("query", ""), sid)
    wanted = int_param(request.query_params, "type")
    if wanted is not None:
        hits = {t: v for t, v in hits.items() if t == CODE_TYPES.get(wanted)}
    flat = [i for t in HUB_TYPES for i in hits.get(t, [])]
    return paged(request, flat, _renderer(state, request), attrs)


def _items_from_path(state: PlexFakeState, request: Request) -> list[Item]:
    keys = str(request.path_params["rks"]).split(",")
    return [state.items[int(k)] for k in keys if k.isdigit() and int(k) in state.items]


async def metadata(state: PlexFakeState, request: Request) -> Response:
    items = _items_from_path(state, request)
    if not items:
        return error(404)
    attrs = library_container(state, state.sections[items[0].section_id])
    entries = [item_dict(state, i, detail=True) for i in items]
    return respond(request, {"size": len(entries), **attrs, "Metadata": entries})


def _parent_attrs(state: PlexFakeState, parent: Item) -> Json:
    section = state.sections[parent.section_id]
    attrs = library_container(state, section)
    attrs.update(
        key=str(parent.rk),
        parentTitle=parent.title,
        title1=section.title,
        title2=parent.title,
        viewGroup={"show": "season", "season": "episode"}.get(parent.type, parent.type),
    )
    return attrs


async def children(state: PlexFakeState, request: Request) -> Response:
    items = _items_from_path(state, request)
    if not items:
        return error(404)
    parent = items[0]
    kids: list[Any] = list(state.children_of(parent))
    render = _renderer(state, request)
    if (
        parent.type == "show"
        and len(kids) > 1
        and request.query_params.get("excludeAllLeaves") != "1"
    ):
        kids.insert(0, all_leaves_entry(state, parent))
    return paged(
        request,
        kids,
        lambda e: e if isinstance(e, dict) else render(e),
        _parent_attrs(state, parent),
    )


async def all_leaves(state: PlexFakeState, request: Request) -> Response:
    items = _items_from_path(state, request)
    if not items:
        return error(404)
    leaves = state.leaves(items[0])
    return paged(request, leaves, _renderer(state, request), _parent_attrs(state, items[0]))


def _search_args(state: PlexFakeState, request: Request) -> tuple[str, int | None]:
    query = request.query_params.get("query")
    if query is None or not query.strip():
        raise QueryError("query is required")
    section_id = int_param(request.query_params, "sectionId")
    return query, section_id


async def hub_search(state: PlexFakeState, request: Request) -> Response:
    query, section_id = _search_args(state, request)
    if section_id is not None and section_id not in state.sections:
        return error(404)
    limit = int_param(request.query_params, "limit") or 3
    hits = state.search(query, section_id)
    hubs = []
    for type_name in HUB_TYPES:
        found = hits.get(type_name, [])
        rendered = [item_dict(state, i) for i in found[:limit]]
        hubs.append(hub_dict(type_name, rendered, len(found)))
    return respond(request, {"size": len(hubs), "Hub": hubs})


async def legacy_search(state: PlexFakeState, request: Request) -> Response:
    query, section_id = _search_args(state, request)
    hits = state.search(query, section_id)
    flat = [i for t in HUB_TYPES for i in hits.get(t, [])]
    return paged(request, flat, _renderer(state, request), {"identifier": LIBRARY_ID})


ENDPOINTS = (
    Endpoint("/", server_root),
    Endpoint("/identity", identity, auth="none"),
    Endpoint("/library", library_root),
    Endpoint("/library/all", library_all),
    Endpoint("/library/recentlyAdded", library_recently_added),
    Endpoint("/library/onDeck", library_on_deck),
    Endpoint("/library/sections", sections),
    Endpoint("/library/sections/all", sections),
    Endpoint("/library/sections/{sid}/all", section_all),
    Endpoint("/library/sections/{sid}/collections", section_collections),
    Endpoint("/library/sections/{sid}/recentlyAdded", section_recently_added),
    Endpoint("/library/sections/{sid}/genre", section_tag_choices),
    Endpoint("/library/sections/{sid}/collection", section_tag_choices),
    Endpoint("/library/sections/{sid}/search", section_search),
    Endpoint("/library/metadata/{rks}", metadata),
    Endpoint("/library/metadata/{rks}/children", children),
    Endpoint("/library/metadata/{rks}/allLeaves", all_leaves),
    Endpoint("/hubs/search", hub_search),
    Endpoint("/search", legacy_search),
)
