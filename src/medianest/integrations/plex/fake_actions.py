"""Routes of the fake Plex server that change things or return bytes: collections, scans, images.

Collection writes and refreshes need the owner's token (shared users' tokens get 401, as PMS
reserves them for the admin). Items are referenced by ``server://<machineIdentifier>/
com.plexapp.plugins.library/library/metadata/<rk>,<rk>`` URIs, exactly as plexapi and the Plex
web app send them; a URI naming another server or malformed is a 400.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from medianest.integrations.plex.fake_http import Endpoint, error, int_param, path_int
from medianest.integrations.plex.fake_images import (
    ART_SIZE,
    POSTER_SIZE,
    SIDECAR_TYPES,
    render_poster,
    transcode,
)
from medianest.integrations.plex.fake_library import paged
from medianest.integrations.plex.fake_model import CODE_TYPES, Item
from medianest.integrations.plex.fake_query import QueryError
from medianest.integrations.plex.fake_render import (
    LIBRARY_ID,
    item_dict,
    library_container,
    respond,
)
from medianest.integrations.plex.fake_scan import resolve_scan_folder, sidecar_for, start_scan
from medianest.integrations.plex.fake_state import PlexFakeState

_METADATA_PATH = re.compile(r"/library/metadata/(\d+(?:,\d+)*)")
_SMART_PATH = re.compile(r"/library/sections/(\d+)/all\?(.*)")
_SECTION_IMAGE = re.compile(r"/library/sections/(\d+)/composite(?:/\d+)?")
_IMAGE_PATH = re.compile(r"/library/(metadata|collections)/(\d+)/(thumb|art|composite)(?:/\d+)?")


# -------------------------------------------------------------------- collections
def _library_path(state: PlexFakeState, uri: str | None) -> str:
    prefix = f"server://{state.machine_id}/{LIBRARY_ID}"
    if not uri or not uri.startswith(prefix + "/"):
        raise QueryError("uri must name this server's library")
    return uri[len(prefix) :]


def uri_rating_keys(state: PlexFakeState, uri: str | None) -> list[int]:
    match = _METADATA_PATH.fullmatch(_library_path(state, uri))
    if match is None:
        raise QueryError("uri is not a metadata list")
    return [int(k) for k in match.group(1).split(",")]


def _collection(state: PlexFakeState, request: Request) -> Item | None:
    rk = path_int(request, "rk")
    item = state.items.get(rk) if rk is not None else None
    return item if item is not None and item.type == "collection" else None


def _one(state: PlexFakeState, request: Request, coll: Item) -> Response:
    attrs = library_container(state, state.sections[coll.section_id])
    return respond(request, {"size": 1, **attrs, "Metadata": [item_dict(state, coll)]})


def _smart_query(state: PlexFakeState, uri: str | None, section_id: int) -> str:
    match = _SMART_PATH.fullmatch(_library_path(state, uri))
    if match is None or int(match.group(1)) != section_id:
        raise QueryError("smart collections need a query on their own section")
    return match.group(2)


async def create_collection(state: PlexFakeState, request: Request) -> Response:
    params = request.query_params
    section_id = int_param(params, "sectionId")
    title = (params.get("title") or "").strip()
    if section_id is None or section_id not in state.sections or not title:
        return error(400)
    type_code = int_param(params, "type")
    subtype = CODE_TYPES.get(type_code) if type_code is not None else None
    if type_code is not None and subtype in (None, "collection"):
        return error(400)
    uri = params.get("uri")
    if params.get("smart", "0") == "1":
        query = _smart_query(state, uri, section_id)
        coll = state.add_collection(section_id, title, subtype=subtype, smart_query=query)
    else:
        members = uri_rating_keys(state, uri) if uri else []
        coll = state.add_collection(section_id, title, members, subtype=subtype)
    return _one(state, request, coll)


async def get_collection(state: PlexFakeState, request: Request) -> Response:
    coll = _collection(state, request)
    return _one(state, request, coll) if coll else error(404)


async def collection_items(state: PlexFakeState, request: Request) -> Response:
    coll = _collection(state, request)
    if coll is None:
        return error(404)
    guids = request.query_params.get("includeGuids") == "1"
    attrs = library_container(state, state.sections[coll.section_id])
    attrs.update(key=str(coll.rk), title1=coll.title, title2="Items")
    members = state.collection_members(coll)
    return paged(request, members, lambda i: item_dict(state, i, guids=guids), attrs)


async def add_collection_items(state: PlexFakeState, request: Request) -> Response:
    coll = _collection(state, request)
    if coll is None:
        return error(404)
    if coll.smart_query is not None:
        return error(400)
    state.collect(coll.rk, uri_rating_keys(state, request.query_params.get("uri")))
    return _one(state, request, coll)


async def remove_collection_item(state: PlexFakeState, request: Request) -> Response:
    coll = _collection(state, request)
    item_rk = path_int(request, "item")
    if coll is None or item_rk is None or not state.uncollect(coll.rk, item_rk):
        return error(404)
    return _one(state, request, coll)


async def delete_collection(state: PlexFakeState, request: Request) -> Response:
    coll = _collection(state, request)
    if coll is None:
        return error(404)
    state.remove_item(coll.rk)
    return Response(status_code=200)


# -------------------------------------------------------------------- scans
async def refresh_section(state: PlexFakeState, request: Request) -> Response:
    sid = path_int(request, "sid")
    section = state.sections.get(sid) if sid is not None else None
    if section is None:
        return error(404)
    folder = resolve_scan_folder(state, section, request.query_params.get("path"))
    if folder is not None:  # PMS silently ignores a path outside the section
        start_scan(state, section, folder)
    return Response(status_code=200)


async def refresh_all(state: PlexFakeState, request: Request) -> Response:
    for section in state.sections.values():
        folder = resolve_scan_folder(state, section, None)
        if folder is not None:
            start_scan(state, section, folder)
    return Response(status_code=200)


# -------------------------------------------------------------------- images
def image_for(state: PlexFakeState, path: str) -> tuple[bytes, str] | None:
    """Bytes and content type for an artwork path such as ``/library/metadata/7/thumb/123``."""
    section = _SECTION_IMAGE.fullmatch(path)
    if section is not None:
        return _section_image(state, int(section.group(1)))
    match = _IMAGE_PATH.fullmatch(path)
    item = state.items.get(int(match.group(2))) if match else None
    if (
        match is None
        or item is None
        or (match.group(1) == "collections") != (item.type == "collection")
    ):
        return None
    kind = match.group(3)
    if item.scanned and item.file and kind == "thumb":
        sidecar = sidecar_for(item.file)
        if sidecar is not None:
            return sidecar.read_bytes(), SIDECAR_TYPES[sidecar.suffix.lower()]
    landscape = kind == "art" or item.type == "episode"
    size = ART_SIZE if landscape else POSTER_SIZE
    seed = f"{state.seed}:{item.rk}:{item.seed}:{'art' if landscape else 'poster'}"
    key = (item.rk, kind, item.updated_at, item.title)
    data = state.images.get(key, lambda: render_poster(item.title, seed, size))
    return data, "image/jpeg"


def _section_image(state: PlexFakeState, sid: int) -> tuple[bytes, str] | None:
    section = state.sections.get(sid)
    if section is None:
        return None
    seed = f"{state.seed}:section:{sid}"
    key = ("section", sid, section.title)
    return state.images.get(key, lambda: render_poster(section.title, seed, ART_SIZE)), "image/jpeg"


async def artwork(state: PlexFakeState, request: Request) -> Response:
    found = await run_in_threadpool(image_for, state, request.url.path)
    if found is None:
        return error(404)
    return Response(found[0], media_type=found[1])


async def photo_transcode(state: PlexFakeState, request: Request) -> Response:
    params = request.query_params
    url = params.get("url")
    if not url:
        return error(400)
    width, height = int_param(params, "width"), int_param(params, "height")
    fmt = (params.get("format") or "jpg").lower()
    if fmt not in ("jpg", "jpeg", "png", "ppm"):
        return error(400)
    found = await run_in_threadpool(image_for, state, urlsplit(url).path)
    if found is None:
        return error(404)

    def convert() -> tuple[bytes, str]:
        return transcode(
            found[0],
            width=width,
            height=height,
            min_size=params.get("minSize") == "1",
            upscale=params.get("upscale", "1") != "0",
            fmt=fmt,
            quality=int_param(params, "quality") or 85,
        )

    try:
        data, content_type = await run_in_threadpool(convert)
    except OSError:  # a sidecar that is not a decodable image
        return error(404)
    return Response(data, media_type=content_type)


def _image_routes() -> tuple[Endpoint, ...]:
    routes = []
    for base, kinds in (("metadata", ("thumb", "art")), ("collections", ("composite", "art"))):
        for kind in kinds:
            routes.append(Endpoint(f"/library/{base}/{{rk}}/{kind}", artwork))
            routes.append(Endpoint(f"/library/{base}/{{rk}}/{kind}/{{ts}}", artwork))
    routes.append(Endpoint("/library/sections/{sid}/composite/{ts}", artwork))
    return tuple(routes)


ENDPOINTS = (
    Endpoint("/library/collections", create_collection, ("POST",), auth="owner"),
    Endpoint("/library/collections/{rk}", get_collection),
    Endpoint("/library/collections/{rk}", delete_collection, ("DELETE",), auth="owner"),
    Endpoint("/library/collections/{rk}/children", collection_items),
    Endpoint("/library/collections/{rk}/items", collection_items),
    Endpoint("/library/collections/{rk}/items", add_collection_items, ("PUT",), auth="owner"),
    Endpoint(
        "/library/collections/{rk}/items/{item}",
        remove_collection_item,
        ("DELETE",),
        auth="owner",
    ),
    Endpoint("/library/sections/all/refresh", refresh_all, ("GET", "POST"), auth="owner"),
    Endpoint("/library/sections/{sid}/refresh", refresh_section, ("GET", "POST"), auth="owner"),
    Endpoint("/photo/:/transcode", photo_transcode),
    *_image_routes(),
)

__all__ = ["ENDPOINTS", "image_for", "uri_rating_keys"]
