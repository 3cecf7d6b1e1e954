"""The fake TMDB behind the fake Overseerr: a deterministic catalog of movies, shows and people.

Overseerr gets titles, years, posters and seasons from TMDB; the fake builds them from a seed.
Ids look like TMDB ids (movies and shows drawn from separate ranges so a test can never mix
them up), posters are ``/p<id>.jpg`` and backdrops ``/b<id>.jpg`` (served as generated JPEGs
by ``/__fake__/tmdb/t/p/...``). A fixed set of tricky titles (quotes, ``&``, ``+``, ``:``,
non-ASCII, an emoji, ``<script>``, a remake with the same title) is always present, because
those are what break clients. :func:`demo_catalog_entries` gives other fakes (Plex) the list of
``(tmdb_id, title, year, media_type)`` to align their libraries with.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field

MOVIE_GENRES = (28, 12, 16, 35, 80, 99, 18, 10751, 14, 36, 27, 10402, 9648, 10749, 878, 53, 37)
TV_GENRES = (10759, 16, 35, 80, 99, 18, 10751, 10762, 9648, 10765, 10768)
GENRE_NAMES = {
    28: "Action", 12: "Adventure", 16: "Animation", 35: "Comedy", 80: "Crime",
    99: "Documentary", 18: "Drama", 10751: "Family", 14: "Fantasy", 36: "History",
    27: "Horror", 10402: "Music", 9648: "Mystery", 10749: "Romance", 878: "Science Fiction",
    53: "Thriller", 37: "Western", 10759: "Action & Adventure", 10762: "Kids",
    10765: "Sci-Fi & Fantasy", 10768: "War & Politics",
}  # fmt: skip

_ADJ = (
    "Silent", "Crimson", "Hidden", "Last", "Broken", "Golden", "Midnight", "Frozen", "Electric",
    "Wandering", "Forgotten", "Burning", "Velvet", "Hollow", "Distant", "Savage", "Gentle",
    "Iron", "Paper", "Neon", "Secret", "Lonely", "Wild", "Quiet", "Bright",
)  # fmt: skip
_NOUN = (
    "Harbor", "Orchard", "Signal", "Empire", "Garden", "Voyage", "Witness", "Lantern", "River",
    "Kingdom", "Machine", "Mirror", "Summer", "Frontier", "Island", "Circuit", "Promise",
    "Shadow", "Compass", "Letter", "Station", "Tide", "Meadow", "Engine", "Crown",
)  # fmt: skip
_PLACE = ("Paris", "the North", "Avalon", "Mars", "Brooklyn", "the Valley", "Lisbon", "Kyoto")
_VERBS = (
    "must confront", "slowly uncovers", "races against time to stop", "falls for",
    "is haunted by", "sets out to find", "reluctantly joins", "tries to outwit",
)  # fmt: skip
_WHO = (
    "A retired cartographer", "Two estranged sisters", "A small-town detective",
    "An ambitious chef", "A stranded astronaut", "A teenage inventor", "A weary ferry captain",
    "A famous magician",
)  # fmt: skip
_WHAT = (
    "a secret that could change everything.", "the family they left behind.",
    "a conspiracy reaching the highest office.", "an old friend with a dangerous plan.",
    "the storm of the century.", "a rival who knows too much.",
)  # fmt: skip
_FIRST = ("Ada", "Bruno", "Chiara", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas")
_LAST = ("Moreau", "Okafor", "Lindqvist", "Tanaka", "Silva", "Novak", "Byrne", "Haddad")

# (title, original title, year, original language) of movies every seed contains.
_TRICKY_MOVIES: tuple[tuple[str, str, int, str], ...] = (
    ('The "Quoted" Heist', 'The "Quoted" Heist', 2011, "en"),
    ("Tom & Jerry's Midnight Run", "Tom & Jerry's Midnight Run", 1998, "en"),
    ("Amélie's Crème Brûlée", "Amélie's Crème Brûlée", 2004, "fr"),
    ("Tokyo Nights", "東京の夜", 1987, "ja"),
    ("<script>alert(1)</script> Night", "<script>alert(1)</script> Night", 2020, "en"),
    ("Mission: Improbable", "Mission: Improbable", 2015, "en"),
    ("100% Pure", "100% Pure", 2009, "en"),
    ("C++ for Lovers", "C++ for Lovers", 2013, "en"),
    ("What/If?", "What/If?", 2022, "en"),
    ("Pizza 🍕 Party", "Pizza 🍕 Party", 2019, "en"),
    ("Halcyon", "Halcyon", 1984, "en"),
    ("Halcyon", "Halcyon", 2019, "en"),
    ("Star Voyage", "Star Voyage", 1979, "en"),
    ("Star Voyage II: The Return", "Star Voyage II: The Return", 1982, "en"),
    ("Ørsted's Bridge; or, Why We Cross…", "Ørsteds bro", 2016, "da"),
    (
        "The Extraordinarily Long and Winding Chronicle of a Man Who Wanted Only to Return "
        "a Library Book Before the Deadline",
        "The Extraordinarily Long and Winding Chronicle of a Man Who Wanted Only to Return "
        "a Library Book Before the Deadline",
        2001,
        "en",
    ),
)
# (name, first air year, seasons, with specials) of shows every seed contains.
_TRICKY_SHOWS: tuple[tuple[str, int, int, bool], ...] = (
    ("Law & Order: Nest Division", 2003, 9, True),
    ('The "Office" Hours', 2012, 4, False),
    ("Ça Commence Ici", 2020, 3, False),
    ("<b>Bold</b> Sitcom", 2018, 2, False),
    ("The Long Runner", 1995, 15, True),
    ("Specials Only", 2021, 0, True),  # "seasons": "all" finds nothing to request → 202
)

_MOVIE_ID_RANGE = (10_000, 900_000)
_SHOW_ID_RANGE = (1_000_000, 1_300_000)


@dataclass(frozen=True)
class CatalogSeason:
    season_number: int
    episode_count: int
    air_date: str
    id: int


@dataclass(frozen=True)
class CatalogItem:
    """One TMDB title. ``title`` is the movie title or the show name."""

    tmdb_id: int
    media_type: str  # "movie" | "tv"
    title: str
    original_title: str
    year: int
    date: str  # releaseDate / firstAirDate
    overview: str
    genre_ids: tuple[int, ...]
    original_language: str
    popularity: float
    vote_average: float
    vote_count: int
    imdb_id: str | None = None
    tvdb_id: int | None = None
    runtime: int = 0
    seasons: tuple[CatalogSeason, ...] = ()
    cast: tuple[str, ...] = ()

    @property
    def poster_path(self) -> str:
        return f"/p{self.tmdb_id}.jpg"

    @property
    def backdrop_path(self) -> str:
        return f"/b{self.tmdb_id}.jpg"

    def regular_seasons(self) -> list[int]:
        """Season numbers ``"seasons": "all"`` expands to (Overseerr skips season 0)."""
        return [s.season_number for s in self.seasons if s.season_number > 0]

    def season(self, number: int) -> CatalogSeason | None:
        return next((s for s in self.seasons if s.season_number == number), None)


@dataclass(frozen=True)
class CatalogPerson:
    id: int
    name: str
    popularity: float
    known_for: tuple[int, ...]  # tmdb ids of movies

    @property
    def profile_path(self) -> str:
        return f"/h{self.id}.jpg"


def fold(text: str) -> str:
    """Case- and accent-insensitive form, the way TMDB search matches."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass
class Catalog:
    movies: dict[int, CatalogItem] = field(default_factory=dict)
    shows: dict[int, CatalogItem] = field(default_factory=dict)
    people: dict[int, CatalogPerson] = field(default_factory=dict)

    def get(self, media_type: str, tmdb_id: int) -> CatalogItem | None:
        return (self.movies if media_type == "movie" else self.shows).get(tmdb_id)

    def add(self, item: CatalogItem) -> CatalogItem:
        (self.movies if item.media_type == "movie" else self.shows)[item.tmdb_id] = item
        return item

    def entries(self) -> list[tuple[int, str, int, str]]:
        """``(tmdb_id, title, year, media_type)`` of every title, movies first."""
        items = [*self.movies.values(), *self.shows.values()]
        return [(i.tmdb_id, i.title, i.year, i.media_type) for i in items]

    def search(self, query: str) -> list[CatalogItem | CatalogPerson]:
        """Titles and people whose (original) title or name contains the query, best first."""
        needle = fold(query.strip())
        if not needle:
            return []
        hits: list[CatalogItem | CatalogPerson] = [
            item
            for item in [*self.movies.values(), *self.shows.values()]
            if needle in fold(item.title) or needle in fold(item.original_title)
        ]
        hits += [p for p in self.people.values() if needle in fold(p.name)]
        return sorted(
            hits, key=lambda h: (-h.popularity, h.id if isinstance(h, CatalogPerson) else h.tmdb_id)
        )


def _overview(rng: random.Random) -> str:
    return f"{rng.choice(_WHO)} {rng.choice(_VERBS)} {rng.choice(_WHAT)}"


def _generated_titles(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    patterns = (
        "The {a} {n}",
        "{n} of {p}",
        "{a} {n}s",
        "A {n} in {p}",
        "{n}: The {a} {n2}",
        "The {n} and the {n2}",
    )
    titles: list[str] = []
    while len(titles) < count:
        title = rng.choice(patterns).format(
            a=rng.choice(_ADJ), n=rng.choice(_NOUN), n2=rng.choice(_NOUN), p=rng.choice(_PLACE)
        )
        if title.startswith("A ") and title[2] in "AEIOU":
            title = "An" + title[1:]
        if title not in taken:
            taken.add(title)
            titles.append(title)
    return titles


def _cast(rng: random.Random) -> tuple[str, ...]:
    return tuple(f"{rng.choice(_FIRST)} {rng.choice(_LAST)}" for _ in range(3))


def _movie(rng: random.Random, tmdb_id: int, spec: tuple[str, str, int, str]) -> CatalogItem:
    title, original, year, language = spec
    return CatalogItem(
        tmdb_id=tmdb_id,
        media_type="movie",
        title=title,
        original_title=original,
        year=year,
        date=f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        overview=_overview(rng),
        genre_ids=tuple(sorted(rng.sample(MOVIE_GENRES, rng.randint(1, 3)))),
        original_language=language,
        popularity=round(rng.uniform(1, 250), 3),
        vote_average=round(rng.uniform(4, 9), 1),
        vote_count=rng.randint(10, 30_000),
        imdb_id=f"tt{rng.randint(100_000, 9_999_999):07d}",
        runtime=rng.randint(78, 172),
        cast=_cast(rng),
    )


def _show(
    rng: random.Random, tmdb_id: int, name: str, year: int, count: int, specials: bool
) -> CatalogItem:
    numbers = ([0] if specials else []) + list(range(1, count + 1))
    seasons = tuple(
        CatalogSeason(
            season_number=n,
            episode_count=rng.randint(3, 8) if n == 0 else rng.randint(6, 22),
            air_date=f"{year + max(n - 1, 0)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            id=tmdb_id * 100 + n,
        )
        for n in numbers
    )
    return CatalogItem(
        tmdb_id=tmdb_id,
        media_type="tv",
        title=name,
        original_title=name,
        year=year,
        date=f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        overview=_overview(rng),
        genre_ids=tuple(sorted(rng.sample(TV_GENRES, rng.randint(1, 2)))),
        original_language="fr" if name.startswith("Ça") else "en",
        popularity=round(rng.uniform(1, 250), 3),
        vote_average=round(rng.uniform(4, 9), 1),
        vote_count=rng.randint(10, 20_000),
        tvdb_id=rng.randint(70_000, 450_000),
        runtime=rng.choice((22, 30, 45, 60)),
        seasons=seasons,
        cast=_cast(rng),
    )


def build_catalog(seed: int = 1, movies: int = 150, shows: int = 40, people: int = 6) -> Catalog:
    """A deterministic catalog: the tricky titles plus generated ones up to the counts."""
    rng = random.Random(seed)
    catalog = Catalog()
    movie_ids = sorted(rng.sample(range(*_MOVIE_ID_RANGE), movies))
    rng.shuffle(movie_ids)
    taken = {t[0] for t in _TRICKY_MOVIES} | {s[0] for s in _TRICKY_SHOWS}
    movie_specs = list(_TRICKY_MOVIES[:movies])
    movie_specs += [
        (t, t, rng.randint(1950, 2025), "en")
        for t in _generated_titles(rng, movies - len(movie_specs), taken)
    ]
    for tmdb_id, spec in zip(movie_ids, movie_specs, strict=True):
        catalog.add(_movie(rng, tmdb_id, spec))
    show_ids = rng.sample(range(*_SHOW_ID_RANGE), shows)
    show_specs = list(_TRICKY_SHOWS[:shows])
    show_specs += [
        (t, rng.randint(1990, 2025), rng.randint(1, 8), rng.random() < 0.2)
        for t in _generated_titles(rng, shows - len(show_specs), taken)
    ]
    for tmdb_id, (name, year, count, specials) in zip(show_ids, show_specs, strict=True):
        catalog.add(_show(rng, tmdb_id, name, year, count, specials))
    movie_list = list(catalog.movies)
    for index in range(people):
        person_id = 5_000_000 + index * 7919
        name = f"{_FIRST[index % len(_FIRST)]} {_LAST[(index * 3) % len(_LAST)]}"
        known = tuple(rng.sample(movie_list, 3))
        catalog.people[person_id] = CatalogPerson(
            person_id, name, round(rng.uniform(1, 40), 3), known
        )
    return catalog


def demo_catalog_entries(seed: int = 1) -> list[tuple[int, str, int, str]]:
    """``(tmdb_id, title, year, media_type)`` of the demo catalog, for aligning other fakes."""
    return build_catalog(seed).entries()
