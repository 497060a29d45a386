"""The time-zone lists people choose from (issue 16).

Every IANA name, obsolete aliases included (Africa/Asmera, US/Eastern), made a
519-line list nobody could use. The list now holds the zones of tzdata's
``zone.tab`` (one or more per country, no backward-compatible aliases), the
U.S. zones first, then the zones of the country in question, then the rest.
A stored zone that is not listed (an alias chosen before) is still accepted and
shown, so nobody's setting silently changes.
"""

from __future__ import annotations

from functools import cache, lru_cache
from importlib import resources

from wtforms import SelectChoice

from portal.timeutil import timezone_choices

#: The U.S. zones people mean, most populous first, with the names they use for them.
US_ZONES = (
    ("America/New_York", "U.S. Eastern Time (New York)"),
    ("America/Chicago", "U.S. Central Time (Chicago)"),
    ("America/Denver", "U.S. Mountain Time (Denver)"),
    ("America/Phoenix", "U.S. Mountain Time without daylight saving (Phoenix)"),
    ("America/Los_Angeles", "U.S. Pacific Time (Los Angeles)"),
    ("America/Anchorage", "U.S. Alaska Time (Anchorage)"),
    ("Pacific/Honolulu", "U.S. Hawaii Time (Honolulu)"),
    ("America/Puerto_Rico", "U.S. Atlantic Time (Puerto Rico)"),
)
US_GROUP = "United States"
OTHER_GROUP = "All other zones"


def _tab(name: str) -> list[list[str]]:
    text = resources.files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@cache
def _country_names() -> dict[str, str]:
    """ISO 3166 code -> the name tzdata gives the country (``iso3166.tab``)."""
    return {row[0]: row[1] for row in _tab("iso3166.tab")}


@cache
def _zones_by_country() -> dict[str, tuple[str, ...]]:
    zones: dict[str, list[str]] = {}
    for row in _tab("zone.tab"):
        zones.setdefault(row[0], []).append(row[2])
    return {code: tuple(sorted(names)) for code, names in zones.items()}


@cache
def listed_zones() -> tuple[str, ...]:
    """Every zone offered: the canonical zones of zone.tab and UTC, no aliases."""
    every = {zone for names in _zones_by_country().values() for zone in names}
    return tuple(sorted(every)) + ("UTC",)


#: Country names as sites record them that tzdata spells differently.
_COUNTRY_ALIASES = {
    "united states of america": "US",
    "usa": "US",
    "u.s.": "US",
    "united kingdom": "GB",
    "uk": "GB",
    "czech republic": "CZ",
    "czechia": "CZ",
    "south korea": "KR",
    "korea, republic of": "KR",
    "republic of korea": "KR",
    "russia": "RU",
    "taiwan": "TW",
    "vietnam": "VN",
    "viet nam": "VN",
}


def country_code(country: str | None) -> str | None:
    """A site's country (a name, or already a code) as the ISO code tzdata uses."""
    if not country:
        return None
    wanted = country.strip()
    if wanted.upper() in _country_names():
        return wanted.upper()
    if wanted.lower() in _COUNTRY_ALIASES:
        return _COUNTRY_ALIASES[wanted.lower()]
    for code, name in _country_names().items():
        if name.lower() == wanted.lower():
            return code
    return None


@cache
def _every_zone() -> frozenset[str]:
    """Every name zoneinfo knows, aliases included: what a stored value may be."""
    return frozenset(timezone_choices())


def zone_label(zone: str) -> str:
    return dict(US_ZONES).get(zone) or zone.replace("_", " ").replace("/", " / ")


def zone_choices(country: str | None = None, current: str | None = None) -> list[SelectChoice]:
    """The select's options in groups: U.S. zones, the country's zones, all the others.

    ``current`` (a stored value) is kept as an option even when it is an alias no
    longer offered, so re-saving a form never fails on it.
    """
    # Fresh choices each time (SelectChoice is mutable and a form owns its own), from
    # labels made once: labelling 420 zones on every page cost a millisecond (issue 15).
    return [
        SelectChoice(value, label, optgroup=group)
        for value, label, group in _zone_options(country, current)
    ]


@lru_cache(maxsize=256)
def _zone_options(country: str | None, current: str | None) -> tuple[tuple[str, str, str], ...]:
    us = [zone for zone, _ in US_ZONES]
    code = country_code(country)
    country_zones = (
        [z for z in _zones_by_country().get(code or "", ()) if z not in us]
        if code and code != "US"
        else []
    )
    shown = set(us) | set(country_zones)
    options = [(zone, zone_label(zone), US_GROUP) for zone in us]
    if country_zones:
        group = _country_names().get(code, country or "")
        options += [(z, zone_label(z), group) for z in country_zones]
    rest = [z for z in listed_zones() if z not in shown]
    if current and current not in shown and current not in rest and current in _every_zone():
        rest = sorted([*rest, current])
    options += [(z, zone_label(z), OTHER_GROUP) for z in rest]
    return tuple(options)
