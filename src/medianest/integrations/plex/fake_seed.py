"""The generated worlds of the fake Plex server, and details derived lazily from an item's seed.

Builders store only what sorting, filtering and search need; summaries, guids, media info and
people are derived on demand from ``Item.seed``, so a 100,000-item library builds in about a
second and every detail is still deterministic. A few titles are deliberately awkward (quotes,
ampersands, non-ASCII, emoji, HTML) so MediaNest's escaping gets exercised.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from datetime import UTC, datetime

from medianest.integrations.plex.fake_model import Item, Section, title_sort_for
from medianest.integrations.plex.fake_state import PlexFakeState

BASE_TIME = int(datetime(2026, 11, 21, tzinfo=UTC).timestamp())
YEAR_SECONDS = 365 * 86400

ADJ = [
    "Silent",
    "Broken",
    "Crimson",
    "Last",
    "Hidden",
    "Golden",
    "Midnight",
    "Electric",
    "Frozen",
    "Wild",
    "Lost",
    "Iron",
]
ADJ += [
    "Burning",
    "Secret",
    "Distant",
    "Hollow",
    "Bright",
    "Savage",
    "Quiet",
    "Endless",
    "Scarlet",
    "Velvet",
    "Paper",
]
NOUN = [
    "River",
    "Empire",
    "Garden",
    "Horizon",
    "Machine",
    "Kingdom",
    "Harbor",
    "Signal",
    "Orchard",
    "Frontier",
    "Mirror",
]
NOUN += [
    "Station",
    "Voyage",
    "Lantern",
    "Storm",
    "Shadow",
    "Echo",
    "Citadel",
    "Compass",
    "Meridian",
    "Archive",
    "Tide",
]
PLACE = ["Paris", "Tokyo", "Avalon", "the North", "Marrakesh", "Brooklyn", "the Deep", "Lisbon"]
PLACE += ["Saturn", "Kyoto", "Reykjavík", "Oaxaca", "the Valley", "Nowhere"]
FIRST = [
    "Eleanor",
    "Marcus",
    "Ingrid",
    "Tomas",
    "Amara",
    "Felix",
    "Juniper",
    "Hugo",
    "Priya",
    "Rosalind",
    "Dmitri",
    "Nadia",
]
LAST = [
    "Vance",
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Castellanos",
    "Whitfield",
    "Nakamura",
    "Brennan",
    "Adeyemi",
    "Kowal",
]
PATTERNS = (
    "The {adj} {noun}",
    "{noun} of {place}",
    "{first}'s {noun}",
    "{adj} {noun}",
    "A {noun} in {place}",
    "The {noun} and the {noun2}",
    "{noun}: {adj} {noun2}",
    "Return to {place}",
    "{adj} {noun} {roman}",
)
ROMAN = ("II", "III", "IV")
MOVIE_GENRES = [
    "Action",
    "Adventure",
    "Animation",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Family",
    "Fantasy",
]
MOVIE_GENRES += ["History", "Horror", "Music", "Mystery", "Romance", "Science Fiction"]
MOVIE_GENRES += ["Thriller", "War", "Western"]
SHOW_GENRES = ["Drama", "Comedy", "Crime", "Documentary", "Reality", "Animation", "Mystery"]
STUDIOS = ["Northlight Pictures", "Paper Crane Films", "Blue Harbor", "Meridian & Sons", "A24-ish"]
TRICKY_MOVIES = (
    'Amélie & the "Café" Crowd',
    "<b>HTML</b> in the Title",
    "Tom & Jerry's Big Night",
    "Señor Niño: Año Nuevo",
    "Crouching Tiger, Hidden Dragon (臥虎藏龍)",
    "🎬 Emoji Movie Night 🍿",
    'Don\'t "Quote" Me',
    "</script><script>alert('x')</script>",
    "Über-Ziel: Straße der Träume",
)
TRICKY_SHOWS = ('Law & Order: "Fake" Unit', "Café Society 🍵", "<i>Italic</i> Hours")
SUMMARIES = (
    "{first} {last} returns to {place} to settle an old debt, and finds the {noun} changed.",
    "When a {adj} {noun} appears over {place}, two strangers must decide whom to trust.",
    "A {adj} comedy about family, a borrowed {noun} and one very long weekend in {place}.",
    "Based on a true story: the {noun} that kept {place} awake for a decade.",
)


class _Bits:
    """Draws from one big random number: a 100k build is dominated by per-call RNG overhead."""

    __slots__ = ("value",)

    def __init__(self, rng: random.Random) -> None:
        self.value = rng.getrandbits(256)

    def below(self, n: int) -> int:
        self.value, rest = divmod(self.value, n)
        return rest

    def pick(self, seq: Sequence[str]) -> str:
        return seq[self.below(len(seq))]


def _title(rng: random.Random) -> str:
    return _title_from(_Bits(rng))


def _title_from(bits: _Bits) -> str:
    return bits.pick(PATTERNS).format(
        adj=bits.pick(ADJ),
        noun=bits.pick(NOUN),
        noun2=bits.pick(NOUN),
        place=bits.pick(PLACE),
        first=bits.pick(FIRST),
        roman=bits.pick(ROMAN),
    )


def _fill(template: str, rng: random.Random) -> str:
    return template.format(
        adj=rng.choice(ADJ).lower(),
        noun=rng.choice(NOUN).lower(),
        place=rng.choice(PLACE),
        first=rng.choice(FIRST),
        last=rng.choice(LAST),
    )


def _date(rng: random.Random, year: int) -> str:
    return f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _movie(
    state: PlexFakeState, bits: _Bits, section: Section, title: str, genre_ids: Sequence[int]
) -> Item:
    year = 1962 + bits.below(64)
    added = BASE_TIME - bits.below(YEAR_SECONDS)
    genres = dict.fromkeys(genre_ids[bits.below(len(genre_ids))] for _ in range(1 + bits.below(3)))
    item = Item(
        rk=state.new_rk(),
        type="movie",
        section_id=section.id,
        title=title,
        title_sort=title_sort_for(title),
        year=year,
        rating=(35 + bits.below(62)) / 10,
        audience_rating=(30 + bits.below(70)) / 10,
        content_rating=bits.pick(("G", "PG", "PG-13", "R", "NR")),
        studio=bits.pick(STUDIOS),
        duration=(80 + bits.below(91)) * 60_000 + bits.below(60_000),
        originally_available_at=f"{year}-{1 + bits.below(12):02d}-{1 + bits.below(28):02d}",
        genre_ids=tuple(genres),
        added_at=added,
        updated_at=added + bits.below(86400),
        seed=bits.below(1 << 32),
    )
    state.items[item.rk] = item
    return item


def _show(state: PlexFakeState, rng: random.Random, section: Section, title: str) -> Item:
    year = rng.randint(1995, 2024)
    added = BASE_TIME - rng.randrange(YEAR_SECONDS)
    show = state.add_item(
        Item(
            rk=state.new_rk(),
            type="show",
            section_id=section.id,
            title=title,
            title_sort=title_sort_for(title),
            year=year,
            rating=round(rng.uniform(5.0, 9.5), 1),
            content_rating=rng.choice(("TV-Y", "TV-PG", "TV-14", "TV-MA")),
            studio=rng.choice(STUDIOS),
            originally_available_at=_date(rng, year),
            genre_ids=tuple(state.genre_id(g) for g in rng.sample(SHOW_GENRES, 2)),
            added_at=added,
            updated_at=added,
            seed=rng.getrandbits(32),
        )
    )
    episode_ms = rng.choice((22, 30, 45, 55)) * 60_000
    for season_no in range(1, rng.randint(1, 5) + 1):
        season = state.add_item(
            Item(
                rk=state.new_rk(),
                type="season",
                section_id=section.id,
                title=f"Season {season_no}",
                index=season_no,
                parent_rk=show.rk,
                added_at=added,
                updated_at=added,
                seed=rng.getrandbits(32),
            )
        )
        for ep_no in range(1, rng.randint(6, 12) + 1):
            ep_year = min(year + season_no - 1, 2026)
            state.add_item(
                Item(
                    rk=state.new_rk(),
                    type="episode",
                    section_id=section.id,
                    title=_title(rng),
                    index=ep_no,
                    parent_rk=season.rk,
                    year=ep_year,
                    rating=round(rng.uniform(5.0, 9.8), 1),
                    content_rating=show.content_rating,
                    duration=episode_ms + rng.randrange(120_000),
                    originally_available_at=_date(rng, ep_year),
                    added_at=added,
                    updated_at=added,
                    seed=rng.getrandbits(32),
                )
            )
    return show


def _sections(state: PlexFakeState) -> tuple[Section, Section, Section]:
    created = BASE_TIME - 2 * YEAR_SECONDS
    movies = state.add_section("Movies", "movie", location="movies", created_at=created)
    tv = state.add_section("TV Shows", "show", location="tv", created_at=created)
    youtube = state.add_section(
        "YouTube",
        "movie",
        location="youtube",
        agent="tv.plex.agents.none",
        scanner="Plex Video Files Scanner",
        created_at=created,
    )
    return movies, tv, youtube


def _collections(state: PlexFakeState, rng: random.Random, movies: Section, tv: Section) -> None:
    def having(genre: str) -> list[int]:
        gid = state.genre_id(genre)
        return [i.rk for i in state.items.values() if gid in i.genre_ids and i.type == "movie"]

    made = BASE_TIME - YEAR_SECONDS // 2
    state.add_collection(
        movies.id,
        "Sci-Fi Essentials",
        having("Science Fiction")[:12],
        summary="Spaceships, time loops and the occasional robot.",
        added_at=made,
    )
    state.add_collection(
        movies.id, "Midnight Thrillers", having("Thriller")[:10], summary="", added_at=made
    )
    picks = [i.rk for i in state.items.values() if i.type == "movie"]
    state.add_collection(
        movies.id,
        "Staff Picks & Favourites",
        rng.sample(picks[:400], min(8, len(picks))),
        summary='Chosen by the "nest" <b>staff</b>.',
        added_at=made,
    )
    shows = [i.rk for i in state.items.values() if i.type == "show"]
    state.add_collection(tv.id, "Comfort Shows", shows[:5], summary="", added_at=made)


def build_demo(state: PlexFakeState, seed: int, n_movies: int = 200) -> None:
    """Movies, TV Shows with seasons and episodes, an empty YouTube section, four collections."""
    rng = random.Random(seed)
    movies, tv, _youtube = _sections(state)
    genre_ids = [state.genre_id(g) for g in MOVIE_GENRES]
    for title in TRICKY_MOVIES[:n_movies]:
        _movie(state, _Bits(rng), movies, title, genre_ids)
    for _ in range(max(0, n_movies - len(TRICKY_MOVIES))):
        bits = _Bits(rng)
        _movie(state, bits, movies, _title_from(bits), genre_ids)
    for title in TRICKY_SHOWS:
        _show(state, rng, tv, title)
    for _ in range(40 - len(TRICKY_SHOWS)):
        _show(state, rng, tv, f"{rng.choice(NOUN)} {rng.choice(('Street', 'Nights', 'Files'))}")
    _collections(state, rng, movies, tv)
    state.invalidate()


def build_generated(state: PlexFakeState, n_items: int, seed: int) -> None:
    """The demo world, but with ``n_items`` movies in Movies."""
    build_demo(state, seed, n_movies=n_items)


# -------------------------------------------------------------------- lazily derived details
def _rng(item: Item, salt: str) -> random.Random:
    return random.Random(f"{item.seed}:{item.rk}:{salt}")


def summary_for(item: Item) -> str:
    if item.summary is not None:
        return item.summary
    if item.scanned or item.type == "season":
        return ""
    rng = _rng(item, "summary")
    return _fill(rng.choice(SUMMARIES), rng)


def guid_for(item: Item) -> str:
    if item.type == "collection":
        return f"collection://{hashlib.md5(str(item.rk).encode()).hexdigest()}"  # noqa: S324
    if item.scanned:
        return f"local://{item.rk}"
    digest = hashlib.sha1(f"{item.type}:{item.seed}:{item.rk}".encode()).hexdigest()  # noqa: S324
    return f"plex://{item.type}/{digest[:24]}"


def external_guids(item: Item) -> list[dict[str, str]]:
    """imdb/tmdb/tvdb ids, as real matched items have; scanned home videos have none."""
    if item.scanned or item.type == "collection":
        return []
    rng = _rng(item, "guid")
    guids = [{"id": f"imdb://tt{rng.randint(1_000_000, 9_999_999)}"}]
    guids.append({"id": f"tmdb://{rng.randint(10_000, 999_999)}"})
    if item.type in ("show", "season", "episode"):
        guids.append({"id": f"tvdb://{rng.randint(70_000, 999_999)}"})
    return guids


def people_for(item: Item) -> tuple[list[str], list[tuple[str, str]]]:
    """(directors, [(actor, role)]) for the detail view."""
    if item.scanned or item.type not in ("movie", "episode"):
        return [], []
    rng = _rng(item, "people")

    def person() -> str:
        return f"{rng.choice(FIRST)} {rng.choice(LAST)}"

    roles = [(person(), f"{rng.choice(FIRST)} {rng.choice(('Sr.', 'the Elder', ''))}".strip())]
    roles += [(person(), rng.choice(FIRST)) for _ in range(2)]
    return [person()], roles


def media_traits(item: Item) -> dict[str, object]:
    """Codec and resolution of the item's (only) Media, stable per item."""
    rng = _rng(item, "media")
    width, height, res = rng.choice(((1920, 800, "1080"), (1280, 720, "720"), (3840, 1600, "4k")))
    return {
        "bitrate": rng.randint(1800, 24000),
        "width": width,
        "height": height,
        "aspectRatio": round(width / height, 2),
        "audioChannels": rng.choice((2, 6)),
        "audioCodec": rng.choice(("aac", "eac3", "ac3")),
        "videoCodec": rng.choice(("h264", "hevc")),
        "videoResolution": res,
        "container": rng.choice(("mkv", "mp4")),
        "videoFrameRate": "24p",
        "videoProfile": "high",
    }
