"""Time: stored in UTC, shown in the viewer's zone, fiscal years as FDA counts them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, available_timezones

DEFAULT_TIMEZONE = "America/New_York"
#: The zone the program counts its days in (FDA headquarters, Eastern Time). "Today",
#: fiscal years and "overdue" mean the same day to every viewer, page, export and the API;
#: a viewer's own zone only changes how a moment is shown.
PROGRAM_TIMEZONE = DEFAULT_TIMEZONE


def utcnow() -> datetime:
    """Now, aware, in UTC. One place to read the clock, so tests can move it."""
    return datetime.now(UTC)


def program_today() -> date:
    """Today in the program's zone: the day a target date or a link's expiry is judged by."""
    return to_local(utcnow(), PROGRAM_TIMEZONE).date()


def fiscal_year(day: date) -> int:
    """U.S. federal fiscal year N runs 1 October of N-1 to 30 September of N."""
    return day.year + 1 if day.month >= 10 else day.year


def fiscal_year_bounds(year: int) -> tuple[date, date]:
    """First and last day of federal fiscal year ``year``."""
    return date(year - 1, 10, 1), date(year, 9, 30)


def zone(name: str | None) -> ZoneInfo:
    return ZoneInfo(name or DEFAULT_TIMEZONE)


_ZONES: list[str] | None = None


def timezone_choices() -> list[str]:
    """Every IANA zone name, sorted, for select lists."""
    global _ZONES
    if _ZONES is None:
        _ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))
        _ZONES.append("UTC")
    return _ZONES


def is_valid_timezone(name: str) -> bool:
    return name in set(timezone_choices())


def to_local(moment: datetime, zone_name: str | None) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone(zone_name))


class LocalTimeError(ValueError):
    """A wall-clock time that cannot be turned into one moment."""


def local_to_utc(wall_clock: datetime, zone_name: str) -> datetime:
    """A naive wall-clock time in ``zone_name`` as an aware UTC moment.

    Refuses a time skipped when the clocks go forward (e.g. 02:30 on the
    second Sunday of March in New York): no such moment exists, and guessing
    would put the meeting an hour from where the scheduler meant.
    An hour that happens twice when the clocks go back means its first
    occurrence (PEP 495 fold=0). The one conversion of a typed time: meetings,
    deadline extensions and logged calls all go through it.
    """
    if not is_valid_timezone(zone_name):
        raise LocalTimeError(f"{zone_name!r} is not a time zone this portal knows.")
    local_zone = ZoneInfo(zone_name)
    naive = wall_clock.replace(tzinfo=None)
    moment = naive.replace(tzinfo=local_zone, fold=0).astimezone(UTC)
    if moment.astimezone(local_zone).replace(tzinfo=None) != naive:
        raise LocalTimeError(
            f"{naive:%H:%M} on {naive.day} {naive:%B %Y} does not exist in {zone_name}: "
            "the clocks go forward that night. Choose another time."
        )
    return moment


def format_local(moment: datetime | None, zone_name: str | None, *, with_zone: bool = True) -> str:
    """E.g. "Tue 3 Mar 2026, 10:00 EST" -- the zone is always named (SPEC 7)."""
    if moment is None:
        return ""
    local = to_local(moment, zone_name)
    text = f"{local:%a} {local.day} {local:%b %Y, %H:%M}"
    return f"{text} {local.tzname()}" if with_zone else text


def format_date(day: date | datetime | None) -> str:
    if day is None:
        return ""
    return f"{day.day} {day:%b %Y}"
