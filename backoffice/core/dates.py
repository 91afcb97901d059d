"""Dates and times people type and read.

The range of business dates: a document, entry, rate, payment or stock date, a fiscal
year, outside 1970-01-01..2200-12-31 can only be a typo (1900 for 2019, 20266 for 2026),
so it is refused with words before it is stored or posted.

Times are stored in UTC and shown in a zone that is always named (`local_text`): the
viewer's own (`core.middleware.ViewerTimezoneMiddleware`), or a client's where the client's
clock is what matters (an SLA due time)."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.utils import timezone

from backoffice.core.errors import DomainError, field_label

FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2200, 12, 31)
RANGE_WORDS = f"a date from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}"
YEAR_WORDS = f"a year from {FIRST_DAY.year} to {LAST_DAY.year}"


def date_problem(value: Any) -> str | None:
    """What is wrong with a business date, in words, or None."""
    if not isinstance(value, date):
        return "a date (YYYY-MM-DD) is required"
    if not FIRST_DAY <= value <= LAST_DAY:
        return RANGE_WORDS
    return None


def check_date(value: Any, *, field: str = "date", code: str | None = None) -> date:
    """`value` if it is a date within the range, else a DomainError naming `field`."""
    problem = date_problem(value)
    if problem:
        raise DomainError(
            f"{field_label(field).capitalize()}: {problem}.", code=code, fields={field: [problem]}
        )
    return value  # type: ignore[no-any-return]


def check_optional_date(value: Any, *, field: str, code: str | None = None) -> date | None:
    return None if value is None else check_date(value, field=field, code=code)


def check_year(value: Any, *, field: str = "year", code: str | None = None) -> int:
    """A calendar year within the range (a fiscal year's first year, say)."""
    if isinstance(value, bool) or not isinstance(value, int):
        problem: str | None = "a year (a whole number)"
    else:
        problem = None if FIRST_DAY.year <= value <= LAST_DAY.year else YEAR_WORDS
    if problem:
        raise DomainError(
            f"{field_label(field).capitalize()}: {problem}.", code=code, fields={field: [problem]}
        )
    return int(value)


# --- times as the viewer reads them ---------------------------------------------------------


def zone_label(zone: tzinfo | str | None) -> str:
    """A time zone as people name it: `America/New_York` -> "New York time", UTC -> "UTC"."""
    key = zone if isinstance(zone, str) else getattr(zone, "key", None) or str(zone or "UTC")
    if key in ("UTC", "Etc/UTC", "GMT", "Z", ""):
        return "UTC"
    city = key.rsplit("/", 1)[-1].replace("_", " ")
    return f"{city} time"


def local_text(
    value: datetime | None, zone: tzinfo | str | None = None, *, seconds: bool = False
) -> str:
    """A stored (UTC) time shown in `zone`, default the viewer's active zone, with the zone
    named: "2026-11-30 17:05 Manila time". A naive time is taken to be UTC."""
    if value is None:
        return ""
    if isinstance(zone, str):
        try:
            zone = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            zone = UTC
    target = zone or timezone.get_current_timezone()
    if timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    shown = value.astimezone(target)
    text = shown.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    return f"{text} {zone_label(target)}"


def zone_problem(name: str) -> str | None:
    """What is wrong with a time zone name a person typed, in words, or None."""
    if not name or name not in available_zones():
        return "choose a time zone from the list, such as Europe/Paris or America/New_York"
    return None


@lru_cache(maxsize=1)
def available_zones() -> tuple[str, ...]:
    """The IANA zone names people may choose, sorted, UTC first (no `Etc/` aliases)."""
    names = (
        z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))
    )
    return ("UTC", *sorted(names))
