"""Turning fake Plex state into MediaContainer bodies, as JSON or XML.

Everything is first built as the JSON shape (``ratingKey`` a string, numbers as numbers, booleans
as booleans, children in arrays named ``Metadata``/``Directory``/``Hub``/``Media``/``Genre``...);
the XML form is derived from it: scalars become attributes (booleans 0/1), arrays become child
elements, objects (``Meta``) one child element, and ``Metadata`` entries become ``<Video>`` for
movies/episodes/clips and ``<Directory>`` for shows/seasons/collections, the tags plexapi
dispatches on. Like the real
server, an empty array is omitted rather than sent as ``[]``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from medianest.integrations.fakekit import wants_json, xml_attr, xml_response
from medianest.integrations.plex import fake_seed
from medianest.integrations.plex.fake_model import Item, Section
from medianest.integrations.plex.fake_state import PlexFakeState

VIDEO_TYPES = frozenset({"movie", "episode", "clip"})
LIBRARY_ID = "com.plexapp.plugins.library"
MEDIA_TAG_VERSION = 1732000000
Json = dict[str, Any]


# -------------------------------------------------------------------- responses
def _xml(tag: str, data: Json) -> ET.Element:
    element = ET.Element(tag)
    for key, value in data.items():
        if isinstance(value, list):
            for child in value:
                element.append(_xml(_child_tag(key, child), child))
        elif isinstance(value, dict):
            element.append(_xml(key, value))
        elif value is not None:
            element.set(key, xml_attr(value))
    return element


def _child_tag(key: str, child: Json) -> str:
    if key == "Metadata":
        return "Video" if child.get("type") in VIDEO_TYPES else "Directory"
    return key


def _prune(data: Json) -> Json:
    """Drop None values and empty arrays, recursively, as the real server does."""
    out: Json = {}
    for key, value in data.items():
        if value is None or value == []:
            continue
        if isinstance(value, list):
            out[key] = [_prune(v) for v in value]
        else:
            out[key] = _prune(value) if isinstance(value, dict) else value
    return out


def respond(request: Request, container: Json, headers: dict[str, str] | None = None) -> Response:
    """A MediaContainer in the format the client asked for (XML unless it accepts JSON)."""
    body = _prune(container)
    all_headers = {"X-Plex-Protocol": "1.0", **(headers or {})}
    if wants_json(request):
        return JSONResponse({"MediaContainer": body}, headers=all_headers)
    return xml_response(_xml("MediaContainer", body), headers=all_headers)


def paged_headers(offset: int, total: int) -> dict[str, str]:
    return {"X-Plex-Container-Start": str(offset), "X-Plex-Container-Total-Size": str(total)}


# -------------------------------------------------------------------- sections
def section_dict(state: PlexFakeState, section: Section) -> Json:
    thumb = "/:/resources/movie.png" if section.type == "movie" else "/:/resources/show.png"
    return {
        "allowSync": True,
        "art": thumb.replace(".png", "-fanart.jpg"),
        "composite": f"/library/sections/{section.id}/composite/{section.updated_at}",
        "filters": True,
        "refreshing": section.refreshing,
        "thumb": thumb,
        "key": str(section.id),
        "type": section.type,
        "title": section.title,
        "agent": section.agent,
        "scanner": section.scanner,
        "language": section.language,
        "uuid": section.uuid,
        "updatedAt": section.updated_at,
        "createdAt": section.created_at,
        "scannedAt": section.scanned_at,
        "content": True,
        "directory": True,
        "contentChangedAt": section.updated_at,
        "hidden": section.hidden,
        "Location": [{"id": section.id, "path": str(state.section_path(section))}],
    }


def library_container(state: PlexFakeState, section: Section) -> Json:
    """Container attributes shared by responses about one section's items."""
    return {
        "allowSync": True,
        "identifier": LIBRARY_ID,
        "librarySectionID": section.id,
        "librarySectionTitle": section.title,
        "librarySectionUUID": section.uuid,
        "mediaTagPrefix": "/system/bundle/media/flags/",
        "mediaTagVersion": MEDIA_TAG_VERSION,
    }


# -------------------------------------------------------------------- items
def _tag(tag_id: int, kind: str, tag: str) -> Json:
    return {"id": tag_id, "filter": f"{kind}={tag_id}", "tag": tag}


def item_file(state: PlexFakeState, item: Item, container: str) -> str:
    if item.file:
        return item.file
    root = state.section_path(state.sections[item.section_id])
    if item.type == "episode" and item.parent_rk in state.items:
        season = state.items[item.parent_rk]
        show = state.items.get(season.parent_rk or -1, season)
        name = _safe(show.title)
        stem = f"{name} - s{season.index or 0:02d}e{item.index or 0:02d} - {_safe(item.title)}"
        return str(root / name / f"Season {season.index or 0:02d}" / f"{stem}.{container}")
    stem = f"{_safe(item.title)} ({item.year})" if item.year else _safe(item.title)
    return str(root / stem / f"{stem}.{container}")


def _safe(name: str) -> str:
    return name.replace("/", "_")


def media_list(state: PlexFakeState, item: Item) -> list[Json]:
    if item.type not in VIDEO_TYPES:
        return []
    if item.scanned:
        traits: Json = {"container": Path(item.file or "x.mp4").suffix.lstrip(".") or "mp4"}
    else:
        traits = fake_seed.media_traits(item)
    container = str(traits["container"])
    duration = item.duration
    bitrate = int(traits.get("bitrate", 0))
    size = item.file_size if item.file_size is not None else (duration or 0) * bitrate // 8
    part = {
        "id": item.rk,
        "key": f"/library/parts/{item.rk}/{item.updated_at}/file.{container}",
        "duration": duration,
        "file": item_file(state, item, container),
        "size": size,
        "container": container,
        "videoProfile": traits.get("videoProfile"),
    }
    return [{"id": item.rk, "duration": duration, **traits, "Part": [part]}]


def _art(item: Item) -> tuple[str, str]:
    if item.type == "collection":
        base = f"/library/collections/{item.rk}"
        return f"{base}/composite/{item.updated_at}", f"{base}/art/{item.updated_at}"
    base = f"/library/metadata/{item.rk}"
    return f"{base}/thumb/{item.updated_at}", f"{base}/art/{item.updated_at}"


def item_dict(
    state: PlexFakeState, item: Item, *, detail: bool = False, guids: bool = False
) -> Json:
    """One metadata item; ``detail`` adds people and Guid, as /library/metadata does."""
    section = state.sections[item.section_id]
    thumb, art = _art(item)
    data: Json = {
        "ratingKey": str(item.rk),
        "key": _key(item),
        "guid": fake_seed.guid_for(item),
        "studio": item.studio,
        "type": item.type,
        "title": item.title,
        "titleSort": item.title_sort,
        "librarySectionTitle": section.title,
        "librarySectionID": section.id,
        "librarySectionKey": f"/library/sections/{section.id}",
        "contentRating": item.content_rating,
        "summary": fake_seed.summary_for(item),
        "index": item.index,
        "rating": item.rating,
        "audienceRating": item.audience_rating,
        "year": item.year,
        "thumb": thumb,
        "art": art,
        "duration": item.duration,
        "originallyAvailableAt": item.originally_available_at,
        "addedAt": item.added_at,
        "updatedAt": item.updated_at,
    }
    data.update(_family(state, item))
    data["Media"] = media_list(state, item)
    data["Genre"] = [_tag(g, "genre", state.genres[g]) for g in item.genre_ids]
    data["Collection"] = [
        _tag(c, "collection", state.items[c].title)
        for c in item.collections or ()
        if c in state.items
    ]
    data["Field"] = [{"locked": True, "name": name} for name in item.locked]
    if detail:
        directors, roles = fake_seed.people_for(item)
        data["Director"] = [{"tag": name} for name in directors]
        data["Role"] = [{"tag": name, "role": role} for name, role in roles]
    if detail or guids:
        data["Guid"] = fake_seed.external_guids(item)
    return data


def _key(item: Item) -> str:
    if item.type == "collection":
        return f"/library/collections/{item.rk}/children"
    if item.type in ("show", "season"):
        return f"/library/metadata/{item.rk}/children"
    return f"/library/metadata/{item.rk}"


def _family(state: PlexFakeState, item: Item) -> Json:
    """Parent/grandparent attributes and counts that depend on the item's place in a tree."""
    if item.type == "show":
        seasons = state.children_of(item)
        leaves = sum(len(s.children or ()) for s in seasons)
        return {"childCount": len(seasons), "leafCount": leaves, "viewedLeafCount": 0}
    if item.type == "collection":
        members = state.collection_members(item)
        years = [m.year for m in members if m.year is not None]
        return {
            "subtype": item.subtype,
            "smart": item.smart_query is not None,
            "childCount": len(members),
            "collectionMode": -1,
            "collectionSort": 0,
            "minYear": min(years, default=None),
            "maxYear": max(years, default=None),
        }
    parent = state.items.get(item.parent_rk) if item.parent_rk is not None else None
    if parent is None:
        return {}
    out = _relative(parent, "parent")
    if item.type == "season":
        out.update(parentIndex=1, leafCount=len(item.children or ()), viewedLeafCount=0)
    grand = state.items.get(parent.parent_rk) if parent.parent_rk is not None else None
    if grand is not None:
        out.update(_relative(grand, "grandparent"))
        out["grandparentArt"] = _art(grand)[1]
        out["parentIndex"] = parent.index
    return out


def _relative(other: Item, prefix: str) -> Json:
    return {
        f"{prefix}RatingKey": str(other.rk),
        f"{prefix}Key": f"/library/metadata/{other.rk}",
        f"{prefix}Guid": fake_seed.guid_for(other),
        f"{prefix}Title": other.title,
        f"{prefix}Thumb": _art(other)[0],
    }


def all_leaves_entry(state: PlexFakeState, show: Item) -> Json:
    """The pseudo-season "All episodes" that /children lists unless excludeAllLeaves=1."""
    leaves = len(state.leaves(show))
    return {
        "key": f"/library/metadata/{show.rk}/allLeaves",
        "title": "All episodes",
        "leafCount": leaves,
        "viewedLeafCount": 0,
        "thumb": _art(show)[0],
    }


def hub_dict(type_name: str, items: list[Json], total: int) -> Json:
    titles = {"movie": "Movies", "show": "Shows", "episode": "Episodes", "clip": "Clips"}
    titles["collection"] = "Collections"
    return {
        "title": titles.get(type_name, type_name.title()),
        "type": type_name,
        "hubIdentifier": type_name,
        "context": f"hub.{type_name}",
        "hubKey": "/library/metadata/" + ",".join(i["ratingKey"] for i in items) if items else None,
        "size": len(items),
        "more": total > len(items),
        "style": "shelf",
        "Metadata": items,
    }
