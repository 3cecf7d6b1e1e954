"""JSON shapes of the fake Overseerr, field for field what its entities and models serialise to.

Sources: ``server/entity/{User,Media,Season,MediaRequest,SeasonRequest}.ts`` and
``server/models/{Search,Movie,Tv}.ts`` [ovr]. Where the entity would send ``null`` for a field
the published OpenAPI document types as a non-nullable string/number (``User.username``,
``User.plexUsername``, ``MediaRequest.serverId/profileId/rootFolder``) the key is left out
instead, so every answer validates against ``overseerr-api.yml``; clients must treat a
missing key and ``null`` alike. ``email``/``plexId`` are stripped unless the caller may
MANAGE_USERS (``User.filteredFields``); requests always carry the full requester.
"""

from __future__ import annotations

from typing import Any

from .fake_catalog import GENRE_NAMES, Catalog, CatalogItem, CatalogPerson, CatalogSeason
from .fake_model import FakeMedia, FakeRequest, FakeSeason, FakeUser, iso
from .fake_state import OverseerrFakeState

JSON = dict[str, Any]


def _without_none(data: JSON, *keys: str) -> JSON:
    return {k: v for k, v in data.items() if not (k in keys and v is None)}


def user_json(state: OverseerrFakeState, user: FakeUser, *, show_filtered: bool = True) -> JSON:
    data: JSON = {
        "permissions": user.permissions,
        "id": user.id,
        "email": user.email,
        "plexUsername": user.plex_username,
        "username": user.username,
        "recoveryLinkExpirationDate": None,
        "userType": user.user_type,
        "plexId": user.plex_id,
        "avatar": user.avatar,
        "movieQuotaLimit": user.movie_quota_limit,
        "movieQuotaDays": user.movie_quota_days,
        "tvQuotaLimit": user.tv_quota_limit,
        "tvQuotaDays": user.tv_quota_days,
        "createdAt": iso(user.created_at),
        "updatedAt": iso(user.updated_at),
        "requestCount": state.request_count(user.id),
        "displayName": user.display_name,
    }
    if state.flavor != "overseerr":
        data |= {"jellyfinUserId": None, "jellyfinUsername": None}
    if not show_filtered:
        data.pop("email")
        data.pop("plexId")
    return _without_none(data, "plexUsername", "username")


def season_row_json(season: FakeSeason) -> JSON:
    return {
        "id": season.id,
        "seasonNumber": season.season_number,
        "status": season.status,
        "status4k": season.status4k,
        "createdAt": iso(season.created_at),
        "updatedAt": iso(season.updated_at),
    }


def media_json(state: OverseerrFakeState, media: FakeMedia, *, with_requests: bool = False) -> JSON:
    """A Media row; ``with_requests`` as loaded by ``Media.getMedia`` for detail pages."""
    data: JSON = {
        "downloadStatus": [],
        "downloadStatus4k": [],
        "id": media.id,
        "mediaType": media.media_type,
        "tmdbId": media.tmdb_id,
        "tvdbId": media.tvdb_id,
        "imdbId": media.imdb_id,
        "status": media.status,
        "status4k": media.status4k,
        "createdAt": iso(media.created_at),
        "updatedAt": iso(media.updated_at),
        "lastSeasonChange": iso(media.created_at),
        "mediaAddedAt": iso(media.media_added_at) if media.media_added_at else None,
        "serviceId": None,
        "serviceId4k": None,
        "externalServiceId": None,
        "externalServiceId4k": None,
        "externalServiceSlug": None,
        "externalServiceSlug4k": None,
        "ratingKey": media.rating_key,
        "ratingKey4k": None,
        "seasons": [season_row_json(s) for s in media.seasons],
    }
    if media.rating_key:
        key = f"%2Flibrary%2Fmetadata%2F{media.rating_key}"
        machine = state.plex_machine_id
        data["plexUrl"] = f"https://app.plex.tv/desktop#!/server/{machine}/details?key={key}"
        data["iOSPlexUrl"] = f"plex://preplay/?metadataKey={key}&server={machine}"
    if with_requests:
        data["requests"] = [
            request_json(state, r, include_media=False)
            for r in sorted(state.requests_of(media), key=lambda r: r.id)
        ]
        data["issues"] = []
    return data


def request_json(
    state: OverseerrFakeState, request: FakeRequest, *, include_media: bool = True
) -> JSON:
    modified_by = state.users.get(request.modified_by_id) if request.modified_by_id else None
    data: JSON = {
        "id": request.id,
        "status": request.status,
        "createdAt": iso(request.created_at),
        "updatedAt": iso(request.updated_at),
        "type": request.type,
        "is4k": request.is4k,
        "serverId": request.server_id,
        "profileId": request.profile_id,
        "rootFolder": request.root_folder,
        "languageProfileId": request.language_profile_id,
        "tags": request.tags,
        "isAutoRequest": request.is_auto_request,
        "seasons": [
            {
                "id": s.id,
                "seasonNumber": s.season_number,
                "status": s.status,
                "createdAt": iso(s.created_at),
                "updatedAt": iso(s.updated_at),
            }
            for s in request.seasons
        ],
        "requestedBy": user_json(state, state.users[request.requested_by_id]),
        "modifiedBy": user_json(state, modified_by) if modified_by else None,
        "seasonCount": len(request.seasons),
    }
    if include_media:
        data["media"] = media_json(state, state.media[request.media_id])
    return _without_none(data, "serverId", "profileId", "rootFolder")


# -- TMDB-derived shapes -------------------------------------------------------------------


def movie_result(item: CatalogItem, media: JSON | None) -> JSON:
    data: JSON = {
        "id": item.tmdb_id,
        "mediaType": "movie",
        "adult": False,
        "genreIds": list(item.genre_ids),
        "originalLanguage": item.original_language,
        "originalTitle": item.original_title,
        "overview": item.overview,
        "popularity": item.popularity,
        "releaseDate": item.date,
        "title": item.title,
        "video": False,
        "voteAverage": item.vote_average,
        "voteCount": item.vote_count,
        "backdropPath": item.backdrop_path,
        "posterPath": item.poster_path,
    }
    if media is not None:  # JSON.stringify drops ``mediaInfo: undefined``
        data["mediaInfo"] = media
    return data


def tv_result(item: CatalogItem, media: JSON | None) -> JSON:
    data: JSON = {
        "id": item.tmdb_id,
        "firstAirDate": item.date,
        "genreIds": list(item.genre_ids),
        "mediaType": "tv",
        "name": item.title,
        "originCountry": ["FR" if item.original_language == "fr" else "US"],
        "originalLanguage": item.original_language,
        "originalName": item.original_title,
        "overview": item.overview,
        "popularity": item.popularity,
        "voteAverage": item.vote_average,
        "voteCount": item.vote_count,
        "backdropPath": item.backdrop_path,
        "posterPath": item.poster_path,
    }
    if media is not None:
        data["mediaInfo"] = media
    return data


def person_result(person: CatalogPerson, catalog: Catalog) -> JSON:
    known = [catalog.movies[i] for i in person.known_for if i in catalog.movies]
    return {
        "id": person.id,
        "name": person.name,
        "popularity": person.popularity,
        "adult": False,
        "mediaType": "person",
        "profilePath": person.profile_path,
        "knownFor": [movie_result(item, None) for item in known],
    }


def search_result(state: OverseerrFakeState, hit: CatalogItem | CatalogPerson) -> JSON:
    if isinstance(hit, CatalogPerson):
        return person_result(hit, state.catalog)
    media = state.media_for(hit.media_type, hit.tmdb_id)
    info = media_json(state, media) if media is not None else None
    return movie_result(hit, info) if hit.media_type == "movie" else tv_result(hit, info)


def _credits(item: CatalogItem) -> JSON:
    cast = [
        {
            "id": 7_000_000 + (item.tmdb_id % 9973) * 10 + order,
            "castId": order + 1,
            "character": f"Character {order + 1}",
            "creditId": f"c{item.tmdb_id:x}{order}",
            "gender": order % 3,
            "name": name,
            "order": order,
            "profilePath": None,
        }
        for order, name in enumerate(item.cast)
    ]
    return {"cast": cast, "crew": []}


def _language(code: str) -> JSON:
    names = {"en": "English", "fr": "French", "ja": "Japanese", "da": "Danish"}
    return {"englishName": names.get(code, code), "iso_639_1": code, "name": names.get(code, code)}


def _genres(item: CatalogItem) -> list[JSON]:
    return [{"id": g, "name": GENRE_NAMES[g]} for g in item.genre_ids]


def movie_details(state: OverseerrFakeState, item: CatalogItem) -> JSON:
    media = state.media_for("movie", item.tmdb_id)
    data: JSON = {
        "id": item.tmdb_id,
        "adult": False,
        "budget": item.vote_count * 1000,
        "genres": _genres(item),
        "relatedVideos": [],
        "originalLanguage": item.original_language,
        "originalTitle": item.original_title,
        "popularity": item.popularity,
        "productionCompanies": [],
        "productionCountries": [{"iso_3166_1": "US", "name": "United States of America"}],
        "releaseDate": item.date,
        "releases": {"results": []},
        "revenue": item.vote_count * 4000,
        "spokenLanguages": [_language(item.original_language)],
        "status": "Released",
        "title": item.title,
        "video": False,
        "voteAverage": item.vote_average,
        "voteCount": item.vote_count,
        "backdropPath": item.backdrop_path,
        "homepage": "",
        "imdbId": item.imdb_id,
        "overview": item.overview,
        "posterPath": item.poster_path,
        "runtime": item.runtime,
        "tagline": "",
        "credits": _credits(item),
        "externalIds": {
            "imdbId": item.imdb_id,
            "facebookId": None,
            "instagramId": None,
            "twitterId": None,
        },
        "watchProviders": [],
        "keywords": [],
    }
    if item.title.startswith("Star Voyage"):
        data["collection"] = {
            "id": 990_001,
            "name": "Star Voyage Collection",
            "posterPath": "/p990001.jpg",
            "backdropPath": "/b990001.jpg",
        }
    if media is not None:
        data["mediaInfo"] = media_json(state, media, with_requests=True)
    return data


def _season_json(item: CatalogItem, season: CatalogSeason) -> JSON:
    return {
        "airDate": season.air_date,
        "episodeCount": season.episode_count,
        "id": season.id,
        "name": "Specials" if season.season_number == 0 else f"Season {season.season_number}",
        "overview": "",
        "seasonNumber": season.season_number,
        "posterPath": f"/s{season.id}.jpg",
    }


def _episode(item: CatalogItem, season: CatalogSeason, number: int) -> JSON:
    return {
        "id": season.id * 1000 + number,
        "airDate": season.air_date,
        "episodeNumber": number,
        "name": f"Episode {number}",
        "overview": "",
        "productionCode": "",
        "seasonNumber": season.season_number,
        "showId": item.tmdb_id,
        "voteAverage": item.vote_average,
        "voteCount": item.vote_count // 100,
        "stillPath": None,
    }


def tv_details(state: OverseerrFakeState, item: CatalogItem) -> JSON:
    media = state.media_for("tv", item.tmdb_id)
    regular = [s for s in item.seasons if s.season_number > 0]
    last = regular[-1] if regular else None
    data: JSON = {
        "createdBy": [],
        "episodeRunTime": [item.runtime],
        "firstAirDate": item.date,
        "genres": _genres(item),
        "relatedVideos": [],
        "homepage": "",
        "id": item.tmdb_id,
        "inProduction": item.year >= 2020,
        "languages": [item.original_language],
        "lastAirDate": last.air_date if last else item.date,
        "name": item.title,
        "networks": [{"id": 49, "name": "NestTV", "originCountry": "US", "logoPath": None}],
        "numberOfEpisodes": sum(s.episode_count for s in regular),
        "numberOfSeasons": len(regular),
        "originCountry": ["FR" if item.original_language == "fr" else "US"],
        "originalLanguage": item.original_language,
        "originalName": item.original_title,
        "tagline": "",
        "overview": item.overview,
        "popularity": item.popularity,
        "productionCompanies": [],
        "productionCountries": [],
        "contentRatings": {"results": [{"iso_3166_1": "US", "rating": "TV-14"}]},
        "spokenLanguages": [_language(item.original_language)],
        "seasons": [_season_json(item, s) for s in item.seasons],
        "status": "Returning Series" if item.year >= 2020 else "Ended",
        "type": "Scripted",
        "voteAverage": item.vote_average,
        "voteCount": item.vote_count,
        "backdropPath": item.backdrop_path,
        "posterPath": item.poster_path,
        "credits": _credits(item),
        "externalIds": {
            "tvdbId": item.tvdb_id,
            "imdbId": None,
            "facebookId": None,
            "instagramId": None,
            "twitterId": None,
        },
        "keywords": [],
        "watchProviders": [],
    }
    if last is not None:
        data["lastEpisodeToAir"] = _episode(item, last, last.episode_count)
    if media is not None:
        data["mediaInfo"] = media_json(state, media, with_requests=True)
    return data


def season_details(item: CatalogItem, season: CatalogSeason) -> JSON:
    data = _season_json(item, season)
    del data["episodeCount"]
    data["episodes"] = [_episode(item, season, n) for n in range(1, season.episode_count + 1)]
    data["externalIds"] = {"tvdbId": None}
    return data
