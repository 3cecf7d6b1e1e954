"""The ``Meta`` block PMS adds to section listings with ``includeMeta=1``.

plexapi reads it (``/library/sections/{id}/all?includeMeta=1`` and ``/collections?includeMeta=1``)
before any ``search()`` with sorts or filters, and refuses fields and operators it does not list,
so the fake advertises exactly the sorts and filters it implements (see ``fake_query``).
"""

from __future__ import annotations

from medianest.integrations.plex.fake_model import TYPE_CODES, Section
from medianest.integrations.plex.fake_render import Json

SORT_TITLES = {
    "titleSort": "Title",
    "title": "Title (exact)",
    "year": "Year",
    "originallyAvailableAt": "Release Date",
    "rating": "Critic Rating",
    "addedAt": "Date Added",
    "updatedAt": "Date Updated",
    "duration": "Duration",
    "index": "Index",
}
FIELDS = {
    "title": ("Title", "string"),
    "year": ("Year", "integer"),
    "genre": ("Genre", "tag"),
    "collection": ("Collection", "tag"),
    "addedAt": ("Date Added", "date"),
    "updatedAt": ("Date Updated", "date"),
    "rating": ("Critic Rating", "integer"),
    "duration": ("Duration", "integer"),
    "unwatched": ("Unwatched", "boolean"),
}
OPERATORS = {
    "tag": (("=", "is"), ("!=", "is not")),
    "boolean": (("=", "is true"), ("!=", "is false")),
    "integer": (("=", "is"), ("!=", "is not"), (">>=", "is greater than"), ("<<=", "is less than")),
    "date": (("=", "is"), ("!=", "is not"), (">>=", "is after"), ("<<=", "is before")),
    "string": (
        ("=", "contains"),
        ("!=", "does not contain"),
        ("==", "is"),
        ("!==", "is not"),
        ("<=", "begins with"),
        (">=", "ends with"),
    ),
}
TYPE_SORTS = {
    "movie": ("titleSort", "title", "year", "originallyAvailableAt", "rating", "addedAt"),
    "show": ("titleSort", "title", "year", "originallyAvailableAt", "rating", "addedAt"),
    "season": ("index", "titleSort", "addedAt"),
    "episode": ("titleSort", "originallyAvailableAt", "rating", "addedAt", "duration", "index"),
    "collection": ("titleSort", "title", "addedAt", "updatedAt"),
}
TYPE_FIELDS = {
    "movie": tuple(FIELDS),
    "show": ("title", "year", "genre", "collection", "addedAt", "rating", "unwatched"),
    "season": ("title", "addedAt"),
    "episode": ("title", "year", "addedAt", "rating", "duration", "unwatched"),
    "collection": ("title", "addedAt", "updatedAt"),
}
TYPE_TITLES = {"movie": "Movies", "show": "Shows", "season": "Seasons", "episode": "Episodes"}
TYPE_TITLES["collection"] = "Collections"


def _type(section: Section, type_name: str) -> Json:
    base = f"/library/sections/{section.id}"
    sorts = [
        {
            "default": "asc" if i == 0 else None,
            "defaultDirection": "desc" if key in ("addedAt", "updatedAt", "rating") else "asc",
            "descKey": f"{key}:desc",
            "firstCharacterKey": f"{base}/firstCharacter" if key == "titleSort" else None,
            "key": key,
            "title": SORT_TITLES[key],
        }
        for i, key in enumerate(TYPE_SORTS[type_name])
    ]
    fields = TYPE_FIELDS[type_name]
    filters = [
        {
            "filter": key,
            "filterType": "string",
            "key": f"{base}/{key}",
            "title": FIELDS[key][0],
            "type": "filter",
        }
        for key in fields
        if FIELDS[key][1] == "tag"
    ]
    return {
        "key": f"{base}/all?type={TYPE_CODES[type_name]}",
        "type": type_name,
        "title": TYPE_TITLES[type_name],
        "active": type_name == section.type,
        "Filter": filters,
        "Sort": sorts,
        "Field": [{"key": k, "title": FIELDS[k][0], "type": FIELDS[k][1]} for k in fields],
    }


def meta_block(section: Section, *, collections: bool = False) -> Json:
    """``Meta`` for a section listing; the collections listing describes only collections."""
    if collections:
        types = ["collection"]
    elif section.type == "movie":
        types = ["movie"]
    else:
        types = ["show", "season", "episode"]
    field_types = [
        {"type": name, "Operator": [{"key": k, "title": t} for k, t in ops]}
        for name, ops in OPERATORS.items()
    ]
    return {"Type": [_type(section, t) for t in types], "FieldType": field_types}
